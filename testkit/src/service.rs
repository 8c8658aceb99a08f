//! The service started in-process: `portal serve` as a value ([`portal::Service`]) on a free port
//! of 127.0.0.1, against a test's database, mailing through the test's SMTP sink. Starting takes
//! no process and no binary; the service stops when its handle is shut down or dropped.
//!
//! What needs the process itself stays with [`crate::process`]: the log (a test reading what
//! the server logged), signals, kills, and the process-wide metric counters.

use crate::smtp::SmtpSink;
use portal::Service;
use portal::cli::{Cli, Command};
use portal::settings::Settings;

/// Settings of `portal serve --listen 127.0.0.1:0` against `database_url`, mailing through
/// `sink`, with `extra` serve arguments (e.g. `["--trusted-proxies", "127.0.0.1/32"]`).
///
/// Flags given here win over the environment; a flag left out falls back to its variable as in
/// the binary, except NATS: without `--nats-url` in `extra` the service uses the in-process bus.
pub fn settings(database_url: &str, sink: &SmtpSink, extra: &[&str]) -> Settings {
    let smtp = sink.url();
    let mut args = vec![
        "portal",
        "--database-url",
        database_url,
        "--smtp-url",
        &smtp,
        "--mail-from",
        "ACME Portal <portal@acme.example>",
        "serve",
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let cli = <Cli as clap::Parser>::try_parse_from(&args)
        .unwrap_or_else(|e| panic!("service arguments {args:?}: {e}"));
    let Some(Command::Serve(serve)) = &cli.command else {
        panic!("not a serve command: {args:?}");
    };
    let mut settings = Settings::resolve(&cli.global, Some(serve))
        .unwrap_or_else(|e| panic!("service settings {args:?}: {e:#}"));
    if !extra.contains(&"--nats-url") {
        settings.nats = None;
    }
    settings
}

/// Starts the service of [`settings`] and returns once it listens.
pub async fn start(database_url: &str, sink: &SmtpSink, extra: &[&str]) -> Service {
    Service::start(settings(database_url, sink, extra))
        .await
        .unwrap_or_else(|e| panic!("the service did not start: {e:#}"))
}
