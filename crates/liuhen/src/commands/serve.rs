//! `liuhen serve`: the API and the web pages over one instance.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::instance::Instance;

pub async fn serve(instance: &Instance, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = args.listen.unwrap_or_else(|| instance.config.server.listen.clone());
    run_server(instance, &listen, None).await
}

pub(super) async fn run_server(instance: &Instance, listen: &str, banner: Option<String>) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}: is another program using that address? choose another with --listen"))?;
    let address = listener.local_addr()?;
    let mut uploads = liuhen_server::UploadSettings::new(
        instance.config.data_dir.join("uploads"),
        liuhen_collect::CollectSettings { camera_offset: instance.config.ingest.offset()?, scratch: instance.config.data_dir.join("tmp") },
    );
    uploads.expire_after = Duration::from_secs(instance.config.server.abandoned_upload_days.max(1) * 24 * 3600);
    let state = liuhen_server::AppState {
        store: instance.store.clone(),
        ledger: instance.ledger.clone(),
        vault: instance.vault.clone(),
        settings: liuhen_server::ServerSettings {
            secure_cookies: instance.config.server.secure_cookies,
            session_ttl: Duration::from_secs(instance.config.server.session_hours.max(1) * 3600),
            uploads: Some(uploads),
            compliance: match instance.config.policy_pack()? {
                Some(pack) => Some(liuhen_server::ComplianceSettings::new(
                    std::sync::Arc::new(pack),
                    instance.config.ingest.offset()?,
                    Duration::from_secs(instance.config.compliance.refresh_seconds.max(1)),
                )),
                None => None,
            },
            exports: Some(instance.config.data_dir.join("exports")),
        },
    };
    if let Some(exports) = &state.settings.exports {
        std::fs::create_dir_all(exports).with_context(|| format!("cannot create {}", exports.display()))?;
    }
    let refresher = liuhen_server::spawn_compliance_refresher(&state);
    println!("留痕 Liuhen 正在运行 / serving at http://{address}/ (web: http://{address}/, health: http://{address}/healthz, API: http://{address}/api/v1/)");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("按 Ctrl-C 停止 / press Ctrl-C to stop");
    liuhen_server::serve_with(state, listener, liuhen_server::shutdown_signal(), liuhen_web::app)
        .await
        .context("the server stopped with an error")?;
    if let Some(refresher) = refresher {
        refresher.abort();
    }
    Ok(ExitCode::SUCCESS)
}
