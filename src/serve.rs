//! `portal serve`: migrations, then every role in one process (HTTP, relay, projections) until
//! Ctrl-C or SIGTERM.

use crate::roles;
use crate::settings::Settings;
use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::info;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("serve"));
    let serve = settings
        .serve
        .clone()
        .context("internal: serve settings missing")?;
    let store = settings.open_migrated_store().await?;
    let read = roles::open_read_db(&settings).await?;
    let bus = roles::open_bus(&settings).await?;
    let projector = roles::prepare_projector(&store, &read).await?;
    let listener = TcpListener::bind(serve.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (--listen / PORTAL_LISTEN)",
            serve.listen
        )
    })?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    // On stdout, alone on its line: scripts and the end-to-end tests read the port from it.
    println!("listening on http://{addr}");
    info!(%addr, backend = store.backend(), bus = bus.kind(), "serving");
    let cancel = CancellationToken::new();
    let tasks = [
        roles::spawn_relay(&settings, store.clone(), bus.clone(), cancel.clone()),
        roles::spawn_projector(store.clone(), bus, projector.clone(), cancel.clone()),
    ];
    let app = portal_api::router(portal_api::AppState {
        store,
        read,
        relay: roles::relay_name(&settings),
        projections: projector
            .projections()
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed");
    cancel.cancel();
    for task in tasks {
        let _ = task.await;
    }
    served?;
    info!("stopped");
    Ok(())
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
