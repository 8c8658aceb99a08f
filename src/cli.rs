//! The command line. Every flag has an environment fallback (shown by `--help`).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "portal",
    version,
    about = "Customer portal of a road freight carrier (event-sourced CQRS service)",
    long_about = "Customer portal of a road freight carrier.\n\nWithout DATABASE_URL the portal runs \
                  embedded: a SQLite database under the data folder. Without a subcommand it serves."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The event store: postgres://user:password@host:port/database or sqlite://path/to/file.db.
    /// Unset: embedded SQLite at <data-dir>/portal.db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the embedded mode's files (SQLite database, emails).
    #[arg(
        long,
        env = "PORTAL_DATA_DIR",
        global = true,
        default_value = "./portal-data"
    )]
    pub data_dir: PathBuf,

    /// Database connections per process.
    #[arg(
        long,
        env = "PORTAL_DB_MAX_CONNECTIONS",
        global = true,
        default_value_t = 16
    )]
    pub db_max_connections: u32,

    /// Partitions of the projection work (PostgreSQL; 1 to 64). Several `portal project` (or
    /// `portal serve`) processes share them out and apply them at the same time. Every process
    /// of one database must use the same count; changing it rebuilds the read models at the
    /// next start. Embedded mode always uses 1.
    #[arg(
        long,
        env = "PORTAL_PROJECTION_PARTITIONS",
        global = true,
        default_value_t = 1,
        value_parser = clap::value_parser!(u16).range(1..=64)
    )]
    pub projection_partitions: u16,

    /// NATS server with JetStream: nats://host:4222. Unset: an in-process bus (embedded mode).
    #[arg(long, env = "NATS_URL", global = true, hide_env_values = true)]
    pub nats_url: Option<String>,

    /// JetStream stream the relay publishes to and consumers read.
    #[arg(
        long,
        env = "PORTAL_NATS_STREAM",
        global = true,
        default_value = "PORTAL_EVENTS"
    )]
    pub nats_stream: String,

    /// Subject prefix: events go to <prefix>.<tenant>.<category>.<EventType>.
    #[arg(
        long,
        env = "PORTAL_NATS_SUBJECT_PREFIX",
        global = true,
        default_value = "portal.events"
    )]
    pub nats_subject_prefix: String,

    /// Replicas of the JetStream stream (1 on a single server, 3 on a cluster).
    #[arg(long, env = "PORTAL_NATS_REPLICAS", global = true, default_value_t = 1)]
    pub nats_replicas: usize,

    /// JetStream duplicate window in seconds (republished events within it are dropped by id).
    #[arg(
        long,
        env = "PORTAL_NATS_DUPLICATE_WINDOW",
        global = true,
        default_value_t = 120
    )]
    pub nats_duplicate_window: u64,

    /// Outgoing mail server: smtp://user:password@host:587?tls=required (STARTTLS),
    /// smtps://user:password@host:465 (TLS) or smtp://host:25 (plain, local relays only).
    /// Unset: emails are written as .eml files under <data-dir>/mail (shown at /dev/mail in
    /// embedded mode).
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Connections the SMTP pool keeps open.
    #[arg(long, env = "PORTAL_SMTP_POOL", global = true, default_value_t = 4)]
    pub smtp_pool: u32,

    /// Seconds a claimed email stays hidden from other senders. A notifier that dies while
    /// sending leaves its claimed emails for this long; one then sent again carries the same
    /// Message-ID. Longer than the slowest SMTP send.
    #[arg(long, env = "PORTAL_MAIL_LEASE", global = true, default_value_t = 300)]
    pub mail_lease: u64,

    /// Sender of the portal's emails, e.g. "ACME Portal <portal@acme.example>".
    #[arg(
        long,
        env = "PORTAL_MAIL_FROM",
        global = true,
        default_value = "Customer Portal <portal@localhost>"
    )]
    pub mail_from: String,

    /// Reply-To of the portal's emails (e.g. the carrier's customer service).
    #[arg(long, env = "PORTAL_MAIL_REPLY_TO", global = true)]
    pub mail_reply_to: Option<String>,

    /// Public base URL of the portal: the base of every link in emails, never taken from a
    /// request's Host header. `portal serve` derives it from --listen when unset; `portal notify`
    /// needs it.
    #[arg(long, env = "PORTAL_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Let webhook URLs point to loopback, private, link-local and other internal addresses
    /// (embedded mode and tests). Cloud-metadata addresses stay refused.
    #[arg(long, env = "PORTAL_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: bool,

    /// Delays before the retries of a failed webhook delivery (units ms, s, m, h); after the
    /// last the delivery has failed.
    #[arg(
        long,
        env = "PORTAL_WEBHOOK_RETRY_SCHEDULE",
        global = true,
        default_value = "5s,5m,30m,2h,5h,10h,10h"
    )]
    pub webhook_retry_schedule: String,

    /// A webhook endpoint whose deliveries have been failing this long is disabled and its
    /// owner emailed (units ms, s, m, h).
    #[arg(
        long,
        env = "PORTAL_WEBHOOK_DISABLE_AFTER",
        global = true,
        default_value = "72h"
    )]
    pub webhook_disable_after: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: migrations at start, then HTTP (default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants (carriers).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Print the event log as JSON lines, in log order.
    Events {
        /// Only events after this global position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many events (default: all).
        #[arg(long)]
        limit: Option<u64>,
        /// Keep running and print new events as they commit.
        #[arg(long)]
        follow: bool,
    },
    /// Print one stream's events and the aggregate's state after them (time travel for audits).
    Replay {
        /// Stream id, e.g. customer-0190c3f4-….
        #[arg(long)]
        stream: String,
        /// Only events at or below this global position.
        #[arg(long)]
        until: Option<i64>,
    },
    /// Rebuild read models from position 0 into fresh tables and swap them in. Sends no email and
    /// publishes nothing.
    Rebuild {
        /// Only this projection (default: all). `--projection list` names them.
        #[arg(long)]
        projection: Option<String>,
    },
    /// Run the relay alone: publish committed events to NATS JetStream (needs --nats-url).
    Relay,
    /// Run the projection builders alone, from NATS JetStream (needs --nats-url). Several
    /// processes share the work.
    Project,
    /// Run the notifier alone: welcome and login emails and webhook deliveries, from NATS
    /// JetStream (needs --nats-url and --public-url). Several processes share the work; each
    /// email is sent once, each webhook delivered once per successful attempt.
    Notify,
    /// Manage the carrier's staff.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Bearer tokens for integrations.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Make an email staff of a tenant (it can then log in with a link or a password).
    Add {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The staff member's email (the login identity).
        #[arg(long)]
        email: String,
        /// The staff member's display name, what audit trails call them (without one, their
        /// email). For a member already: gives or changes the name.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new bearer token with the scope of an identity: staff of the tenant, or (with
    /// --customer) a portal user of that customer. Refused for an email without that access.
    /// The token is shown once; only its hash is stored. It works until it expires, is revoked,
    /// or the access it was made for ends (granting access again does not revive it).
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The identity the token acts as.
        #[arg(long)]
        email: String,
        /// The customer id, for a portal user's token.
        #[arg(long)]
        customer: Option<String>,
        /// Days until the token expires (1 to 3650).
        #[arg(long, value_name = "DAYS", default_value_t = 90)]
        expires_in: u32,
        /// A label that says what the token is for (shown in lists).
        #[arg(long)]
        name: Option<String>,
    },
    /// List tokens (never the tokens themselves): id, first characters, owner, scope, created,
    /// expires, last used, status.
    List {
        /// Only the tokens of this identity.
        #[arg(long)]
        email: Option<String>,
    },
    /// Revoke a token by its id (from `portal token list`): it stops working at once.
    Revoke {
        /// The token's id.
        id: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        Self::Serve(ServeArgs::parse_from_env())
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Proxies whose X-Forwarded-For is believed (client IPs for rate limits), comma-separated
    /// IP addresses or CIDR blocks (10.0.0.0/8). Unset: the TCP peer is the client.
    #[arg(long, env = "PORTAL_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// A session ends after this many minutes without a request.
    #[arg(long, env = "PORTAL_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,

    /// A session ends this many hours after login, active or not.
    #[arg(long, env = "PORTAL_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: u64,

    /// Seconds a connection has to send a request's head (request line and headers), counted
    /// from when it waits for a request: just accepted, or its previous answer sent. Also the
    /// longest a kept-alive connection waits for its next request.
    #[arg(long, env = "PORTAL_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,

    /// Seconds a request body may deliver nothing before the request is refused.
    #[arg(long, env = "PORTAL_BODY_READ_TIMEOUT", default_value_t = 30)]
    pub body_read_timeout: u64,

    /// Seconds a connection may wait on its client, for bytes to read or for room to write its
    /// answer, before it is closed.
    #[arg(long, env = "PORTAL_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,

    /// Connections served at once; further ones wait in the listen queue until one ends. Keep it
    /// below the open-file limit (`ulimit -n`).
    #[arg(long, env = "PORTAL_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// When set, /metrics answers only requests with `Authorization: Bearer <this token>` (else
    /// 401). The metrics tell how busy the carrier is: set it when /metrics is reachable by
    /// others than the monitoring.
    #[arg(long, env = "PORTAL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Serve /metrics on this address only (e.g. an internal interface), not on --listen.
    #[arg(long, env = "PORTAL_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

impl ServeArgs {
    /// `portal` without a subcommand serves with the serve flags' environment fallbacks.
    fn parse_from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["portal"]).serve
    }
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (a carrier) with a slug (its permanent id) and a display name.
    Add {
        /// Permanent id: 2-40 characters a-z, 0-9, '-' (appears in URLs and NATS subjects).
        slug: String,
        /// Display name of the carrier.
        #[arg(long)]
        name: String,
    },
}
