//! Group commit: concurrent appends share transactions, yet each keeps its own version check and
//! idempotency, and one that fails fails alone. On both backends (`conformance!`), plus two
//! stores on one PostgreSQL database, as two processes would be.

use portal_domain::{Actor, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_eventlog::{Idempotency, Metadata, NewEvent, Store, StoreError, StreamId};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn stream(name: &str) -> StreamId {
    StreamId::parse(name).unwrap()
}

fn event(n: i64) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "Made".to_owned(),
        schema_version: 1,
        payload: json!({ "n": n }),
        metadata: Metadata::new(Actor::Operator),
    }
}

/// Appends issued at once from many tasks: those at a wrong version fail with the stream's
/// actual version, every other one commits, with its own versions and distinct positions.
async fn a_conflicting_append_fails_alone_among_concurrent_appends(t: TestStoreRef) {
    let store = t.store.clone();
    // Streams `taken-*` already hold one event; appends to them at version 0 must conflict.
    for i in 0..16 {
        store
            .append(
                &acme(),
                &stream(&format!("taken-{i}")),
                0,
                &[event(0)],
                None,
            )
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..96)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let (name, events) = if i % 6 == 0 {
                    (format!("taken-{}", i / 6), vec![event(i)])
                } else {
                    (format!("fresh-{i}"), vec![event(i), event(i + 1000)])
                };
                let s = stream(&name);
                (name, store.append(&acme(), &s, 0, &events, None).await)
            })
        })
        .collect();
    let mut positions = HashSet::new();
    let mut committed = 0;
    for task in tasks {
        let (name, result) = task.await.unwrap();
        if name.starts_with("taken-") {
            match result {
                Err(StoreError::VersionConflict {
                    expected: 0,
                    actual: Some(1),
                    ..
                }) => {}
                other => panic!("{name}: expected a conflict at version 1, got {other:?}"),
            }
        } else {
            let r = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!((r.first_version, r.last_version), (1, 2), "{name}");
            assert!(r.first_position < r.last_position, "{name}");
            assert!(positions.insert(r.first_position) && positions.insert(r.last_position));
            committed += 1;
        }
    }
    assert_eq!(committed, 80);
    let all = store.read_all(0, 1000).await.unwrap();
    assert_eq!(all.len(), 16 + 2 * 80);
    assert!(all.windows(2).all(|w| w[0].position < w[1].position));
    for i in 0..16 {
        let events = store
            .read_stream(&stream(&format!("taken-{i}")))
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "a conflicting append wrote to taken-{i}");
    }
    if let Store::Postgres(_) = store {
        // Positions are transaction id × 65536 + ordinal: appends sharing a transaction id were
        // committed together, which is the point of the exercise.
        let mut per_transaction: HashMap<i64, HashSet<String>> = HashMap::new();
        for e in &all {
            per_transaction
                .entry(e.position >> 16)
                .or_default()
                .insert(e.stream_id.to_string());
        }
        assert!(
            per_transaction.values().any(|streams| streams.len() > 1),
            "no transaction carried more than one append"
        );
    }
}

/// The same key sent by many tasks at once: one append writes, every other one gets its result.
async fn concurrent_retries_with_one_key_write_once(t: TestStoreRef) {
    let store = t.store.clone();
    let s = stream("thing-keyed");
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(async move {
                let events = vec![event(1), event(2), event(3)];
                let key = Idempotency::for_events("req-7", &s, &events).unwrap();
                store.append(&acme(), &s, 0, &events, Some(&key)).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }
    assert_eq!(results.iter().filter(|r| !r.replayed).count(), 1);
    let first = &results[0];
    assert!(
        results
            .iter()
            .all(|r| (r.first_position, r.last_position, r.last_version)
                == (first.first_position, first.last_position, 3))
    );
    assert_eq!(store.read_stream(&s).await.unwrap().len(), 3);
}

/// Several appends to one stream at once, each at the version it last saw: one per version wins.
async fn appends_to_one_stream_in_one_batch_keep_their_versions(t: TestStoreRef) {
    let store = t.store.clone();
    let s = stream("thing-busy");
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(async move { store.append(&acme(), &s, i % 4, &[event(i)], None).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.first_version, r.last_version);
                wins += 1;
            }
            Err(e) => assert!(e.is_conflict(), "{e:?}"),
        }
    }
    let events = store.read_stream(&s).await.unwrap();
    assert_eq!(events.len(), wins);
    let versions: Vec<i64> = events.iter().map(|e| e.version).collect();
    assert_eq!(versions, (1..=wins as i64).collect::<Vec<_>>());
}

