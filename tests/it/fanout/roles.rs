//! The roles under test, as tasks: relay, subscription runners, plus two misbehaving
//! participants (a consumer that nak's, a publisher that duplicates), and the waits and checks
//! that end each scenario.

use super::readmodels::{
    assert_dashboards_match_log, assert_equals_rebuild, assert_no_dead_letters, pg_pool,
    projection_checkpoints,
};
use super::{CONVERGE, Names, consumer_backlog, eventually, stream_of};
use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use futures::StreamExt;
use portal_eventlog::bus::NatsBus;
use portal_eventlog::relay::{RelayConfig, run_relay};
use portal_eventlog::subscription::{Handler, RunnerConfig, run_subscription};
use portal_eventlog::{RecordedEvent, Store};
use portal_projections::Projector;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Waits until every projection's checkpoint is at `head`.
pub async fn wait_projected(projector: &Projector, head: i64) {
    eventually!("the projections to reach the log head", CONVERGE, async {
        let (min, all) = projection_checkpoints(projector).await;
        if min == head {
            Ok(())
        } else {
            Err(format!("head {head}, checkpoints {all}"))
        }
    });
}

/// Waits until a durable consumer has nothing left to deliver or to be acknowledged.
pub async fn wait_drained(js: &async_nats::jetstream::Context, names: &Names) {
    eventually!("the projections' consumer to be drained", CONVERGE, async {
        match consumer_backlog(js, &names.stream, &names.consumer).await {
            (0, 0, _) => Ok(()),
            (pending, ack_pending, redelivered) => Err(format!(
                "{pending} pending, {ack_pending} awaiting ack, {redelivered} redelivered"
            )),
        }
    });
}

pub fn spawn_runner(
    store: &Store,
    bus: &NatsBus,
    handler: impl Handler + 'static,
    config: RunnerConfig,
    cancel: &CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(run_subscription(
        store.clone(),
        bus.clone(),
        handler,
        config,
        cancel.clone(),
    ))
}

pub fn spawn_relay(
    store: &Store,
    bus: &NatsBus,
    names: &Names,
    cancel: &CancellationToken,
) -> JoinHandle<()> {
    let config = RelayConfig::new(&names.relay, &names.prefix);
    tokio::spawn(run_relay(
        store.clone(),
        bus.clone(),
        config,
        cancel.clone(),
    ))
}

/// Read models after the run: no dead letters, dashboards exact, equal to a rebuild.
pub async fn check_read_models(store: &Store, url: &str, log: &[RecordedEvent], what: &str) {
    let pool = pg_pool(store);
    assert_no_dead_letters(&pool, what).await;
    assert_dashboards_match_log(&pool, log, what).await;
    let rows = assert_equals_rebuild(store, url, what).await;
    eprintln!(
        "{what}: {} events, {rows} read-model rows equal to a rebuild",
        log.len()
    );
}

/// Another participant on the projections' durable consumer that nak's the first `limit`
/// messages it gets (half at once, half with a delay), as a failing process would.
pub fn spawn_nakker(
    js: &async_nats::jetstream::Context,
    names: &Names,
    limit: usize,
    cancel: &CancellationToken,
) -> JoinHandle<usize> {
    let (js, names, cancel) = (js.clone(), names.clone(), cancel.clone());
    tokio::spawn(async move {
        let consumer: async_nats::jetstream::consumer::PullConsumer = stream_of(&js, &names.stream)
            .await
            .get_consumer(&names.consumer)
            .await
            .unwrap();
        let mut naked = 0;
        while naked < limit && !cancel.is_cancelled() {
            let Ok(mut batch) = consumer
                .fetch()
                .max_messages(50)
                .expires(Duration::from_millis(500))
                .messages()
                .await
            else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            while let Some(Ok(m)) = batch.next().await {
                let delay = (naked % 2 == 1).then(|| Duration::from_millis(300));
                m.ack_with(async_nats::jetstream::AckKind::Nak(delay))
                    .await
                    .unwrap();
                naked += 1;
            }
        }
        naked
    })
}

/// Republishes every event of the stream once more under another `Nats-Msg-Id` (so JetStream
/// keeps both), in reversed chunks, so consumers see each event twice and out of order.
pub fn spawn_duplicator(
    js: &async_nats::jetstream::Context,
    names: &Names,
    cancel: &CancellationToken,
) -> JoinHandle<usize> {
    let (js, names, cancel) = (js.clone(), names.clone(), cancel.clone());
    tokio::spawn(async move {
        let consumer = stream_of(&js, &names.stream)
            .await
            .create_consumer(pull::OrderedConfig {
                filter_subject: format!("{}.>", names.prefix),
                deliver_policy: DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut messages = consumer.messages().await.unwrap();
        let mut chunk: Vec<(String, String, bytes::Bytes)> = Vec::new();
        let mut copies = 0;
        loop {
            let next = tokio::select! {
                n = tokio::time::timeout(Duration::from_millis(200), messages.next()) => n,
                () = cancel.cancelled() => return copies,
            };
            let idle = next.is_err();
            match next {
                Ok(Some(Ok(m))) => {
                    let id = m
                        .headers
                        .as_ref()
                        .and_then(|h| h.get("Nats-Msg-Id"))
                        .map(|v| v.as_str().to_owned())
                        .unwrap();
                    if !id.starts_with("dup-") {
                        chunk.push((m.subject.to_string(), id, m.payload.clone()));
                    }
                }
                Ok(Some(Err(e))) => eprintln!("duplicator: ordered consumer hiccup: {e}"),
                Ok(None) => panic!("duplicator: the ordered consumer ended"),
                Err(_) => {}
            }
            if chunk.len() >= 25 || (!chunk.is_empty() && idle) {
                for (subject, id, body) in chunk.drain(..).rev() {
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert("Nats-Msg-Id", format!("dup-{id}").as_str());
                    js.publish_with_headers(subject, headers, body)
                        .await
                        .unwrap()
                        .await
                        .unwrap();
                    copies += 1;
                }
            }
        }
    })
}
