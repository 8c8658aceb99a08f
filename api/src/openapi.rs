//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the JSON API, generated from the code.
//!
//! Why utoipa 5 + utoipa-axum: it is the maintained, widely used code-first generator for axum;
//! it emits OpenAPI 3.1; `#[utoipa::path]` sits on the handler itself and `utoipa_axum`'s
//! `OpenApiRouter` builds the served routes and their spec entries from one list
//! ([`crate::json::staff::router`]), so a staff route cannot exist without its entry. `aide`
//! would reuse the domain's `schemars` derives, but it wants every handler rewritten against its
//! own router and operation types; `okapi` targets Rocket; hand-written YAML drifts.
//!
//! The routes of `lib.rs` that predate this module (login link, `me`, orders list and detail,
//! health, metrics) are described by the stub operations below, which are never routed. The
//! test `tests/api_staff_openapi.rs` reads every `.route("…")` of the api crate's sources and
//! fails when one under `/api/` (or a health route) has no entry here.
//!
//! Added to every operation afterwards (see [`finish`]): the problem+json error answers, the
//! `Idempotency-Key` header and the `Portal-Position` answer header on writes, the
//! `Portal-Min-Position` header on reads, and the two ways to authenticate.

pub mod inputs;
pub mod params;

use crate::json::staff::schemas::{
    ChargeRowSchema, ContactPage, ContactRowSchema, CreatedId, CustomerContactSchema, CustomerPage,
    CustomerProfileSchema, CustomerRowSchema, FieldErrorSchema, LocationRowSchema,
    LoginLinkRequest, MoneySchema, OrderListItemSchema, OrderPage, Problem,
};
use axum::Json;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};

/// The routes of `lib.rs` (documented here, served there).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Carrier customer portal API",
        description = "JSON bodies are snake_case; errors are application/problem+json with \
                       title, status, detail and, for validation, errors [{field, message}]. \
                       Writes accept an Idempotency-Key header. Auth: the session cookie, or \
                       Authorization: Bearer <token> from `portal token create`."
    ),
    paths(
        login_link,
        me,
        orders_list,
        crate::json::export::export,
        order_get,
        healthz,
        readyz,
        metrics,
        openapi_json
    ),
    components(schemas(
        Problem,
        FieldErrorSchema,
        CreatedId,
        CustomerRowSchema,
        CustomerPage,
        CustomerContactSchema,
        CustomerProfileSchema,
        ContactRowSchema,
        ContactPage,
        ChargeRowSchema,
        MoneySchema,
        LocationRowSchema,
        LoginLinkRequest,
        OrderListItemSchema,
        OrderPage,
        inputs::ExportFormat,
        inputs::DocumentKind,
        inputs::OrderStatus
    ))
)]
struct BaseDoc;

/// Request a login link by email (the same 202 for every email).
#[utoipa::path(post, path = "/api/v1/auth/login-link", tag = "auth", request_body = LoginLinkRequest,
    responses((status = 202, description = "Accepted (whether or not the email is known)")))]
#[allow(dead_code)]
fn login_link() {}

/// Who the caller is, in which scope, and how it authenticated.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, description = "{user_id, email, scope, via}", body = Object)))]
#[allow(dead_code)]
fn me() {}

/// Orders of the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(("status" = Option<crate::openapi::inputs::OrderStatus>, Query, description = "Only orders in this status"),
        ("q" = Option<String>, Query, description = "Search in number and customer reference"),
        ("customer_id" = Option<String>, Query, description = "Staff only: one customer's orders"),
        ("pickup_from" = Option<String>, Query, description = "First pickup on or after this date (YYYY-MM-DD)"),
        ("pickup_to" = Option<String>, Query, description = "First pickup on or before this date (YYYY-MM-DD)"),
        ("after" = Option<String>, Query, description = "The next cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "1–500, default 50")),
    responses((status = 200, description = "One page", body = OrderPage)))]
#[allow(dead_code)]
fn orders_list() {}

