//! [`Notifier`]: the event handler. It turns events into outbox rows and keeps its checkpoint
//! (table `notifier_checkpoints`) in the same transaction, then wakes the sender. It sends
//! nothing itself, so handling an event again can never send again.
//!
//! - `ContactAccessGranted` (category `contact`) → a `welcome` row, one per grant event.
//! - `LoginLinkRequested` (category `user`, identity realm) → a `login_link` row; the token is
//!   minted at send time, so it never sits in the database in the clear.
//! - Contact events update the notifier's contacts table ([`crate::directory`]) in the same
//!   transaction, before the news of later events is addressed.
//! - Order status changes and charge events → one row per recipient ([`crate::newsroom`]).
//! - Every other event only moves the checkpoint.

use crate::checkpoint::{Checkpoint, Start};
use crate::config::NotifierConfig;
use crate::directory;
use crate::error::NotifierError;
use crate::message::message_id;
use crate::metrics;
use crate::newsroom::Newsroom;
use crate::outbox::{self, MailContext, NewMail};
use portal_domain::contact::ContactEvent;
use portal_domain::user::UserEvent;
use portal_eventlog::codec;
use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned};
use portal_eventlog::{RecordedEvent, Store};
use portal_identity::db::{Db, millis};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Notify;
use tracing::{debug, error, instrument};

/// The notifier's event handler. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    db: Db,
    name: String,
    checkpoint: Checkpoint,
    domain: String,
    newsroom: Newsroom,
    wake: Arc<Notify>,
}

impl Notifier {
    /// A handler with checkpoint `config.checkpoint_name` and Message-IDs in the domain of
    /// `config.from`.
    pub fn new(db: Db, store: Store, config: &NotifierConfig) -> Self {
        Self {
            db,
            name: config.checkpoint_name.clone(),
            checkpoint: Checkpoint::new("notifier_checkpoints", config.checkpoint_name.clone()),
            domain: config.message_id_domain().to_owned(),
            newsroom: Newsroom::new(store, config),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Signals `wake` (the sender's) after each commit that queued emails.
    pub fn with_wake(mut self, wake: Arc<Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// What this handler signals after queueing emails.
    pub fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Moves the checkpoint (e.g. to 0 for a replay: every event is offered again, and nothing
    /// is queued twice). Back at 0 the contacts table starts empty again (see `handle_batch`), so
    /// that each event finds the contacts as they were at it. Only 0 and positions this handler
    /// reached before are meaningful: the contacts table is not rewound to a position between.
    pub async fn set_checkpoint(&self, position: i64) -> Result<(), sqlx::Error> {
        self.checkpoint.set(&self.db, position).await
    }

    /// The checkpoint: the position of the last event handled (0 before the first).
    pub async fn position(&self) -> Result<i64, sqlx::Error> {
        self.checkpoint.position(&self.db).await
    }

    /// The outbox row an event asks for, if any.
    fn mail_of(&self, event: &RecordedEvent) -> Option<NewMail> {
        let (recipient, context) = match (event.stream_id.category(), event.event_type.as_str()) {
            ("contact", "ContactAccessGranted") => match codec::decode::<ContactEvent>(event) {
                Ok(ContactEvent::ContactAccessGranted {
                    contact_id,
                    customer_id,
                    email,
                }) => (
                    email.to_string(),
                    MailContext::Welcome {
                        contact_id,
                        customer_id,
                    },
                ),
                Ok(_) => return None,
                Err(e) => return undecodable(event, &e),
            },
            ("user", "LoginLinkRequested") => match codec::decode::<UserEvent>(event) {
                Ok(UserEvent::LoginLinkRequested {
                    user_id,
                    email,
                    request_id,
                    purpose,
                }) => (
                    email.to_string(),
                    MailContext::LoginLink {
                        user_id,
                        request_id,
                        purpose,
                        requested_at: millis(event.recorded_at),
                    },
                ),
                Ok(_) => return None,
                Err(e) => return undecodable(event, &e),
            },
            _ => return None,
        };
        let event_id = event.event_id.to_string();
        Some(NewMail {
            message_id: message_id(&event_id, context.kind(), "", &self.domain),
            event_id,
            tenant: event.tenant.to_string(),
            position: event.position,
            recipient,
            recipient_key: String::new(),
            context,
            held: None,
        })
    }

    #[instrument(skip_all, fields(handler = %self.name, events = events.len()))]
    async fn handle_batch(&self, events: &[Positioned]) -> Result<Handled, NotifierError> {
        let mut tx = self.db.begin().await?;
        let (first, checkpoint) = match self
            .checkpoint
            .begin(&mut tx, self.db.backend(), events)
            .await?
        {
            Start::From { index, checkpoint } => (index, checkpoint),
            Start::Done => {
                tx.rollback().await?;
                return Ok(Handled::Applied);
            }
            Start::Gap { checkpoint } => {
                tx.rollback().await?;
                return Ok(Handled::Gap { checkpoint });
            }
        };
        if checkpoint == 0 {
            // From the start of the log (a first run, or a replay however the checkpoint was
            // reset): the contacts are rebuilt from the events, as they were at each.
            directory::clear(&mut tx, &self.name).await?;
        }
        let now = OffsetDateTime::now_utc();
        let mut queued = 0u64;
        let mut last = checkpoint;
        for p in &events[first..] {
            last = p.event.position;
            let event = &p.event;
            if event.stream_id.category() == "contact"
                && let Ok(contact_event) = codec::decode::<ContactEvent>(event)
            {
                directory::apply(&mut tx, &self.name, event.tenant.as_str(), &contact_event)
                    .await?;
            }
            let mut mails: Vec<_> = self.mail_of(event).into_iter().collect();
            mails.extend(self.newsroom.mails(&mut tx, event, now).await?);
            for mail in mails {
                if outbox::insert(&mut tx, &mail, now).await? {
                    queued += 1;
                    debug!(event_id = %mail.event_id, kind = mail.context.kind(), "email queued");
                }
            }
        }
        self.checkpoint.advance(&mut tx, last).await?;
        tx.commit().await?;
        if queued > 0 {
            metrics::add(&metrics::QUEUED, queued);
            self.wake.notify_one();
        }
        Ok(Handled::Applied)
    }
}

/// An event of ours that this build cannot read: logged and passed over (one lost email is
/// better than a notifier stuck for everyone).
fn undecodable<T>(event: &RecordedEvent, e: &portal_eventlog::ExecuteError) -> Option<T> {
    // The decoder's message may quote payload values (addresses): not logged.
    let _ = e;
    error!(event_id = %event.event_id, position = event.position,
        event_type = %event.event_type, schema_version = event.schema_version,
        "cannot decode the event; no email for it");
    None
}

impl Handler for Notifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        Ok(self.position().await?)
    }

    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        Ok(self.handle_batch(events).await?)
    }
}