/// Appends whose second event reuses an event id already in the log (a row the database
/// refuses), issued at once with good ones: each refused append fails and leaves none of its
/// events behind, every good one commits.
async fn a_refused_row_fails_its_append_alone_and_writes_none_of_it(t: TestStoreRef) {
    let store = t.store.clone();
    let taken = event(0);
    store
        .append(
            &acme(),
            &stream("thing-first"),
            0,
            std::slice::from_ref(&taken),
            None,
        )
        .await
        .unwrap();
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let (store, taken) = (store.clone(), taken.clone());
            tokio::spawn(async move {
                let bad = i % 8 == 0;
                let events = if bad {
                    vec![event(i), taken]
                } else {
                    vec![event(i), event(i + 1000)]
                };
                let name = format!("{}-{i}", if bad { "bad" } else { "good" });
                let result = store
                    .append(&acme(), &stream(&name), 0, &events, None)
                    .await;
                (name, result)
            })
        })
        .collect();
    for task in tasks {
        let (name, result) = task.await.unwrap();
        let written = store.read_stream(&stream(&name)).await.unwrap();
        if name.starts_with("bad-") {
            assert!(
                matches!(result, Err(StoreError::Database(_))),
                "{name}: {result:?}"
            );
            assert!(written.is_empty(), "{name} left {} events", written.len());
        } else {
            assert_eq!(result.unwrap().last_version, 2, "{name}");
            assert_eq!(written.len(), 2, "{name}");
        }
    }
    assert_eq!(store.read_all(0, 1000).await.unwrap().len(), 1 + 2 * 42);
}

conformance!(
    a_refused_row_fails_its_append_alone_and_writes_none_of_it,
    a_conflicting_append_fails_alone_among_concurrent_appends,
    concurrent_retries_with_one_key_write_once,
    appends_to_one_stream_in_one_batch_keep_their_versions,
);

/// Two stores on one database, as two processes: their batches race for the same streams, so a
/// batch can be refused as a whole by the other's insert (unique version). Every append still
/// gets its own answer: per stream exactly one winner, and the log holds exactly the winners.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_of_two_processes_racing_for_streams_answer_every_append() {
    with_store(Backend::Postgres, "two_process_batches", |t| async move {
        let other = Store::connect(&t.url, &Default::default()).await.unwrap();
        let stores = [t.store.clone(), other];
        let mut tasks = Vec::new();
        for round in 0..4 {
            for i in 0..48 {
                for store in &stores {
                    let store = store.clone();
                    tasks.push(tokio::spawn(async move {
                        let name = format!("race-{round}-{i}");
                        let s = stream(&name);
                        let result = store.append(&acme(), &s, 0, &[event(i)], None).await;
                        (name, result)
                    }));
                }
            }
        }
        let mut winners: HashMap<String, usize> = HashMap::new();
        for task in tasks {
            let (name, result) = task.await.unwrap();
            match result {
                Ok(_) => *winners.entry(name).or_default() += 1,
                Err(e) => assert!(e.is_conflict(), "{name}: {e:?}"),
            }
        }
        assert_eq!(winners.len(), 4 * 48, "every stream has a winner");
        assert!(winners.values().all(|&n| n == 1), "one winner per stream");
        assert_eq!(t.store.read_all(0, 10_000).await.unwrap().len(), 4 * 48);
    })
    .await;
}
