//! One conformance suite for both backends: every test function below runs once on SQLite and
//! once on PostgreSQL (`PORTAL_TEST_DATABASE_URL`), through the `conformance!` macro at the end.

use crate::counter::{Counter, CounterCommand, CounterEvent};
use portal_domain::{Actor, DomainError, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_eventlog::{
    CommandContext, ExecuteError, Idempotency, Metadata, NewEvent, Store, StoreError, StreamId,
    execute, execute_loaded,
};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

fn tenant(slug: &str) -> TenantId {
    TenantId::parse(slug).unwrap()
}

fn stream(name: &str) -> StreamId {
    StreamId::parse(name).unwrap()
}

fn event(kind: &str, n: i64) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: kind.to_owned(),
        schema_version: 1,
        payload: json!({ "n": n, "text": "caf\u{e9} \"quoted\"" }),
        metadata: Metadata::new(Actor::Operator),
    }
}

fn ctx(slug: &str) -> CommandContext {
    CommandContext {
        tenant: tenant(slug),
        metadata: Metadata::new(Actor::System),
        idempotency: None,
    }
}

async fn append_reads_back_the_full_envelope(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    let a = stream("thing-a");
    let b = stream("thing-b");
    let first = vec![event("Made", 1), event("Changed", 2), event("Changed", 3)];
    let r1 = store.append(&acme, &a, 0, &first, None).await.unwrap();
    assert_eq!((r1.first_version, r1.last_version), (1, 3));
    assert_eq!(
        r1.last_position - r1.first_position,
        2,
        "one block of positions"
    );
    assert!(!r1.replayed);
    let r2 = store
        .append(&acme, &b, 0, &[event("Made", 4)], None)
        .await
        .unwrap();
    assert!(r2.first_position > r1.last_position);
    let r3 = store
        .append(&acme, &a, 3, &[event("Changed", 5)], None)
        .await
        .unwrap();
    assert_eq!(r3.last_version, 4);

    let read = store.read_stream(&a).await.unwrap();
    assert_eq!(read.len(), 4);
    assert_eq!(
        read.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    for (got, sent) in read.iter().zip(first.iter()) {
        assert_eq!(got.event_id, sent.event_id);
        assert_eq!(got.event_id.get_version_num(), 7, "event ids are UUID v7");
        assert_eq!(got.event_type, sent.event_type);
        assert_eq!(got.schema_version, 1);
        assert_eq!(got.payload, sent.payload);
        assert_eq!(got.metadata, sent.metadata);
        assert_eq!(got.tenant, acme);
        assert_eq!(got.stream_id, a);
        assert_eq!(got.recorded_at, r1.recorded_at);
    }
    assert!(
        store
            .read_stream(&stream("thing-none"))
            .await
            .unwrap()
            .is_empty()
    );

    let all = store.read_all(0, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].position < w[1].position));
    let streams: Vec<_> = all.iter().map(|e| e.stream_id.as_str()).collect();
    assert_eq!(
        streams,
        ["thing-a", "thing-a", "thing-a", "thing-b", "thing-a"]
    );
}

async fn read_all_pages_by_position(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    for i in 0..25 {
        let s = stream(&format!("thing-{i}"));
        store
            .append(&acme, &s, 0, &[event("Made", i)], None)
            .await
            .unwrap();
    }
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = store.read_all(after, 10).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().unwrap().position;
        seen.extend(page.into_iter().map(|e| e.payload["n"].as_i64().unwrap()));
    }
    assert_eq!(seen, (0..25).collect::<Vec<_>>());
}

async fn wrong_expected_version_is_a_conflict_and_writes_nothing(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    let s = stream("thing-1");
    store
        .append(&acme, &s, 0, &[event("Made", 1)], None)
        .await
        .unwrap();
    for expected in [0, 2, 7] {
        let err = store
            .append(
                &acme,
                &s,
                expected,
                &[event("Changed", 2), event("Changed", 3)],
                None,
            )
            .await
            .unwrap_err();
        match err {
            StoreError::VersionConflict {
                expected: e,
                actual,
                ..
            } => {
                assert_eq!(e, expected);
                assert_eq!(actual, Some(1));
            }
            other => panic!("expected a version conflict, got {other:?}"),
        }
    }
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 1);
    assert_eq!(store.read_all(0, 100).await.unwrap().len(), 1);
}

