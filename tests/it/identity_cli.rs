//! End-to-end tests of the identity subcommands on both backends: `portal staff add`,
//! `portal token create` (refused without access, a working bearer token with it) and the
//! `portal notify` role's required settings.

use portal_testkit::TestStoreRef;
use portal_testkit::fixtures::{contact, customer, tenant};
use portal_testkit::http::get_text;
use portal_testkit::on_both_backends;
use portal_testkit::process::*;

async fn staff_add_makes_an_email_staff(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let (code, _, stderr) = run(portal(&url).args([
            "staff",
            "add",
            "--tenant",
            "acme",
            "--email",
            "ann@acme.example",
        ]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "no tenant acme");

        let (code, _, stderr) = run(portal(&url).args(["tenant", "add", "acme", "--name", "ACME"]));
        assert_eq!(code, 0, "{stderr}");
        let (code, _, stderr) = run(portal(&url).args([
            "staff",
            "add",
            "--tenant",
            "acme",
            "--email",
            "not an email",
        ]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--email");

        let (code, stdout, stderr) = run(portal(&url).args([
            "staff",
            "add",
            "--tenant",
            "acme",
            "--email",
            "Ann@ACME.example",
        ]));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("ann@acme.example is now staff of acme"),
            "{stdout}"
        );
        let (code, stdout, _) = run(portal(&url).args([
            "staff",
            "add",
            "--tenant",
            "acme",
            "--email",
            "ann@acme.example",
        ]));
        assert_eq!(code, 0);
        assert!(stdout.contains("already staff"), "{stdout}");
        // A display name for the audit: given to a member, kept when given again.
        let named = || {
            run(portal(&url).args([
                "staff",
                "add",
                "--tenant",
                "acme",
                "--email",
                "ann@acme.example",
                "--name",
                "Ann Early",
            ]))
        };
        let (code, stdout, stderr) = named();
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("has a new name"), "{stdout}");
        let (code, stdout, _) = named();
        assert_eq!(code, 0);
        assert!(
            stdout.contains("already staff of acme with that name"),
            "{stdout}"
        );
    })
    .await
    .unwrap();
    let log = t.store.read_all(0, 100).await.unwrap();
    let types: Vec<&str> = log.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "TenantCreated",
            "UserRegistered",
            "StaffMemberAdded",
            "StaffMemberRenamed"
        ]
    );
    assert_eq!(log[3].payload["name"], "Ann Early");
}

async fn token_create_needs_access(t: TestStoreRef) {
    let acme = tenant(&t.store, "acme", "ACME Transport").await;
    let c = customer(&t.store, &acme, "Customer One").await;
    contact(&t.store, &acme, c, "ann@customer.example").await;
    let url = t.url.clone();
    let customer_id = c.to_string();
    let (staff_token, portal_token) = tokio::task::spawn_blocking(move || {
        // Without access: refused, one line, no token printed.
        for args in [
            vec!["--email", "nobody@customer.example"],
            vec![
                "--email",
                "nobody@customer.example",
                "--customer",
                &customer_id,
            ],
            vec!["--email", "ann@customer.example"],
        ] {
            let mut cmd = portal(&url);
            cmd.args(["token", "create", "--tenant", "acme"])
                .args(&args);
            let (code, stdout, stderr) = run(&mut cmd);
            assert_eq!(code, 1, "{args:?}: {stdout}");
            assert!(stdout.trim().is_empty(), "{stdout}");
            assert!(
                stderr.lines().last().unwrap().starts_with("error: "),
                "{stderr}"
            );
        }
        let (code, _, stderr) = run(portal(&url).args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ann@customer.example",
            "--customer",
            "not-a-uuid",
        ]));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--customer");

        let (code, stdout, stderr) = run(portal(&url).args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ann@customer.example",
            "--customer",
            &customer_id,
        ]));
        assert_eq!(code, 0, "{stderr}");
        let portal_token = stdout.trim().to_owned();
        let (code, _, stderr) = run(portal(&url).args([
            "staff",
            "add",
            "--tenant",
            "acme",
            "--email",
            "ops@acme.example",
        ]));
        assert_eq!(code, 0, "{stderr}");
        let (code, stdout, stderr) = run(portal(&url).args([
            "token",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ops@acme.example",
        ]));
        assert_eq!(code, 0, "{stderr}");
        (stdout.trim().to_owned(), portal_token)
    })
    .await
    .unwrap();
    assert_eq!(portal_token.len(), 43, "{portal_token}");
    assert_ne!(staff_token, portal_token);

    // The tokens work against a running server, each with its own scope, and are stored only
    // as hashes; the events record only the token's id and scope.
    let url = t.url.clone();
    let tokens = [staff_token.clone(), portal_token.clone()];
    tokio::task::spawn_blocking(move || {
        let served = serve({
            let mut cmd = portal(&url);
            cmd.args(["serve", "--listen", "127.0.0.1:0"]);
            cmd
        });
        let base = format!("http://{}", served.addr);
        let rt = tokio::runtime::Handle::current();
        for token in [&staff_token, &portal_token] {
            let (status, body) = rt.block_on(get_text(&base, "/api/v1/orders", Some(token)));
            assert_eq!(status, 200, "{body}");
        }
        let bad = "x".repeat(43);
        let (status, _) = rt.block_on(get_text(&base, "/api/v1/orders", Some(&bad)));
        assert_eq!(status, 401);
    })
    .await
    .unwrap();
    let events = t.store.read_all(0, 1000).await.unwrap();
    let issued = events
        .iter()
        .filter(|e| e.event_type == "ApiTokenIssued")
        .count();
    assert_eq!(issued, 2);
    let text: String = events
        .iter()
        .map(|e| format!("{} {:?}", e.payload, e.metadata))
        .collect();
    for token in tokens {
        assert!(!text.contains(&token), "a token is in the event log");
    }
}

async fn notify_needs_nats_and_a_public_url(t: TestStoreRef) {
    let url = t.url.clone();
    tokio::task::spawn_blocking(move || {
        let (code, _, stderr) = run(portal(&url)
            .arg("notify")
            .env("PORTAL_PUBLIC_URL", "https://p.example/"));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "NATS");
        let (code, _, stderr) = run(portal(&url).arg("notify"));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "--public-url");
        let (code, _, stderr) = run(portal(&url)
            .args(["migrate"])
            .env("SMTP_URL", "http://mail.example"));
        assert_eq!(code, 1);
        assert_one_error_line(&stderr, "SMTP_URL");
    })
    .await
    .unwrap();
}

on_both_backends!(
    staff_add_makes_an_email_staff,
    token_create_needs_access,
    notify_needs_nats_and_a_public_url,
);
