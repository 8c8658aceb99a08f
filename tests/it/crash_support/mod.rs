//! Helpers of the crash test (`tests/crash.rs`): a idempotent client and its ledger ([`client`]), the load ([`load`]), and the checks
//! run afterwards on the private cluster: convergence, the log against the ledger, the emails.

pub mod client;
pub mod load;

use client::Ledger;
use sqlx::{PgPool, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// The categories of the streams the load writes.
const CATEGORIES: [&str; 3] = ["customer", "contact", "order"];

/// `portal token create --tenant TENANT --email EMAIL [--customer ID]`: the token; fails with
/// the command's error output.
pub async fn token(url: &str, tenant: &str, email: &str, customer: Option<&str>) -> String {
    let mut cmd = portal_testkit::process::portal(url);
    cmd.args(["token", "create", "--tenant", tenant, "--email", email]);
    if let Some(c) = customer {
        cmd.args(["--customer", c]);
    }
    let (code, out, err) =
        tokio::task::spawn_blocking(move || portal_testkit::process::run(&mut cmd))
            .await
            .unwrap();
    assert_eq!(code, 0, "portal token create for {email}: {err}");
    out.trim().to_owned()
}

async fn scalar(pool: &PgPool, sql: &str) -> Result<i64, String> {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .map_err(|e| e.to_string())
}

/// Waits until the projections and the notifier have handled the whole log and the outbox
/// holds `emails` sent emails and nothing pending.
pub async fn wait_converged(pool: &PgPool, emails: usize) {
    let head = scalar(pool, "SELECT COALESCE(MAX(position), 0) FROM events")
        .await
        .unwrap();
    let emails = i64::try_from(emails).unwrap();
    crate::fanout::eventually!(
        "the roles to handle the log",
        Duration::from_secs(90),
        async {
            let projected = scalar(
                pool,
                "SELECT CASE WHEN COUNT(*) = 0 THEN 0 ELSE MIN(position) END \
             FROM projection_checkpoints",
            )
            .await?;
            let notified = scalar(
                pool,
                "SELECT COALESCE(MAX(position), 0) FROM notifier_checkpoints",
            )
            .await?;
            let sent = scalar(
                pool,
                "SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'",
            )
            .await?;
            let other = scalar(
                pool,
                "SELECT COUNT(*) FROM mail_outbox WHERE status <> 'sent'",
            )
            .await?;
            if projected >= head && notified >= head && sent == emails && other == 0 {
                Ok(())
            } else {
                Err(format!(
                    "head {head}, projections at {projected}, notifier at {notified}, \
                 {sent} of {emails} emails sent, {other} not sent"
                ))
            }
        }
    );
}

/// Every acknowledged command's events are in the log exactly once: each stream the load wrote
/// holds exactly the events of its acknowledged commands, in order, and no other stream of
/// those categories exists; each directly keyed command's key names its stream. Returns how
/// many commands sent again had committed before their last attempt (their answer was lost).
pub async fn assert_log_matches(pool: &PgPool, tenant: &str, ledger: &Ledger) -> usize {
    let acked = ledger.acked.lock().unwrap().clone();
    let mut expected: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for a in &acked {
        expected
            .entry(a.stream.clone())
            .or_default()
            .extend(a.types.iter().copied());
    }
    let rows = sqlx::query(
        "SELECT stream_id, event_type FROM events WHERE tenant = $1 \
         AND split_part(stream_id, '-', 1) = ANY($2) ORDER BY stream_id, version",
    )
    .bind(tenant)
    .bind(CATEGORIES.map(str::to_owned).to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        actual
            .entry(r.get::<String, _>(0))
            .or_default()
            .push(r.get(1));
    }
    let mut problems = Vec::new();
    for (stream, types) in &expected {
        match actual.get(stream) {
            None => problems.push(format!("{stream}: acknowledged but not in the log")),
            Some(got) if got != types => {
                problems.push(format!("{stream}: expected {types:?}, the log has {got:?}"));
            }
            Some(_) => {}
        }
    }
    for (stream, got) in &actual {
        if !expected.contains_key(stream) {
            problems.push(format!(
                "{stream}: in the log ({got:?}) but never acknowledged"
            ));
        }
    }
    let rows =
        sqlx::query("SELECT key, stream_id, recorded_at FROM idempotency_keys WHERE tenant = $1")
            .bind(tenant)
            .fetch_all(pool)
            .await
            .unwrap();
    let keys: HashMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let resent = ledger.resent.lock().unwrap().clone();
    let lost_answers = rows
        .iter()
        .filter(|r| {
            let recorded: time::OffsetDateTime = r.get(2);
            resent
                .get(&r.get::<String, _>(0))
                .is_some_and(|last| recorded < *last)
        })
        .count();
    for a in acked.iter().filter(|a| a.direct_key) {
        if keys.get(&a.key) != Some(&a.stream) {
            problems.push(format!(
                "key {}: stored for {:?}, acknowledged for {}",
                a.key,
                keys.get(&a.key),
                a.stream
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in the log, first ones:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
    lost_answers
}

/// Each granted email got exactly one welcome email and each submitter one status email per
/// accepted order (counted by Message-ID: a notifier killed between sending and recording sends
/// it again with the same Message-ID, as SMTP allows), and nobody else got one.
pub async fn assert_emails_exactly_once(
    pool: &PgPool,
    sink: &portal_testkit::smtp::SmtpSink,
    ledger: &Ledger,
) {
    let mut ids: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for m in sink.received() {
        let id = m.header("Message-ID").unwrap_or_default();
        for to in m.to {
            ids.entry(to.to_ascii_lowercase())
                .or_default()
                .insert(id.clone());
        }
    }
    let mut grants: BTreeMap<String, usize> = BTreeMap::new();
    for e in ledger
        .grants
        .lock()
        .unwrap()
        .iter()
        .chain(ledger.status_emails.lock().unwrap().iter())
    {
        *grants.entry(e.to_ascii_lowercase()).or_default() += 1;
    }
    let got: BTreeMap<String, usize> = ids.into_iter().map(|(k, v)| (k, v.len())).collect();
    let wrong: Vec<String> = grants
        .keys()
        .chain(got.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|e| grants.get(*e) != got.get(*e))
        .map(|e| format!("{e}: {:?} emails", got.get(e)))
        .collect();
    if !wrong.is_empty() {
        explain_emails(pool, sink, &wrong).await;
    }
    assert!(
        wrong.is_empty(),
        "{} of {} recipients without exactly their emails: {wrong:?}",
        wrong.len(),
        grants.len()
    );
}

/// Prints what the sink received and the outbox holds for the recipients in `wrong`.
async fn explain_emails(pool: &PgPool, sink: &portal_testkit::smtp::SmtpSink, wrong: &[String]) {
    for line in wrong {
        let email = line.split(':').next().unwrap_or_default();
        for m in sink.to(email) {
            let head = m
                .text()
                .split("\r\n\r\n")
                .next()
                .unwrap_or_default()
                .to_owned();
            eprintln!("received for {email}:\n{head}\n");
        }
        let rows = sqlx::query(
            "SELECT event_id, kind, status, attempts, message_id, position FROM mail_outbox \
             WHERE recipient = $1",
        )
        .bind(email)
        .fetch_all(pool)
        .await
        .unwrap();
        for r in rows {
            eprintln!(
                "outbox for {email}: event {} kind {} status {} attempts {} message {} at {}",
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
                r.get::<i64, _>(3),
                r.get::<String, _>(4),
                r.get::<i64, _>(5)
            );
        }
    }
}
