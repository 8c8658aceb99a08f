//! The weight of the portal's order pages and documents (figures printed, never asserted), in one
//! run against the real `portal serve` on PostgreSQL (relay, projections and notifier in the same
//! process):
//!
//! 1. HTML bytes and server time, measured from the client, of the new-order form
//!    (`GET /portal/orders/new`), the review step of a draft (`GET /portal/orders/{id}/review`)
//!    and the page of a submitted order (`GET /portal/orders/{id}`), as a portal user logged in
//!    with a session cookie (login link from the file mailbox, *Continue*), beside
//!    `GET /healthz` of the same server. The requests go one at a time, round-robin over the four
//!    URLs, so every URL sees the same machine; median and p95 of each, and their ratios to
//!    `/healthz`.
//! 2. The size of the order's documents through the JSON API with the user's bearer token: the
//!    CMR (`GET /api/v1/orders/{id}/documents/cmr`, one page, embedded font subset) and the
//!    shipping labels (`…/documents/label`), with the printer configuration's defaults.
//!
//! Run: `PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench --bench page_weight`
//! Optional: `PORTAL_BENCH_REQUESTS` per URL (default 50).

mod common;

use common::{bootstrap, day, env_u64, portal_customer, post, serve};
use portal_eventlog::testing::{DATABASE_URL_VAR, TestStore};
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The CMR's size budget, in bytes.
const CMR_BUDGET: usize = 150 * 1024;

fn order_body(reference: &str) -> Value {
    let stop = |name: &str, street: &str, postal: &str, city: &str, date: &str| {
        json!({"address": {"name": name, "street": street, "postal_code": postal,
            "city": city, "country": "DE"}, "date": date, "reference": format!("{reference}-{city}"),
            "instructions": "Call the gate 30 minutes before arrival."})
    };
    json!({"customer_reference": reference, "notes": "Tail-lift needed at delivery.",
        "consignments": [{
        "pickup": stop("Hamburg Tiles GmbH", "Hafenstraße 1", "20457", "Hamburg", &day(5)),
        "delivery": stop("Berlin Build AG", "Alexanderplatz 7", "10178", "Berlin", &day(6)),
        "goods": [
            {"description": "Ceramic tiles", "quantity": 3, "packaging": "euro_pallet",
                "weight_kg": 500.0, "stackable": false},
            {"description": "Tile adhesive", "quantity": 12, "packaging": "box",
                "weight_kg": 240.0, "stackable": true}
        ]
    }]})
}

/// The hidden inputs of the form whose action is `action`, from an HTML page.
fn hidden_inputs(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action}:\n{page}"));
    let form = &page[start
        ..page[start..]
            .find("</form>")
            .map_or(page.len(), |e| start + e)];
    let attr = |tag: &str, name: &str| {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].replace("&amp;", "&"))
    };
    form.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

