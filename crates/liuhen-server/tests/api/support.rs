//! A real server on a real socket over a throw-away instance, with the
//! people, devices and media records the tests sign in as and look at.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{Agency, ApiToken, Device, DeviceKind, MediaRecord, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, DeviceId, MediaId, OfficerId, TokenId, UnitId, UserId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::note::Ed25519NoteSigner;
use liuhen_core::pack::PolicyPack;
use liuhen_core::recording::{MediaKind, MediaProbe, Playback, Recording};
use liuhen_ledger::{Ledger, LedgerConfig};
use liuhen_server::auth::{generate_secret, hash_password, secret_digest, CSRF_HEADER, SESSION_COOKIE};
use liuhen_server::{AppState, ComplianceSettings, ServerSettings};
use liuhen_store::postgres::testing::TestDatabase;
use liuhen_store::{MetaStore, StoredEntry};
use liuhen_vault::{Vault, VaultLocation};
use rand::rngs::OsRng;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const ORIGIN: &str = "test.example/liuhen";

/// Runs each named test body against a server on SQLite and one on
/// PostgreSQL: `on_both_backends!(name, …)` needs `async fn name(TestServer)`;
/// `on_both_backends!(pack "xiamen-cgj": name, …)` starts the servers with
/// that built-in policy pack in force; `on_both_backends!(with setup: name,
/// …)` runs `setup(backend, name)`, an async fn of the calling module that
/// starts the server its own way and hands it to the test.
macro_rules! on_both_backends {
    (with $setup:ident: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$setup(crate::support::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$setup(crate::support::Backend::Postgres, super::$name).await;
                }
            }
        )*
    };
    (pack $pack:literal: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::support::TestServer::start_with_pack(crate::support::Backend::Sqlite, $pack).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(crate::support::TestServer::start_with_pack(crate::support::Backend::Postgres, $pack).await).await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::support::TestServer::start(crate::support::Backend::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(crate::support::TestServer::start(crate::support::Backend::Postgres).await).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A person the fixture created.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: UserId,
    pub login: &'static str,
    pub password: &'static str,
}

/// What a browser keeps after signing in.
#[derive(Clone, Debug)]
pub struct BrowserSession {
    pub secret: String,
    pub csrf_token: String,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Credentials<'a> {
    Nobody,
    Cookie(&'a BrowserSession),
    /// The cookie and the CSRF header, as the web page sends them.
    CookieAndCsrf(&'a BrowserSession),
    Bearer(&'a str),
}

pub struct Fixture {
    pub administrator: Account,
    pub archivist: Account,
    /// 张伟, badge 0203001, a full officer.
    pub officer: Account,
    /// 李娜, badge 0203002, a full officer.
    pub second_officer: Account,
    /// 王强, a unit leader (no officer of his own here).
    pub leader: Account,
    /// 陈杰, badge 0203003, a full officer who handles no test case.
    pub other_officer: Account,
    pub disabled: Account,
    pub workstation: DeviceId,
    pub workstation_token: String,
    pub revoked_token: String,
    pub media: Vec<MediaRecord>,
    pub agency: AgencyId,
    /// 中山路中队, where every officer works.
    pub unit: UnitId,
    /// 张伟, 李娜, 陈杰 and 𠮷田 (an assistant), in that order.
    pub officers: Vec<OfficerId>,
}

pub struct TestServer {
    pub base_url: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn MetaStore>,
    /// What the server runs on, for starting its background tasks.
    pub state: AppState,
    pub fixture: Fixture,
    shutdown: Option<oneshot::Sender<()>>,
    _directory: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Self::settings()).await
    }

    /// A server with the built-in pack `pack` in force (UTC+8). Findings
    /// are refreshed only when a test asks, unless it starts the refresher.
    pub async fn start_with_pack(backend: Backend, pack: &str) -> TestServer {
        let pack = PolicyPack::builtin(pack).expect("a built-in pack").expect("the built-in pack parses");
        let compliance = ComplianceSettings::new(Arc::new(pack), jiff::tz::offset(8), Duration::from_secs(3600));
        Self::start_with(backend, ServerSettings { compliance: Some(compliance), ..Self::settings() }).await
    }

    fn settings() -> ServerSettings {
        ServerSettings { secure_cookies: false, session_ttl: Duration::from_secs(3600), uploads: None, compliance: None, exports: None }
    }

    /// A server with the built-in pack `pack` in force whose vault is in
    /// the bucket at `vault` (an S3 location).
    pub async fn start_with_pack_and_vault(backend: Backend, pack: &str, vault: VaultLocation) -> TestServer {
        let pack = PolicyPack::builtin(pack).expect("a built-in pack").expect("the built-in pack parses");
        let compliance = ComplianceSettings::new(Arc::new(pack), jiff::tz::offset(8), Duration::from_secs(3600));
        Self::start_on(backend, ServerSettings { compliance: Some(compliance), ..Self::settings() }, Some(vault)).await
    }

    pub async fn start_with(backend: Backend, settings: ServerSettings) -> TestServer {
        Self::start_on(backend, settings, None).await
    }

    /// A server on `vault`, or on a filesystem vault in its directory.
    async fn start_on(backend: Backend, mut settings: ServerSettings, vault: Option<VaultLocation>) -> TestServer {
        let directory = tempfile::tempdir().unwrap();
        // With a pack in force the server also makes packages, as `liuhen serve` does.
        if settings.compliance.is_some() && settings.exports.is_none() {
            let exports = directory.path().join("exports");
            std::fs::create_dir_all(&exports).unwrap();
            settings.exports = Some(exports);
        }
        let (url, database) = match backend {
            Backend::Sqlite => (directory.path().join("liuhen.db").display().to_string(), None),
            Backend::Postgres => {
                let database = TestDatabase::create().await.expect("the test PostgreSQL (LIUHEN_TEST_POSTGRES) is reachable");
                (database.url.clone(), Some(database))
            }
        };
        let store = liuhen_store::open(&url).await.unwrap();
        let vault = Vault::open(vault.unwrap_or_else(|| VaultLocation::Filesystem(directory.path().join("vault")))).await.unwrap();
        let signer = Ed25519NoteSigner::new(ORIGIN, SigningKey::generate(&mut OsRng)).unwrap();
        let ledger = Arc::new(Ledger::start(store.clone(), Arc::new(signer), LedgerConfig::new(ORIGIN)).await.unwrap());
        let fixture = Fixture::create(&ledger).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let state = AppState { store: store.clone(), ledger: ledger.clone(), vault, settings };
        tokio::spawn(liuhen_server::serve_until(state.clone(), listener, async move {
            let _ = stop.await;
        }));
        TestServer {
            base_url,
            client: reqwest::Client::new(),
            store,
            state,
            fixture,
            shutdown: Some(shutdown),
            _directory: directory,
            _database: database,
        }
    }

    pub fn request(&self, method: Method, path: &str, credentials: Credentials<'_>) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base_url));
        match credentials {
            Credentials::Nobody => request,
            Credentials::Cookie(session) => request.header("cookie", format!("{SESSION_COOKIE}={}", session.secret)),
            Credentials::CookieAndCsrf(session) => {
                request.header("cookie", format!("{SESSION_COOKIE}={}", session.secret)).header(CSRF_HEADER, &session.csrf_token)
            }
            Credentials::Bearer(token) => request.bearer_auth(token),
        }
    }

    pub async fn get(&self, path: &str, credentials: Credentials<'_>) -> Response {
        self.request(Method::GET, path, credentials).send().await.unwrap()
    }

    pub async fn sign_in_attempt(&self, login: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/session", Credentials::Nobody)
            .json(&serde_json::json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Signs `account` in and returns what a browser would keep.
    pub async fn sign_in(&self, account: &Account) -> BrowserSession {
        let response = self.sign_in_attempt(account.login, account.password).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in as {}", account.login);
        let secret = session_cookie(&response).expect("signing in sets the session cookie");
        let body: serde_json::Value = response.json().await.unwrap();
        BrowserSession { secret, csrf_token: body["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// A person with `roles`, and with an officer of their own in the
    /// fixture's unit if `officer` gives (name, badge number, role).
    pub async fn add_account(
        &self,
        login: &'static str,
        password: &'static str,
        roles: &[Role],
        officer: Option<(&str, &str, OfficerRole)>,
    ) -> Account {
        let ledger = &self.state.ledger;
        let officer_id = match officer {
            Some((name, badge, role)) => {
                let officer = Officer {
                    id: OfficerId::new(),
                    agency_id: self.fixture.agency,
                    unit_id: self.fixture.unit,
                    name: name.to_owned(),
                    certificate_no: Some(format!("闽Z{badge}")),
                    badge_no: badge.to_owned(),
                    role,
                    qualification: Qualification::Officer,
                };
                record(ledger, action::OFFICER_CREATED, officer.id.subject(), Mutation::CreateOfficer(officer.clone())).await;
                Some(officer.id)
            }
            None => None,
        };
        create_user(ledger, login, password, roles, false, officer_id).await
    }

    /// Registers `media` as a video that `officer` recorded on a body camera
    /// of its own, ending at `ended` and offloaded an hour later, as
    /// `liuhen ingest` would have (backdated: the engine compares with now).
    pub async fn add_recording(&self, media: &MediaRecord, officer: OfficerId, ended: Timestamp) -> Recording {
        let ledger = &self.state.ledger;
        let camera = Device {
            id: DeviceId::new(),
            agency_id: self.fixture.agency,
            serial: format!("JLY-{}", media.id),
            kind: DeviceKind::BodyCamera,
            model: Some("执法记录仪 DSJ-1".to_owned()),
            assigned_officer: Some(officer),
            unit_id: Some(self.fixture.unit),
        };
        record(ledger, action::DEVICE_CREATED, camera.id.subject(), Mutation::CreateDevice(camera.clone())).await;
        let recording = Recording {
            media_id: media.id,
            device_id: camera.id,
            officer_id: Some(officer),
            unit_id: Some(self.fixture.unit),
            path_on_device: format!("DCIM/100MEDIA/{}", media.original_name.clone().unwrap_or_default()),
            kind: MediaKind::Video,
            important: false,
            probe: MediaProbe::default(),
            named_start: None,
            raw_start: None,
            start_source: None,
            clock_offset: None,
            corrected_start: Some(ended - jiff::SignedDuration::from_mins(10)),
            corrected_end: Some(ended),
            playback: Playback::Ok,
            workstation: "CJZ-0001".to_owned(),
            ingested_at: ended + jiff::SignedDuration::from_hours(1),
            ingested_by: self.fixture.workstation.subject(),
        };
        record_as(
            ledger,
            self.fixture.workstation.subject(),
            action::RECORDING_INGESTED,
            media.id.subject(),
            Mutation::CreateRecording(Box::new(recording.clone())),
        )
        .await;
        recording
    }

    /// Registers a device of `kind` numbered `serial` in the fixture's
    /// unit, issued to `officer` if given, and issues it an API token;
    /// returns the device and the token's secret.
    pub async fn add_device(&self, kind: DeviceKind, serial: &str, officer: Option<OfficerId>) -> (Device, String) {
        let ledger = &self.state.ledger;
        let device = Device {
            id: DeviceId::new(),
            agency_id: self.fixture.agency,
            serial: serial.to_owned(),
            kind,
            model: None,
            assigned_officer: officer,
            unit_id: Some(self.fixture.unit),
        };
        record(ledger, action::DEVICE_CREATED, device.id.subject(), Mutation::CreateDevice(device.clone())).await;
        let token = issue_token(ledger, device.id).await;
        (device, token)
    }

    /// `request` with a JSON body.
    pub async fn send_json(&self, method: Method, path: &str, credentials: Credentials<'_>, body: &serde_json::Value) -> Response {
        self.request(method, path, credentials).json(body).send().await.unwrap()
    }

    /// Files an access request as `requester` (through the API) and has
    /// the unit leader approve it; returns the request's id. `period`
    /// defaults to the request's own (from now, seven days).
    pub async fn grant(
        &self,
        requester: &Account,
        targets: serde_json::Value,
        purpose: &str,
        mode: &str,
        period: Option<(Timestamp, Timestamp)>,
    ) -> String {
        let session = self.sign_in(requester).await;
        let mut body = serde_json::json!({ "targets": targets, "purpose": purpose, "mode": mode, "reason": "复议机关调取现场录像" });
        if let Some((from, until)) = period {
            body["from"] = serde_json::json!(from);
            body["until"] = serde_json::json!(until);
        }
        let response = self.send_json(Method::POST, "/api/v1/access-requests", Credentials::CookieAndCsrf(&session), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "filing {body}");
        let filed: serde_json::Value = response.json().await.unwrap();
        let id = filed["request"]["id"].as_str().unwrap().to_owned();
        let leader = self.sign_in(&self.fixture.leader).await;
        let decision = serde_json::json!({ "approved": true, "reason": "同意" });
        let path = format!("/api/v1/access-requests/{id}/decision");
        let response = self.send_json(Method::POST, &path, Credentials::CookieAndCsrf(&leader), &decision).await;
        assert_eq!(response.status(), StatusCode::CREATED, "approving {id}");
        id
    }

    /// Stores `bytes` in the vault as the file `name` and records it, as
    /// `liuhen vault put` would (stored by the console, so no workstation
    /// owns it).
    pub async fn store_file(&self, name: &str, bytes: &[u8]) -> MediaRecord {
        let path = self._directory.path().join(format!("upload-{}", MediaId::new()));
        std::fs::write(&path, bytes).unwrap();
        let digests = self.state.vault.put_file(&path).await.unwrap().digests;
        std::fs::remove_file(&path).unwrap();
        let stored = MediaRecord {
            id: MediaId::new(),
            sha256: digests.sha256,
            sm3: digests.sm3,
            size: digests.size,
            original_name: Some(name.to_owned()),
            stored_at: Timestamp::now(),
            stored_by: "cli:test".to_owned(),
            source_device: None,
        };
        record(&self.state.ledger, action::MEDIA_STORED, stored.id.subject(), Mutation::CreateMedia(stored.clone())).await;
        stored
    }

    /// Every ledger entry recording `action`, oldest first.
    pub async fn entries_for(&self, action: &str) -> Vec<StoredEntry> {
        let size = self.store.ledger_size().await.unwrap();
        let entries = self.store.ledger_entries(0, u32::try_from(size).unwrap()).await.unwrap();
        entries.into_iter().filter(|stored| stored.entry.action == action).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The session secret a response's `Set-Cookie` hands out.
pub fn session_cookie(response: &Response) -> Option<String> {
    set_cookie(response)?.split(';').next()?.strip_prefix(&format!("{SESSION_COOKIE}=")).map(str::to_owned)
}

/// The `Set-Cookie` header of a response.
pub fn set_cookie(response: &Response) -> Option<String> {
    Some(response.headers().get("set-cookie")?.to_str().ok()?.to_owned())
}

/// The `error` sentence of a JSON error response.
pub async fn error_of(response: Response) -> String {
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "errors are JSON");
    let body: serde_json::Value = response.json().await.unwrap();
    body["error"].as_str().expect("an error response has an `error` sentence").to_owned()
}

/// A request's `targets`: the one record `media`.
pub fn media_target(media: MediaId) -> Value {
    json!([{ "kind": "media", "id": media }])
}

/// The entries recording `action` that name `media`, with their payloads.
pub async fn entries_about(server: &TestServer, media: MediaId, action: &str) -> Vec<(liuhen_store::StoredEntry, Value)> {
    let entries = server.store.ledger_entries_about(&media.subject()).await.unwrap();
    entries
        .into_iter()
        .filter(|stored| stored.entry.action == action)
        .map(|stored| {
            let payload = serde_json::from_str(&stored.payload_json).unwrap();
            (stored, payload)
        })
        .collect()
}

/// Bytes that differ at every offset a range test could confuse.
pub fn patterned(size: usize) -> Vec<u8> {
    (0..size as u64).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

/// `POST path` with `body`, signed in as `account`.
pub async fn post(server: &TestServer, path: &str, account: &Account, body: &Value) -> reqwest::Response {
    let session = server.sign_in(account).await;
    server.send_json(Method::POST, path, Credentials::CookieAndCsrf(&session), body).await
}

/// `GET path`, signed in as `account`.
pub async fn get_as(server: &TestServer, path: &str, account: &Account) -> reqwest::Response {
    let session = server.sign_in(account).await;
    server.get(path, Credentials::Cookie(&session)).await
}

/// `GET url`, with a `Range` header if given.
pub async fn ranged(server: &TestServer, url: &str, credentials: Credentials<'_>, range: Option<&str>) -> reqwest::Response {
    let mut request = server.request(Method::GET, url, credentials);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    request.send().await.unwrap()
}

/// Opens a viewing of `media` as `session`; returns its id and url.
pub async fn open_viewing(server: &TestServer, media: MediaId, session: &BrowserSession) -> (String, String, Value) {
    let path = format!("/api/v1/media/{media}/viewings");
    let response = server.send_json(Method::POST, &path, Credentials::CookieAndCsrf(session), &json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let opened: Value = response.json().await.unwrap();
    (opened["viewing"].as_str().unwrap().to_owned(), opened["url"].as_str().unwrap().to_owned(), opened)
}

impl Fixture {
    async fn create(ledger: &Ledger) -> Fixture {
        let agency = Agency { id: AgencyId::new(), name: "厦门市城市管理行政执法局".to_owned(), code: "xiamen-cgj".to_owned() };
        record(ledger, action::AGENCY_CREATED, agency.id.subject(), Mutation::CreateAgency(agency.clone())).await;
        let workstation = Device {
            id: DeviceId::new(),
            agency_id: agency.id,
            serial: "CJZ-0001".to_owned(),
            kind: DeviceKind::Workstation,
            model: Some("采集站 X1".to_owned()),
            assigned_officer: None,
            unit_id: None,
        };
        record(ledger, action::DEVICE_CREATED, workstation.id.subject(), Mutation::CreateDevice(workstation.clone())).await;
        let workstation_token = issue_token(ledger, workstation.id).await;
        let revoked_token = generate_secret();
        let revoked = api_token(workstation.id, &revoked_token);
        record(ledger, action::TOKEN_ISSUED, revoked.id.subject(), Mutation::CreateApiToken(revoked.clone())).await;
        record(ledger, action::TOKEN_REVOKED, revoked.id.subject(), Mutation::RevokeApiToken(revoked.id)).await;

        let unit =
            Unit {
                id: UnitId::new(), agency_id: agency.id, parent_id: None, name: "中山路中队".to_owned(), code: "350203-01".to_owned()
            };
        record(ledger, action::UNIT_CREATED, unit.id.subject(), Mutation::CreateUnit(unit.clone())).await;
        let mut officers = Vec::new();
        for (name, badge, qualification) in [
            ("张伟", "0203001", Qualification::Officer),
            ("李娜", "0203002", Qualification::Officer),
            ("陈杰", "0203003", Qualification::Officer),
            ("𠮷田", "X0203017", Qualification::Assistant),
        ] {
            let officer = Officer {
                id: OfficerId::new(),
                agency_id: agency.id,
                unit_id: unit.id,
                name: name.to_owned(),
                certificate_no: (qualification == Qualification::Officer).then(|| format!("闽Z{badge}")),
                badge_no: badge.to_owned(),
                role: OfficerRole::FrontLine,
                qualification,
            };
            record(ledger, action::OFFICER_CREATED, officer.id.subject(), Mutation::CreateOfficer(officer.clone())).await;
            officers.push(officer.id);
        }

        let administrator = create_user(ledger, "admin", "管理员密码-1", &[Role::Administrator], false, None).await;
        let archivist = create_user(ledger, "dang.an", "档案密码-2", &[Role::Archivist], false, None).await;
        let officer = create_user(ledger, "zhang.wei", "执法密码-3", &[Role::Officer], false, Some(officers[0])).await;
        let second_officer = create_user(ledger, "li.na", "执法密码-5", &[Role::Officer], false, Some(officers[1])).await;
        let other_officer = create_user(ledger, "chen.jie", "执法密码-6", &[Role::Officer], false, Some(officers[2])).await;
        let leader = create_user(ledger, "wang.qiang", "领导密码-7", &[Role::UnitLeader], false, None).await;
        let disabled = create_user(ledger, "li.tui", "停用密码-4", &[Role::Archivist], true, None).await;

        let mut media = Vec::new();
        for (number, name) in
            ["20261123_083000_执法记录.mp4", "20261123_090000_现场照片.jpg", "20261123_093000_询问录音.wav"].into_iter().enumerate()
        {
            let digests = ContentDigests::of_bytes(format!("test media {number}").as_bytes());
            let record = MediaRecord {
                id: MediaId::new(),
                sha256: digests.sha256,
                sm3: digests.sm3,
                size: digests.size,
                original_name: Some(name.to_owned()),
                stored_at: Timestamp::now(),
                stored_by: workstation.id.subject(),
                source_device: Some(workstation.id),
            };
            record_as(ledger, workstation.id.subject(), action::MEDIA_STORED, record.id.subject(), Mutation::CreateMedia(record.clone()))
                .await;
            media.push(record);
        }
        Fixture {
            administrator,
            archivist,
            officer,
            second_officer,
            leader,
            other_officer,
            disabled,
            workstation: workstation.id,
            workstation_token,
            revoked_token,
            media,
            agency: agency.id,
            unit: unit.id,
            officers,
        }
    }
}

async fn issue_token(ledger: &Ledger, device_id: DeviceId) -> String {
    let secret = generate_secret();
    let token = api_token(device_id, &secret);
    record(ledger, action::TOKEN_ISSUED, token.id.subject(), Mutation::CreateApiToken(token)).await;
    secret
}

fn api_token(device_id: DeviceId, secret: &str) -> ApiToken {
    ApiToken { id: TokenId::new(), device_id, secret_sha256: secret_digest(secret), created_at: Timestamp::now(), revoked: false }
}

async fn create_user(
    ledger: &Ledger,
    login: &'static str,
    password: &'static str,
    roles: &[Role],
    disabled: bool,
    officer_id: Option<OfficerId>,
) -> Account {
    let user = User {
        id: UserId::new(),
        login: login.to_owned(),
        display_name: format!("测试用户 {login}"),
        password_hash: hash_password(password),
        roles: roles.to_vec(),
        officer_id,
        disabled,
    };
    let id = user.id;
    record(ledger, action::USER_CREATED, id.subject(), Mutation::CreateUser(user)).await;
    Account { id, login, password }
}

async fn record(ledger: &Ledger, action: &str, subject: String, mutation: Mutation) {
    record_as(ledger, "cli:test".to_owned(), action, subject, mutation).await;
}

async fn record_as(ledger: &Ledger, actor: String, action: &str, subject: String, mutation: Mutation) {
    let mut draft = EntryDraft::new(actor, action).subject(subject);
    // Stored files carry their digests in the entry, as `liuhen vault put`
    // and ingest record them (court packages prove files by these).
    if let Mutation::CreateMedia(media) = &mutation {
        draft =
            draft.payload(serde_json::json!({ "sha256": media.sha256, "sm3": media.sm3, "size": media.size, "name": media.original_name }));
    }
    ledger.record(draft, vec![mutation]).await.unwrap();
}
