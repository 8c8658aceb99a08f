//! Running a domain command as a [`Principal`]: the principal's tenant, the principal as the
//! actor in the event metadata, and the request's idempotency key (if any). Every write of the
//! use cases goes through [`run`], so a rejection is [`Error::Rejected`], a version conflict that
//! outlived the executor's retries and a key reused with different content are
//! [`Error::Conflict`]. A use case that changes several things of one aggregate runs them through
//! [`run_many`]: one append, one correlation id, one key. Each append is noted for the unit of
//! work's position ([`crate::positions`]).

use crate::{Context, Error, Principal};
use portal_domain::Aggregate;
use portal_eventlog::{
    CommandContext, Executed, ExecutedMany, Idempotency, Metadata, StreamId, execute,
    execute_loaded, execute_many,
};

/// Runs `command` on `stream` as `principal`, in the principal's tenant.
pub async fn run<A: Aggregate>(
    cx: &Context,
    principal: &Principal,
    stream: &StreamId,
    command: &A::Command,
    idempotency: Option<Idempotency>,
) -> Result<Executed<A>, Error> {
    let command_cx = command_context(principal, idempotency);
    let executed = execute::<A>(&cx.store, stream, &command_cx, command).await?;
    crate::positions::record(executed.append.as_ref());
    Ok(executed)
}

/// The principal's tenant, the principal as the actor, and the request's key.
fn command_context(principal: &Principal, idempotency: Option<Idempotency>) -> CommandContext {
    CommandContext {
        tenant: principal.tenant().clone(),
        metadata: Metadata::new(principal.actor()),
        idempotency,
    }
}

/// [`run`] deciding first on `current` at `version`, as the use case just loaded them from the
/// same stream in the principal's tenant (saves reading the stream twice; a stale state only
/// costs a retry on the version conflict).
pub async fn run_loaded<A: Aggregate>(
    cx: &Context,
    principal: &Principal,
    stream: &StreamId,
    command: &A::Command,
    idempotency: Option<Idempotency>,
    current: A::State,
    version: i64,
) -> Result<Executed<A>, Error> {
    let command_cx = command_context(principal, idempotency);
    let loaded = Some((current, version));
    let executed = execute_loaded::<A>(&cx.store, stream, &command_cx, command, loaded).await?;
    crate::positions::record(executed.append.as_ref());
    Ok(executed)
}

/// Runs several `commands` on one `stream` as `principal`: decided in turn, appended together
/// in one transaction under one correlation id and `idempotency`; a rejection of any appends
/// nothing. `loaded` as in [`run_loaded`].
pub async fn run_many<A: Aggregate>(
    cx: &Context,
    principal: &Principal,
    stream: &StreamId,
    commands: &[A::Command],
    idempotency: Option<Idempotency>,
    loaded: Option<(A::State, i64)>,
) -> Result<ExecutedMany<A>, Error> {
    let command_cx = command_context(principal, idempotency);
    let many = execute_many::<A>(&cx.store, stream, &command_cx, commands, loaded).await?;
    crate::positions::record(many.executed.append.as_ref());
    Ok(many)
}
