//! Every speed figure of the service in one table, each beside the raw baseline measured in the
//! same run (figures printed, never asserted).
//!
//! It runs the benchmarks one after the other (each a `cargo bench` target of its own, built by
//! this command's `cargo bench`), passes their output through, and collects the lines they mark
//! as figures:
//!
//! ```text
//! figure: <what> | <value> | <baseline> | <baseline value> | <ratio> | <target>
//! ```
//!
//! then prints them as one Markdown table. A benchmark that cannot run here (a missing tool or
//! service) is reported as skipped, with its reason, and the others go on.
//!
//! Run (PostgreSQL, NATS, `wrk` and `pgbench` as for the benchmarks it runs, see
//! docs/benchmarks.md):
//!
//! ```sh
//! PORTAL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//! PORTAL_TEST_NATS_URL=nats://127.0.0.1:4222 cargo bench --workspace --bench summary
//! ```
//!
//! `PORTAL_SUMMARY_ONLY=append,latency` runs a subset; each benchmark's own settings
//! (`PORTAL_BENCH_SECONDS`, …) pass through.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Environment a benchmark runs with unless the caller set it.
type Defaults = &'static [(&'static str, &'static str)];

/// The benchmarks, in the order they run: (bench target, extra environment). Bench target
/// names are unique in the workspace.
const BENCHES: &[(&str, Defaults)] = &[
    ("append", &[]),
    ("relay", &[]),
    ("api_write", &[]),
    (
        "latency",
        &[
            ("PORTAL_BENCH_RATES", "1000"),
            ("PORTAL_BENCH_SECONDS", "60"),
        ],
    ),
    ("portal_read_write", &[]),
    ("embedded", &[]),
    ("rebuild", &[]),
    ("scale_out", &[]),
];

struct Figure {
    bench: &'static str,
    fields: Vec<String>,
}

/// Runs one benchmark, echoing its output; its figures, or why it did not run.
fn run(bench: &'static str, env: &[(&str, &str)]) -> Result<Vec<Figure>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    // `--workspace`, not `-p`: features are then unified as in `cargo bench --workspace`, so the
    // benchmark is not built again with another feature set (minutes per package).
    cmd.args(["bench", "-q", "--workspace", "--bench", bench])
        .stdout(Stdio::piped());
    // Cargo ran this process with the variables it gives a package's own binaries
    // (`CARGO_PKG_NAME`, `OUT_DIR`, …). Build scripts of dependencies (ring, the C compiler
    // wrapper) watch some of them, so a nested cargo that inherits them sees a changed
    // environment and rebuilds half the tree, and the next plain `cargo bench` rebuilds it back.
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(set_by_cargo_for_this_package) {
            cmd.env_remove(key);
        }
    }
    for (k, v) in env {
        if std::env::var_os(k).is_none() {
            cmd.env(k, v);
        }
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut figures = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        if let Some(rest) = line.trim().strip_prefix("figure:") {
            figures.push(Figure {
                bench,
                fields: rest.split('|').map(|f| f.trim().to_owned()).collect(),
            });
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("exited with {status}"));
    }
    if figures.is_empty() {
        return Err("printed no figures (a service or tool missing? see its output)".to_owned());
    }
    Ok(figures)
}

/// Whether `key` is one of the variables cargo sets for running a package's binary (as opposed
/// to the user's own settings such as `CARGO_HOME` or `CARGO_TARGET_DIR`, which must pass).
fn set_by_cargo_for_this_package(key: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_BIN_",
        "CARGO_CRATE_",
    ];
    const NAMES: &[&str] = &[
        "OUT_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p)) || NAMES.contains(&key)
}

fn main() {
    let only: Option<Vec<String>> = std::env::var("PORTAL_SUMMARY_ONLY")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
    let mut figures = Vec::new();
    let mut skipped = Vec::new();
    for (bench, env) in BENCHES {
        if only.as_ref().is_some_and(|o| !o.iter().any(|b| b == bench)) {
            continue;
        }
        println!("\n=== {bench} ===");
        match run(bench, env) {
            Ok(f) => figures.extend(f),
            Err(why) => skipped.push(format!("{bench}: {why}")),
        }
    }
    println!(
        "\n| benchmark | figure | value | baseline (same run) | baseline value | ratio | target |"
    );
    println!("|---|---|---|---|---|---|---|");
    for f in &figures {
        let mut cells = f.fields.clone();
        cells.resize(6, String::new());
        println!("| {} | {} |", f.bench, cells.join(" | "));
    }
    for s in &skipped {
        println!("\nskipped {s}");
    }
}
