//! Audit and repair subcommands: `portal replay` (a stream's history and the aggregate's state at
//! a point) and `portal rebuild` (read models from position 0).

use crate::roles;
use crate::settings::{Settings, root_cause};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use portal_domain::Aggregate;
use portal_domain::{contact, customer, location, order, printer, tenant};
use portal_eventlog::codec::decode;
use portal_eventlog::{RecordedEvent, StreamId};
use std::io::Write;

/// Prints the stream's events up to `until` as JSON lines, then the state they fold into.
pub async fn replay(settings: &Settings, stream: &str, until: Option<i64>) -> anyhow::Result<()> {
    let stream = StreamId::parse(stream).map_err(|e| anyhow::anyhow!("--stream: {e}"))?;
    eprint!("{}", settings.describe("replay"));
    let store = settings.open_migrated_store().await?;
    let events = store
        .read_stream(&stream)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the stream: {}", root_cause(&e)))?;
    if events.is_empty() {
        bail!("stream {stream} has no events");
    }
    let events: Vec<RecordedEvent> = events
        .into_iter()
        .filter(|e| until.is_none_or(|u| e.position <= u))
        .collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for e in &events {
        serde_json::to_writer(&mut out, e).context("cannot write JSON")?;
        writeln!(out).context("cannot write to stdout")?;
    }
    let state = match stream.category() {
        c if c == tenant::Tenant::CATEGORY => fold::<tenant::Tenant>(&events)?,
        c if c == customer::Customer::CATEGORY => fold::<customer::Customer>(&events)?,
        c if c == contact::Contact::CATEGORY => fold::<contact::Contact>(&events)?,
        c if c == order::Order::CATEGORY => fold::<order::Order>(&events)?,
        c if c == location::Location::CATEGORY => fold::<location::Location>(&events)?,
        c if c == printer::PrinterConfig::CATEGORY => fold::<printer::PrinterConfig>(&events)?,
        other => bail!("no aggregate has the category {other:?}"),
    };
    match events.last() {
        Some(last) => writeln!(
            out,
            "# state after version {} (position {}, {}):",
            last.version,
            last.position,
            last.recorded_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        ),
        None => writeln!(
            out,
            "# state before the first event (nothing at or below --until):"
        ),
    }
    .context("cannot write to stdout")?;
    writeln!(out, "{state}").context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")?;
    Ok(())
}

fn fold<A: Aggregate>(events: &[RecordedEvent]) -> anyhow::Result<String>
where
    A::State: serde::Serialize,
{
    let decoded = events
        .iter()
        .map(decode::<A::Event>)
        .collect::<Result<Vec<_>, _>>()
        .context("cannot decode the stream")?;
    let state = A::fold(&decoded);
    serde_json::to_string_pretty(&state).context("cannot encode the state")
}

/// Rebuilds the named projection (or all) with a progress bar on stderr.
pub async fn rebuild(settings: &Settings, only: Option<&str>) -> anyhow::Result<()> {
    let all = roles::projections();
    let names: Vec<&str> = all.iter().map(|p| p.name()).collect();
    if only == Some("list") {
        for n in &names {
            println!("{n}");
        }
        return Ok(());
    }
    let chosen: Vec<_> = match only {
        None => all.clone(),
        Some(name) => {
            let found: Vec<_> = all.iter().filter(|p| p.name() == name).cloned().collect();
            if found.is_empty() {
                bail!(
                    "--projection {name:?} does not exist; projections: {}",
                    names.join(", ")
                );
            }
            found
        }
    };
    eprint!("{}", settings.describe("rebuild"));
    let store = settings.open_migrated_store().await?;
    let db = roles::open_read_db(settings).await?;
    roles::refuse_other_partition_count(&db).await?;
    let total = store
        .count_after(0, i64::MAX)
        .await
        .map_err(|e| anyhow::anyhow!("cannot count the events: {}", root_cause(&e)))?;
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} events ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("replaying");
    let started = std::time::Instant::now();
    let report =
        portal_projections::rebuild::rebuild(&store, &db, &chosen, &|n| bar.set_position(n))
            .await
            .map_err(|e| anyhow::anyhow!("rebuild failed: {}", root_cause(&e)))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let rows: usize = report.rows.iter().map(|(_, n)| n).sum();
    let dead: usize = report.dead_letters.iter().map(|(_, n)| n).sum();
    println!(
        "rebuilt {} projection(s) from {} events in {seconds:.1}s ({:.0} events/s): {rows} rows, \
         {dead} dead-lettered events, checkpoint {}",
        chosen.len(),
        report.events,
        report.events as f64 / seconds.max(1e-9),
        report.position
    );
    for ((name, n), (_, d)) in report.rows.iter().zip(&report.dead_letters) {
        println!("  {name:<20} {n:>9} rows  {d} dead letters");
    }
    Ok(())
}
