//! A minimal aggregate for testing the executor independently of the portal's domain.

use portal_domain::{Aggregate, DomainError, DomainEvent};
use serde::{Deserialize, Serialize};

pub struct Counter;

#[derive(Debug, Clone, Default)]
pub struct CounterState {
    pub total: i64,
}

#[derive(Debug)]
pub enum CounterCommand {
    Add(i64),
    AddTwice(i64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CounterEvent {
    Added { amount: i64 },
}

impl DomainEvent for CounterEvent {
    const TYPES: &'static [&'static str] = &["Added"];
    fn event_type(&self) -> &'static str {
        "Added"
    }
}

impl Aggregate for Counter {
    const CATEGORY: &'static str = "counter";
    type State = CounterState;
    type Command = CounterCommand;
    type Event = CounterEvent;

    fn decide(
        _: &CounterState,
        command: &CounterCommand,
    ) -> Result<Vec<CounterEvent>, DomainError> {
        match *command {
            CounterCommand::Add(n) if n < 0 => Err(DomainError::Rule("cannot subtract".into())),
            CounterCommand::Add(0) => Ok(vec![]),
            CounterCommand::Add(amount) => Ok(vec![CounterEvent::Added { amount }]),
            CounterCommand::AddTwice(amount) => Ok(vec![CounterEvent::Added { amount }; 2]),
        }
    }

    fn evolve(mut state: CounterState, event: &CounterEvent) -> CounterState {
        match event {
            CounterEvent::Added { amount } => state.total += amount,
        }
        state
    }
}
