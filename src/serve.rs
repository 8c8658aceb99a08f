//! `portal serve`: migrations, then the HTTP server until Ctrl-C or SIGTERM.

use crate::settings::Settings;
use anyhow::Context;
use tokio::net::TcpListener;
use tracing::info;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("serve"));
    let serve = settings
        .serve
        .clone()
        .context("internal: serve settings missing")?;
    let store = settings.open_migrated_store().await?;
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
    info!(%addr, backend = store.backend(), "serving");
    let app = portal_api::router(portal_api::AppState { store });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
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
