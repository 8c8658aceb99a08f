//! The subscription runner: drives a checkpointed [`Handler`] (projections, the notifier) from a
//! bus subscription, with the event log as the fallback for anything the bus lost.
//!
//! - At start, and whenever the bus is idle for a while, the handler catches up from the log
//!   (its own checkpoint → head). The bus only carries news, and lost news costs latency, never
//!   events.
//! - Each message carries `previousposition`. A handler whose checkpoint is below the first new
//!   event's previous position answers [`Handled::Gap`]; the runner then catches up from the log
//!   and offers the batch again (now all skipped).
//! - A batch is acknowledged after the handler committed it. On a handler error nothing is
//!   acknowledged: the messages come again (nak with delay) and are skipped if already applied.

use crate::bus::{Delivery, EventBus, Subscription};
use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::metrics;
use crate::store::Store;
use crate::wire::CloudEvent;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, instrument, warn};

/// An event with the position of the one published before it.
#[derive(Debug, Clone)]
pub struct Positioned {
    pub event: RecordedEvent,
    pub previous: i64,
}

/// What a handler did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Applied (or skipped as already applied) up to the batch's end.
    Applied,
    /// The batch starts after events the handler has not seen; it applied nothing. `checkpoint`
    /// is where the handler stands.
    Gap { checkpoint: i64 },
}

pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Events per read of a handler catching up from the log, unless it asks for another size (see
/// [`Handler::catch_up_batch`]).
pub const CATCH_UP_BATCH: u32 = 500;

/// A consumer of events that keeps its own checkpoint (in the same transaction as its effects).
///
/// Contract of `handle`: events come in increasing position, each with the position before it;
/// events at or below the checkpoint are skipped; it returns [`Handled::Gap`] rather than apply an
/// event whose `previous` is above its checkpoint.
pub trait Handler: Send + Sync {
    fn name(&self) -> &str;
    /// Events per read when catching up from the log. Every event read is held decoded (its
    /// payload as a JSON tree, a few kB) until the handler is done with the batch, so this bounds
    /// the memory of a handler far behind: handlers that write in bulk gain from larger batches,
    /// handlers that work event by event do not.
    fn catch_up_batch(&self) -> u32 {
        CATCH_UP_BATCH
    }
    /// The lowest position from which the handler needs events.
    fn checkpoint(&self) -> impl Future<Output = Result<i64, HandlerError>> + Send;
    fn handle(
        &self,
        events: &[Positioned],
    ) -> impl Future<Output = Result<Handled, HandlerError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Handler(HandlerError),
}

/// Feeds the handler from its checkpoint to the head of the log. Returns the events offered.
pub async fn catch_up<H: Handler>(
    store: &Store,
    handler: &H,
    batch: u32,
) -> Result<u64, CatchUpError> {
    let mut position = handler.checkpoint().await.map_err(CatchUpError::Handler)?;
    let mut offered = 0;
    loop {
        let events = store.read_all(position, batch).await?;
        if events.is_empty() {
            return Ok(offered);
        }
        let last = events.last().map_or(position, |e| e.position);
        let positioned = chain(position, events);
        offered += positioned.len() as u64;
        match handler
            .handle(&positioned)
            .await
            .map_err(CatchUpError::Handler)?
        {
            Handled::Applied => position = last,
            // Someone else moved the checkpoint (another process, a rebuild): follow it.
            Handled::Gap { checkpoint } => position = checkpoint,
        }
    }
}

/// Events read from the log, each linked to the one before (the first to `after`).
pub fn chain(after: i64, events: Vec<RecordedEvent>) -> Vec<Positioned> {
    let mut previous = after;
    events
        .into_iter()
        .map(|event| {
            let p = Positioned { event, previous };
            previous = p.event.position;
            p
        })
        .collect()
}

/// Runner settings.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Durable consumer name (one per role).
    pub consumer: String,
    pub max_batch: usize,
    /// Catch up from the log after this long without messages (safety net).
    pub idle: Duration,
}

impl RunnerConfig {
    pub fn new(consumer: impl Into<String>) -> Self {
        Self {
            consumer: consumer.into(),
            max_batch: 512,
            idle: Duration::from_secs(2),
        }
    }
}

