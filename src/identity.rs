//! Identity subcommands and bootstrap: `portal staff add`, and the demo tenant with a one-time
//! login link on the first embedded start (`portal token …` is in `tokens`).

use crate::settings::{Settings, root_cause};
use anyhow::{Context, bail};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::user::{LinkPurpose, User, UserCommand};
use portal_domain::values::{Email, Name};
use portal_domain::{Actor, DomainError, TenantId, UserId};
use portal_eventlog::executor::load;
use portal_eventlog::{CommandContext, ExecuteError, Metadata, Store, StreamId, execute};
use portal_identity::Db;
use portal_identity::tokens::{self, MintRequest, Minted};
use time::OffsetDateTime;
use url::Url;

/// The demo carrier of a fresh embedded install.
const DEMO_TENANT: &str = "demo";
const DEMO_TENANT_NAME: &str = "Demo Carrier";
const DEMO_STAFF: &str = "staff@demo.example";

fn operator(tenant: &TenantId) -> CommandContext {
    CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::Operator),
        idempotency: None,
    }
}

/// Registers the identity of `email` (a no-op when it exists) and returns its id.
pub async fn register(store: &Store, email: &Email) -> anyhow::Result<UserId> {
    let user_id = UserId::for_email(email);
    let realm = TenantId::identity();
    execute::<User>(
        store,
        &StreamId::of::<User>(&user_id),
        &operator(&realm),
        &UserCommand::RegisterUser {
            user_id,
            email: email.clone(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot register the identity: {}", root_cause(&e)))?;
    Ok(user_id)
}

/// Makes `email` staff of `tenant` (with a display name, or giving it one); false when nothing
/// changed.
pub async fn add_staff(
    store: &Store,
    tenant: &TenantId,
    email: &Email,
    name: Option<Name>,
) -> anyhow::Result<bool> {
    // The tenant first: a refused command must not leave an identity registered behind it.
    let (state, _, _) = load::<Tenant>(store, &StreamId::of::<Tenant>(tenant), tenant)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the tenant: {}", root_cause(&e)))?;
    if !state.exists {
        bail!("there is no tenant {tenant}: create it first with `portal tenant add`");
    }
    let user_id = register(store, email).await?;
    let command = TenantCommand::AddStaffMember {
        user_id,
        email: email.clone(),
        name,
    };
    match execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(tenant),
        &operator(tenant),
        &command,
    )
    .await
    {
        Ok(done) => Ok(done.changed()),
        Err(ExecuteError::Rejected(DomainError::NotFound(_))) => {
            bail!("there is no tenant {tenant}: create it first with `portal tenant add`")
        }
        Err(e) => bail!("cannot add the staff member: {}", root_cause(&e)),
    }
}

/// `portal staff add --tenant SLUG --email EMAIL [--name NAME]`.
pub async fn staff_add(
    settings: &Settings,
    tenant: &str,
    email: &str,
    name: Option<&str>,
) -> anyhow::Result<()> {
    let tenant = TenantId::parse(tenant).map_err(|e| anyhow::anyhow!("--tenant: {}", e.message))?;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {}", e.message))?;
    let name = name
        .map(|n| Name::parse(n).map_err(|e| anyhow::anyhow!("--name: {}", e.message)))
        .transpose()?;
    eprint!("{}", settings.describe("staff add"));
    let store = settings.open_migrated_store().await?;
    let login = settings
        .public_url
        .as_ref()
        .and_then(|u| u.join("login").ok())
        .map_or_else(|| "the portal's /login page".to_owned(), |u| u.to_string());
    let was_staff = load::<Tenant>(&store, &StreamId::of::<Tenant>(&tenant), &tenant)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the tenant: {}", root_cause(&e)))?
        .0
        .staff
        .iter()
        .any(|(_, e)| e == &email);
    let named = name.is_some();
    match (add_staff(&store, &tenant, &email, name).await?, was_staff) {
        (true, false) => {
            println!("{email} is now staff of {tenant}; they log in with a link from {login}")
        }
        (true, true) => println!("{email} of {tenant} has a new name"),
        (false, _) if named => println!("{email} was already staff of {tenant} with that name"),
        (false, _) => println!("{email} was already staff of {tenant}"),
    }
    Ok(())
}

/// On the first start of an embedded install (empty log): the demo tenant, a staff member, and a
/// one-time login link printed to the console (stdout, never the log). Returns the link.
pub async fn bootstrap_demo(
    store: &Store,
    db: &Db,
    public_url: &Url,
) -> anyhow::Result<Option<String>> {
    if store.head_position().await.context("cannot read the log")? > 0 {
        return Ok(None);
    }
    let tenant = TenantId::parse(DEMO_TENANT).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let name = Name::parse(DEMO_TENANT_NAME).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(&tenant),
        &operator(&tenant),
        &TenantCommand::CreateTenant {
            tenant_id: tenant.clone(),
            name,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot create the demo tenant: {}", root_cause(&e)))?;
    let email = Email::parse(DEMO_STAFF).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    add_staff(store, &tenant, &email, None).await?;
    let position = store.head_position().await.context("cannot read the log")?;
    let request = MintRequest {
        user_id: UserId::for_email(&email),
        email,
        purpose: LinkPurpose::Login,
        request_id: "bootstrap".to_owned(),
        request_position: position,
    };
    let now = OffsetDateTime::now_utc();
    // A day, not 15 minutes: whoever installs reads the console at their own pace. Later links
    // come by email with the normal lifetime.
    let ttl = std::time::Duration::from_secs(24 * 3600);
    match tokens::mint(db, &request, now, ttl)
        .await
        .context("cannot mint the first login link")?
    {
        Minted::Token(raw) => {
            let mut url = public_url
                .join("login/continue")
                .context("cannot build the login link")?;
            url.query_pairs_mut().append_pair("token", &raw);
            Ok(Some(url.to_string()))
        }
        Minted::Superseded => Ok(None),
    }
}
