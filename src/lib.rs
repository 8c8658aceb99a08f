//! `portal`: the carrier customer portal as a library. The `portal` binary is a thin shell
//! around [`run`]: one process runs every role (`portal serve`); operations and audits have
//! their own subcommands. Tests start the service in-process with [`Service::start`].
//!
//! Layout:
//! - `cli`: the command line (clap, flags with environment fallbacks).
//! - `settings`: typed settings resolved from the command line, printed at start with secrets
//!   redacted, and the connection to the event store with one-line errors naming the setting.
//! - `serve`: `portal serve`, every role in one process: HTTP, relay, projections, notifier;
//!   [`Service`] is that process as a value (started on a bound port, stopped on request).
//! - `http`: the HTTP/1.1 accept loop and its limits (timeouts, connection cap).
//! - `roles`: wiring of the bus, read models, mail, relay, projection builders and notifier;
//!   `portal relay`, `portal project` and `portal notify`, which run one role each.
//! - `identity`: `staff add` and the demo tenant of a fresh embedded install.
//! - `tokens`: `token create`, `token list`, `token revoke`.
//! - `ops`: `migrate`, `tenant add`, `events [--follow]`.
//! - `audit`: `replay` (a stream's state at a position) and `rebuild` (read models from 0).
//!
//! Errors leave the binary's `main` as one line (`error: …: cause: cause`) and exit code 1.

pub mod audit;
pub mod cli;
pub mod http;
pub mod identity;
pub mod ops;
pub mod roles;
pub mod serve;
pub mod settings;
pub mod tokens;

pub use serve::Service;

/// Runs the command line's subcommand (`serve` when none) to its end.
pub async fn run(cli: cli::Cli) -> anyhow::Result<()> {
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
        cli::Command::Staff(cli::StaffCommand::Add {
            tenant,
            email,
            name,
        }) => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            identity::staff_add(&settings, &tenant, &email, name.as_deref()).await
        }
        cli::Command::Token(command) => {
            let settings = settings::Settings::resolve(&cli.global, None)?;
            tokens::run(&settings, command).await
        }
    }
}
