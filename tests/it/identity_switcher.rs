//! The scope switcher through the real binary, on both backends: an email with grants at two
//! customers (of two carriers) chooses on `/switch` and can switch back from the header; a
//! scope that is not one of its own is refused; an email with one grant never sees the switcher.

use portal_testkit::TestStoreRef;
use portal_testkit::db::wait_projected;
use portal_testkit::db::*;
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::http::*;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;
use portal_testkit::smtp::SmtpSink;

/// The switcher's choices: (scope value, button label).
fn choices(page: &str) -> Vec<(String, String)> {
    page.split("action=\"/switch\"")
        .skip(1)
        .map(|form| {
            let form = &form[..form.find("</form>").unwrap()];
            let scope = hidden_inputs(&format!("action=\"/switch\"{form}"), "/switch")
                .into_iter()
                .find(|(k, _)| k == "scope")
                .unwrap()
                .1;
            let label = form.rsplit_once("type=\"submit\">").unwrap().1;
            (scope, label.split('<').next().unwrap().to_owned())
        })
        .collect()
}

async fn switcher(t: TestStoreRef) {
    const PAT: &str = "pat@two.example";
    const SOL: &str = "sol@one.example";
    let sink = SmtpSink::start().await;
    let server = start(&t.url, &sink, &[]);
    let base = base_of(&server);
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let beta = tenant(&t.store, "beta", "Beta Haulage").await;
    let one = customer(&t.store, &acme, "Customer One").await;
    let other = customer(&t.store, &acme, "Customer Other").await;
    let bc = customer(&t.store, &beta, "Customer Beta").await;
    contact(&t.store, &acme, one, PAT).await;
    contact(&t.store, &beta, bc, PAT).await;
    contact(&t.store, &acme, one, SOL).await;
    let stranger = contact(&t.store, &acme, other, "x@other.example").await;
    wait_projected(&t.store, &t.url).await;
    settle_mail(&t.store, &t.url).await;

    let pat = Browser::new(&base);
    assert_eq!(pat.login(&sink, PAT).await.location(), Some("/switch"));
    assert_eq!(pat.get("/").await.location(), Some("/switch"));
    let page = pat.get("/switch").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let listed = choices(&page.body);
    let labels: Vec<&str> = listed.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "ACME Transport — Customer One",
            "Beta Haulage — Customer Beta"
        ]
    );

    let go = |scope: String| {
        let pat = pat.clone();
        async move { pat.submit("/switch", &[("scope", &scope)]).await }
    };
    let chosen = go(listed[1].0.clone()).await;
    assert_eq!(chosen.location(), Some("/portal"), "{}", chosen.body);
    let home = pat.get("/portal").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<h1>Dashboard</h1>"), "{}", home.body);
    assert!(
        home.body.contains("Beta Haulage — Customer Beta"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains("href=\"/switch\">Switch</a>"),
        "{}",
        home.body
    );
    assert_eq!(
        pat.get("/api/v1/me").await.json()["scope"]["tenant"],
        "beta"
    );
    let page = pat.get("/switch").await;
    assert!(
        page.body.contains("Beta Haulage — Customer Beta (current)"),
        "{}",
        page.body
    );

    // Another customer's scope (made up) is refused; the current one stays.
    let forged = go(format!("portal:acme:{other}:{stranger}")).await;
    assert_eq!(forged.status, 422, "{}", forged.body);
    assert_eq!(
        pat.get("/api/v1/me").await.json()["scope"]["tenant"],
        "beta"
    );
    let chosen = go(listed[0].0.clone()).await;
    assert_eq!(chosen.location(), Some("/portal"));
    let home = pat.get("/portal").await;
    assert!(
        home.body.contains("ACME Transport — Customer One"),
        "{}",
        home.body
    );
    assert_eq!(
        pat.get("/api/v1/me").await.json()["scope"]["tenant"],
        "acme"
    );

    // One grant: straight home, no switcher.
    let sol = Browser::new(&base);
    assert_eq!(sol.login(&sink, SOL).await.location(), Some("/portal"));
    let home = sol.get("/portal").await;
    assert!(
        home.body.contains("ACME Transport — Customer One"),
        "{}",
        home.body
    );
    assert!(!home.body.contains("href=\"/switch\""), "{}", home.body);
}

on_both_backends!(switcher);
