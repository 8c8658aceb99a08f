//! The event log's integration tests: one test binary, one module per subject, on both store
//! backends. Run one module with `cargo test -p portal-eventlog --test it <module>::`.

#![allow(clippy::unwrap_used)] // tests may unwrap

/// `conformance!(test_fn, …)`: each `async fn(TestStoreRef)` of the invoking module becomes two
/// tests, one per backend (the module must import `with_store` and `Backend`).
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::with_store(super::Backend::Sqlite, stringify!($name), super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::with_store(super::Backend::Postgres, stringify!($name), super::$name).await;
                }
            )*
        }
    };
}

mod conformance;
mod counter;
mod executor_many;
mod fanout;
mod group_commit;
