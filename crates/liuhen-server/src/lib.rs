//! Liuhen's HTTP server (服务端): the axum API behind `liuhen serve`.
//!
//! [`router`] builds the whole API over an [`AppState`]; [`serve`] runs it
//! on a listener until ctrl-c or SIGTERM. People sign in with a login and
//! password and then carry a session cookie; machines (collection
//! workstations) carry a per-device API token in `Authorization: Bearer`.
//! Both become a [`actor::CurrentActor`], the only way a handler learns who
//! is asking.
//!
//! **Invariant:** every request that changes state records a ledger entry
//! (through [`liuhen_ledger::Ledger::record`], in the same transaction as the
//! change); failed sign-ins are recorded too, although they change nothing.
//! **Invariant:** a request authenticated by the session cookie that could
//! change state (any method but GET, HEAD and OPTIONS) is refused unless it
//! carries the session's CSRF token; the check lives in the
//! [`actor::CurrentActor`] extractor, so no handler can forget it.
//! **Invariant:** neither session secrets nor API tokens are stored, only
//! their SHA-256; passwords are stored only as Argon2id hashes.
//! **Invariant:** an error response never carries internal detail; the
//! detail goes to the log under a reference the response names.
//! **Invariant:** nothing is read without a basis and an audit entry: a
//! record's metadata, its stream and its download are answered only after
//! [`liuhen_custody::access::authorize`] found the person's basis (own
//! work or a grant) and the `record.read` entry is committed; a viewing
//! session is audited when it opens and closed with the bytes it served.

pub mod access;
pub mod actor;
pub mod auth;
pub mod directory;
pub mod error;
mod extract;
mod lockout;
mod refresher;
mod routes;

pub use refresher::spawn_compliance_refresher;
pub use routes::uploads::sweep::{sweep_uploads, Swept};
pub use routes::uploads::RegisterResponse;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;
use axum::Router;
use liuhen_ledger::Ledger;
use liuhen_store::MetaStore;
use liuhen_vault::Vault;
use tower_http::trace::TraceLayer;

use lockout::LoginThrottle;
use routes::content::Viewings;

/// Everything a request handler may touch.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn MetaStore>,
    pub ledger: Arc<Ledger>,
    pub vault: Vault,
    pub settings: ServerSettings,
}

/// How the server behaves towards its clients.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Mark cookies `Secure` (sent only over https). Set this whenever the
    /// server is reached over https, directly or through a proxy.
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in; it is not extended by use.
    pub session_ttl: Duration,
    /// Resumable uploads from collection workstations; `None` turns the
    /// upload endpoints off (they answer 503).
    pub uploads: Option<UploadSettings>,
    /// The policy pack in force and how findings are kept up to date;
    /// `None` turns the compliance endpoints off (they answer 503).
    pub compliance: Option<ComplianceSettings>,
    /// Where court packages made through the API are written
    /// (`DATA/exports`); `None` turns `POST /api/v1/exports` off (503).
    pub exports: Option<std::path::PathBuf>,
}

/// Compliance checking (合规检查): the pack in force, where local dates
/// and times are read, and how often the findings are brought up to date
/// by [`spawn_compliance_refresher`].
#[derive(Clone)]
pub struct ComplianceSettings {
    pub pack: Arc<liuhen_core::pack::PolicyPack>,
    /// The offset of local time (dates of reports, times on checklists).
    pub offset: jiff::tz::Offset,
    /// How often the refresher looks whether a refresh is due (see
    /// [`spawn_compliance_refresher`]).
    pub refresh_interval: Duration,
    /// Notified by [`AppState::facts_changed`]; the refresher listens.
    pub(crate) changed: Arc<tokio::sync::Notify>,
}

impl ComplianceSettings {
    pub fn new(pack: Arc<liuhen_core::pack::PolicyPack>, offset: jiff::tz::Offset, refresh_interval: Duration) -> Self {
        Self { pack, offset, refresh_interval, changed: Arc::default() }
    }
}

