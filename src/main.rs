//! `portal`: the one binary of the carrier customer portal. One process runs every role
//! (`portal serve`); operations and audits have their own subcommands.
//!
//! Layout:
//! - `cli`: the command line (clap, flags with environment fallbacks).
//! - `settings`: typed settings resolved from the command line, printed at start with secrets
//!   redacted, and the connection to the event store with one-line errors naming the setting.
//! - `serve`: `portal serve`, every role in one process: HTTP, relay, projections, notifier.
//! - `http`: the HTTP/1.1 accept loop and its limits (timeouts, connection cap).
//! - `roles`: wiring of the bus, read models, mail, relay, projection builders and notifier;
//!   `portal relay`, `portal project` and `portal notify`, which run one role each.
//! - `identity`: `staff add` and the demo tenant of a fresh embedded install.
//! - `tokens`: `token create`, `token list`, `token revoke`.
//! - `ops`: `migrate`, `tenant add`, `events [--follow]`.
//! - `audit`: `replay` (a stream's state at a position) and `rebuild` (read models from 0).
//!
//! Errors leave `main` as one line (`error: …: cause: cause`) and exit code 1.

mod audit;
mod cli;
mod http;
mod identity;
mod ops;
mod roles;
mod serve;
mod settings;
mod tokens;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or_default();
    match command {
        cli::Command::Serve(args) => {
            let settings = settings::Settings::resolve(&cli.global, Some(&args))?;
            serve::run(settings).await
        }
        cli::Command::Migrate => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            ops::migrate(&settings).await
        }
        cli::Command::Tenant(cli::TenantCommand::Add { slug, name }) => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            ops::tenant_add(&settings, &slug, &name).await
        }
        cli::Command::Events {
            after,
            limit,
            follow,
        } => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            ops::events(&settings, after, limit, follow).await
        }
        cli::Command::Replay { stream, until } => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            audit::replay(&settings, &stream, until).await
        }
        cli::Command::Rebuild { projection } => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            audit::rebuild(&settings, projection.as_deref()).await
        }
        cli::Command::Relay => roles::relay(settings::Settings::resolve(&cli.global, None)?).await,
        cli::Command::Project => {
            roles::project(settings::Settings::resolve(&cli.global, None)?).await
        }
        cli::Command::Notify => {
            roles::notify(settings::Settings::resolve(&cli.global, None)?).await
        }
        cli::Command::Staff(cli::StaffCommand::Add { tenant, email }) => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            identity::staff_add(&settings, &tenant, &email).await
        }
        cli::Command::Token(command) => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            tokens::run(&settings, command).await
        }
    }
}
