//! Exactly one successful delivery per (event, endpoint): across a restart with events appended
//! while no dispatcher ran, with two processes on one database, and with two processes on one
//! JetStream stream whose messages are lost midway.

use super::receiver::Receiver;
use super::{ALLOW, positions, register, settled};
use portal_testkit::api::Env;
use portal_testkit::{Backend, TestStoreRef, with_store};
use std::collections::HashSet;
use std::time::Duration;

async fn restart_and_two_processes_deliver_each_event_once(t: TestStoreRef) {
    let rx = Receiver::start().await;
    let Env {
        server,
        sink,
        t,
        acme,
        api,
        ..
    } = Env::start_with(t, &ALLOW).await;
    register(&api, &rx.url, &["customer.CustomerCreated"]).await;
    for i in 0..2 {
        api.customer(&format!("Before {i}")).await;
    }
    rx.wait_for(2).await;
    server.shutdown().await;
    // Events while no dispatcher runs.
    for i in 0..3 {
        portal_testkit::fixtures::customer(&t.store, &acme, &format!("While down {i}")).await;
    }
    // Two processes on the one database share the work.
    let a = portal_testkit::service::start(&t.url, &sink, &ALLOW).await;
    let b = portal_testkit::service::start(&t.url, &sink, &ALLOW).await;
    let api_b = portal_testkit::api::Api::new(&b.base_url(), &api.token);
    api_b.customer("After").await;
    rx.wait_for(6).await;
    settled(&t.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = rx.received();
    let ids: HashSet<String> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(got.len(), 6, "each event delivered once");
    assert_eq!(ids.len(), 6);
    assert!(positions(&got).is_sorted());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_and_two_processes_deliver_each_event_once_postgres() {
    with_store(
        Backend::Postgres,
        "webhooks_restart",
        restart_and_two_processes_deliver_each_event_once,
    )
    .await;
}

/// Two services on one database and one JetStream stream (sharing the durable consumer of the
/// webhooks' handler); the stream is purged midway (news lost on the bus): each event is still
/// delivered once, in order, the handlers catching up from the log.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_nats_deliver_each_event_once_despite_a_lost_stream() {
    use portal_testkit::nats::{Names, StreamGuard, nats_url};
    let Some(nats) = nats_url("webhooks on NATS") else {
        return;
    };
    with_store(Backend::Postgres, "webhooks_nats", move |t| async move {
        let names = Names::new();
        let _guard = StreamGuard {
            url: nats.clone(),
            stream: names.stream.clone(),
        };
        let mut args: Vec<&str> = ALLOW.to_vec();
        args.extend([
            "--nats-url",
            &nats,
            "--nats-stream",
            &names.stream,
            "--nats-subject-prefix",
            &names.prefix,
        ]);
        let rx = Receiver::start().await;
        let env = Env::start_with(t, &args).await;
        let other = portal_testkit::service::start(&env.t.url, &env.sink, &args).await;
        register(&env.api, &rx.url, &["customer.CustomerCreated"]).await;
        let api_other = portal_testkit::api::Api::new(&other.base_url(), &env.api.token);
        for i in 0..3 {
            env.api.customer(&format!("First {i}")).await;
            api_other.customer(&format!("Other {i}")).await;
        }
        rx.wait_for(6).await;
        // News lost: the stream's messages are gone.
        let client = async_nats::connect(&nats).await.unwrap();
        let js = async_nats::jetstream::new(client);
        js.get_stream(&names.stream)
            .await
            .unwrap()
            .purge()
            .await
            .unwrap();
        for i in 0..3 {
            api_other.customer(&format!("After {i}")).await;
        }
        rx.wait_for(9).await;
        settled(&env.t.url).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = rx.received();
        let ids: HashSet<String> = got.iter().map(|r| r.header("webhook-id")).collect();
        assert_eq!(got.len(), 9, "each event delivered once");
        assert_eq!(ids.len(), 9);
        assert!(positions(&got).is_sorted());
        other.shutdown().await;
    })
    .await;
}
