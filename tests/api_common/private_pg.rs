//! A private PostgreSQL server for one test, which the test may stop and start again (the
//! shared test server must never be stopped). Needs the PostgreSQL server binaries (`initdb`,
//! `pg_ctl`); without them the test is skipped, or fails under `PORTAL_TEST_REQUIRE_SERVICES=1`.

use portal_eventlog::Store;
use portal_eventlog::store::StoreOptions;
use portal_eventlog::testing::TestStoreRef;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    root: bool,
}

/// The directory of `pg_ctl` and `initdb`, newest major version first.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("pg_ctl").exists() && d.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

impl PrivatePg {
    pub fn start() -> Option<Self> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var("PORTAL_TEST_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "PostgreSQL server binaries (initdb, pg_ctl) are required"
            );
            eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("portal-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // initdb refuses to run as root: the cluster then belongs to the postgres user.
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if root {
            let chown = Command::new("chown").arg("postgres").arg(&dir).status();
            assert!(chown.unwrap().success());
        }
        let pg = Self {
            bin,
            dir,
            port,
            root,
        };
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &["-D", path(&data), "-A", "trust", "-U", "postgres"],
        );
        pg.start_again();
        Some(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A migrated store on this server, as `with_store` would hand it.
    pub async fn test_store(&self) -> TestStoreRef {
        let store = Store::connect(&self.url(), &StoreOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        TestStoreRef {
            store,
            url: self.url(),
        }
    }

    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            path(&self.dir)
        );
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-o",
                &options,
                "-l",
                path(&log),
                "-w",
                "start",
            ],
        );
    }

    /// A fast shutdown: open connections are ended, new ones refused.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        self.run("pg_ctl", &["-D", path(&data), "-m", "fast", "-w", "stop"]);
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let status = if self.root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        }
        .unwrap();
        assert!(
            status.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let program = self.bin.join("pg_ctl");
        let args = ["-D", path(&data), "-m", "immediate", "stop"];
        let _ = if self.root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}
