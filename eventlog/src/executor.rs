//! The generic write path: load the stream → fold → decide → append with the expected version.
//!
//! On a version conflict (someone appended between our load and our append) the command is
//! decided again on the fresh state, at most [`MAX_ATTEMPTS`] times in all, then
//! [`ExecuteError::Conflict`] (409 at the API). Commands are taken by reference so they can be
//! decided again; they must therefore carry everything from outside (ids, now, facts) up front.
//!
//! [`execute_many`] is the same path for a request that changes several things of one aggregate:
//! the commands are decided in turn and their events appended together, so a reader never sees
//! half a request and an audit groups it under one correlation id.

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
pub async fn execute_loaded<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    command: &A::Command,
    loaded: Option<(A::State, i64)>,
) -> Result<Executed<A>, ExecuteError> {
    let decide = |state: &A::State| A::decide(state, command).map(|events| (events, Vec::new()));
    let (executed, _) = run::<A>(store, stream, ctx, loaded, decide).await?;
    Ok(executed)
}

/// What [`execute_many`] did: the one append, and how many of its events each command produced
/// (in the order of the commands; also on an idempotent replay).
pub struct ExecutedMany<A: Aggregate> {
    pub executed: Executed<A>,
    pub per_command: Vec<usize>,
}

impl<A: Aggregate> std::fmt::Debug for ExecutedMany<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutedMany")
            .field("executed", &self.executed)
            .field("per_command", &self.per_command)
            .finish()
    }
}

impl<A: Aggregate> ExecutedMany<A> {
    /// Whether command `i` changed anything.
    pub fn changed(&self, i: usize) -> bool {
        self.per_command.get(i).is_some_and(|n| *n > 0)
    }
}

/// Runs several commands on one stream as one request: each is decided on the state the earlier
/// ones left, and all their events are appended at once (one transaction, one correlation id,
/// one idempotency key). A rejection of any command appends nothing. `loaded` as in
/// [`execute_loaded`].
pub async fn execute_many<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    commands: &[A::Command],
    loaded: Option<(A::State, i64)>,
) -> Result<ExecutedMany<A>, ExecuteError> {
    let decide = |state: &A::State| decide_all::<A>(state, commands);
    let (executed, per_command) = run::<A>(store, stream, ctx, loaded, decide).await?;
    Ok(ExecutedMany {
        executed,
        per_command,
    })
}

/// The events of `commands` decided in turn, each on the state after the earlier ones, and how
/// many each produced.
fn decide_all<A: Aggregate>(
    state: &A::State,
    commands: &[A::Command],
) -> Result<(Vec<A::Event>, Vec<usize>), DomainError> {
    let mut current = state.clone();
    let mut events = Vec::new();
    let mut per_command = Vec::with_capacity(commands.len());
    for command in commands {
        let produced = A::decide(&current, command)?;
        current = apply_all::<A>(&current, &produced);
        per_command.push(produced.len());
        events.extend(produced);
    }
    Ok((events, per_command))
}

/// The write path shared by [`execute_loaded`] and [`execute_many`]: `decide` yields the events
/// and a per-command split (empty for a single command).
#[instrument(skip_all, fields(category = A::CATEGORY, stream = %stream, tenant = %ctx.tenant))]
async fn run<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    mut loaded: Option<(A::State, i64)>,
    decide: impl Fn(&A::State) -> Result<(Vec<A::Event>, Vec<usize>), DomainError> + Send + Sync,
) -> Result<(Executed<A>, Vec<usize>), ExecuteError> {
    if let Some(idem) = &ctx.idempotency
        && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
    {
        return replay::<A>(store, stream, ctx, prior, &decide).await;
    }
    for attempt in 1..=MAX_ATTEMPTS {
        let (state, version) = match loaded.take() {
            Some(given) => given,
            None => {
                let (state, version, _) = load::<A>(store, stream, &ctx.tenant).await?;
                (state, version)
            }
        };
        let (events, per_command) = match decide(&state) {
            Ok(decided) => decided,
            // A twin request with the same key (a double click) may have committed between our
            // key lookup and our load: its result is ours, not a rejection.
            Err(rejection) => {
                return twin_or::<A>(store, stream, ctx, rejection.into(), &decide).await;
            }
        };
        if events.is_empty() {
            let executed = Executed {
                state,
                events,
                append: None,
            };
            return Ok((executed, per_command));
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
            Ok(result) if result.replayed => {
                return replay::<A>(store, stream, ctx, result, &decide).await;
            }
            Ok(result) => {
                let state = apply_all::<A>(&state, &events);
                let executed = Executed {
                    state,
                    events,
                    append: Some(result),
                };
                return Ok((executed, per_command));
            }
            Err(e) if e.is_conflict() => {
                if let Some(idem) = &ctx.idempotency
                    && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
                {
                    return replay::<A>(store, stream, ctx, prior, &decide).await;
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

type Decide<'a, A> = dyn Fn(&<A as Aggregate>::State) -> Result<(Vec<<A as Aggregate>::Event>, Vec<usize>), DomainError>
    + Send
    + Sync
    + 'a;

/// `error`, unless the command's idempotency key has been stored meanwhile: then the replay of
/// that first execution.
async fn twin_or<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    error: ExecuteError,
    decide: &Decide<'_, A>,
) -> Result<(Executed<A>, Vec<usize>), ExecuteError> {
    if let Some(idem) = &ctx.idempotency
        && let Some(prior) = store.find_idempotent(&ctx.tenant, idem).await?
    {
        return replay::<A>(store, stream, ctx, prior, decide).await;
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
/// the events it stored then. The per-command split is decided again on the state before those
/// events (decide is pure, so it yields the same events); if it no longer matches, it is left
/// empty rather than guessed.
async fn replay<A: Aggregate>(
    store: &Store,
    stream: &StreamId,
    ctx: &CommandContext,
    prior: AppendResult,
    decide: &Decide<'_, A>,
) -> Result<(Executed<A>, Vec<usize>), ExecuteError> {
    if &prior.stream_id != stream {
        return Err(ExecuteError::IdempotencyConflict);
    }
    let (_, _, history) = load::<A>(store, stream, &ctx.tenant).await?;
    let mut state = A::State::default();
    let mut before = None;
    let mut events = Vec::new();
    for (r, e) in history
        .into_iter()
        .take_while(|(r, _)| r.version <= prior.last_version)
    {
        if r.version >= prior.first_version {
            if before.is_none() {
                before = Some(state.clone());
            }
            events.push(e.clone());
        }
        state = A::evolve(state, &e);
    }
    let per_command = before
        .and_then(|b| decide(&b).ok())
        .filter(|(again, _)| again.len() == events.len())
        .map(|(_, split)| split)
        .unwrap_or_default();
    let executed = Executed {
        state,
        events,
        append: Some(AppendResult {
            replayed: true,
            ..prior
        }),
    };
    Ok((executed, per_command))
}