async fn concurrent_appends_at_one_version_have_one_winner(t: TestStoreRef) {
    let store = t.store.clone();
    let acme = tenant("acme");
    let s = stream("thing-race");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, acme, s) = (store.clone(), acme.clone(), s.clone());
            tokio::spawn(async move { store.append(&acme, &s, 0, &[event("Made", i)], None).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => wins += 1,
            Err(e) => assert!(e.is_conflict(), "expected a conflict, got {e:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 1);
}

async fn idempotent_retry_returns_the_first_result_and_writes_nothing(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    let s = stream("thing-1");
    let events = vec![event("Made", 1), event("Changed", 2)];
    let key = Idempotency::for_events("req-1", &s, &events).unwrap();
    let first = store
        .append(&acme, &s, 0, &events, Some(&key))
        .await
        .unwrap();
    // The retry carries fresh event ids (a client retry builds its events again) and even a
    // stale expected version: it must still get the first result back.
    let again: Vec<_> = [event("Made", 1), event("Changed", 2)].into();
    let key_again = Idempotency::for_events("req-1", &s, &again).unwrap();
    let second = store
        .append(&acme, &s, 0, &again, Some(&key_again))
        .await
        .unwrap();
    assert!(second.replayed);
    assert_eq!(
        (
            second.first_position,
            second.last_position,
            second.last_version
        ),
        (
            first.first_position,
            first.last_position,
            first.last_version
        )
    );
    assert_eq!(store.read_all(0, 100).await.unwrap().len(), 2);
    let found = store.find_idempotent(&acme, &key).await.unwrap().unwrap();
    assert_eq!(found.last_position, first.last_position);
    // Keys are scoped by tenant: another tenant may use the same key.
    let other = store
        .append(
            &tenant("other"),
            &stream("thing-2"),
            0,
            &[event("Made", 1)],
            Some(&key),
        )
        .await
        .unwrap();
    assert!(!other.replayed);
}

async fn idempotency_key_with_other_content_is_a_conflict(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    let s = stream("thing-1");
    let key = Idempotency::new("req-1", &json!({"body": 1})).unwrap();
    store
        .append(&acme, &s, 0, &[event("Made", 1)], Some(&key))
        .await
        .unwrap();
    let other = Idempotency::new("req-1", &json!({"body": 2})).unwrap();
    let err = store
        .append(&acme, &s, 1, &[event("Changed", 2)], Some(&other))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IdempotencyConflict), "{err:?}");
    assert!(matches!(
        store.find_idempotent(&acme, &other).await,
        Err(StoreError::IdempotencyConflict)
    ));
    assert_eq!(store.read_all(0, 100).await.unwrap().len(), 1);
}

async fn a_duplicate_event_id_is_refused(t: TestStoreRef) {
    let store = &t.store;
    let acme = tenant("acme");
    let e = event("Made", 1);
    store
        .append(&acme, &stream("thing-1"), 0, std::slice::from_ref(&e), None)
        .await
        .unwrap();
    let err = store.append(&acme, &stream("thing-2"), 0, &[e], None).await;
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
    assert_eq!(store.read_all(0, 100).await.unwrap().len(), 1);
}

async fn the_database_refuses_update_and_delete(t: TestStoreRef) {
    let store = &t.store;
    store
        .append(
            &tenant("acme"),
            &stream("thing-1"),
            0,
            &[event("Made", 1)],
            None,
        )
        .await
        .unwrap();
    let statements = [
        "UPDATE events SET event_type = 'Forged'",
        "UPDATE events SET payload = payload",
        "DELETE FROM events",
    ];
    for sql in statements {
        let result = match store {
            Store::Postgres(s) => sqlx::query(sql).execute(s.pool()).await.map(|_| ()),
            Store::Sqlite(s) => sqlx::query(sql).execute(s.writer()).await.map(|_| ()),
        };
        let err = result.expect_err(sql).to_string();
        assert!(err.contains("immutable"), "{sql}: {err}");
    }
    if let Store::Postgres(s) = store {
        let err = sqlx::query("TRUNCATE events")
            .execute(s.pool())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("immutable"), "{err}");
    }
    let read = store.read_stream(&stream("thing-1")).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].event_type, "Made");
}