/// One order with content, status history and (where shown) charges. Each step of `history`
/// names who took it in `by_name`: for staff the person's name or email (and `by`, the actor's
/// ids); for portal users a colleague's name, the carrier's name for its staff.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, description = "The order detail", body = Object)))]
#[allow(dead_code)]
fn order_get() {}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "{status: ok}", body = Object)))]
#[allow(dead_code)]
fn healthz() {}

/// Readiness: the event store answers; dead letters reported.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready", body = Object),
        (status = 503, description = "Not ready", body = Object)))]
#[allow(dead_code)]
fn readyz() {}

/// Metrics in the OpenMetrics 1.0 text format (Prometheus scrapes it).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics",
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
        (status = 500, description = "The metrics could not be gathered")))]
#[allow(dead_code)]
fn metrics() {}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
#[allow(dead_code)]
fn openapi_json() {}

/// The whole document as served: [`document`] with the domain's schemas in place of their
/// stand-ins ([`inputs::replace`]).
pub fn spec() -> &'static serde_json::Value {
    static SPEC: OnceLock<serde_json::Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        // Serialising utoipa's own types cannot fail; `Null` would be caught by every test.
        let mut doc = serde_json::to_value(document()).unwrap_or_default();
        inputs::replace(&mut doc);
        params::constrain(&mut doc);
        doc
    })
}

/// The routes of `lib.rs` and the staff and portal routers', finished.
fn document() -> utoipa::openapi::OpenApi {
    let mut doc = BaseDoc::openapi();
    let (_, staff) = crate::json::staff::router().split_for_parts();
    doc.merge(staff);
    let (_, portal) = crate::json::portal::router().split_for_parts();
    doc.merge(portal);
    let (_, webhooks) = crate::json::webhooks::router().split_for_parts();
    doc.merge(webhooks);
    finish(&mut doc);
    doc
}

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<&'static serde_json::Value> {
    Json(spec())
}

/// Adds what every operation shares: the error answers, the idempotency header on writes,
/// security.
fn finish(doc: &mut utoipa::openapi::OpenApi) {
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
        );
        // `--metrics-token`: when configured, the one credential `/metrics` accepts.
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
    if let Some(op) = doc
        .paths
        .paths
        .get_mut("/metrics")
        .and_then(|item| item.get.as_mut())
    {
        let scheme = utoipa::openapi::security::SecurityRequirement::new::<&str, [&str; 0], &str>(
            "metrics_token",
            [],
        );
        // Open unless a metrics token is configured.
        op.security = Some(vec![scheme, Default::default()]);
        op.responses.responses.insert(
            "401".to_owned(),
            ResponseBuilder::new()
                .description("A metrics token is configured and was not sent")
                .into(),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = path.starts_with("/healthz")
            || path.starts_with("/readyz")
            || path.starts_with("/metrics")
            || path == "/api/openapi.json"
            || path == "/api/v1/auth/login-link";
        let methods = [
            (&mut item.get, false),
            (&mut item.put, true),
            (&mut item.post, true),
            (&mut item.delete, true),
            (&mut item.patch, true),
        ];
        for (op, write) in methods {
            if let Some(op) = op.as_mut() {
                decorate(op, write, open);
            }
        }
    }
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The database cannot be reached (or, for a read, the read models are not yet at its
/// `Portal-Min-Position`): try again after `Retry-After` seconds.
fn unavailable(write: bool) -> utoipa::openapi::Response {
    let mut response = problem(if write {
        "Briefly unavailable (the database cannot be reached); send the request again after \
         Retry-After seconds"
    } else {
        "Briefly unavailable (the database cannot be reached), or the read models had not \
         applied Portal-Min-Position within 5 s; send the request again after Retry-After seconds"
    });
    let header = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer))
        .description(Some(
            "Seconds to wait before retrying (5; 1 when waiting for Portal-Min-Position)",
        ))
        .build();
    response.headers.insert("Retry-After".to_owned(), header);
    response
}

