//! Relay, in-process bus and subscription runner together, on both backends (NATS has its own
//! suite at the workspace root): every event reaches a checkpointed handler once, in order, and
//! commits wake the tail without polling.

use portal_domain::{Actor, TenantId};
use portal_eventlog::bus::{Bus, EventBus, MemoryBus};
use portal_eventlog::relay::{RelayConfig, run_relay};
use portal_eventlog::subscription::{
    CATCH_UP_BATCH, Handled, Handler, HandlerError, Positioned, RunnerConfig, run_subscription,
};
use portal_eventlog::testing::{Backend, with_store};
use portal_eventlog::wire::CloudEvent;
use portal_eventlog::{Metadata, NewEvent, Store, StreamId};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

async fn append_one(store: &Store, stream: &StreamId, expected: i64) {
    let e = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "Happened".into(),
        schema_version: 1,
        payload: serde_json::json!({"n": expected}),
        metadata: Metadata::new(Actor::System),
    };
    store
        .append(&tenant(), stream, expected, &[e], None)
        .await
        .unwrap();
}

/// Applies events into memory with a checkpoint, as a projection would.
#[derive(Clone, Default)]
struct Recorder {
    state: Arc<Mutex<(i64, Vec<i64>)>>,
    /// The size of every batch offered.
    batches: Arc<Mutex<Vec<usize>>>,
    /// Its catch-up read size, when not the default.
    catch_up_batch: Option<u32>,
}

