//! Application services: the staff's use cases (create a customer, switch its portal, add a
//! contact, grant access, bulk quick actions, move an order's status, add a charge, …), shared by
//! the JSON API ([`crate::json`]) and the pages ([`crate::pages`]). Each takes the [`crate::AppState`],
//! the [`crate::auth::Caller`] and validated input, gathers the facts a command needs from the
//! event log, and runs it through [`crate::commands::run`].