/// Runs `handler` until `cancel`. Errors are logged and retried with backoff.
#[instrument(skip_all, fields(consumer = %config.consumer, handler = handler.name()))]
pub async fn run_subscription<B: EventBus, H: Handler>(
    store: Store,
    bus: B,
    handler: H,
    config: RunnerConfig,
    cancel: CancellationToken,
) {
    let mut backoff = Duration::from_millis(100);
    let mut subscription: Option<Subscription> = None;
    let mut needs_catch_up = true;
    while !cancel.is_cancelled() {
        if needs_catch_up {
            match catch_up(&store, &handler, handler.catch_up_batch()).await {
                Ok(n) => {
                    if n > 0 {
                        debug!(events = n, "caught up from the log");
                    }
                    needs_catch_up = false;
                }
                Err(e) => {
                    warn!(error = %e, "catch-up from the log failed; retrying");
                    pause(&cancel, &mut backoff).await;
                    continue;
                }
            }
        }
        let sub = match subscription.as_mut() {
            Some(s) => s,
            None => match bus.subscribe(&config.consumer).await {
                Ok(s) => subscription.insert(s),
                Err(e) => {
                    warn!(error = %e, "cannot subscribe; catching up from the log meanwhile");
                    needs_catch_up = true;
                    pause(&cancel, &mut backoff).await;
                    continue;
                }
            },
        };
        let deliveries = tokio::select! {
            r = sub.next_batch(config.max_batch, config.idle) => r,
            () = cancel.cancelled() => return,
        };
        let deliveries = match deliveries {
            Ok(d) if d.is_empty() => {
                needs_catch_up = true;
                continue;
            }
            Ok(d) => d,
            Err(e) => {
                warn!(error = %e, "subscription failed; resubscribing");
                subscription = None;
                needs_catch_up = true;
                pause(&cancel, &mut backoff).await;
                continue;
            }
        };
        match deliver(&store, &handler, &deliveries).await {
            Ok(()) => {
                backoff = Duration::from_millis(100);
                for d in deliveries {
                    d.ack().await;
                }
            }
            Err(e) => {
                warn!(error = %e, "handler failed; the batch will be redelivered");
                for d in deliveries {
                    d.nak(Duration::from_secs(1)).await;
                }
                pause(&cancel, &mut backoff).await;
            }
        }
    }
}

async fn pause(cancel: &CancellationToken, backoff: &mut Duration) {
    tokio::select! {
        () = tokio::time::sleep(*backoff) => {}
        () = cancel.cancelled() => {}
    }
    *backoff = (*backoff * 2).min(Duration::from_secs(5));
}

/// Hands one batch of messages to the handler, catching up from the log on a gap.
async fn deliver<H: Handler>(
    store: &Store,
    handler: &H,
    deliveries: &[Delivery],
) -> Result<(), CatchUpError> {
    let mut events: Vec<Positioned> = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        match CloudEvent::parse(&d.body).and_then(CloudEvent::into_recorded) {
            Ok((event, previous)) => events.push(Positioned { event, previous }),
            // Not ours (or corrupt): acknowledged and ignored; the log is the truth anyway.
            Err(e) => warn!(error = %e, "ignoring a message that is not a portal event"),
        }
    }
    // Redeliveries can interleave with news: restore log order, drop repeats.
    events.sort_by_key(|p| p.event.position);
    events.dedup_by_key(|p| p.event.position);
    if events.is_empty() {
        return Ok(());
    }
    // A batch whose messages are not contiguous (a redelivery between news) is split where the
    // chain breaks, so each part is judged by its own first `previous`.
    let mut start = 0;
    for i in 1..=events.len() {
        let breaks = i == events.len() || events[i].previous != events[i - 1].event.position;
        if !breaks {
            continue;
        }
        let part = &events[start..i];
        start = i;
        match handler.handle(part).await.map_err(CatchUpError::Handler)? {
            Handled::Applied => {}
            Handled::Gap { checkpoint } => {
                metrics::add(&metrics::SUBSCRIPTION_GAPS, 1);
                debug!(
                    checkpoint,
                    first = part[0].event.position,
                    "gap; catching up from the log"
                );
                catch_up(store, handler, handler.catch_up_batch()).await?;
                // Everything in `part` is now at or below the checkpoint: offered again, skipped.
                handler.handle(part).await.map_err(CatchUpError::Handler)?;
            }
        }
    }
    Ok(())
}
