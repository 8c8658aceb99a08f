//! NATS JetStream transport.
//!
//! The stream (`PORTAL_EVENTS` by default) is created or updated at start with the configured
//! replicas and duplicate window; `Nats-Msg-Id` = event id lets JetStream drop a relay's
//! republished duplicates within that window (and consumers skip any that come later by
//! position). Subscriptions are durable pull consumers with explicit acks, one per role; every
//! process of a role binds the same consumer and so shares its messages.

use super::{Acks, BusError, EventBus, OutMessage, Subscription};
use async_nats::jetstream::{self, consumer, stream};
use async_nats::{HeaderMap, header};
use std::time::Duration;
use tracing::info;

/// Where and how to publish.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    pub url: String,
    /// JetStream stream name (no dots or spaces).
    pub stream: String,
    /// Subjects are `<prefix>.<tenant>.<category>.<EventType>`.
    pub subject_prefix: String,
    pub replicas: usize,
    pub duplicate_window: Duration,
}

impl NatsConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "PORTAL_EVENTS".into(),
            subject_prefix: "portal.events".into(),
            replicas: 1,
            duplicate_window: Duration::from_secs(120),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    config: NatsConfig,
}

impl NatsBus {
    /// Connects (failing fast when the server is unreachable at start; later disconnects are
    /// retried by the client) and creates or updates the stream.
    pub async fn connect(config: NatsConfig) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name("portal")
            .connection_timeout(Duration::from_secs(5))
            .connect(config.url.as_str())
            .await
            .map_err(|e| BusError::Connect {
                url: config.url.clone(),
                reason: e.to_string(),
            })?;
        let js = jetstream::context::ContextBuilder::new()
            .timeout(Duration::from_secs(10))
            .max_ack_inflight(8192)
            .backpressure_on_inflight(true)
            .build(client.clone());
        let bus = Self { client, js, config };
        bus.ensure_stream().await?;
        Ok(bus)
    }

    pub fn config(&self) -> &NatsConfig {
        &self.config
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    fn stream_config(&self) -> stream::Config {
        stream::Config {
            name: self.config.stream.clone(),
            subjects: vec![format!("{}.>", self.config.subject_prefix)],
            storage: stream::StorageType::File,
            num_replicas: self.config.replicas,
            duplicate_window: self.config.duplicate_window,
            ..Default::default()
        }
    }

    async fn ensure_stream(&self) -> Result<(), BusError> {
        let wanted = self.stream_config();
        let mut s = self
            .js
            .get_or_create_stream(wanted.clone())
            .await
            .map_err(|e| BusError::Setup(e.to_string()))?;
        let info = s.info().await.map_err(|e| BusError::Setup(e.to_string()))?;
        let have = &info.config;
        if have.subjects != wanted.subjects
            || have.num_replicas != wanted.num_replicas
            || have.duplicate_window != wanted.duplicate_window
        {
            info!(stream = %wanted.name, "updating JetStream stream configuration");
            let mut update = have.clone();
            update.subjects = wanted.subjects;
            update.num_replicas = wanted.num_replicas;
            update.duplicate_window = wanted.duplicate_window;
            self.js
                .update_stream(update)
                .await
                .map_err(|e| BusError::Setup(e.to_string()))?;
        }
        Ok(())
    }
}

impl EventBus for NatsBus {
    async fn send(&self, batch: Vec<OutMessage>) -> Result<Acks, BusError> {
        let mut acks = Vec::with_capacity(batch.len());
        for m in batch {
            let mut headers = HeaderMap::new();
            headers.insert(header::NATS_MESSAGE_ID, m.msg_id.as_str());
            if let Some(expected) = &m.expected_last_id {
                headers.insert(header::NATS_EXPECTED_LAST_MESSAGE_ID, expected.as_str());
            }
            let ack = self
                .js
                .publish_with_headers(m.subject, headers, m.body)
                .await
                .map_err(|e| BusError::Publish(e.to_string()))?;
            acks.push(ack);
        }
        Ok(Acks(acks))
    }

    async fn subscribe(&self, consumer_name: &str) -> Result<Subscription, BusError> {
        let stream = self
            .js
            .get_stream(&self.config.stream)
            .await
            .map_err(|e| BusError::Subscribe(e.to_string()))?;
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(
                consumer_name,
                consumer::pull::Config {
                    durable_name: Some(consumer_name.to_owned()),
                    // History is read from the log at start; the consumer only carries news.
                    deliver_policy: consumer::DeliverPolicy::New,
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: Duration::from_secs(30),
                    max_ack_pending: 20_000,
                    filter_subject: format!("{}.>", self.config.subject_prefix),
                    // A consumer nobody pulled from for this long is deleted by the server:
                    // consumers named per process (partitioned projectors) would pile up
                    // otherwise. Harmless for shared ones: history comes from the log.
                    inactive_threshold: Duration::from_secs(600),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| BusError::Subscribe(e.to_string()))?;
        let messages = consumer
            .stream()
            .max_messages_per_batch(512)
            .heartbeat(Duration::from_secs(5))
            .expires(Duration::from_secs(30))
            .messages()
            .await
            .map_err(|e| BusError::Subscribe(e.to_string()))?;
        Ok(Subscription::Nats(Box::new(messages)))
    }
}