fn decorate(op: &mut Operation, write: bool, open: bool) {
    let mut errors = vec![("400", "Malformed request")];
    if !open {
        errors.extend([
            ("401", "No session or bearer token"),
            (
                "404",
                "Unknown id, another tenant's or customer's, or not staff",
            ),
        ]);
    }
    if write {
        errors.extend([
            (
                "403",
                "Authenticated by the session cookie, and sent from another site (Origin, \
                 Sec-Fetch-Site) or with neither Content-Type: application/json nor a valid \
                 X-CSRF-Token header (bearer calls are exempt)",
            ),
            (
                "409",
                "Conflict: the state forbids it, the stream kept changing, or the \
                 Idempotency-Key was used with another body",
            ),
            ("413", "Body over 256 KiB"),
            ("415", "Not Content-Type: application/json"),
            (
                "422",
                "Invalid input (errors: [{field, message}]) or a rule refused it",
            ),
        ]);
    } else if !open {
        errors.push(("422", "Invalid query parameter"));
    }
    for (code, description) in errors {
        op.responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| problem(description).into());
    }
    if !open {
        op.responses
            .responses
            .entry("503".to_owned())
            .or_insert_with(|| unavailable(write).into());
        read_your_writes(op, write);
    }
    if write && !open {
        let header = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "1–200 printable ASCII characters; a retry with the same key and body returns \
                 the first answer and appends nothing",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        op.parameters.get_or_insert_with(Vec::new).push(header);
    }
    if !open {
        let scheme = |name: &str| {
            utoipa::openapi::security::SecurityRequirement::new::<&str, [&str; 0], &str>(name, [])
        };
        op.security = Some(vec![scheme("bearer"), scheme("session")]);
    }
}

/// `Portal-Position` on a write's successful answers, `Portal-Min-Position` on a read (see
/// [`crate::consistency`]).
fn read_your_writes(op: &mut Operation, write: bool) {
    use utoipa::openapi::RefOr;
    if write {
        let header = HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some(
                "Global position of the last event this request appended (an idempotent replay: \
                 the first answer's); absent when nothing changed. Send it as \
                 Portal-Min-Position to read this write",
            ))
            .build();
        for (code, response) in op.responses.responses.iter_mut() {
            if let (true, RefOr::T(response)) = (code.starts_with('2'), response) {
                response
                    .headers
                    .insert("Portal-Position".to_owned(), header.clone());
            }
        }
    } else {
        let param = ParameterBuilder::new()
            .name("Portal-Min-Position")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "A Portal-Position: answer once the read models have applied it (503 with \
                 Retry-After: 1 after 5 s)",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            ))
            .build();
        op.parameters.get_or_insert_with(Vec::new).push(param);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_staff_path_and_the_problem_schema_are_described() {
        let doc = serde_json::to_value(spec()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/v1/customers",
            "/api/v1/customers/{id}/portal",
            "/api/v1/customers/portal/bulk",
            "/api/v1/contacts/{id}/portal-access",
            "/api/v1/orders/{id}/charges",
            "/api/v1/audit/streams/{stream_id}",
            "/healthz",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        assert!(doc["components"]["schemas"]["Problem"].is_object());
        let put = &doc["paths"]["/api/v1/customers/{id}/portal"]["put"];
        assert!(put["responses"]["422"].is_object());
        assert!(put["responses"]["403"].is_object());
        assert!(doc["components"]["securitySchemes"]["metrics_token"].is_object());
        assert!(doc["paths"]["/metrics"]["get"]["responses"]["401"].is_object());
        assert!(put["parameters"].to_string().contains("Idempotency-Key"));
        assert!(put["responses"]["409"].is_object());
        assert!(put["responses"]["503"]["headers"]["Retry-After"].is_object());
        assert!(put["responses"]["200"]["headers"]["Portal-Position"].is_object());
        let get = &doc["paths"]["/api/v1/customers"]["get"];
        assert!(
            get["parameters"]
                .to_string()
                .contains("Portal-Min-Position")
        );
        let metrics = &doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"];
        assert!(metrics["application/openmetrics-text; version=1.0.0; charset=utf-8"].is_object());
    }
}
