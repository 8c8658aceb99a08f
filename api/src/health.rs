//! Liveness and readiness. `/healthz` answers while the process runs; `/readyz` answers 200 only
//! while the event store answers within a second, so a load balancer stops sending traffic to a
//! process that lost its database. Dead-lettered events do not make a process unready (it still
//! serves everything else) but are reported in the body, per projection.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portal_projections::ReadDb;
use serde_json::{Value, json};
use sqlx::Row;
use std::time::Duration;
use tracing::warn;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = state.store.backend();
    match tokio::time::timeout(Duration::from_secs(1), state.store.ping()).await {
        Ok(Ok(())) => {
            let dead = dead_letters(&state.read).await.unwrap_or_default();
            let total: i64 = dead.iter().map(|(_, n)| n).sum();
            let per: serde_json::Map<String, Value> =
                dead.into_iter().map(|(k, n)| (k, json!(n))).collect();
            (
                StatusCode::OK,
                Json(json!({
                    "status": "ready",
                    "store": backend,
                    "dead_letters": total,
                    "dead_letters_by_projection": per,
                })),
            )
        }
        outcome => {
            let reason = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_owned(),
            };
            warn!(backend, %reason, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "store": backend })),
            )
        }
    }
}

/// Dead-lettered events per projection.
pub async fn dead_letters(read: &ReadDb) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT projection, COUNT(*) FROM projection_dead_letters GROUP BY projection ORDER BY projection",
    )
    .fetch_all(read.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use portal_eventlog::testing::TestStore;
    use tower::ServiceExt;

    async fn get(app: axum::Router, path: &str) -> (StatusCode, Value) {
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn ready_while_the_store_answers_and_not_after() {
        let test = TestStore::sqlite().await;
        let read = ReadDb::connect(&test.url, 2).await.unwrap();
        let app = crate::router(AppState {
            store: test.store.clone(),
            read,
            relay: "in-process".into(),
            projections: vec![],
            db: portal_identity::Db::connect(&test.url, 2).await.unwrap(),
            auth: std::sync::Arc::new(crate::AuthConfig::new(
                "http://127.0.0.1:8080".parse().unwrap(),
            )),
            caches: crate::caches::Caches::default(),
        });
        assert_eq!(get(app.clone(), "/healthz").await.0, StatusCode::OK);
        let (status, body) = get(app.clone(), "/readyz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["store"], "sqlite");
        test.cleanup().await; // closes the pools: the store no longer answers
        let (status, body) = get(app.clone(), "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "unavailable");
        assert_eq!(get(app, "/healthz").await.0, StatusCode::OK);
    }
}