impl std::fmt::Debug for ComplianceSettings {
    // The whole pack would fill a log line; which one is in force is enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComplianceSettings")
            .field("pack", &format_args!("{} {} ({})", self.pack.id, self.pack.version, self.pack.sha256))
            .field("offset", &self.offset)
            .field("refresh_interval", &self.refresh_interval)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Says that facts the compliance engine reads (case steps, links,
    /// documents, signatures, approvals, recordings, labels) or the
    /// retention of records (holds) have changed, so the refresher brings
    /// the findings, and the blobs' Object Lock, up to date soon. Does
    /// nothing when compliance is off.
    pub fn facts_changed(&self) {
        if let Some(compliance) = &self.settings.compliance {
            compliance.changed.notify_one();
        }
    }
}

/// How long an unfinished upload is kept by default: a week.
pub const DEFAULT_UPLOAD_EXPIRY: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Where uploads wait until they are complete, and how arrivals are judged.
#[derive(Clone, Debug)]
pub struct UploadSettings {
    /// Partial uploads live here (one data file and one state file each).
    pub dir: std::path::PathBuf,
    pub collect: liuhen_collect::CollectSettings,
    /// The largest upload accepted, in bytes.
    pub max_size: u64,
    /// An upload untouched for this long is abandoned and removed, and a
    /// registration answer is kept this long for a workstation asking again
    /// ([`sweep_uploads`]).
    pub expire_after: std::time::Duration,
    /// Uploads a request is writing right now: one writer per upload.
    pub(crate) busy: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Digests of uploads, computed as their bytes arrive, so a complete
    /// upload need not be read again. Lost on restart (the upload is then
    /// read and hashed when it is registered).
    pub(crate) hashers: Arc<std::sync::Mutex<std::collections::HashMap<String, liuhen_vault::hashing::DualHasher>>>,
}

impl UploadSettings {
    pub fn new(dir: std::path::PathBuf, collect: liuhen_collect::CollectSettings) -> Self {
        Self { dir, collect, max_size: 64 << 30, expire_after: DEFAULT_UPLOAD_EXPIRY, busy: Arc::default(), hashers: Arc::default() }
    }
}

/// The complete API over `state`.
///
/// The sign-in lockout counters and the open viewing sessions live in
/// memory, inside the router built here: each `liuhen serve` process keeps
/// its own, and a restart forgets them (the `lockout` and
/// `routes::content` modules say what that means). A router built here
/// alone does not end idle viewings; [`serve`] and [`serve_until`] do.
pub fn router(state: AppState) -> Router {
    router_over(ServerState::new(state))
}

fn router_over(server: ServerState) -> Router {
    routes::api()
        .layer(axum::middleware::map_response(protective_headers))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            // Method and path only: query strings are harmless today, but
            // headers carry cookies and tokens and must stay out of logs.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(server)
}

/// Serves the API on `listener` until ctrl-c or SIGTERM, then lets requests
/// in flight finish.
///
/// The ledger is not shut down here: the caller owns it and should call
/// [`Ledger::shutdown`] after this returns, so a final checkpoint is signed.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// Like [`serve`], but stops gracefully when `shutdown` completes instead
/// of on a signal (for tests and embedding).
pub async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(state, listener, shutdown, |api| api).await
}

/// Like [`serve_until`], but serves what `wrap` makes of the API router:
/// `liuhen serve` puts the web application (`liuhen_web::app`) in front
/// of it this way. `wrap` gets the complete API, state included.
pub async fn serve_with(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    wrap: impl FnOnce(Router) -> Router,
) -> std::io::Result<()> {
    match listener.local_addr() {
        Ok(address) => tracing::info!(%address, "serving the Liuhen API"),
        Err(error) => tracing::warn!(%error, "serving the Liuhen API on an unknown address"),
    }
    let server = ServerState::new(state);
    let sweeper = routes::content::spawn_viewing_sweeper(server.app.ledger.clone(), server.viewings.clone());
    let upload_sweeper = server.app.settings.uploads.clone().map(routes::uploads::sweep::spawn_sweeper);
    let served = axum::serve(listener, wrap(router_over(server.clone()))).with_graceful_shutdown(shutdown).await;
    sweeper.abort();
    if let Some(upload_sweeper) = upload_sweeper {
        upload_sweeper.abort();
    }
    // Viewings still open are closed in the ledger with what they served.
    routes::content::end_all(&server.app.ledger, &server.viewings).await;
    served?;
    tracing::info!("the Liuhen API has stopped");
    Ok(())
}

/// The router's state: the caller's [`AppState`] plus what the server keeps
/// for itself. Handlers that need only the former extract `State<AppState>`.
#[derive(Clone)]
pub(crate) struct ServerState {
    pub(crate) app: AppState,
    pub(crate) throttle: Arc<LoginThrottle>,
    /// Open viewing sessions (`routes::content`), in memory. They live here
    /// rather than in [`AppState`], which callers build field by field,
    /// because they are the server's own bookkeeping, like the throttle.
    pub(crate) viewings: Arc<Viewings>,
}

impl ServerState {
    fn new(app: AppState) -> Self {
        ServerState { app, throttle: Arc::new(LoginThrottle::default()), viewings: Arc::default() }
    }
}

impl FromRef<ServerState> for AppState {
    fn from_ref(server: &ServerState) -> AppState {
        server.app.clone()
    }
}

impl FromRef<ServerState> for Arc<Viewings> {
    fn from_ref(server: &ServerState) -> Arc<Viewings> {
        server.viewings.clone()
    }
}

/// Responses about evidence and sessions must not linger in shared caches,
/// and browsers must not guess content types.
async fn protective_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c; stop the server with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM; stop the server with ctrl-c");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("ctrl-c received; finishing requests in flight"),
        () = terminate => tracing::info!("SIGTERM received; finishing requests in flight"),
    }
}
