//! An SMTP server that is down: the sender (its real loop, `run_sender`) retries with backoff and
//! dead-letters the email after `max_attempts`; a server back before the last try gets the email
//! exactly once; a staff requeue of a dead letter sends it. SQLite always; PostgreSQL at
//! `PORTAL_TEST_DATABASE_URL`.

use crate::common::smtp::SmtpSink;
use crate::common::{DbBackend, Env, now_ms, run, wait_until};
use portal_domain::TenantId;
use portal_notifier::{Mailer, outbox, run_sender};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const EMAIL: &str = "carl@acme.example";

/// The sender's loop in the background, woken by `env`'s handler.
struct Sender {
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Sender {
    fn start(env: &Env, notifier: &portal_notifier::Notifier, mailer: Mailer) -> Self {
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run_sender(
            env.store.clone(),
            env.db.clone(),
            mailer,
            env.config.clone(),
            notifier.wake(),
            cancel.clone(),
        ));
        Self { cancel, task }
    }

    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the sender stops when cancelled")
            .unwrap();
    }
}

async fn smtp_down_dead_letters_after_max_attempts(mut env: Env) {
    env.config.max_attempts = 4;
    env.config.retry_base = Duration::from_millis(100);
    let mut sink = SmtpSink::down().await;
    let notifier = env.notifier();
    let sender = Sender::start(&env, &notifier, Mailer::smtp(&sink.url()).unwrap());
    let (tenant, _, grant) =
        crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;
    env.handle(&notifier).await;

    // Watch the tries: each claim counts one; the gaps are the backoff (100, 200, 400 ms).
    let mut seen: Vec<(i64, Instant)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = env.row_state(&grant, "welcome").await.unwrap();
        if seen.last().map(|(a, _)| *a) != Some(state.attempts) {
            seen.push((state.attempts, Instant::now()));
        }
        if state.status == outbox::DEAD {
            break;
        }
        assert!(Instant::now() < deadline, "not dead in time: {state:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let attempts: Vec<i64> = seen.iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts.last(), Some(&4), "{attempts:?}");
    for pair in seen.windows(2) {
        let (a, at) = pair[0];
        let (b, bt) = pair[1];
        if a >= 1 && b == a + 1 {
            let backoff = env.config.backoff(u32::try_from(a).unwrap());
            let gap = bt - at;
            assert!(
                gap + Duration::from_millis(25) >= backoff,
                "try {b} came {gap:?} after try {a}, before the backoff {backoff:?}"
            );
        }
    }
    sender.stop().await;

    let entry = outbox::entry(&env.db, &grant.to_string(), "welcome")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.status.as_str(), entry.attempts), (outbox::DEAD, 4));
    let dead = outbox::dead_letters(&env.db, None).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let d = &dead[0];
    assert_eq!(d.event_id, grant.to_string());
    assert_eq!(
        (d.kind.as_str(), d.recipient.as_str(), d.attempts),
        ("welcome", EMAIL, 4)
    );
    assert_eq!(d.tenant, tenant.as_str());
    assert!(d.last_error.starts_with("SMTP"), "{}", d.last_error);
    assert!(d.dead_at >= d.created_at);
    assert_eq!(
        outbox::dead_letters(&env.db, Some(&tenant))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        outbox::dead_letters(&env.db, Some(&TenantId::identity()))
            .await
            .unwrap()
            .is_empty()
    );
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!((counts.dead, counts.pending, counts.sent), (1, 0, 0));
    assert_eq!(sink.accepted(), 0);

    // Staff retry once the server is back: sent, no dead letter left.
    sink.restart().await;
    assert!(
        outbox::requeue(
            &env.db,
            &tenant,
            outbox::MailKey {
                event_id: &grant.to_string(),
                kind: "welcome",
                recipient_key: "",
            },
            OffsetDateTime::now_utc()
        )
        .await
        .unwrap()
    );
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let report = env.send_all(&mailer).await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(sink.received().len(), 1);
    assert!(
        outbox::dead_letters(&env.db, None)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!((counts.dead, counts.sent), (0, 1));
    mailer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_dead_letters_after_max_attempts_sqlite() {
    run(
        DbBackend::Sqlite,
        "smtp_down_dead_letters_after_max_attempts_sqlite",
        smtp_down_dead_letters_after_max_attempts,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_dead_letters_after_max_attempts_postgres() {
    run(
        DbBackend::Postgres,
        "smtp_down_dead_letters_after_max_attempts_postgres",
        smtp_down_dead_letters_after_max_attempts,
    )
    .await;
}

async fn smtp_back_before_last_try_delivers_once(mut env: Env, pooled: bool) {
    env.config.max_attempts = 4;
    // Gaps of 200, 400 and 800 ms: time enough to start the server before the last try.
    env.config.retry_base = Duration::from_millis(200);
    let mut sink = SmtpSink::down().await;
    let mailer = if pooled {
        Mailer::smtp(&sink.url()).unwrap()
    } else {
        Mailer::smtp_unpooled(&sink.url()).unwrap()
    };
    let notifier = env.notifier();
    let sender = Sender::start(&env, &notifier, mailer);
    let (_, _, grant) = crate::common::granted_contact(&env.store, "fast-freight", EMAIL).await;
    env.handle(&notifier).await;

    // Third try failed (the row is not leased, it waits for its backoff): the server comes back.
    wait_until("the third try to fail", Duration::from_secs(20), || async {
        let s = env.row_state(&grant, "welcome").await.unwrap();
        assert_eq!(s.status, outbox::PENDING, "{s:?}");
        s.attempts == 3 && s.next_attempt_at < now_ms() + 5_000
    })
    .await;
    sink.restart().await;

    wait_until("the email to be sent", Duration::from_secs(20), || async {
        env.row_state(&grant, "welcome").await.unwrap().status != outbox::PENDING
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sender.stop().await;

    let entry = outbox::entry(&env.db, &grant.to_string(), "welcome")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, outbox::SENT, "{entry:?}");
    assert_eq!(entry.attempts, 4, "sent at the last try");
    assert!(entry.last_error.is_none(), "{entry:?}");
    let received = sink.received();
    assert_eq!(received.len(), 1, "delivered exactly once");
    assert_eq!(received[0].to, [EMAIL]);
    assert!(
        outbox::dead_letters(&env.db, None)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = outbox::counts(&env.db).await.unwrap();
    assert_eq!((counts.sent, counts.dead, counts.pending), (1, 0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_back_before_last_try_delivers_once_sqlite() {
    run(
        DbBackend::Sqlite,
        "smtp_back_before_last_try_delivers_once_sqlite",
        |env| smtp_back_before_last_try_delivers_once(env, true),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_back_before_last_try_delivers_once_unpooled_sqlite() {
    run(
        DbBackend::Sqlite,
        "smtp_back_before_last_try_delivers_once_unpooled_sqlite",
        |env| smtp_back_before_last_try_delivers_once(env, false),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_back_before_last_try_delivers_once_postgres() {
    run(
        DbBackend::Postgres,
        "smtp_back_before_last_try_delivers_once_postgres",
        |env| smtp_back_before_last_try_delivers_once(env, true),
    )
    .await;
}
