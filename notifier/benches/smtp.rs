//! SMTP throughput benchmark (figures printed, never asserted): pooled connections against one
//! connection per email.
//!
//! A local SMTP sink (the test kit's in-process Tokio server, `portal_testkit::smtp`) receives N welcome
//! emails built like the sender builds them ([`render::welcome`] → [`message::build`]), sent
//! `concurrency` at a time through [`Mailer::smtp`] (pooled) and through
//! [`Mailer::smtp_unpooled`] (connect, EHLO, MAIL, RCPT, DATA, QUIT per email), in one run over
//! the same messages. Prints emails/s of each, the connections the sink saw, and the ratio
//! pooled/unpooled.
//!
//! Twice: first against a sink that acknowledges TCP segments as the kernel does by default
//! (delayed ACKs, like a real mail server), then against one that acknowledges at once
//! (`TCP_QUICKACK`). lettre writes a message's body and its final `.` in two writes without
//! `TCP_NODELAY`, so Nagle holds the `.` until the server's delayed ACK (about 40 ms on Linux):
//! the first figures show that stall, the second the cost of connections alone.
//!
//! Run: `cargo bench -p portal-notifier --bench smtp`
//! Optional: `PORTAL_BENCH_EMAILS` (per measurement, default 2000), `PORTAL_BENCH_CONCURRENCY`
//! (default 16), `PORTAL_BENCH_ROUNDS` (default 3; the median round is reported).

use futures::StreamExt as _;
use lettre::Message;
use portal_notifier::message::{self, message_id};
use portal_notifier::transport::SMTP_POOL_SIZE;
use portal_notifier::{Mailer, NotifierConfig, render};
use portal_testkit::smtp::{SinkOptions, SmtpSink};
use std::time::{Duration, Instant, SystemTime};
use url::Url;
use uuid::Uuid;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(default)
}

fn config() -> Result<NotifierConfig, Box<dyn std::error::Error>> {
    let mut c = NotifierConfig::new(
        Url::parse("https://portal.bench.example/")?,
        "Fast Freight Portal <portal@carrier.example>".parse()?,
    );
    c.reply_to = Some("Customer Service <service@carrier.example>".parse()?);
    Ok(c)
}

