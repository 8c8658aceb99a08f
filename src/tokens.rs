//! `portal token create`, `portal token list`, `portal token revoke`: bearer tokens for
//! integrations. A raw token is printed once (stdout, never the log); lists show only its first
//! characters.

use crate::cli::TokenCommand;
use crate::settings::{Settings, root_cause};
use anyhow::Context;
use portal_api::auth::api_tokens::{self, TokenRequest};
use portal_app::token_admin::{self, TokenInfo};
use portal_domain::user::TokenScope;
use portal_domain::values::Email;
use portal_domain::{Actor, ApiTokenId, CustomerId, TenantId, UserId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Runs one `portal token` subcommand.
pub async fn run(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            tenant,
            email,
            customer,
            expires_in,
            name,
        } => {
            let tenant =
                TenantId::parse(&tenant).map_err(|e| anyhow::anyhow!("--tenant: {}", e.message))?;
            let email =
                Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {}", e.message))?;
            let customer = customer
                .map(|c| {
                    c.trim().parse::<CustomerId>().map_err(|_| {
                        anyhow::anyhow!("--customer: {c:?} is not a customer id (a UUID)")
                    })
                })
                .transpose()?;
            if !(1..=api_tokens::MAX_DAYS).contains(&expires_in) {
                anyhow::bail!("--expires-in: must be 1 to {} days", api_tokens::MAX_DAYS);
            }
            let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
            if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
                anyhow::bail!("--name: must be at most 100 characters");
            }
            let request = TokenRequest {
                tenant,
                email,
                customer,
                name,
                expires_in_days: expires_in,
            };
            create(settings, &request).await
        }
        TokenCommand::List { email } => {
            let owner = email
                .map(|e| {
                    Email::parse(&e)
                        .map(|e| UserId::for_email(&e))
                        .map_err(|e| anyhow::anyhow!("--email: {}", e.message))
                })
                .transpose()?;
            list(settings, owner).await
        }
        TokenCommand::Revoke { id } => {
            let id = id
                .trim()
                .parse::<uuid::Uuid>()
                .map_err(|_| anyhow::anyhow!("{id:?} is not a token id (a UUID)"))?;
            revoke(settings, ApiTokenId(id)).await
        }
    }
}

/// `portal token create`: prints the token once.
async fn create(settings: &Settings, request: &TokenRequest) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("token create"));
    let store = settings.open_migrated_store().await?;
    let read = crate::roles::open_read_db(settings).await?;
    // Candidate contacts come from the read models: bring them up to date with the log first, so
    // that a grant made a moment ago (e.g. by a script) counts.
    let projector = crate::roles::prepare_projector(&store, &read).await?;
    projector
        .apply_log(&store)
        .await
        .context("cannot bring the read models up to date")?;
    let db = crate::roles::open_db(settings).await?;
    let created = api_tokens::create(&store, &read, &db, request, OffsetDateTime::now_utc())
        .await
        .map_err(|e| anyhow::anyhow!("{}", root_cause(&e)))?;
    eprintln!(
        "token {} for {} ({}), expires {}; it is shown once, keep it secret",
        created.credential_id,
        request.email,
        scope_text(&created.scope),
        date(created.expires_at),
    );
    println!("{}", created.raw);
    Ok(())
}

/// `portal token list`: one line per token, tab-separated, newest first.
async fn list(settings: &Settings, owner: Option<UserId>) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("token list"));
    let store = settings.open_migrated_store().await?;
    let db = crate::roles::open_db(settings).await?;
    let tokens = token_admin::list(&store, &db, owner, OffsetDateTime::now_utc())
        .await
        .map_err(|e| anyhow::anyhow!("{}", root_cause(&e)))?;
    println!("id\tprefix\tname\towner\tscope\tcreated\texpires\tlast used\tstatus");
    for t in &tokens {
        println!("{}", line(t));
    }
    eprintln!("{} token(s)", tokens.len());
    Ok(())
}

/// `portal token revoke ID`.
async fn revoke(settings: &Settings, id: ApiTokenId) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("token revoke"));
    let store = settings.open_migrated_store().await?;
    let db = crate::roles::open_db(settings).await?;
    let now = OffsetDateTime::now_utc();
    let changed = token_admin::revoke(&store, &db, id, None, Actor::Operator, None, now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", root_cause(&e)))?;
    if changed {
        println!("token {id} is revoked");
    } else {
        println!("token {id} was already revoked");
    }
    Ok(())
}

fn line(t: &TokenInfo) -> String {
    let scope = match t.customer_id {
        None => format!("staff of {}", t.tenant),
        Some(c) => format!("portal user of customer {c} at {}", t.tenant),
    };
    let owner = t.email.clone().unwrap_or_else(|| t.user_id.to_string());
    [
        t.credential_id.to_string(),
        t.prefix
            .as_ref()
            .map_or_else(|| "-".to_owned(), |p| format!("{p}…")),
        t.name.clone().unwrap_or_else(|| "-".to_owned()),
        owner,
        scope,
        stamp(t.created_at),
        t.expires_at.map_or_else(|| "never".to_owned(), stamp),
        t.last_used_at.map_or_else(|| "never".to_owned(), stamp),
        t.status.as_str().to_owned(),
    ]
    .join("\t")
}

fn scope_text(scope: &TokenScope) -> String {
    match scope {
        TokenScope::Staff { tenant } => format!("staff of {tenant}"),
        TokenScope::Portal {
            tenant,
            customer_id,
        } => format!("portal user of customer {customer_id} at {tenant}"),
    }
}

/// An instant in UTC, to the second.
fn stamp(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

fn date(at: OffsetDateTime) -> String {
    at.date().to_string()
}
