//! Several commands on one aggregate as one request (`execute_many`): one append (one
//! transaction), one correlation id, all or nothing. Every test runs on SQLite and PostgreSQL.

use crate::counter::{Counter, CounterCommand};
use portal_domain::{Actor, DomainError, TenantId};
use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
use portal_eventlog::{
    CommandContext, ExecuteError, Idempotency, Metadata, StreamId, execute_many,
};

fn ctx() -> CommandContext {
    CommandContext {
        tenant: TenantId::parse("acme").unwrap(),
        metadata: Metadata::new(Actor::System),
        idempotency: None,
    }
}

async fn all_events_go_in_one_append_with_one_correlation_id(t: TestStoreRef) {
    // Given a new counter
    let s = StreamId::of::<Counter>("many-1");
    let c = ctx();
    // When three commands run as one request (the last one changes nothing)
    let commands = [
        CounterCommand::Add(1),
        CounterCommand::AddTwice(2),
        CounterCommand::Add(0),
    ];
    let done = execute_many::<Counter>(&t.store, &s, &c, &commands, None)
        .await
        .unwrap();
    // Then their events are one append, in command order, each with the request's correlation id
    assert_eq!(done.per_command, vec![1, 2, 0]);
    assert!(done.changed(0) && done.changed(1) && !done.changed(2));
    assert_eq!(done.executed.state.total, 5);
    let append = done.executed.append.unwrap();
    assert_eq!((append.first_version, append.last_version), (1, 3));
    let recorded = t.store.read_stream(&s).await.unwrap();
    assert_eq!(recorded.len(), 3);
    assert!(
        recorded
            .iter()
            .all(|r| r.metadata.correlation_id == c.metadata.correlation_id)
    );
    let first = &recorded[0];
    assert!(
        recorded.iter().all(|r| r.recorded_at == first.recorded_at),
        "one transaction records one time"
    );
    assert!(
        recorded
            .iter()
            .all(|r| (append.first_position..=append.last_position).contains(&r.position)),
        "the positions of the one append"
    );
}

async fn a_rejected_command_appends_nothing_of_the_others(t: TestStoreRef) {
    // Given a counter at 1
    let s = StreamId::of::<Counter>("many-2");
    execute_many::<Counter>(&t.store, &s, &ctx(), &[CounterCommand::Add(1)], None)
        .await
        .unwrap();
    // When a request adds 5 and then subtracts (refused)
    let commands = [CounterCommand::Add(5), CounterCommand::Add(-1)];
    let err = execute_many::<Counter>(&t.store, &s, &ctx(), &commands, None)
        .await
        .unwrap_err();
    // Then the rejection is reported and the stream holds only the first event
    assert!(
        matches!(err, ExecuteError::Rejected(DomainError::Rule(_))),
        "{err:?}"
    );
    assert_eq!(t.store.read_stream(&s).await.unwrap().len(), 1);
}

async fn a_replay_answers_the_first_append_and_its_split(t: TestStoreRef) {
    // Given a request with a key that ran once
    let s = StreamId::of::<Counter>("many-3");
    let mut c = ctx();
    c.idempotency = Some(Idempotency::new("many-key", &"add 1, add 2 twice").unwrap());
    let commands = [CounterCommand::Add(1), CounterCommand::AddTwice(2)];
    let first = execute_many::<Counter>(&t.store, &s, &c, &commands, None)
        .await
        .unwrap();
    // When it is sent again
    let again = execute_many::<Counter>(&t.store, &s, &c, &commands, None)
        .await
        .unwrap();
    // Then nothing more is appended and the answer is the first one's
    assert!(again.executed.replayed());
    assert_eq!(again.executed.events, first.executed.events);
    assert_eq!(again.per_command, vec![1, 2]);
    assert_eq!(again.executed.state.total, 5);
    assert_eq!(t.store.read_stream(&s).await.unwrap().len(), 3);
    // And the same key with other commands is a conflict
    c.idempotency = Some(Idempotency::new("many-key", &"add 7").unwrap());
    let err = execute_many::<Counter>(&t.store, &s, &c, &[CounterCommand::Add(7)], None)
        .await
        .unwrap_err();
    assert!(matches!(err, ExecuteError::IdempotencyConflict), "{err:?}");
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::with_store(super::Backend::Sqlite, stringify!($name), super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::with_store(super::Backend::Postgres, stringify!($name), super::$name).await;
                }
            )*
        }
    };
}

both_backends!(
    all_events_go_in_one_append_with_one_correlation_id,
    a_rejected_command_appends_nothing_of_the_others,
    a_replay_answers_the_first_append_and_its_split,
);