async fn an_empty_append_is_refused(t: TestStoreRef) {
    let err = t
        .store
        .append(&tenant("acme"), &stream("thing-1"), 0, &[], None)
        .await;
    assert!(matches!(err, Err(StoreError::EmptyAppend)));
}

/// Many writers append while a reader tails `read_all`; the reader must see every committed event
/// exactly once and in increasing position. With positions from a plain sequence and no
/// visibility rule this fails within a few hundred appends on PostgreSQL.
async fn readers_never_skip_events_of_concurrent_writers(t: TestStoreRef) {
    const WRITERS: i64 = 16;
    const APPENDS: i64 = 150;
    let store = t.store.clone();
    let acme = tenant("acme");
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, acme) = (store.clone(), acme.clone());
            tokio::spawn(async move {
                for i in 0..APPENDS {
                    let s = stream(&format!("thing-{w}"));
                    // 1–3 events per append, so blocks of positions interleave too.
                    let events: Vec<_> = (0..1 + (i % 3)).map(|k| event("Made", k)).collect();
                    let version = store.read_stream(&s).await.unwrap().len() as i64;
                    store
                        .append(&acme, &s, version, &events, None)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    // On PostgreSQL, slow writers also hold their transaction open for a moment after appending,
    // so that later transactions commit first: without its visibility horizon the reader would
    // then pass their events and skip these (checked by replacing `portal_read_all` with a plain
    // `ORDER BY position` read: this test then fails).
    const SLOW_WRITERS: i64 = 4;
    const SLOW_APPENDS: i64 = 40;
    let slow_writers: Vec<_> = match &store {
        Store::Postgres(pg) => (0..SLOW_WRITERS)
            .map(|w| {
                let (pg, acme) = (pg.clone(), acme.clone());
                tokio::spawn(async move {
                    for i in 0..SLOW_APPENDS {
                        let s = stream(&format!("slow-{w}"));
                        let mut tx = pg.pool().begin().await.unwrap();
                        pg.append_in_transaction(&mut tx, &acme, &s, i, &[event("Made", i)])
                            .await
                            .unwrap();
                        tokio::time::sleep(std::time::Duration::from_millis(2 + (i % 4) as u64))
                            .await;
                        tx.commit().await.unwrap();
                    }
                })
            })
            .collect(),
        Store::Sqlite(_) => Vec::new(),
    };
    let slow_total = if slow_writers.is_empty() {
        0
    } else {
        SLOW_WRITERS * SLOW_APPENDS
    };
    let writers_done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, writers_done) = (store.clone(), writers_done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = 0;
            loop {
                // Read the flag before the page: an empty page after the writers finished means
                // the reader has caught up with everything.
                let finished = writers_done.load(Ordering::SeqCst);
                let page = store.read_all(after, 7).await.unwrap();
                if page.is_empty() {
                    if finished {
                        break seen;
                    }
                    tokio::task::yield_now().await;
                    continue;
                }
                for e in page {
                    assert!(e.position > after, "positions must increase");
                    after = e.position;
                    seen.push(e.event_id);
                }
            }
        })
    };
    for w in writers.into_iter().chain(slow_writers) {
        w.await.unwrap();
    }
    writers_done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let committed: Vec<Uuid> = store
        .read_all(0, u32::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    let expected: i64 = (0..APPENDS).map(|i| 1 + (i % 3)).sum::<i64>() * WRITERS + slow_total;
    assert_eq!(committed.len() as i64, expected);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an event was read twice");
    assert_eq!(
        seen, committed,
        "the tailing reader skipped or reordered events"
    );
}

async fn executor_decides_appends_and_folds(t: TestStoreRef) {
    let store = &t.store;
    let s = StreamId::of::<Counter>("c1");
    let done = execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::Add(5))
        .await
        .unwrap();
    assert_eq!(done.state.total, 5);
    assert_eq!(done.events, vec![CounterEvent::Added { amount: 5 }]);
    assert_eq!(done.append.as_ref().unwrap().last_version, 1);
    let done = execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::AddTwice(2))
        .await
        .unwrap();
    assert_eq!(done.state.total, 9);
    assert_eq!(done.events.len(), 2);
    // A no-op appends nothing.
    let done = execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::Add(0))
        .await
        .unwrap();
    assert!(!done.changed());
    assert!(done.append.is_none());
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 3);
    // A rejection passes through with its message and writes nothing.
    let err = execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::Add(-1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExecuteError::Rejected(DomainError::Rule(_))),
        "{err:?}"
    );
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 3);
    // Another tenant cannot see or touch the stream.
    let err = execute::<Counter>(store, &s, &ctx("other"), &CounterCommand::Add(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ExecuteError::Rejected(DomainError::NotFound("counter"))
        ),
        "{err:?}"
    );
}

