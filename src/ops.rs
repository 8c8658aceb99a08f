//! Operations subcommands: `migrate`, `tenant add`, `events`.

use crate::settings::{Settings, root_cause};
use anyhow::{Context, bail};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::Name;
use portal_domain::{Actor, DomainError, TenantId};
use portal_eventlog::{CommandContext, ExecuteError, Metadata, StreamId, execute};
use std::io::Write;

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("migrate"));
    settings.open_migrated_store().await?;
    println!("migrations applied");
    Ok(())
}

pub async fn tenant_add(settings: &Settings, slug: &str, name: &str) -> anyhow::Result<()> {
    let tenant_id = TenantId::parse(slug).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let name = Name::parse(name).map_err(|e| anyhow::anyhow!("--name: {}", e.message))?;
    eprint!("{}", settings.describe("tenant add"));
    let store = settings.open_migrated_store().await?;
    let ctx = CommandContext {
        tenant: tenant_id.clone(),
        metadata: Metadata::new(Actor::Operator),
        idempotency: None,
    };
    let stream = StreamId::of::<Tenant>(&tenant_id);
    let command = TenantCommand::CreateTenant {
        tenant_id: tenant_id.clone(),
        name,
    };
    match execute::<Tenant>(&store, &stream, &ctx, &command).await {
        Ok(done) => {
            let position = done.append.map(|a| a.last_position).unwrap_or_default();
            println!("created tenant {tenant_id} (event log position {position})");
            Ok(())
        }
        Err(ExecuteError::Rejected(DomainError::AlreadyExists(_))) => {
            bail!("tenant {tenant_id} already exists")
        }
        Err(e) => bail!("cannot create the tenant: {}", root_cause(&e)),
    }
}

/// Prints the log as JSON lines, in pages so that memory stays flat on a long log; with `follow`,
/// then waits for commits and prints what comes (until Ctrl-C).
pub async fn events(
    settings: &Settings,
    after: i64,
    limit: Option<u64>,
    follow: bool,
) -> anyhow::Result<()> {
    const PAGE: u32 = 500;
    eprint!("{}", settings.describe("events"));
    let store = settings.open_migrated_store().await?;
    let mut listener = store.commit_listener().await;
    let stdout = std::io::stdout();
    let mut position = after;
    let mut remaining = limit.unwrap_or(u64::MAX);
    let mut stop = std::pin::pin!(crate::roles::shutdown_signal());
    while remaining > 0 {
        let page_size = u32::try_from(remaining.min(u64::from(PAGE))).unwrap_or(PAGE);
        let page = store
            .read_all(position, page_size)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the event log: {}", root_cause(&e)))?;
        let Some(last) = page.last() else {
            if !follow {
                break;
            }
            tokio::select! {
                _ = listener.wait_after(&store, position, std::time::Duration::from_secs(1)) => continue,
                () = &mut stop => break,
            }
        };
        position = last.position;
        let mut out = std::io::BufWriter::new(stdout.lock());
        for event in &page {
            serde_json::to_writer(&mut out, event).context("cannot write JSON")?;
            out.write_all(b"\n").context("cannot write to stdout")?;
        }
        out.flush().context("cannot write to stdout")?;
        remaining = remaining.saturating_sub(page.len() as u64);
    }
    Ok(())
}
