//! Server-rendered pages (maud). Handlers read through the [`crate::auth::Caller`] scope only.
//!
//! - [`context`]: [`context::PageCtx`], what every logged-in page has (the staff and portal
//!   extractors are it behind their role check).
//! - [`layout`]: the frame (header with scope, switcher and *Log out*), the login card, form
//!   helpers; [`errors`]: error pages and the fallback.
//! - [`auth_views`]: the login, link, *Continue*, reset and "no access" pages.
//! - [`home`]: `/` (onwards to the right home), the scope switcher, the staff home (with the
//!   emails that could not be delivered, and their retry).
//! - [`account`]: the user's page: time zone, password set and change; [`account_tokens`]: its
//!   API tokens card (list and revoke).
//! - [`orders`]: the staff's order page and the order parts the portal's shares.
//! - [`staff`]: the staff's pages (customers, contacts, quick actions, inbox, locations, audit).
//! - [`portal`]: the portal users' pages (dashboard, orders, order form, charges, address book,
//!   settings).
//! - [`webhooks`]: both roles' webhook pages (endpoints, delivery log, *Send again*), linked
//!   from their settings pages; [`webhooks_view`]: their markup.
//! - [`dev_mail`]: `/dev/mail`, the file transport's emails (embedded mode only).
//! - [`flash`]: one-time messages after a form POST, kept in the session.

pub mod account;
pub mod account_emails;
pub mod account_tokens;
pub mod auth_views;
pub mod context;
pub mod country;
pub mod dev_mail;
pub mod errors;
pub mod flash;
pub mod home;
pub mod layout;
pub mod order_content;
pub mod orders;
pub mod portal;
pub mod staff;
pub mod webhooks;
pub mod webhooks_view;
