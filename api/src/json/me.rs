//! `GET /api/v1/me`: who the caller is, in which scope, and how it authenticated.

use crate::auth::{Caller, Via};
use axum::Json;
use serde_json::{Value, json};

pub async fn me(caller: Caller) -> Json<Value> {
    Json(json!({
        "user_id": caller.user_id,
        "email": caller.email,
        "scope": caller.scope,
        "via": match caller.via {
            Via::Session => "session",
            Via::BearerToken => "bearer_token",
        },
    }))
}
