//! What the NATS fan-out tests share (`fanout_nats`, `roles_nats`, `identity_nats`,
//! `read_your_writes`, `crash`): polling with deadlines, reading the log and a whole JetStream
//! stream, command generators ([`workload`]), read-model checks ([`readmodels`]), the roles as
//! tasks ([`roles`]) and the message format ([`wire`]). The NATS server lookup, per-test names and
//! the private `nats-server` come from the test kit.

pub mod readmodels;
pub mod roles;
pub mod wire;
pub mod workload;

pub use portal_testkit::init_tracing;
pub use portal_testkit::nats::{CONVERGE, Names, StreamGuard, nats_url};
pub use portal_testkit::nats_server as server;

use async_nats::jetstream;
use portal_eventlog::{RecordedEvent, Store};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Polls `$check` (an async block giving `Result<(), String>`) every 100 ms until it is `Ok`,
/// failing after `$timeout` with the last reason it gave. A macro, not a function taking a
/// closure: closures returning borrowing futures trip the compiler's `Send` inference inside
/// spawned test bodies.
macro_rules! eventually {
    ($what:expr, $timeout:expr, $check:expr $(,)?) => {{
        let (what, timeout): (&str, std::time::Duration) = ($what, $timeout);
        let start = std::time::Instant::now();
        loop {
            let reason: String = match $check.await {
                Ok(()) => break,
                Err(reason) => reason,
            };
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}: {reason}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }};
}
pub(crate) use eventually;

/// Awaits a task, failing loudly when it panicked or does not end within `timeout`.
pub async fn join<T>(what: &str, handle: JoinHandle<T>, timeout: Duration) -> T {
    match tokio::time::timeout(timeout, handle).await {
        Err(_) => panic!("{what} did not end within {timeout:?}"),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("{what} failed: {e}"),
        Ok(Ok(v)) => v,
    }
}

/// The position of the last event, for when no writer runs any more. A plain read on purpose:
/// `Store::head_position` stops below any open transaction of the database (a projector's
/// batch, say) and so may lag behind what a relay already published.
pub async fn final_head(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM events")
        .fetch_one(&readmodels::pg_pool(store))
        .await
        .unwrap()
}

/// The whole log, in order, once no writer runs any more (up to [`final_head`]).
pub async fn read_log(store: &Store) -> Vec<RecordedEvent> {
    let head = final_head(store).await;
    let mut out: Vec<RecordedEvent> = Vec::new();
    let deadline = Instant::now() + CONVERGE;
    loop {
        let after = out.last().map_or(0, |e| e.position);
        if after == head {
            return out;
        }
        let page = store.read_all(after, 1000).await.unwrap();
        if page.is_empty() {
            // An open transaction holds the readers' horizon back for a moment.
            assert!(
                Instant::now() < deadline,
                "the log cannot be read past {after} up to {head}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        out.extend(page);
    }
}

/// Waits until the relay checkpoint `relay` reaches the last event (no writer may run any
/// more); returns that position.
pub async fn wait_relayed(store: &Store, relay: &str) -> i64 {
    let head = final_head(store).await;
    eventually!(
        "the relay checkpoint to reach the log head",
        CONVERGE,
        async {
            let c = store
                .relay_checkpoint(relay)
                .await
                .map_err(|e| e.to_string())?;
            if c == head {
                Ok(())
            } else {
                Err(format!("relay checkpoint {c}, log head {head}"))
            }
        },
    );
    head
}

/// One message as stored in a JetStream stream.
#[derive(Debug, Clone)]
pub struct Stored {
    pub sequence: u64,
    pub subject: String,
    pub msg_id: Option<String>,
    pub body: bytes::Bytes,
}

/// A JetStream context of its own (not the project's bus).
pub async fn jetstream(url: &str) -> jetstream::Context {
    jetstream::new(async_nats::connect(url).await.unwrap())
}

pub async fn stream_of(js: &jetstream::Context, stream: &str) -> jetstream::stream::Stream {
    js.get_stream(stream)
        .await
        .unwrap_or_else(|e| panic!("JetStream stream {stream}: {e}"))
}

/// Number of messages the stream holds.
pub async fn stream_messages(js: &jetstream::Context, stream: &str) -> u64 {
    let mut s = stream_of(js, stream).await;
    s.info().await.unwrap().state.messages
}

/// Every message of `stream`, in stream order, read one by one by sequence.
pub async fn read_stream(js: &jetstream::Context, stream: &str) -> Vec<Stored> {
    let mut s = stream_of(js, stream).await;
    let state = s.info().await.unwrap().state.clone();
    let mut out = Vec::with_capacity(state.messages as usize);
    if state.messages == 0 {
        return out;
    }
    for seq in state.first_sequence..=state.last_sequence {
        match s.get_raw_message(seq).await {
            Ok(m) => out.push(Stored {
                sequence: m.sequence,
                subject: m.subject.to_string(),
                msg_id: m.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned()),
                body: m.payload,
            }),
            Err(e) => panic!("reading message {seq} of {stream}: {e}"),
        }
    }
    assert_eq!(
        out.len() as u64,
        state.messages,
        "stream {stream} has holes"
    );
    out
}

/// `(num_pending, num_ack_pending, num_redelivered)` of a durable consumer.
pub async fn consumer_backlog(
    js: &jetstream::Context,
    stream: &str,
    consumer: &str,
) -> (u64, usize, usize) {
    let s = stream_of(js, stream).await;
    let info = s.consumer_info(consumer).await.unwrap();
    (info.num_pending, info.num_ack_pending, info.num_redelivered)
}

/// Waits until the durable consumer exists (the runner creates it when it subscribes).
pub async fn wait_consumer(js: &jetstream::Context, stream: &str, consumer: &str) {
    let s = stream_of(js, stream).await;
    eventually!("the runner's durable consumer", CONVERGE, async {
        s.consumer_info(consumer)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

/// How `stored` is ordered relative to the log (`ids` in log order), as runs of consecutive log
/// indexes with their stream sequences: `0..=811 [1..=812], 1312..=2000 [813..=1501], …`.
pub fn order_runs(stored: &[Stored], ids: &[String]) -> String {
    let index: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut runs: Vec<(usize, usize, u64, u64)> = Vec::new();
    for m in stored {
        let i = m
            .msg_id
            .as_deref()
            .and_then(|id| index.get(id))
            .copied()
            .unwrap_or(usize::MAX);
        match runs.last_mut() {
            Some(r) if r.1 + 1 == i => {
                r.1 = i;
                r.3 = m.sequence;
            }
            _ => runs.push((i, i, m.sequence, m.sequence)),
        }
    }
    runs.iter()
        .map(|(a, b, x, y)| format!("{a}..={b} [{x}..={y}]"))
        .collect::<Vec<_>>()
        .join(", ")
}
