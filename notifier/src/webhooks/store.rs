//! The endpoints (table `webhook_endpoints`, see `migrations/*/0009_webhooks.sql` and
//! `0007_webhooks.sql`): registering, listing, changing, disabling, enabling and deleting them,
//! always within an [`Owner`]'s scope (a tenant's staff, or one customer of a tenant), so an id
//! of another scope is simply not found.
//!
//! The secret is read only by [`secret`] (the dispatcher's claim reads it too); no listing
//! returns it.

use portal_identity::db::{Db, from_millis, millis};
use sqlx::Row as _;
use time::OffsetDateTime;

/// Whose endpoints: a tenant's staff, or one customer's portal users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub tenant: String,
    /// `None`: the staff's endpoints.
    pub customer_id: Option<String>,
}

/// An endpoint as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub tenant: String,
    pub customer_id: Option<String>,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
    pub enabled: bool,
    /// When its current run of failures began.
    pub failing_since: Option<OffsetDateTime>,
    /// When it was disabled after failing for too long.
    pub disabled_at: Option<OffsetDateTime>,
    pub owner_user_id: String,
    pub owner_email: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub id: String,
    pub owner: Owner,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
    pub secret: String,
    pub owner_user_id: String,
    pub owner_email: String,
}

const COLUMNS: &str = "id, tenant, customer_id, url, event_types, description, enabled, \
                       failing_since, disabled_at, owner_user_id, owner_email, created_at, updated_at";

fn scope_sql(owner: &Owner, first: usize) -> String {
    match owner.customer_id {
        Some(_) => format!("tenant = ${first} AND customer_id = ${}", first + 1),
        None => format!("tenant = ${first} AND customer_id IS NULL"),
    }
}

fn bind_scope<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    owner: &'q Owner,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let q = q.bind(owner.tenant.as_str());
    match &owner.customer_id {
        Some(c) => q.bind(c.as_str()),
        None => q,
    }
}

fn read(row: &sqlx::any::AnyRow) -> Result<Endpoint, sqlx::Error> {
    let types: String = row.try_get(4)?;
    Ok(Endpoint {
        id: row.try_get(0)?,
        tenant: row.try_get(1)?,
        customer_id: row.try_get(2)?,
        url: row.try_get(3)?,
        event_types: serde_json::from_str(&types).unwrap_or_default(),
        description: row.try_get(5)?,
        enabled: row.try_get::<i64, _>(6)? != 0,
        failing_since: row.try_get::<Option<i64>, _>(7)?.map(from_millis),
        disabled_at: row.try_get::<Option<i64>, _>(8)?.map(from_millis),
        owner_user_id: row.try_get(9)?,
        owner_email: row.try_get(10)?,
        created_at: from_millis(row.try_get(11)?),
        updated_at: from_millis(row.try_get(12)?),
    })
}

fn types_json(types: &[String]) -> String {
    serde_json::to_string(types).unwrap_or_else(|_| "[]".to_owned())
}

/// Registers an endpoint (enabled); false when its id exists already (a form sent twice).
pub async fn insert(db: &Db, e: &NewEndpoint, now: OffsetDateTime) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO webhook_endpoints (id, tenant, customer_id, url, event_types, description, \
         secret, enabled, owner_user_id, owner_email, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $10) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&e.id)
    .bind(&e.owner.tenant)
    .bind(e.owner.customer_id.as_deref())
    .bind(&e.url)
    .bind(types_json(&e.event_types))
    .bind(&e.description)
    .bind(&e.secret)
    .bind(&e.owner_user_id)
    .bind(&e.owner_email)
    .bind(millis(now))
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The owner's endpoints, oldest first.
pub async fn list(db: &Db, owner: &Owner) -> Result<Vec<Endpoint>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE {} ORDER BY created_at, id",
        scope_sql(owner, 1)
    );
    let rows = bind_scope(sqlx::query(&sql), owner)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(read).collect()
}

/// One of the owner's endpoints.
pub async fn get(db: &Db, owner: &Owner, id: &str) -> Result<Option<Endpoint>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1 AND {}",
        scope_sql(owner, 2)
    );
    let row = bind_scope(sqlx::query(&sql).bind(id), owner)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(read).transpose()
}

/// The signing secret of one of the owner's endpoints.
pub async fn secret(db: &Db, owner: &Owner, id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = format!(
        "SELECT secret FROM webhook_endpoints WHERE id = $1 AND {}",
        scope_sql(owner, 2)
    );
    let row = bind_scope(sqlx::query(&sql).bind(id), owner)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| r.try_get(0)).transpose()
}

/// Changes URL, patterns and description; false when the owner has no such endpoint.
pub async fn update(
    db: &Db,
    owner: &Owner,
    id: &str,
    url: &str,
    event_types: &[String],
    description: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE webhook_endpoints SET url = $1, event_types = $2, description = $3, \
         updated_at = $4 WHERE id = $5 AND {}",
        scope_sql(owner, 6)
    );
    let q = sqlx::query(&sql)
        .bind(url)
        .bind(types_json(event_types))
        .bind(description)
        .bind(millis(now))
        .bind(id);
    Ok(bind_scope(q, owner)
        .execute(db.pool())
        .await?
        .rows_affected()
        > 0)
}

/// Enables (clearing the failure record) or disables an endpoint by hand; false when the owner
/// has no such endpoint.
pub async fn set_enabled(
    db: &Db,
    owner: &Owner,
    id: &str,
    enabled: bool,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE webhook_endpoints SET enabled = $1, failing_since = NULL, disabled_at = NULL, \
         updated_at = $2 WHERE id = $3 AND {}",
        scope_sql(owner, 4)
    );
    let q = sqlx::query(&sql)
        .bind(i64::from(enabled))
        .bind(millis(now))
        .bind(id);
    Ok(bind_scope(q, owner)
        .execute(db.pool())
        .await?
        .rows_affected()
        > 0)
}

/// Deletes an endpoint with its deliveries and their attempts; false when the owner has no such
/// endpoint.
pub async fn delete(db: &Db, owner: &Owner, id: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "DELETE FROM webhook_endpoints WHERE id = $1 AND {}",
        scope_sql(owner, 2)
    );
    let gone = bind_scope(sqlx::query(&sql).bind(id), owner)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// An enabled endpoint as the event handler matches events against it.
#[derive(Debug, Clone)]
pub struct Active {
    pub id: String,
    pub tenant: String,
    pub customer_id: Option<String>,
    pub event_types: Vec<String>,
}

/// Every enabled endpoint.
pub async fn active(conn: &mut sqlx::AnyConnection) -> Result<Vec<Active>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, customer_id, event_types FROM webhook_endpoints WHERE enabled = 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let types: String = r.try_get(3)?;
            Ok(Active {
                id: r.try_get(0)?,
                tenant: r.try_get(1)?,
                customer_id: r.try_get(2)?,
                event_types: serde_json::from_str(&types).unwrap_or_default(),
            })
        })
        .collect()
}