impl Handler for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn catch_up_batch(&self) -> u32 {
        self.catch_up_batch.unwrap_or(CATCH_UP_BATCH)
    }
    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        Ok(self.state.lock().unwrap().0)
    }
    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        self.batches.lock().unwrap().push(events.len());
        let mut s = self.state.lock().unwrap();
        let Some(first) = events.iter().position(|p| p.event.position > s.0) else {
            return Ok(Handled::Applied);
        };
        if events[first].previous > s.0 {
            return Ok(Handled::Gap { checkpoint: s.0 });
        }
        for p in &events[first..] {
            s.1.push(p.event.position);
            s.0 = p.event.position;
        }
        Ok(Handled::Applied)
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn every_event_once_in_order(backend: Backend) {
    with_store(backend, "fanout_memory", |t| async move {
        let store = t.store.clone();
        // Events before anything runs: delivered by the catch-up at start.
        for n in 0..20 {
            append_one(&store, &StreamId::parse(&format!("thing-{n}")).unwrap(), 0).await;
        }
        let bus = Bus::Memory(MemoryBus::new(64));
        let cancel = CancellationToken::new();
        let recorder = Recorder::default();
        let relay = tokio::spawn(run_relay(
            store.clone(),
            bus.clone(),
            RelayConfig::new("test", "portal.events"),
            cancel.clone(),
        ));
        let runner = tokio::spawn(run_subscription(
            store.clone(),
            bus.clone(),
            recorder.clone(),
            RunnerConfig::new("test"),
            cancel.clone(),
        ));
        // More than the bus holds, from concurrent writers: the runner lags, sees gaps and
        // catches up from the log.
        let mut writers = Vec::new();
        for w in 0..4 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let stream = StreamId::parse(&format!("writer-{w}")).unwrap();
                for v in 0..100 {
                    append_one(&store, &stream, v).await;
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let all: Vec<i64> = store
            .read_all(0, 10_000)
            .await
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(all.len(), 420);
        wait_for("the recorder to reach the head", || {
            recorder.state.lock().unwrap().0 == *all.last().unwrap()
        })
        .await;
        assert_eq!(
            recorder.state.lock().unwrap().1,
            all,
            "each once, in log order"
        );
        // The relay stores its checkpoint after the acknowledgement: it gets there too.
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.relay_checkpoint("test").await.unwrap() != *all.last().unwrap() {
            assert!(Instant::now() < deadline, "relay checkpoint stuck");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
        relay.await.unwrap();
        runner.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn every_event_once_in_order_sqlite() {
    every_event_once_in_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_event_once_in_order_postgres() {
    every_event_once_in_order(Backend::Postgres).await;
}

async fn catch_up_reads_in_the_handlers_batches(backend: Backend) {
    with_store(backend, "fanout_catch_up_batches", |t| async move {
        let stream = StreamId::parse("thing-1").unwrap();
        for v in 0..25 {
            append_one(&t.store, &stream, v).await;
        }
        // No relay: the bus stays silent, so all 25 come from the catch-up at start.
        let cancel = CancellationToken::new();
        let recorder = Recorder {
            catch_up_batch: Some(10),
            ..Recorder::default()
        };
        let runner = tokio::spawn(run_subscription(
            t.store.clone(),
            Bus::Memory(MemoryBus::new(64)),
            recorder.clone(),
            RunnerConfig::new("batches"),
            cancel.clone(),
        ));
        wait_for("the catch-up", || {
            recorder.state.lock().unwrap().1.len() == 25
        })
        .await;
        cancel.cancel();
        runner.await.unwrap();
        assert_eq!(*recorder.batches.lock().unwrap(), [10, 10, 5]);
    })
    .await;
}

#[tokio::test]
async fn catch_up_reads_in_the_handlers_batches_sqlite() {
    catch_up_reads_in_the_handlers_batches(Backend::Sqlite).await;
}

#[tokio::test]
async fn catch_up_reads_in_the_handlers_batches_postgres() {
    catch_up_reads_in_the_handlers_batches(Backend::Postgres).await;
}

async fn relay_publishes_cloudevents_in_order(backend: Backend) {
    with_store(backend, "fanout_relay_order", |t| async move {
        let bus = MemoryBus::new(1024);
        let mut sub = bus.subscribe("outside").await.unwrap();
        let cancel = CancellationToken::new();
        let relay = tokio::spawn(run_relay(
            t.store.clone(),
            bus.clone(),
            RelayConfig::new("order", "portal.events"),
            cancel.clone(),
        ));
        let stream = StreamId::parse("thing-1").unwrap();
        for v in 0..50 {
            append_one(&t.store, &stream, v).await;
        }
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while got.len() < 50 && Instant::now() < deadline {
            for d in sub
                .next_batch(100, Duration::from_millis(200))
                .await
                .unwrap()
            {
                got.push(CloudEvent::parse(&d.body).unwrap());
            }
        }
        let log = t.store.read_all(0, 100).await.unwrap();
        assert_eq!(got.len(), log.len());
        let mut previous = 0;
        for (ce, e) in got.iter().zip(&log) {
            assert_eq!(ce.id, e.event_id);
            assert_eq!(ce.position, e.position);
            assert_eq!(ce.previousposition, previous);
            assert_eq!(ce.streamversion, e.version);
            assert_eq!(ce.data, e.payload);
            previous = e.position;
        }
        cancel.cancel();
        relay.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn relay_publishes_cloudevents_in_order_sqlite() {
    relay_publishes_cloudevents_in_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn relay_publishes_cloudevents_in_order_postgres() {
    relay_publishes_cloudevents_in_order(Backend::Postgres).await;
}

async fn commits_wake_listeners(backend: Backend) {
    with_store(backend, "fanout_wake", |t| async move {
        let mut listener = t.store.commit_listener().await;
        // Nothing committed: the wait times out (the slow safety-net poll).
        assert!(!listener.wait(Duration::from_millis(200)).await);
        let store = t.store.clone();
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            append_one(&store, &StreamId::parse("thing-9").unwrap(), 0).await;
        });
        // A commit wakes it well before the 10 s timeout.
        let started = Instant::now();
        assert!(
            listener.wait(Duration::from_secs(10)).await,
            "woken by the commit"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        writer.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn commits_wake_listeners_sqlite() {
    commits_wake_listeners(Backend::Sqlite).await;
}

#[tokio::test]
async fn commits_wake_listeners_postgres() {
    commits_wake_listeners(Backend::Postgres).await;
}

/// An event committed while an older transaction of the database is still open lies above the
/// read horizon; when that transaction ends, nothing signals a commit. The relay must publish the
/// event soon after, not at its (here one minute) safety-net poll, however long the
/// transaction was open (a read model's batch during a burst takes seconds).
#[tokio::test]
async fn events_held_back_by_an_open_transaction_are_relayed_when_it_ends() {
    use sqlx::Connection;
    with_store(Backend::Postgres, "fanout_held_back", |t| async move {
        let bus = MemoryBus::new(64);
        let mut sub = bus.subscribe("outside").await.unwrap();
        let cancel = CancellationToken::new();
        let mut config = RelayConfig::new("held", "portal.events");
        config.poll = Duration::from_secs(60);
        let relay = tokio::spawn(run_relay(
            t.store.clone(),
            bus.clone(),
            config,
            cancel.clone(),
        ));
        // Any writing transaction holds the horizon, as a read model's batch does.
        let mut older = sqlx::PgConnection::connect(&t.url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut older).await.unwrap();
        sqlx::query("SELECT pg_current_xact_id()")
            .execute(&mut older)
            .await
            .unwrap();
        append_one(&t.store, &StreamId::parse("thing-1").unwrap(), 0).await;
        let early = sub
            .next_batch(10, Duration::from_millis(500))
            .await
            .unwrap();
        assert!(early.is_empty(), "published past an open transaction");
        tokio::time::sleep(Duration::from_secs(8)).await;
        let still = sub.next_batch(10, Duration::from_millis(10)).await.unwrap();
        assert!(still.is_empty(), "published past an open transaction");

        sqlx::query("COMMIT").execute(&mut older).await.unwrap();
        let started = Instant::now();
        let mut got = Vec::new();
        while got.is_empty() && started.elapsed() < Duration::from_secs(20) {
            got = sub
                .next_batch(10, Duration::from_millis(100))
                .await
                .unwrap();
        }
        assert_eq!(got.len(), 1, "the held-back event is published");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "published {:?} after the older transaction ended",
            started.elapsed()
        );
        cancel.cancel();
        relay.await.unwrap();
    })
    .await;
}