/// The path and query of the login link in the newest email to `email` in the file mailbox
/// `dir`, once there is one.
async fn login_link(dir: &Path, email: &str) -> String {
    const MARK: &str = "/login/continue?token=";
    let started = Instant::now();
    loop {
        let link = portal_notifier::filebox::list(dir)
            .into_iter()
            .filter(|m| m.to.contains(email))
            .filter_map(|m| portal_notifier::filebox::get(dir, &m.id))
            .find_map(|mail| {
                let at = mail.text.find(MARK)?;
                let rest = &mail.text[at..];
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                Some(rest[..end].to_owned())
            });
        if let Some(link) = link {
            return link;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no login link to {email} in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A browser logged in as `email`: a cookie jar holding the session after the login form, the
/// emailed link and *Continue*.
async fn log_in(base: &str, mail: &Path, email: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_provider(Arc::new(Jar::default()))
        .redirect(Policy::none())
        .build()
        .expect("http client");
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("login page");
    let mut form = hidden_inputs(&page, "/login/link");
    form.push(("email".to_owned(), email.to_owned()));
    let sent = http
        .post(format!("{base}/login/link"))
        .form(&form)
        .send()
        .await
        .expect("login link");
    assert!(sent.status().is_success(), "login link: {}", sent.status());
    let link = login_link(mail, email).await;
    let page = http
        .get(format!("{base}{link}"))
        .send()
        .await
        .expect("continue page")
        .text()
        .await
        .expect("continue page");
    let form = hidden_inputs(&page, "/login/continue");
    let done = http
        .post(format!("{base}/login/continue"))
        .form(&form)
        .send()
        .await
        .expect("continue");
    assert_eq!(done.status(), 303, "continue: {:?}", done.text().await);
    http
}

/// One GET answered 200: its body and the time from sending to the last byte.
async fn fetch(http: &reqwest::Client, url: &str) -> (Vec<u8>, f64) {
    let started = Instant::now();
    let r = http.get(url).send().await.expect("request");
    let status = r.status();
    let body = r.bytes().await.expect("body");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "GET {url}: {}", String::from_utf8_lossy(&body));
    (body.to_vec(), ms)
}

/// Polls `url` until it answers 200 (a page reading read models that are still catching up).
async fn wait_for(http: &reqwest::Client, url: &str) {
    let started = Instant::now();
    loop {
        let r = http.get(url).send().await.expect("request");
        if r.status() == 200 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "GET {url}: still {}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The nearest-rank `q` quantile of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

struct Row {
    what: &'static str,
    url: String,
    bytes: Vec<usize>,
    ms: Vec<f64>,
}

impl Row {
    fn median(&self) -> f64 {
        quantile(&self.ms, 0.5)
    }
    fn p95(&self) -> f64 {
        quantile(&self.ms, 0.95)
    }
}

/// The number of pages of a PDF and whether it embeds a font program.
fn pdf_facts(bytes: &[u8]) -> (usize, bool) {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let embedded = doc.objects.values().any(|o| {
        let dict = match o {
            lopdf::Object::Dictionary(d) => d,
            lopdf::Object::Stream(s) => &s.dict,
            _ => return false,
        };
        [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .iter()
            .any(|k| dict.has(k))
    });
    (doc.get_pages().len(), embedded)
}

#[tokio::main]
async fn main() {
    let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
        println!("page_weight: set {DATABASE_URL_VAR} (PostgreSQL) to run this benchmark");
        return;
    };
    let requests = env_u64("PORTAL_BENCH_REQUESTS", 50).max(1) as usize;
    let db = TestStore::postgres(&admin).await;
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.join("data");
    let staff = bootstrap(&db.url);
    let (_server, base) = serve(&db.url, &data);
    let (_customer, token) = portal_customer(&base, &staff, &db.url, 0).await;
    let email = "user0@customer.example";
    let browser = log_in(&base, &data.join("mail"), email).await;

    // A draft, and an order submitted, through the JSON API as the same user.
    let api = reqwest::Client::new();
    let draft = post(
        &api,
        format!("{base}/api/v1/orders"),
        &token,
        order_body("PO-DRAFT"),
    )
    .await;
    let draft = draft["id"].as_str().expect("draft id").to_owned();
    let order = post(
        &api,
        format!("{base}/api/v1/orders"),
        &token,
        order_body("PO-SUBMITTED"),
    )
    .await;
    let order = order["id"].as_str().expect("order id").to_owned();
    post(
        &api,
        format!("{base}/api/v1/orders/{order}/submit"),
        &token,
        json!({}),
    )
    .await;

    let mut rows = [
        ("GET /portal/orders/new", "/portal/orders/new".to_owned()),
        (
            "GET /portal/orders/{id}/review (draft)",
            format!("/portal/orders/{draft}/review"),
        ),
        (
            "GET /portal/orders/{id} (submitted)",
            format!("/portal/orders/{order}"),
        ),
        ("GET /healthz", "/healthz".to_owned()),
    ]
    .map(|(what, path)| Row {
        what,
        url: format!("{base}{path}"),
        bytes: Vec::new(),
        ms: Vec::new(),
    });
    // Each page as it should be (not a login page or an error page answered 200).
    let marks = [
        "action=\"/portal/orders/new\"",
        "Check and submit order",
        "PO-SUBMITTED",
        "",
    ];
    for (row, mark) in rows.iter().zip(marks) {
        wait_for(&browser, &row.url).await;
        let (body, _) = fetch(&browser, &row.url).await;
        assert!(
            String::from_utf8_lossy(&body).contains(mark),
            "{}: no {mark:?} in the page",
            row.what
        );
    }
    // Warm-up (connection, prepared statements, caches), then the measured requests: one at a
    // time, round-robin over the URLs.
    for _ in 0..5 {
        for row in &rows {
            fetch(&browser, &row.url).await;
        }
    }
    for _ in 0..requests {
        for row in &mut rows {
            let (body, ms) = fetch(&browser, &row.url).await;
            row.bytes.push(body.len());
            row.ms.push(ms);
        }
    }
    for row in &mut rows {
        row.ms.sort_by(f64::total_cmp);
        row.bytes.sort_unstable();
    }
    let health = (rows[3].median(), rows[3].p95());

    println!(
        "page_weight: {requests} sequential requests per URL (round-robin, after 5 warm-up rounds), \
         one keep-alive connection, portal user logged in with a session cookie, PostgreSQL"
    );
    println!();
    println!("| request | HTML bytes | median ms | p95 ms | median / healthz | p95 / healthz |");
    println!("|---|---:|---:|---:|---:|---:|");
    for row in &rows {
        let (lo, hi) = (row.bytes[0], row.bytes[row.bytes.len() - 1]);
        let bytes = if lo == hi {
            format!("{lo}")
        } else {
            format!("{lo}–{hi}")
        };
        println!(
            "| `{}` | {bytes} | {:.2} | {:.2} | {:.1} | {:.1} |",
            row.what,
            row.median(),
            row.p95(),
            row.median() / health.0,
            row.p95() / health.1,
        );
    }
    let (css, _) = fetch(&browser, &format!("{base}/assets/portal.css")).await;
    println!();
    println!(
        "(the stylesheet every page links, `/assets/portal.css`: {} bytes, not counted above)",
        css.len()
    );

    // Documents of the submitted order, with the printer configuration's defaults.
    println!();
    println!("| document | content type | bytes | pages | font embedded |");
    println!("|---|---|---:|---:|---|");
    let mut cmr_bytes = 0;
    for kind in ["cmr", "label"] {
        let path = format!("/api/v1/orders/{order}/documents/{kind}");
        let r = api
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("document");
        assert_eq!(r.status(), 200, "GET {path}");
        let kind_of = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = r.bytes().await.expect("document body");
        let (pages, embedded) = if kind_of.starts_with("application/pdf") {
            let (p, e) = pdf_facts(&body);
            (p.to_string(), if e { "yes" } else { "no" })
        } else {
            ("–".to_owned(), "–")
        };
        if kind == "cmr" {
            cmr_bytes = body.len();
        }
        println!(
            "| `GET /api/v1/orders/{{id}}/documents/{kind}` | {kind_of} | {} | {pages} | {embedded} |",
            body.len()
        );
    }
    println!();
    println!("(the labels: one page per package, 15 packages on the order)");
    println!(
        "CMR {cmr_bytes} bytes ({:.1} KB): {} the 150 KB budget",
        cmr_bytes as f64 / 1024.0,
        if cmr_bytes < CMR_BUDGET {
            "under"
        } else {
            "OVER"
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
}
