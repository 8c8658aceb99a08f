//! The generic write path: load the stream → fold → decide → append with the expected version.
//!
//! On a version conflict (someone appended between our load and our append) the command is
//! decided again on the fresh state, at most [`MAX_ATTEMPTS`] times in all, then
//! [`ExecuteError::Conflict`] (409 at the API). Commands are taken by reference so they can be
//! decided again; they must therefore carry everything from outside (ids, now, facts) up front.

use crate::codec;
use crate::envelope::{AppendResult, Idempotency, Metadata, RecordedEvent, StreamId};
use crate::error::ExecuteError;
use crate::store::Store;
use portal_domain::{Aggregate, DomainError, TenantId, apply_all};
use tracing::{debug, instrument};

/// Attempts per command before giving up with a conflict.
pub const MAX_ATTEMPTS: u32 = 5;

/// Who runs a command, for whom, and under which idempotency key.
#[derive(Debug, Clone)]
pub struct CommandContext {
    pub tenant: TenantId,
    pub metadata: Metadata,
    pub idempotency: Option<Idempotency>,
}

/// What a command did.
pub struct Executed<A: Aggregate> {
    /// The aggregate's state after the command.
    pub state: A::State,
    /// The events the command produced: empty for a no-op; for an idempotent replay, the events
    /// the first execution stored.
    pub events: Vec<A::Event>,
    /// Where they were stored (`None` for a no-op).
    pub append: Option<AppendResult>,
}

// By hand: a derive would demand `A: Debug` of the marker type.
impl<A: Aggregate> std::fmt::Debug for Executed<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executed")
            .field("state", &self.state)
            .field("events", &self.events)
            .field("append", &self.append)
            .finish()
    }
}

impl<A: Aggregate> Executed<A> {
    pub fn changed(&self) -> bool {
        !self.events.is_empty()
    }

    /// Whether this is the first result of the same key again (nothing appended now).
    pub fn replayed(&self) -> bool {
        self.append.as_ref().is_some_and(|a| a.replayed)
    }
}

/// Runs `command` against the stream `stream` of aggregate `A` in `ctx.tenant`.
pub async fn execute<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    command: &A::Command,
) -> Result<Executed<A>, ExecuteError> {
    execute_loaded::<A>(store, stream, ctx, command, None).await
}

/// [`execute`] deciding its first attempt on `loaded`: the state and version the caller got from
/// [`load`] of the same `stream` in the same tenant (e.g. to build the command from it), so the
/// stream is not read twice. Safe when it is stale: the append expects its version, and a
/// conflict loads the stream afresh as in [`execute`].
#[instrument(skip_all, fields(category = A::CATEGORY, stream = %stream, tenant = %ctx.tenant))]
pub async fn execute_loaded<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    command: &A::Command,
    mut loaded: Option<(A::State, i64)>,
) -> Result<Executed<A>, ExecuteError> {
    if let Some(idem) = &ctx.idempotency
        && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
    {
        return replay::<A>(store, stream, ctx, prior).await;
    }
    for attempt in 1..=MAX_ATTEMPTS {
        let (state, version) = match loaded.take() {
            Some(given) => given,
            None => {
                let (state, version, _) = load::<A>(store, stream, &ctx.tenant).await?;
                (state, version)
            }
        };
        let events = match A::decide(&state, command) {
            Ok(events) => events,
            // A twin request with the same key (a double click) may have committed between our
            // key lookup and our load: its result is ours, not a rejection.
            Err(rejection) => return twin_or::<A>(store, stream, ctx, rejection.into()).await,
        };
        if events.is_empty() {
            return Ok(Executed {
                state,
                events,
                append: None,
            });
        }
        let new_events = events
            .iter()
            .map(|e| codec::encode(e, &ctx.metadata))
            .collect::<Result<Vec<_>, _>>()?;
        match store
            .append(
                &ctx.tenant,
                stream,
                version,
                &new_events,
                ctx.idempotency.as_ref(),
            )
            .await
        {
            // A concurrent request with the same key got there first.
            Ok(result) if result.replayed => return replay::<A>(store, stream, ctx, result).await,
            Ok(result) => {
                let state = apply_all::<A>(&state, &events);
                return Ok(Executed {
                    state,
                    events,
                    append: Some(result),
                });
            }
            Err(e) if e.is_conflict() => {
                if let Some(idem) = &ctx.idempotency
                    && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
                {
                    return replay::<A>(store, stream, ctx, prior).await;
                }
                debug!(attempt, "version conflict, deciding again");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ExecuteError::Conflict {
        stream: stream.to_string(),
        attempts: MAX_ATTEMPTS,
    })
}

/// `error`, unless the command's idempotency key has been stored meanwhile: then the replay of
/// that first execution.
async fn twin_or<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    error: ExecuteError,
) -> Result<Executed<A>, ExecuteError> {
    if let Some(idem) = &ctx.idempotency
        && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
    {
        return replay::<A>(store, stream, ctx, prior).await;
    }
    Err(error)
}

/// Loads and folds a stream: its state, its version (0 if it does not exist) and its history.
/// A stream that belongs to another tenant is reported as not found, so ids cannot be probed
/// across tenants.
pub async fn load<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    tenant: &TenantId,
) -> Result<(A::State, i64, Vec<(RecordedEvent, A::Event)>), ExecuteError> {
    let recorded = store.read_stream(stream).await?;
    if recorded.iter().any(|r| &r.tenant != tenant) {
        return Err(DomainError::NotFound(A::CATEGORY).into());
    }
    let mut state = A::State::default();
    let mut version = 0;
    let mut history = Vec::with_capacity(recorded.len());
    for r in recorded {
        let event: A::Event = codec::decode(&r)?;
        state = A::evolve(state, &event);
        version = r.version;
        history.push((r, event));
    }
    Ok((state, version, history))
}

/// The answer to a retried idempotent command: the state right after its first execution and
/// the events it stored then.
async fn replay<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    prior: AppendResult,
) -> Result<Executed<A>, ExecuteError> {
    if &prior.stream_id != stream {
        return Err(ExecuteError::IdempotencyConflict);
    }
    let (_, _, history) = load::<A>(store, stream, &ctx.tenant).await?;
    let mut state = A::State::default();
    let mut events = Vec::new();
    for (r, e) in history
        .into_iter()
        .take_while(|(r, _)| r.version <= prior.last_version)
    {
        state = A::evolve(state, &e);
        if r.version >= prior.first_version {
            events.push(e);
        }
    }
    Ok(Executed {
        state,
        events,
        append: Some(AppendResult {
            replayed: true,
            ..prior
        }),
    })
}