async fn executor_retries_version_conflicts(t: TestStoreRef) {
    let store = t.store.clone();
    let s = StreamId::of::<Counter>("hot");
    // Eight concurrent commands on one stream: every one succeeds after retries, none is lost.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(async move {
                let mut ok = 0;
                for _ in 0..5 {
                    match execute::<Counter>(&store, &s, &ctx("acme"), &CounterCommand::Add(1))
                        .await
                    {
                        Ok(_) => ok += 1,
                        Err(ExecuteError::Conflict { attempts, .. }) => assert_eq!(attempts, 5),
                        Err(e) => panic!("{e:?}"),
                    }
                }
                ok
            })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        succeeded += task.await.unwrap();
    }
    let history = store.read_stream(&s).await.unwrap();
    assert_eq!(
        history.len() as i64,
        succeeded,
        "each success appended exactly once"
    );
    assert!(
        succeeded >= 8,
        "retries let most commands through, got {succeeded}"
    );
}

async fn executor_decides_again_when_the_given_state_is_stale(t: TestStoreRef) {
    let store = &t.store;
    let s = StreamId::of::<Counter>("given");
    let acme = tenant("acme");
    execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::Add(1))
        .await
        .unwrap();
    // Fresh: decided on the given state, appended at the next version.
    let (state, version, _) = portal_eventlog::executor::load::<Counter>(store, &s, &acme)
        .await
        .unwrap();
    let done = execute_loaded::<Counter>(
        store,
        &s,
        &ctx("acme"),
        &CounterCommand::Add(2),
        Some((state.clone(), version)),
    )
    .await
    .unwrap();
    assert_eq!(done.state.total, 3);
    assert_eq!(done.append.unwrap().last_version, 2);
    // Stale (the stream moved on since): the version conflict reloads, nothing is lost.
    let done = execute_loaded::<Counter>(
        store,
        &s,
        &ctx("acme"),
        &CounterCommand::Add(4),
        Some((state, version)),
    )
    .await
    .unwrap();
    assert_eq!(done.state.total, 7, "decided again on the fresh state");
    assert_eq!(done.append.unwrap().last_version, 3);
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 3);
}

async fn executor_replays_idempotent_commands(t: TestStoreRef) {
    let store = &t.store;
    let s = StreamId::of::<Counter>("c1");
    let mut c = ctx("acme");
    c.idempotency = Some(Idempotency::new("key-1", &"add 3").unwrap());
    let first = execute::<Counter>(store, &s, &c, &CounterCommand::Add(3))
        .await
        .unwrap();
    execute::<Counter>(store, &s, &ctx("acme"), &CounterCommand::Add(10))
        .await
        .unwrap();
    let again = execute::<Counter>(store, &s, &c, &CounterCommand::Add(3))
        .await
        .unwrap();
    assert_eq!(again.events, first.events);
    assert_eq!(
        again.state.total, 3,
        "the state right after the first execution"
    );
    assert!(again.append.as_ref().unwrap().replayed);
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 2);
    c.idempotency = Some(Idempotency::new("key-1", &"add 4").unwrap());
    let err = execute::<Counter>(store, &s, &c, &CounterCommand::Add(4))
        .await
        .unwrap_err();
    assert!(matches!(err, ExecuteError::IdempotencyConflict), "{err:?}");
}

conformance!(
    append_reads_back_the_full_envelope,
    read_all_pages_by_position,
    wrong_expected_version_is_a_conflict_and_writes_nothing,
    concurrent_appends_at_one_version_have_one_winner,
    idempotent_retry_returns_the_first_result_and_writes_nothing,
    idempotency_key_with_other_content_is_a_conflict,
    a_duplicate_event_id_is_refused,
    the_database_refuses_update_and_delete,
    an_empty_append_is_refused,
    readers_never_skip_events_of_concurrent_writers,
    executor_decides_appends_and_folds,
    executor_retries_version_conflicts,
    executor_decides_again_when_the_given_state_is_stale,
    executor_replays_idempotent_commands,
);
