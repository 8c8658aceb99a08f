//! `portal`: the one binary of the carrier customer portal. The service lives in the library
//! (`src/lib.rs`); this parses the command line, sets up logging and runs it.

use clap::Parser;
use portal::cli::Cli;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: a request allocates and frees many small buffers
/// across threads, and glibc's malloc took about a third of the server's CPU under load (the
/// command path went from 956 to 1,229 requests/s, docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match portal::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