/// `n` welcome emails, rendered and built as the sender does.
fn build(config: &NotifierConfig, n: u64) -> Result<Vec<Message>, Box<dyn std::error::Error>> {
    let login_url = config.link("/login", None);
    (0..n)
        .map(|i| {
            let contact = format!("Contact {i}");
            let rendered = render::welcome(&render::Welcome {
                carrier: Some("Fast Freight Lines"),
                customer: Some("Acme Steelworks"),
                contact: Some(&contact),
                email: &format!("contact{i}@acme.example"),
                login_url: &login_url,
            });
            let id = message_id(
                &Uuid::now_v7().to_string(),
                "welcome",
                "",
                config.message_id_domain(),
            );
            Ok(message::build(
                config,
                &format!("contact{i}@acme.example"),
                Some(&contact),
                &id,
                rendered,
                SystemTime::now(),
                None,
            )?)
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Pooled,
    Unpooled,
}

impl Mode {
    fn mailer(self, url: &str) -> Result<Mailer, Box<dyn std::error::Error>> {
        Ok(match self {
            Self::Pooled => Mailer::smtp(url)?,
            Self::Unpooled => Mailer::smtp_unpooled(url)?,
        })
    }
}

/// One measurement: emails/s, and the connections the sink accepted meanwhile.
async fn measure(
    sink: &SmtpSink,
    mode: Mode,
    messages: &[Message],
    concurrency: usize,
) -> Result<(f64, u64), Box<dyn std::error::Error>> {
    let mailer = mode.mailer(&sink.url())?;
    let (accepted, connections) = (sink.accepted(), sink.connections());
    let start = Instant::now();
    let failures = futures::stream::iter(messages)
        .map(|m| mailer.send(m))
        .buffer_unordered(concurrency)
        .filter(|r| std::future::ready(r.is_err()))
        .count()
        .await;
    let elapsed = start.elapsed();
    mailer.shutdown().await;
    if failures > 0 {
        return Err(format!("{mode:?}: {failures} emails failed").into());
    }
    let expected = accepted + messages.len() as u64;
    if sink.accepted() != expected {
        return Err(format!(
            "{mode:?}: the sink accepted {} of {expected}",
            sink.accepted()
        )
        .into());
    }
    let rate = messages.len() as f64 / elapsed.as_secs_f64();
    Ok((rate, sink.connections() - connections))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Every round of one sink: the median figures (pooled, unpooled, ratio).
async fn rounds_on(
    sink: &SmtpSink,
    messages: &[Message],
    concurrency: usize,
    rounds: u64,
) -> Result<(f64, f64, f64), Box<dyn std::error::Error>> {
    // Warm-up (connections, allocator, lazy statics).
    let warm = &messages[..messages.len().min(100)];
    measure(sink, Mode::Pooled, warm, concurrency).await?;
    measure(sink, Mode::Unpooled, warm, concurrency).await?;
    let (mut pooled, mut unpooled, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        // Alternate the order, so neither mode always runs on a warmer machine.
        let order = if round % 2 == 1 {
            [Mode::Pooled, Mode::Unpooled]
        } else {
            [Mode::Unpooled, Mode::Pooled]
        };
        let (mut p, mut u) = ((0.0, 0), (0.0, 0));
        for mode in order {
            let r = measure(sink, mode, messages, concurrency).await?;
            match mode {
                Mode::Pooled => p = r,
                Mode::Unpooled => u = r,
            }
        }
        println!(
            "  round {round}: pooled {:>7.0} emails/s ({:>4} connections) | unpooled {:>7.0} \
             emails/s ({:>4} connections) | ratio {:.2}",
            p.0,
            p.1,
            u.0,
            u.1,
            p.0 / u.0
        );
        pooled.push(p.0);
        unpooled.push(u.0);
        ratios.push(p.0 / u.0);
    }
    Ok((median(pooled), median(unpooled), median(ratios)))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let n = env_num("PORTAL_BENCH_EMAILS", 2000);
    let concurrency = usize::try_from(env_num("PORTAL_BENCH_CONCURRENCY", 16))?;
    let rounds = env_num("PORTAL_BENCH_ROUNDS", 3);
    let config = config()?;

    let start = Instant::now();
    let messages = build(&config, n)?;
    let build_rate = n as f64 / start.elapsed().as_secs_f64();
    let size = messages.iter().map(|m| m.formatted().len()).sum::<usize>() / messages.len().max(1);
    println!(
        "SMTP benchmark: {n} welcome emails (~{size} bytes each) per measurement, {concurrency} \
         at a time, {rounds} rounds (median reported), local in-process Tokio sink"
    );
    println!("render + build: {build_rate:.0} emails/s (done before timing; not in the figures)");

    for (label, quick_ack) in [
        ("sink with the kernel's delayed ACKs (as a real MTA)", false),
        ("sink with TCP_QUICKACK (isolates connection cost)", true),
    ] {
        let sink = SmtpSink::start_with(SinkOptions {
            keep: false,
            data_delay: Duration::ZERO,
            quick_ack,
        })
        .await;
        println!("{label}, {}:", sink.url());
        let (p, u, r) = rounds_on(&sink, &messages, concurrency, rounds).await?;
        println!(
            "  median pooled   (Mailer::smtp, pool of {SMTP_POOL_SIZE}):            {p:>7.0} emails/s"
        );
        println!("  median unpooled (Mailer::smtp_unpooled, 1 conn/email): {u:>7.0} emails/s");
        println!("  ratio pooled/unpooled (median of rounds): {r:.2}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}
