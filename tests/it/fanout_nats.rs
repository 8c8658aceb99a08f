//! The NATS JetStream fan-out end to end, on PostgreSQL and a real NATS server: what an outside
//! subscriber receives, a NATS crash in the middle of a busy workload, duplicated and nak'ed
//! deliveries, and two projector processes sharing one durable consumer. Every test isolates
//! itself: its own database, JetStream stream, subject prefix, relay checkpoint and consumer.
//!
//! Needs `PORTAL_TEST_DATABASE_URL` and `PORTAL_TEST_NATS_URL` (the crash test starts its own
//! `nats-server` instead); skips without them unless `PORTAL_TEST_REQUIRE_SERVICES=1`.

use crate::fanout::readmodels::{Counting, projector};
use crate::fanout::roles::*;
use crate::fanout::server::{NatsServer, nats_server_binary};
use crate::fanout::wire::check_message;
use crate::fanout::workload::{spawn_workload, tenant_slugs};
use crate::fanout::*;
use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use futures::StreamExt;
use portal_eventlog::bus::NatsBus;
use portal_eventlog::relay::RelayConfig;
use portal_eventlog::subscription::RunnerConfig;
use portal_eventlog::testing::{Backend, with_store};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outside_subscriber_gets_every_event_as_a_cloudevent_in_log_order() {
    const TEST: &str = "outside_subscriber";
    let Some(url) = nats_url(TEST) else { return };
    init_tracing();
    with_store(Backend::Postgres, TEST, |t| async move {
        let names = Names::new();
        let bus = NatsBus::connect(names.nats_config(&url)).await.unwrap();
        let _guard = StreamGuard {
            url: url.clone(),
            stream: names.stream.clone(),
        };
        // The outside subscriber: plain async-nats, an ordered consumer over the whole stream.
        let js = jetstream(&url).await;
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
        let cancel = CancellationToken::new();
        let relay = spawn_relay(&t.store, &bus, &names, &cancel);
        let workload = spawn_workload(&t.store, &tenant_slugs(3), 120);
        let commands = join("the workload", workload, CONVERGE).await;
        let log = read_log(&t.store).await;
        assert!(
            log.len() >= commands,
            "{} events for {commands} commands",
            log.len()
        );
        let categories: HashSet<&str> = log.iter().map(|e| e.stream_id.category()).collect();
        assert_eq!(categories.len(), 4, "aggregates in the log: {categories:?}");

        let mut got = Vec::with_capacity(log.len());
        let deadline = Instant::now() + CONVERGE;
        while got.len() < log.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, messages.next()).await {
                Err(_) => panic!(
                    "the outside subscriber got {} of {} events in {CONVERGE:?}",
                    got.len(),
                    log.len()
                ),
                Ok(None) => panic!("the ordered consumer ended after {} messages", got.len()),
                Ok(Some(Err(e))) => eprintln!("{TEST}: ordered consumer hiccup: {e}"),
                Ok(Some(Ok(m))) => got.push(m),
            }
        }
        let mut previous = 0;
        for (m, e) in got.iter().zip(&log) {
            let msg_id = m
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.as_str());
            check_message(
                &names.prefix,
                m.subject.as_str(),
                msg_id,
                &m.payload,
                e,
                previous,
            );
            previous = e.position;
        }
        // Nothing more: the stream holds exactly the log, and the relay says it is done.
        assert_eq!(wait_relayed(&t.store, &names.relay).await, previous);
        assert_eq!(
            stream_messages(&js, &names.stream).await,
            log.len() as u64,
            "stream size"
        );
        cancel.cancel();
        join("the relay", relay, Duration::from_secs(30)).await;
        eprintln!(
            "{TEST}: {commands} commands, {} CloudEvents checked",
            log.len()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nats_crash_loses_and_duplicates_nothing() {
    const TEST: &str = "nats_crash";
    let Some(binary) = nats_server_binary(TEST) else {
        return;
    };
    init_tracing();
    with_store(Backend::Postgres, TEST, |t| async move {
        let mut server = NatsServer::start(binary).await;
        let url = server.url();
        let names = Names::new();
        let bus = NatsBus::connect(names.nats_config(&url)).await.unwrap();
        let projector = projector(&t.url).await;
        let cancel = CancellationToken::new();
        let relay = spawn_relay(&t.store, &bus, &names, &cancel);
        let config = RunnerConfig::new(&names.consumer);
        let runner = spawn_runner(&t.store, &bus, projector.clone(), config, &cancel);
        let js = jetstream(&url).await;
        wait_consumer(&js, &names.stream, &names.consumer).await;

        let started = Instant::now();
        let workload = spawn_workload(&t.store, &tenant_slugs(4), 750);
        // Outage 1 while the writers are busy; outage 2 as soon as the relay publishes again
        // after the restart (while it works off the backlog, or still with the writers).
        let mut relayed_before = 0;
        for (n, down) in [3, 2].into_iter().enumerate() {
            eventually!(
                "the relay to publish (more of) the workload",
                CONVERGE,
                async {
                    let relayed = t.store.relay_checkpoint(&names.relay).await.unwrap();
                    let count = t.store.count_after(0, 400).await.unwrap();
                    if relayed > relayed_before && count >= 400 {
                        Ok(())
                    } else {
                        Err(format!("{count} events, relay at {relayed}"))
                    }
                },
            );
            let writing = !workload.is_finished();
            assert!(
                writing || n > 0,
                "the workload ended before the first outage"
            );
            let before = t.store.count_after(0, i64::MAX).await.unwrap();
            server.kill();
            // The outage itself: writers go on, the log is the outbox.
            tokio::time::sleep(Duration::from_secs(down)).await;
            let during = t.store.count_after(0, i64::MAX).await.unwrap() - before;
            relayed_before = t.store.relay_checkpoint(&names.relay).await.unwrap();
            server.restart().await;
            eprintln!(
                "{TEST}: outage {n} ({down} s) at {before} events, writers busy: {writing}; \
                 {during} events written while NATS was down"
            );
        }
        let commands = join("the workload", workload, CONVERGE).await;
        let head = wait_relayed(&t.store, &names.relay).await;
        wait_projected(&projector, head).await;
        // The runner is back on the bus, not only catching up from the log.
        wait_drained(&js, &names).await;
        eprintln!(
            "{TEST}: {commands} commands converged in {:?}",
            started.elapsed()
        );

        // (a) JetStream holds every event of the log exactly once.
        let log = read_log(&t.store).await;
        let stored = read_stream(&js, &names.stream).await;
        let ids: Vec<String> = log.iter().map(|e| e.event_id.to_string()).collect();
        let stored_ids: Vec<String> = stored
            .iter()
            .map(|m| m.msg_id.clone().unwrap_or_default())
            .collect();
        let unique: HashSet<&String> = stored_ids.iter().collect();
        assert_eq!(
            unique.len(),
            stored_ids.len(),
            "the stream holds duplicates"
        );
        let missing = ids.iter().filter(|id| !unique.contains(id)).count();
        assert_eq!(
            missing,
            0,
            "{missing} of {} events never reached JetStream",
            ids.len()
        );
        assert_eq!(
            stored_ids.len(),
            ids.len(),
            "the stream holds messages that are not events"
        );
        // Each message carries its event, `previousposition` being the event before it in the log.
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        for m in &stored {
            let i = index[m.msg_id.as_deref().unwrap()];
            let previous = if i == 0 { 0 } else { log[i - 1].position };
            check_message(
                &names.prefix,
                &m.subject,
                m.msg_id.as_deref(),
                &m.body,
                &log[i],
                previous,
            );
        }
        // (b) the read models equal a rebuild from the log.
        cancel.cancel();
        join("the relay", relay, Duration::from_secs(30)).await;
        join("the runner", runner, Duration::from_secs(30)).await;
        check_read_models(&t.store, &t.url, &log, TEST).await;
        // Last, so that (a) and (b) are known when it fails: the relay's contract is log order.
        assert!(
            stored_ids == ids,
            "the stream is not in log order; stored as runs of log indexes [stream sequences]: {}",
            order_runs(&stored, &ids)
        );
        drop(server);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_redeliveries_and_naks_are_applied_once() {
    const TEST: &str = "redelivery";
    let Some(url) = nats_url(TEST) else { return };
    init_tracing();
    with_store(Backend::Postgres, TEST, |t| async move {
        let names = Names::new();
        let bus = NatsBus::connect(names.nats_config(&url)).await.unwrap();
        let _guard = StreamGuard {
            url: url.clone(),
            stream: names.stream.clone(),
        };
        let js = jetstream(&url).await;
        let cancel = CancellationToken::new();
        let relay = spawn_relay(&t.store, &bus, &names, &cancel);
        let projector_a = projector(&t.url).await;
        let config = RunnerConfig::new(&names.consumer);
        let runner_a = spawn_runner(&t.store, &bus, projector_a.clone(), config.clone(), &cancel);
        let cancel_b = CancellationToken::new();
        let runner_b = spawn_runner(
            &t.store,
            &bus,
            projector(&t.url).await,
            config.clone(),
            &cancel_b,
        );
        wait_consumer(&js, &names.stream, &names.consumer).await;
        let nakker = spawn_nakker(&js, &names, 300, &cancel);
        let duplicator = spawn_duplicator(&js, &names, &cancel);

        let workload = spawn_workload(&t.store, &tenant_slugs(3), 300);
        // Runner B dies in the middle (whatever it pulled and did not acknowledge comes again
        // after the ack wait) and starts again.
        eventually!("part of the workload to be written", CONVERGE, async {
            let n = t.store.count_after(0, 300).await.unwrap();
            if n >= 300 {
                Ok(())
            } else {
                Err(format!("{n} events"))
            }
        });
        cancel_b.cancel();
        join("runner B", runner_b, Duration::from_secs(30)).await;
        let runner_b = spawn_runner(&t.store, &bus, projector(&t.url).await, config, &cancel);
        let commands = join("the workload", workload, CONVERGE).await;
        let head = wait_relayed(&t.store, &names.relay).await;
        let log = read_log(&t.store).await;
        let n = log.len() as u64;
        eventually!(
            "every event to be duplicated in the stream",
            CONVERGE,
            async {
                match stream_messages(&js, &names.stream).await {
                    m if m == 2 * n => Ok(()),
                    m => Err(format!("{m} messages for {n} events")),
                }
            },
        );
        // A second relay from 0 republishes the same ids: JetStream drops them all.
        let again = RelayConfig::new(format!("{}_again", names.relay), &names.prefix);
        let passed = portal_eventlog::relay::relay_pass(
            &t.store,
            &bus,
            &again,
            0,
            portal_eventlog::relay::Chain::Start,
        )
        .await
        .unwrap();
        assert_eq!(passed.checkpoint, head);
        assert_eq!(
            stream_messages(&js, &names.stream).await,
            2 * n,
            "republished ids were stored again"
        );
        let naked = join("the nakker", nakker, CONVERGE).await;
        assert!(naked >= 300, "the nakker nak'ed only {naked} messages");
        wait_drained(&js, &names).await;
        wait_projected(&projector_a, head).await;
        cancel.cancel();
        let copies = join("the duplicator", duplicator, Duration::from_secs(30)).await;
        assert_eq!(copies as u64, n);
        join("the relay", relay, Duration::from_secs(30)).await;
        join("runner A", runner_a, Duration::from_secs(30)).await;
        join("runner B", runner_b, Duration::from_secs(30)).await;
        eprintln!("{TEST}: {commands} commands, {n} events each published twice, {naked} nak'ed");
        check_read_models(&t.store, &t.url, &log, TEST).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_projector_processes_share_the_work() {
    const TEST: &str = "two_projectors";
    let Some(url) = nats_url(TEST) else { return };
    init_tracing();
    with_store(Backend::Postgres, TEST, |t| async move {
        let names = Names::new();
        let bus = NatsBus::connect(names.nats_config(&url)).await.unwrap();
        let _guard = StreamGuard {
            url: url.clone(),
            stream: names.stream.clone(),
        };
        let js = jetstream(&url).await;
        let cancel = CancellationToken::new();
        let relay = spawn_relay(&t.store, &bus, &names, &cancel);
        // No idle catch-up: the log is empty when they start, so every batch a runner hands its
        // projector comes from a bus delivery (or the gap catch-up one triggered).
        let config = RunnerConfig {
            idle: Duration::from_secs(600),
            ..RunnerConfig::new(&names.consumer)
        };
        let a = Counting::new(projector(&t.url).await);
        let b = Counting::new(projector(&t.url).await);
        let runner_a = spawn_runner(&t.store, &bus, a.clone(), config.clone(), &cancel);
        let runner_b = spawn_runner(&t.store, &bus, b.clone(), config, &cancel);
        wait_consumer(&js, &names.stream, &names.consumer).await;
        // Both bound their pull requests before the first event.
        eventually!("both runners to pull", CONVERGE, async {
            let stream = stream_of(&js, &names.stream).await;
            let info = stream.consumer_info(&names.consumer).await;
            let waiting = info.map_err(|e| e.to_string())?.num_waiting;
            if waiting >= 2 {
                Ok(())
            } else {
                Err(format!("{waiting} pull requests waiting"))
            }
        });

        let workload = spawn_workload(&t.store, &tenant_slugs(3), 400);
        let commands = join("the workload", workload, CONVERGE).await;
        let head = wait_relayed(&t.store, &names.relay).await;
        wait_drained(&js, &names).await;
        wait_projected(&a.inner, head).await;
        cancel.cancel();
        join("the relay", relay, Duration::from_secs(30)).await;
        join("runner A", runner_a, Duration::from_secs(30)).await;
        join("runner B", runner_b, Duration::from_secs(30)).await;
        let (a_batches, a_events) = a.counts();
        let (b_batches, b_events) = b.counts();
        eprintln!(
            "{TEST}: {commands} commands; projector A handled {a_batches} batches \
             ({a_events} events offered), B {b_batches} ({b_events})"
        );
        assert!(
            a_batches > 0 && b_batches > 0,
            "one projector got no messages: A {a_batches}, B {b_batches}"
        );
        let log = read_log(&t.store).await;
        check_read_models(&t.store, &t.url, &log, TEST).await;
    })
    .await;
}
