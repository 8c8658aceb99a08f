//! The identity journey through the real binary on both backends, with an SMTP server inside the
//! test: a grant sends exactly one welcome email (also across a restart of the server); a login
//! link arrives by email, its GET changes nothing, its POST logs in, and it works only once; the
//! raw token never appears in the event log or in the server's log (at debug level).

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_notifier_caught_up;
use portal_testkit::fixtures::{contact, customer, grant, revoke, tenant};
use portal_testkit::on_both_backends;
use portal_testkit::process::{Logged, portal, serve_logged};
use portal_testkit::smtp::SmtpSink;
use portal_testkit::wait_until;
use reqwest::redirect::Policy;
use std::time::Duration;

const ANN: &str = "ann@customer.example";

fn start(url: &str, sink: &SmtpSink) -> Logged {
    let mut cmd = portal(url);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("SMTP_URL", sink.url())
        .env("PORTAL_MAIL_FROM", "ACME Portal <portal@acme.example>")
        .env("PORTAL_LOG", "debug");
    serve_logged(cmd)
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
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
        Some(tag[at..at + tag[at..].find('"')?].replace("&amp;", "&"))
    };
    form.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

async fn journey(t: TestStoreRef) {
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink);
    let base = format!("http://{}", server.served.addr);

    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    let ann = contact(&t.store, &acme, c, ANN).await;
    wait_until("the welcome email", Duration::from_secs(30), || async {
        !sink.to(ANN).is_empty()
    })
    .await;
    wait_notifier_caught_up(&t.store, &t.url).await;
    let welcome = &sink.to(ANN)[0];
    assert!(welcome.decoded().contains("ACME Transport"));
    assert_eq!(welcome.links("/login"), [format!("{base}/login")]);
    assert_eq!(
        welcome.header("From").unwrap().replace('"', ""),
        "ACME Portal <portal@acme.example>"
    );

    // A restart sends nothing again; a new grant sends a new welcome email.
    drop(server);
    let server = start(&t.url, &sink);
    let base = format!("http://{}", server.served.addr);
    wait_notifier_caught_up(&t.store, &t.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.to(ANN).len(), 1, "no second welcome after a restart");
    revoke(&t.store, &acme, ann).await;
    grant(&t.store, &acme, ann).await;
    wait_until(
        "the second welcome email",
        Duration::from_secs(30),
        || async { sink.to(ANN).len() == 2 },
    )
    .await;

    // Ask for a link the way a script would (the JSON API), then follow it like a browser.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(format!("{base}/api/v1/auth/login-link"))
        .json(&serde_json::json!({ "email": "Ann@Customer.example" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    wait_until("the login link email", Duration::from_secs(30), || async {
        sink.to(ANN).len() == 3
    })
    .await;
    let mail = sink.to(ANN).pop().unwrap();
    let links = mail.links("/login/continue");
    assert_eq!(links.len(), 1, "{}", mail.decoded());
    let link = links[0].clone();
    assert!(
        link.starts_with(&format!("{base}/login/continue?token=")),
        "{link}"
    );
    let token = link.rsplit('=').next().unwrap().to_owned();

    // GET (what a mail scanner does) changes nothing: the same page twice, a POST form.
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["referrer-policy"].to_str().unwrap(),
        "no-referrer"
    );
    let page = http.get(&link).send().await.unwrap().text().await.unwrap();
    let fields = hidden_inputs(&page, "/login/continue");
    assert!(fields.iter().any(|(_, v)| v == &token), "{page}");
    let login = http
        .post(format!("{base}/login/continue"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303, "{}", login.text().await.unwrap());
    let home = http.get(format!("{base}/portal")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    assert!(home.contains("Customer One"), "{home}");

    // The same link again: a clear page (with a form for a new link), no second session. The
    // login gave the browser a new CSRF token; the old form's one is refused.
    let stale = http
        .post(format!("{base}/login/continue"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 403);
    let used = http.get(&link).send().await.unwrap();
    assert_eq!(used.status(), 410);
    let used = used.text().await.unwrap();
    assert!(used.contains("already used"), "{used}");
    let mut fields = hidden_inputs(&used, "/login/link");
    fields.push(("token".to_owned(), token.clone()));
    let again = http
        .post(format!("{base}/login/continue"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_ne!(again.status(), 303);
    assert!(again.text().await.unwrap().contains("already used"));

    // The raw token is in the email only: not in the event log, not in the server's log.
    let events = t.store.read_all(0, 10_000).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert!(types.contains(&"LoginLinkRequested"), "{types:?}");
    assert!(types.contains(&"UserLoggedIn"), "{types:?}");
    for e in &events {
        let text = format!("{} {:?}", e.payload, e.metadata);
        assert!(!text.contains(&token), "token in event {}", e.event_type);
    }
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("DEBUG") || log.contains("INFO"),
        "the log was captured"
    );
    assert!(!log.contains(&token), "token in the server log");
    assert!(!log.contains(ANN), "an email address in the server log");
}

on_both_backends!(journey);
