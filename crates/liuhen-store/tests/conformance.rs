//! The metadata store's contract, held against every backend.
//!
//! Each scenario is written once, against `Arc<dyn MetaStore>` (or, when it
//! must reach around the store to tamper with rows or open a second
//! connection, against the test [`support::Database`]), and
//! `on_every_backend!` turns it into one test per backend: SQLite in a
//! temporary directory and PostgreSQL in a throw-away database. Writes go
//! through `MetaStore::commit` only, with batches built here the way the
//! ledger's sequencer builds them: entries from `EntryDraft::sequence`, leaf
//! and interior nodes from `Frontier::push`, payloads in canonical JSON.

/// Expands each scenario into `sqlite::<scenario>` and
/// `postgres::<scenario>` tests. A scenario marked `(store)` receives the
/// store; one marked `(database)` receives the whole test database.
macro_rules! on_every_backend {
    ($($scenario:ident($argument:ident)),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let database = crate::support::Database::sqlite().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let database = crate::support::Database::postgres().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
    };
    (@argument $database:ident store) => { $database.store.clone() };
    (@argument $database:ident database) => { &$database };
}

mod support {
    //! Test databases, a batch writer that plays the sequencer, and
    //! entities with realistic (Chinese) names.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::digest::{ContentDigests, Sha256Digest};
    use liuhen_core::entity::{
        Agency, ApiToken, Device, DeviceKind, MediaRecord, Officer, OfficerRole, Qualification, Role, Session, Unit, User,
    };
    use liuhen_core::entry::{canonical_payload_bytes, EntryDraft};
    use liuhen_core::id::{AgencyId, DeviceId, MediaId, OfficerId, SessionId, TokenId, UnitId, UserId};
    use liuhen_core::merkle::Frontier;
    use liuhen_core::mutation::{action, Mutation};
    use liuhen_store::postgres::testing::TestDatabase;
    use liuhen_store::{Backend, CommitBatch, CommitItem, MetaStore, StoreError, StoredEntry};
    use sqlx::{Connection, PgConnection, SqliteConnection};

    /// A database that lives as long as one test, its store, and a way
    /// around the store to the same rows.
    pub struct Database {
        pub store: Arc<dyn MetaStore>,
        /// What `liuhen_store::open` was given: a file path or a URL.
        pub url: String,
        _lifetime: Lifetime,
    }

    enum Lifetime {
        Directory(#[allow(dead_code)] tempfile::TempDir),
        Postgres(#[allow(dead_code)] TestDatabase),
    }

    impl Database {
        pub async fn sqlite() -> Database {
            let directory = tempfile::tempdir().expect("a temporary directory");
            let url = directory.path().join("liuhen.db").display().to_string();
            let store = liuhen_store::open(&url).await.expect("an SQLite store opens in a fresh directory");
            Database { store, url, _lifetime: Lifetime::Directory(directory) }
        }

        pub async fn postgres() -> Database {
            let database = TestDatabase::create()
                .await
                .expect("a throw-away PostgreSQL database (is PostgreSQL running at 127.0.0.1:5432, or LIUHEN_TEST_POSTGRES set?)");
            let url = database.url.clone();
            let store = liuhen_store::open(&url).await.expect("a PostgreSQL store opens on a fresh database");
            Database { store, url, _lifetime: Lifetime::Postgres(database) }
        }

        /// A second store on the same database, as another process opens it.
        pub async fn open_again(&self) -> Arc<dyn MetaStore> {
            liuhen_store::open(&self.url).await.expect("the same database opens a second time")
        }

        /// Runs one statement on a connection of its own, behind the
        /// store's back (this is how the tests tamper), and returns the
        /// number of rows it touched.
        pub async fn execute(&self, sql: &str) -> u64 {
            match self.store.backend() {
                Backend::Sqlite => {
                    let mut connection =
                        SqliteConnection::connect(&format!("sqlite://{}", self.url)).await.expect("a raw SQLite connection");
                    sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
                }
                Backend::Postgres => {
                    let mut connection = PgConnection::connect(&self.url).await.expect("a raw PostgreSQL connection");
                    sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
                }
            }
        }
    }

    /// One event to record: the entry draft and the state changes it makes.
    #[derive(Clone, Debug)]
    pub struct Event {
        pub draft: EntryDraft,
        pub mutations: Vec<Mutation>,
    }

    /// The event that records one mutation, as the application writes it.
    pub fn event(mutation: Mutation) -> Event {
        let (action, subject, payload) = match &mutation {
            Mutation::CreateAgency(agency) => (action::AGENCY_CREATED, agency.id.subject(), to_json(agency)),
            Mutation::CreateUnit(unit) => (action::UNIT_CREATED, unit.id.subject(), to_json(unit)),
            Mutation::CreateOfficer(officer) => (action::OFFICER_CREATED, officer.id.subject(), to_json(officer)),
            Mutation::CreateDevice(device) => (action::DEVICE_CREATED, device.id.subject(), to_json(device)),
            Mutation::CreateUser(user) => {
                (action::USER_CREATED, user.id.subject(), serde_json::json!({"login": user.login, "roles": user.roles}))
            }
            Mutation::CreateMedia(media) => (action::MEDIA_STORED, media.id.subject(), to_json(media)),
            Mutation::CreateSession(session) => (action::SESSION_STARTED, session.id.subject(), serde_json::json!({})),
            Mutation::EndSession(id) => (action::SESSION_ENDED, id.subject(), serde_json::json!({})),
            Mutation::CreateApiToken(token) => (action::TOKEN_ISSUED, token.id.subject(), serde_json::json!({})),
            Mutation::RevokeApiToken(id) => (action::TOKEN_REVOKED, id.subject(), serde_json::json!({})),
            Mutation::CreateRecording(recording) => (action::RECORDING_INGESTED, recording.media_id.subject(), to_json(recording)),
            Mutation::NoteInterruption(note) => (action::INTERRUPTION_EXPLAINED, note.before.subject(), to_json(note)),
            Mutation::CreateCase(case) => (action::CASE_OPENED, case.id.subject(), to_json(case)),
            Mutation::RecordStageStep(step) => (action::CASE_STAGE, step.case_id.subject(), to_json(step)),
            Mutation::LinkRecording(link) => (action::RECORDING_LINKED, link.media_id.subject(), to_json(link)),
            Mutation::RecordApproval(approval) => (action::CASE_APPROVAL, approval.case_id.subject(), to_json(approval)),
            Mutation::CreateDocument(document) => (action::DOCUMENT_MADE, document.id.subject(), to_json(document)),
            Mutation::CreateComplaint(complaint) => (action::COMPLAINT_RECEIVED, complaint.id.subject(), to_json(complaint)),
            Mutation::RecordComplaintOutcome(outcome) => (action::COMPLAINT_DECIDED, outcome.complaint_id.subject(), to_json(outcome)),
            Mutation::RecordSignature(signature) => (action::DOCUMENT_SIGNED, signature.document_id.subject(), to_json(signature)),
            Mutation::LabelRecording(label) => (action::RECORDING_LABELED, label.media_id.subject(), to_json(label)),
            Mutation::RecordDutyLog(entry) => (action::DUTY_LOGGED, entry.officer_id.subject(), to_json(entry)),
            Mutation::RaiseFinding(stored) => (action::FINDING_RAISED, stored.id.subject(), to_json(stored)),
            Mutation::ResolveFinding(resolution) => (action::FINDING_RESOLVED, resolution.finding_id.subject(), to_json(resolution)),
            Mutation::FileAccessRequest(request) => (action::ACCESS_REQUESTED, request.id.subject(), to_json(request)),
            Mutation::DecideAccess(decision) => {
                let action = if decision.approved { action::ACCESS_APPROVED } else { action::ACCESS_REFUSED };
                (action, decision.request.subject(), to_json(decision))
            }
            Mutation::MarkClassification(mark) => (action::CLASSIFICATION_MARKED, target_subject(&mark.target), to_json(mark)),
            Mutation::PlaceHold(hold) => (action::HOLD_PLACED, hold.id.subject(), to_json(hold)),
            Mutation::ReleaseHold(release) => (action::HOLD_RELEASED, release.hold.subject(), to_json(release)),
            Mutation::ProposeDisposal(list) => (action::DISPOSAL_PROPOSED, list.id.subject(), to_json(list)),
            Mutation::ApproveDisposal(approval) => (action::DISPOSAL_APPROVED, approval.list.subject(), to_json(approval)),
            Mutation::DisposeMedia(tombstone) => (action::MEDIA_DISPOSED, tombstone.media.id.subject(), to_json(tombstone)),
            Mutation::SetBlobLock(lock) => (action::BLOB_LOCKED, lock.media.subject(), to_json(lock)),
            Mutation::RecordExport(export) => (action::PACKAGE_EXPORTED, export.id.subject(), to_json(export)),
            Mutation::MakeRedaction(redaction) => (action::REDACTION_MADE, redaction.derived.subject(), to_json(redaction)),
            Mutation::DrawSpotCheck(check, _) => (action::SPOT_CHECK_DRAWN, check.id.subject(), to_json(check)),
            Mutation::ReviewSpotCheck(review) => (action::SPOT_CHECK_REVIEWED, review.check_id.subject(), to_json(review)),
            Mutation::RecordDeviceEvent(event) => (event.kind.action(), event.device_id.subject(), to_json(event)),
        };
        Event { draft: EntryDraft::new("cli:值班员", action).subject(subject).payload(payload), mutations: vec![mutation] }
    }

    /// An event that changes no state (a failed login, say).
    pub fn note(number: u64) -> Event {
        Event {
            draft: EntryDraft::new("system", action::LOGIN_FAILED)
                .subject(format!("test:{number}"))
                .payload(serde_json::json!({"number": number, "备注": "密码错误"})),
            mutations: Vec::new(),
        }
    }

    fn target_subject(target: &liuhen_core::access::Target) -> String {
        use liuhen_core::access::Target;
        match target {
            Target::Case(id) => id.subject(),
            Target::Media(id) => id.subject(),
            Target::Document(id) => id.subject(),
        }
    }

    fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(value).expect("entities serialise")
    }

    /// The time the writer gives entry `index`: fixed, so runs repeat,
    /// and with microseconds, so precision is tested.
    pub fn time_of(index: u64) -> Timestamp {
        Timestamp::from_microsecond(1_795_000_000_000_000 + index as i64 * 1_000_123).expect("a valid time")
    }

    /// A batch ready to commit, and what committing it makes true.
    pub struct Prepared {
        pub batch: CommitBatch,
        pub entries: Vec<StoredEntry>,
        frontier: Frontier,
    }

    /// Builds batches the way the ledger's sequencer does and keeps its tree
    /// frontier in step with what the store accepted.
    pub struct Writer {
        pub store: Arc<dyn MetaStore>,
        frontier: Frontier,
        pub committed: Vec<StoredEntry>,
    }

    impl Writer {
        pub fn new(store: Arc<dyn MetaStore>) -> Writer {
            Writer { store, frontier: Frontier::new(), committed: Vec::new() }
        }

        pub fn size(&self) -> u64 {
            self.frontier.size()
        }

        pub fn prepare(&self, events: &[Event]) -> Prepared {
            let mut frontier = self.frontier.clone();
            let mut items = Vec::new();
            let mut nodes = Vec::new();
            let mut entries = Vec::new();
            for event in events {
                let entry = event.draft.sequence(frontier.size(), time_of(frontier.size()));
                nodes.extend(frontier.push(entry.leaf_hash()));
                let payload_json = String::from_utf8(canonical_payload_bytes(&event.draft.payload)).expect("UTF-8");
                entries.push(StoredEntry { entry: entry.clone(), payload_json: payload_json.clone() });
                items.push(CommitItem { entry, payload_json, mutations: event.mutations.clone() });
            }
            Prepared { batch: CommitBatch { expected_size: self.frontier.size(), items, nodes }, entries, frontier }
        }

        /// Commits a prepared batch; on success the writer moves on to it.
        pub async fn commit_prepared(&mut self, prepared: Prepared) -> Result<Vec<StoredEntry>, StoreError> {
            self.store.commit(&prepared.batch).await?;
            let entries = prepared.entries.clone();
            self.accept(prepared);
            Ok(entries)
        }

        /// Moves on to a batch that was committed some other way.
        pub fn accept(&mut self, prepared: Prepared) {
            self.frontier = prepared.frontier;
            self.committed.extend(prepared.entries);
        }

        pub async fn commit(&mut self, events: &[Event]) -> Result<Vec<StoredEntry>, StoreError> {
            let prepared = self.prepare(events);
            self.commit_prepared(prepared).await
        }

        /// Commits events that must be accepted.
        pub async fn record(&mut self, events: &[Event]) -> Vec<StoredEntry> {
            self.commit(events).await.expect("the store accepts a valid batch")
        }

        /// Records each mutation as an event of its own, in one batch.
        pub async fn record_mutations(&mut self, mutations: impl IntoIterator<Item = Mutation>) -> Vec<StoredEntry> {
            let events: Vec<Event> = mutations.into_iter().map(event).collect();
            self.record(&events).await
        }
    }

    /// A small agency: two units (a brigade and a squad under it), a full
    /// officer and an assistant, three devices and three user accounts.
    pub struct Directory {
        pub agency: Agency,
        pub brigade: Unit,
        pub squad: Unit,
        pub officer: Officer,
        pub assistant: Officer,
        pub camera: Device,
        pub workstation: Device,
        pub spare_camera: Device,
        pub administrator: User,
        pub officer_user: User,
        pub disabled_user: User,
    }

    impl Directory {
        pub fn new() -> Directory {
            let agency = Agency { id: AgencyId::new(), name: "厦门市城市管理行政执法局".into(), code: "xiamen-cgj".into() };
            let brigade =
                Unit { id: UnitId::new(), agency_id: agency.id, parent_id: None, name: "思明区大队".into(), code: "350203".into() };
            let squad = Unit {
                id: UnitId::new(),
                agency_id: agency.id,
                parent_id: Some(brigade.id),
                name: "中山路中队".into(),
                code: "350203-01".into(),
            };
            let officer = Officer {
                id: OfficerId::new(),
                agency_id: agency.id,
                unit_id: squad.id,
                name: "张伟".into(),
                certificate_no: Some("闽Z0203001".into()),
                badge_no: "0203001".into(),
                role: OfficerRole::FrontLine,
                qualification: Qualification::Officer,
            };
            let assistant = Officer {
                id: OfficerId::new(),
                agency_id: agency.id,
                unit_id: squad.id,
                name: "𠮷田李娜".into(),
                certificate_no: None,
                badge_no: "X0203017".into(),
                role: OfficerRole::Staff,
                qualification: Qualification::Assistant,
            };
            let camera = Device {
                id: DeviceId::new(),
                agency_id: agency.id,
                serial: "DSJ-Z8-20260001".into(),
                kind: DeviceKind::BodyCamera,
                model: Some("执法记录仪 DSJ-Z8".into()),
                assigned_officer: Some(officer.id),
                unit_id: Some(squad.id),
            };
            let workstation = Device {
                id: DeviceId::new(),
                agency_id: agency.id,
                serial: "CJZ-0001".into(),
                kind: DeviceKind::Workstation,
                model: Some("数据采集工作站".into()),
                assigned_officer: None,
                unit_id: Some(brigade.id),
            };
            let spare_camera = Device {
                id: DeviceId::new(),
                agency_id: agency.id,
                serial: "DSJ-Z8-20260002".into(),
                kind: DeviceKind::Other,
                model: None,
                assigned_officer: None,
                unit_id: None,
            };
            let administrator = User {
                id: UserId::new(),
                login: "admin".into(),
                display_name: "系统管理员".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
                roles: vec![Role::Administrator],
                officer_id: None,
                disabled: false,
            };
            let officer_user = User {
                id: UserId::new(),
                login: "zhangwei".into(),
                display_name: "张伟".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI".into(),
                // Not in the enum's order: the order given is the order kept.
                roles: vec![Role::UnitLeader, Role::Officer, Role::LegalReviewer],
                officer_id: Some(officer.id),
                disabled: false,
            };
            let disabled_user = User {
                id: UserId::new(),
                login: "王芳".into(),
                display_name: "王芳（已停用）".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDM$aGFzaDM".into(),
                roles: Vec::new(),
                officer_id: None,
                disabled: true,
            };
            Directory {
                agency,
                brigade,
                squad,
                officer,
                assistant,
                camera,
                workstation,
                spare_camera,
                administrator,
                officer_user,
                disabled_user,
            }
        }

        /// Every entity, in an order that satisfies the references.
        pub fn mutations(&self) -> Vec<Mutation> {
            vec![
                Mutation::CreateAgency(self.agency.clone()),
                Mutation::CreateUnit(self.brigade.clone()),
                Mutation::CreateUnit(self.squad.clone()),
                Mutation::CreateOfficer(self.officer.clone()),
                Mutation::CreateOfficer(self.assistant.clone()),
                Mutation::CreateDevice(self.camera.clone()),
                Mutation::CreateDevice(self.workstation.clone()),
                Mutation::CreateDevice(self.spare_camera.clone()),
                Mutation::CreateUser(self.administrator.clone()),
                Mutation::CreateUser(self.officer_user.clone()),
                Mutation::CreateUser(self.disabled_user.clone()),
            ]
        }
    }

    /// A user with a fresh id and the given login.
    pub fn user(login: &str) -> User {
        User {
            id: UserId::new(),
            login: login.into(),
            display_name: format!("用户 {login}"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![Role::Officer],
            officer_id: None,
            disabled: false,
        }
    }

    /// A media record for `content`, as the vault would report it.
    pub fn media(content: &[u8], source_device: Option<DeviceId>) -> MediaRecord {
        let digests = ContentDigests::of_bytes(content);
        MediaRecord {
            id: MediaId::new(),
            sha256: digests.sha256,
            sm3: digests.sm3,
            size: digests.size,
            original_name: Some(format!("DSJ_{}_执法记录.MP4", digests.size)),
            stored_at: liuhen_core::entry::truncate_to_micros(Timestamp::now()),
            stored_by: "device:workstation".into(),
            source_device,
        }
    }

    pub fn session(user_id: UserId, secret: &str) -> Session {
        let created_at = liuhen_core::entry::truncate_to_micros(Timestamp::now());
        Session {
            id: SessionId::new(),
            user_id,
            secret_sha256: liuhen_core::digest::sha256(secret.as_bytes()),
            created_at,
            expires_at: created_at + jiff::SignedDuration::from_hours(8),
        }
    }

    pub fn api_token(device_id: DeviceId, secret: &str) -> ApiToken {
        ApiToken {
            id: TokenId::new(),
            device_id,
            secret_sha256: liuhen_core::digest::sha256(secret.as_bytes()),
            created_at: liuhen_core::entry::truncate_to_micros(Timestamp::now()),
            revoked: false,
        }
    }

    pub fn digest_of(text: &str) -> Sha256Digest {
        liuhen_core::digest::sha256(text.as_bytes())
    }

    /// `items` sorted by a key, for comparing with lists the store orders.
    pub fn sorted_by<T: Clone, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
        let mut sorted = items.to_vec();
        sorted.sort_by_key(|item| key(item));
        sorted
    }

    /// Asserts the store holds exactly `committed` as its ledger, entries
    /// and leaves both.
    pub async fn assert_ledger_is(store: &dyn MetaStore, committed: &[StoredEntry]) {
        assert_eq!(store.ledger_size().await.unwrap(), committed.len() as u64);
        assert_eq!(store.ledger_entries(0, u32::MAX).await.unwrap(), committed);
        let leaves: Vec<_> = committed.iter().map(|stored| (stored.entry.index, stored.entry.leaf_hash())).collect();
        assert_eq!(store.ledger_leaves(0, u32::MAX).await.unwrap(), leaves);
    }
}

mod directory {
    //! Agencies, the unit tree, officers, devices and user accounts.

    use std::sync::Arc;

    use liuhen_core::id::UserId;
    use liuhen_store::MetaStore;

    use crate::support::{sorted_by, Directory, Writer};

    on_every_backend!(directory_round_trips_through_every_read(store));

    /// Everything written comes back equal, through every read that
    /// can return it; the Chinese names (one with a four-byte character)
    /// survive unchanged.
    async fn directory_round_trips_through_every_read(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        // One batch per kind of entity, so later batches refer to rows that
        // earlier commits made; the unit tree's parent precedes its child.
        let mutations = directory.mutations();
        writer.record_mutations(mutations[0..1].to_vec()).await;
        writer.record_mutations(mutations[1..3].to_vec()).await;
        writer.record_mutations(mutations[3..5].to_vec()).await;
        writer.record_mutations(mutations[5..8].to_vec()).await;
        writer.record_mutations(mutations[8..11].to_vec()).await;
        assert_eq!(store.ledger_size().await.unwrap(), 11);

        assert_eq!(store.agencies().await.unwrap(), vec![directory.agency.clone()]);
        let units = store.units().await.unwrap();
        assert_eq!(units, sorted_by(&[directory.brigade.clone(), directory.squad.clone()], |unit| unit.id));
        let squad = units.iter().find(|unit| unit.id == directory.squad.id).unwrap();
        assert_eq!(squad.parent_id, Some(directory.brigade.id));
        assert_eq!(
            store.officers().await.unwrap(),
            sorted_by(&[directory.officer.clone(), directory.assistant.clone()], |officer| officer.id)
        );
        let devices = [directory.camera.clone(), directory.workstation.clone(), directory.spare_camera.clone()];
        assert_eq!(store.devices().await.unwrap(), sorted_by(&devices, |device| device.id));
        for device in &devices {
            assert_eq!(store.device_by_serial(&device.serial).await.unwrap().as_ref(), Some(device));
        }
        assert_eq!(store.device_by_serial("DSJ-Z8-99999999").await.unwrap(), None);

        let users = [directory.administrator.clone(), directory.officer_user.clone(), directory.disabled_user.clone()];
        // Listed by login in byte order: admin, zhangwei, 王芳.
        assert_eq!(store.users().await.unwrap(), sorted_by(&users, |user| user.login.clone()));
        for user in &users {
            assert_eq!(store.user(user.id).await.unwrap().as_ref(), Some(user));
            assert_eq!(store.user_by_login(&user.login).await.unwrap().as_ref(), Some(user));
        }
        let disabled = store.user_by_login("王芳").await.unwrap().unwrap();
        assert!(disabled.disabled && disabled.roles.is_empty());
        assert_eq!(store.user(UserId::new()).await.unwrap(), None);
        assert_eq!(store.user_by_login("nobody").await.unwrap(), None);
        // A login differing only in case or trailing space is another login.
        assert_eq!(store.user_by_login("Admin").await.unwrap(), None);
        assert_eq!(store.user_by_login("admin ").await.unwrap(), None);
    }
}

mod auth {
    //! Sessions and API tokens, found by the hash of their secret.

    use std::sync::Arc;

    use liuhen_core::mutation::Mutation;
    use liuhen_store::MetaStore;

    use crate::support::{api_token, digest_of, session, Directory, Writer};

    on_every_backend!(ended_sessions_are_not_found(store), revoked_tokens_are_found_marked_revoked(store));

    async fn ended_sessions_are_not_found(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let morning = session(directory.officer_user.id, "morning secret");
        let evening = session(directory.officer_user.id, "evening secret");
        writer.record_mutations([Mutation::CreateSession(morning.clone()), Mutation::CreateSession(evening.clone())]).await;
        assert_eq!(store.session_by_secret(&morning.secret_sha256).await.unwrap().as_ref(), Some(&morning));
        assert_eq!(store.session_by_secret(&evening.secret_sha256).await.unwrap().as_ref(), Some(&evening));
        assert_eq!(store.session_by_secret(&digest_of("a guessed secret")).await.unwrap(), None);

        writer.record_mutations([Mutation::EndSession(morning.id)]).await;
        assert_eq!(store.session_by_secret(&morning.secret_sha256).await.unwrap(), None);
        assert_eq!(store.session_by_secret(&evening.secret_sha256).await.unwrap().as_ref(), Some(&evening));
    }

    async fn revoked_tokens_are_found_marked_revoked(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let token = api_token(directory.workstation.id, "workstation token");
        let mut issued_revoked = api_token(directory.camera.id, "camera token");
        issued_revoked.revoked = true;
        writer.record_mutations([Mutation::CreateApiToken(token.clone()), Mutation::CreateApiToken(issued_revoked.clone())]).await;
        assert_eq!(store.api_token_by_secret(&token.secret_sha256).await.unwrap().as_ref(), Some(&token));
        assert_eq!(store.api_token_by_secret(&issued_revoked.secret_sha256).await.unwrap().as_ref(), Some(&issued_revoked));
        assert_eq!(store.api_token_by_secret(&digest_of("a guessed token")).await.unwrap(), None);

        writer.record_mutations([Mutation::RevokeApiToken(token.id)]).await;
        let revoked = store.api_token_by_secret(&token.secret_sha256).await.unwrap().expect("a revoked token is still found");
        assert!(revoked.revoked);
        assert_eq!(revoked.id, token.id);

        let second = api_token(directory.workstation.id, "second workstation token");
        writer.record_mutations([Mutation::CreateApiToken(second.clone())]).await;
        assert_eq!(store.api_tokens_of_device(directory.workstation.id).await.unwrap(), [revoked, second], "oldest first, revoked too");
        assert_eq!(store.api_tokens_of_device(directory.camera.id).await.unwrap(), [issued_revoked]);
        assert_eq!(store.api_tokens_of_device(directory.spare_camera.id).await.unwrap(), []);
    }
}

mod media {
    //! Media records: by id, by content digest, and page by page.

    use std::sync::Arc;

    use liuhen_core::digest::sha256;
    use liuhen_core::id::MediaId;
    use liuhen_core::mutation::Mutation;
    use liuhen_store::MetaStore;

    use crate::support::{media, sorted_by, Directory, Writer};

    on_every_backend!(media_round_trip_and_page_in_id_order(store));

    async fn media_round_trip_and_page_in_id_order(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let mut records: Vec<_> = (0..7u8)
            .map(|number| {
                let source = if number % 2 == 0 { Some(directory.camera.id) } else { None };
                media(format!("clip {number}").as_bytes(), source)
            })
            .collect();
        // A six-hour recording: its size does not fit in 32 bits.
        records[1].size = 6 * 1024 * 1024 * 1024 + 7;
        records[2].original_name = None;
        writer.record_mutations(records[..3].iter().cloned().map(Mutation::CreateMedia)).await;
        writer.record_mutations(records[3..].iter().cloned().map(Mutation::CreateMedia)).await;

        for record in &records {
            assert_eq!(store.media(record.id).await.unwrap().as_ref(), Some(record));
            assert_eq!(store.media_by_sha256(&record.sha256).await.unwrap().as_ref(), Some(record));
        }
        assert_eq!(store.media(MediaId::new()).await.unwrap(), None);
        assert_eq!(store.media_by_sha256(&sha256(b"never stored")).await.unwrap(), None);

        let in_order = sorted_by(&records, |record| record.id);
        assert_eq!(store.media_page(None, 100).await.unwrap(), in_order);
        let mut pages = Vec::new();
        let mut after = None;
        loop {
            let page = store.media_page(after, 3).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            pages.push(page);
        }
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
        assert_eq!(pages.concat(), in_order);
        assert_eq!(store.media_page(Some(in_order[3].id), 2).await.unwrap(), in_order[4..6]);
        assert_eq!(store.media_page(None, 0).await.unwrap(), []);
    }
}

mod recordings {
    //! Files offloaded from a device and officers' explanations of gaps.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::id::{DeviceId, MediaId};
    use liuhen_core::mutation::Mutation;
    use liuhen_core::recording::{ClockOffset, InterruptionNote, MediaKind, MediaProbe, OffsetMethod, Playback, Recording, StartSource};
    use liuhen_store::{MetaStore, RecordingQuery, StoreError};

    use crate::support::{event, media, Directory, Writer};

    on_every_backend!(recordings_round_trip_and_filter(store), one_explanation_per_gap(store));

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    pub(super) fn recording(media_id: MediaId, device_id: DeviceId, start: Option<i64>, ingested: i64) -> Recording {
        Recording {
            media_id,
            device_id,
            officer_id: None,
            unit_id: None,
            path_on_device: "DCIM/100MEDIA/录像 01.MP4".into(),
            kind: MediaKind::Video,
            important: true,
            probe: MediaProbe {
                container: Some("mov,mp4,m4a,3gp,3g2,mj2".into()),
                video_codec: Some("hevc".into()),
                audio_codec: Some("aac".into()),
                width: Some(1920),
                height: Some(1080),
                duration_ms: Some(6 * 3600 * 1000),
                embedded_start: start.map(|start| at(start + 2)),
                error: None,
            },
            named_start: start.map(at),
            raw_start: start.map(at),
            start_source: start.map(|_| StartSource::FileName),
            clock_offset: Some(ClockOffset { millis: -4_000, method: OffsetMethod::ReportedClock }),
            corrected_start: start.map(|start| at(start + 4)),
            corrected_end: start.map(|start| at(start + 64)),
            playback: if start.is_some() { Playback::Ok } else { Playback::Failed { detail: "moov atom not found".into() } },
            workstation: "cjz-01".into(),
            ingested_at: at(ingested),
            ingested_by: "console:root@cjz-01".into(),
        }
    }

    async fn recordings_round_trip_and_filter(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let files: Vec<_> = (0..4u8).map(|number| media(format!("recording {number}").as_bytes(), Some(directory.camera.id))).collect();
        let mut on_camera = recording(files[0].id, directory.camera.id, Some(1_000), 90_000);
        on_camera.officer_id = Some(directory.officer.id);
        on_camera.unit_id = Some(directory.squad.id);
        let earlier = recording(files[1].id, directory.camera.id, Some(100), 90_001);
        let unknown_start = recording(files[2].id, directory.camera.id, None, 500);
        let on_spare = recording(files[3].id, directory.spare_camera.id, Some(2_000), 90_002);
        let mut mutations: Vec<_> = files.iter().cloned().map(Mutation::CreateMedia).collect();
        mutations.extend(
            [&on_camera, &earlier, &unknown_start, &on_spare].map(|recording| Mutation::CreateRecording(Box::new(recording.clone()))),
        );
        writer.record_mutations(mutations).await;

        assert_eq!(store.recording(files[0].id).await.unwrap().as_ref(), Some(&on_camera));
        assert_eq!(store.recording(files[2].id).await.unwrap().as_ref(), Some(&unknown_start));
        assert_eq!(store.recording(MediaId::new()).await.unwrap(), None);

        let all = store.recordings(&RecordingQuery::default()).await.unwrap();
        assert_eq!(
            all,
            [earlier.clone(), unknown_start.clone(), on_camera.clone(), on_spare.clone()],
            "ordered by start, else ingest time"
        );
        let camera_only = RecordingQuery { device: Some(directory.camera.id), ..Default::default() };
        assert_eq!(store.recordings(&camera_only).await.unwrap(), [earlier.clone(), unknown_start.clone(), on_camera.clone()]);
        let window = RecordingQuery { from: Some(at(104)), to: Some(at(1_004)), ..Default::default() };
        assert_eq!(store.recordings(&window).await.unwrap(), [earlier.clone(), unknown_start.clone()], "from is inclusive, to is not");
        let officers = RecordingQuery { officer: Some(directory.officer.id), ..Default::default() };
        assert_eq!(store.recordings(&officers).await.unwrap(), [on_camera.clone()], "only recordings naming the officer");
        let nobody = RecordingQuery { officer: Some(directory.assistant.id), ..Default::default() };
        assert_eq!(store.recordings(&nobody).await.unwrap(), [], "an officer who recorded nothing has no recordings");
        let both = RecordingQuery { device: Some(directory.spare_camera.id), officer: Some(directory.officer.id), ..Default::default() };
        assert_eq!(store.recordings(&both).await.unwrap(), [], "every condition given must hold");

        // A second registration of the same file is refused, whole.
        let again = recording(files[0].id, directory.camera.id, Some(7), 7);
        let refused = writer.commit(&[event(Mutation::CreateRecording(Box::new(again)))]).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
        assert_eq!(store.recording(files[0].id).await.unwrap().as_ref(), Some(&on_camera));
    }

    async fn one_explanation_per_gap(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let files: Vec<_> = (0..3u8).map(|number| media(format!("clip {number}").as_bytes(), None)).collect();
        writer.record_mutations(files.iter().cloned().map(Mutation::CreateMedia)).await;
        let note = |before: usize, after: usize, device: DeviceId, text: &str, seconds: i64| InterruptionNote {
            device_id: device,
            before: files[before].id,
            after: files[after].id,
            explanation: text.into(),
            officer_id: Some(directory.officer.id),
            noted_by: "console:test".into(),
            noted_at: at(seconds),
        };
        let first = note(0, 1, directory.camera.id, "电池耗尽，更换电池后继续录像", 20);
        let second = note(1, 2, directory.spare_camera.id, "当事人要求暂停；已口头告知", 10);
        writer.record_mutations([Mutation::NoteInterruption(first.clone()), Mutation::NoteInterruption(second.clone())]).await;
        assert_eq!(store.interruption_notes(None).await.unwrap(), [second.clone(), first.clone()]);
        assert_eq!(store.interruption_notes(Some(directory.camera.id)).await.unwrap(), std::slice::from_ref(&first));
        let twice = writer.commit(&[event(Mutation::NoteInterruption(note(0, 1, directory.camera.id, "改口", 30)))]).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        assert_eq!(store.interruption_notes(Some(directory.camera.id)).await.unwrap(), [first]);
    }
}

mod cases {
    //! Cases and the numbered steps of their procedure.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::case::{
        ActKind, Approval, ApprovalMatter, ApprovalRole, Case, CaseSource, Party, PartyKind, Procedure, RecordedItem, RecordingLink, Stage,
        StageStep, Step,
    };
    use liuhen_core::id::CaseId;
    use liuhen_core::mutation::Mutation;
    use liuhen_store::{MetaStore, StoreError};

    use crate::support::{event, media, Directory, Writer};

    on_every_backend!(
        cases_and_steps_round_trip_and_steps_never_collide(store),
        recordings_link_to_cases_once_per_stage(store),
        document_versions_form_a_line_and_signatures_never_collide(store),
        complaints_have_one_outcome(store),
        cases_are_searched_and_paged(store),
        case_files_are_read_for_many_cases_at_once(store),
        cases_recorded_before_the_search_columns_are_indexed_when_opened(database),
    );

    /// Three cases: `first` (the officer and the assistant, stands at
    /// filing), `second` (the officer alone, suspended then resumed in
    /// intake, party 李四 and a number with `%` in it) and `third` (an
    /// inspection of the brigade, no steps yet).
    async fn three_cases(writer: &mut Writer, directory: &Directory) -> [Case; 3] {
        writer.record_mutations(directory.mutations()).await;
        let first = case(directory, "思城管罚〔2026〕1号", 10);
        let mut second = case(directory, "思城管罚〔2026〕2号 100%_X", 20);
        second.parties =
            vec![Party { kind: PartyKind::Organisation, name: "厦门某某餐饮有限公司 Li Si".into(), id_number: None }];
        second.matter = "违法建设".into();
        second.handlers = vec![directory.officer.id];
        let mut third = case(directory, "思城管检〔2026〕3号", 30);
        third.act_kind = ActKind::Inspection;
        third.unit_id = directory.brigade.id;
        writer
            .record_mutations([
                Mutation::CreateCase(Box::new(third.clone())),
                Mutation::CreateCase(Box::new(first.clone())),
                Mutation::CreateCase(Box::new(second.clone())),
                Mutation::RecordStageStep(step(&first, 0, Stage::Intake)),
                Mutation::RecordStageStep(step(&first, 1, Stage::Filing)),
                Mutation::RecordStageStep(step(&second, 0, Stage::Intake)),
                Mutation::RecordStageStep(step(&second, 1, Stage::Suspension)),
                Mutation::RecordStageStep(StageStep { step: Step::Resume { stage: Stage::Intake }, ..step(&second, 2, Stage::Intake) }),
            ])
            .await;
        [first, second, third]
    }

    async fn cases_are_searched_and_paged(store: Arc<dyn MetaStore>) {
        use liuhen_store::CaseSearch;
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        let [first, second, third] = three_cases(&mut writer, &directory).await;
        let found = |search: CaseSearch| {
            let store = store.clone();
            async move {
                let page = store.case_page(&search).await.unwrap();
                (page.total, page.cases.into_iter().map(|case| case.number).collect::<Vec<_>>())
            }
        };
        let numbers = |cases: &[&Case]| cases.iter().map(|case| case.number.clone()).collect::<Vec<_>>();
        let all = numbers(&[&first, &second, &third]);
        assert_eq!(found(CaseSearch::default()).await, (3, all.clone()), "every case, oldest first");
        // A batch refused as a whole (a case created twice) counts nothing.
        let mut fourth = first.clone();
        fourth.id = CaseId::new();
        fourth.number = "思城管罚〔2026〕4号".into();
        let twice = [event(Mutation::CreateCase(Box::new(fourth))), event(Mutation::CreateCase(Box::new(first.clone())))];
        assert!(matches!(writer.commit(&twice).await, Err(StoreError::Conflict(_))), "the second case repeats an id");
        assert_eq!(found(CaseSearch::default()).await.0, 3, "the total is the cases stored");
        let everything = CaseSearch { from: Some(Timestamp::UNIX_EPOCH), ..Default::default() };
        assert_eq!(found(everything).await.0, 3, "counted and kept totals agree");
        assert_eq!(store.case_page(&CaseSearch::default()).await.unwrap().cases, [first.clone(), second.clone(), third.clone()]);
        let newest = CaseSearch { newest_first: true, ..Default::default() };
        assert_eq!(found(newest).await, (3, numbers(&[&third, &second, &first])));
        let page = CaseSearch { limit: Some(1), offset: 1, ..Default::default() };
        assert_eq!(found(page).await, (3, numbers(&[&second])), "a page counts every match");
        let past_the_end = CaseSearch { limit: Some(10), offset: 5, ..Default::default() };
        assert_eq!(found(past_the_end).await, (3, vec![]));

        let at = |stage| CaseSearch { stage: Some(stage), ..Default::default() };
        assert_eq!(found(at(Stage::Filing)).await, (1, numbers(&[&first])), "the stage it stands at now, not one it passed");
        assert_eq!(found(at(Stage::Intake)).await, (1, numbers(&[&second])), "resumed in intake");
        assert_eq!(found(at(Stage::Suspension)).await, (0, vec![]));
        let inspections = CaseSearch { act_kind: Some(ActKind::Inspection), ..Default::default() };
        assert_eq!(found(inspections).await, (1, numbers(&[&third])));
        let brigade = CaseSearch { units: Some(vec![directory.brigade.id]), ..Default::default() };
        assert_eq!(found(brigade).await, (1, numbers(&[&third])));
        let both_units = CaseSearch { units: Some(vec![directory.brigade.id, directory.squad.id]), ..Default::default() };
        assert_eq!(found(both_units).await, (3, all.clone()));
        let no_unit = CaseSearch { units: Some(vec![]), ..Default::default() };
        assert_eq!(found(no_unit).await, (0, vec![]));

        let assisted = CaseSearch { officer: Some(directory.assistant.id), ..Default::default() };
        assert_eq!(found(assisted).await, (2, numbers(&[&first, &third])), "cases the assistant handles");
        let readable = CaseSearch { handled_by: Some(directory.assistant.id), newest_first: true, ..Default::default() };
        assert_eq!(found(readable).await, (2, numbers(&[&third, &first])));
        let both = CaseSearch { officer: Some(directory.officer.id), handled_by: Some(directory.assistant.id), ..Default::default() };
        assert_eq!(found(both).await, (2, numbers(&[&first, &third])), "a filter and the reader's limit both hold");

        let text = |party: Option<&str>, matter: Option<&str>, any: Option<&str>| CaseSearch {
            party: party.map(Into::into),
            matter: matter.map(Into::into),
            text: any.map(Into::into),
            ..Default::default()
        };
        assert_eq!(found(text(Some("li si"), None, None)).await, (1, numbers(&[&second])), "a party's name, any case");
        assert_eq!(found(text(Some("王"), None, None)).await, (2, numbers(&[&first, &third])));
        assert_eq!(found(text(None, Some("𠮷"), None)).await, (2, numbers(&[&first, &third])), "the matter, beyond the BMP");
        assert_eq!(found(text(None, None, Some("建设"))).await, (1, numbers(&[&second])), "q: the matter");
        assert_eq!(found(text(None, None, Some("〔2026〕3"))).await, (1, numbers(&[&third])), "q: the number");
        assert_eq!(found(text(None, None, Some("某某餐饮"))).await, (1, numbers(&[&second])), "q: a party");
        assert_eq!(found(text(None, None, Some("100%_x"))).await, (1, numbers(&[&second])), "wildcards are taken as they are");
        assert_eq!(found(text(None, None, Some("1%"))).await, (0, vec![]), "`%` matches only itself");
        assert_eq!(found(text(None, None, Some("罚_"))).await, (0, vec![]), "`_` matches only itself");
        assert_eq!(found(text(None, None, Some("\\"))).await, (0, vec![]));

        let from = Timestamp::from_second(1_795_000_020).unwrap();
        let until = Timestamp::from_second(1_795_000_030).unwrap();
        let period = CaseSearch { from: Some(from), until: Some(until), ..Default::default() };
        assert_eq!(found(period).await, (1, numbers(&[&second])), "from inclusive, until not");
    }

    async fn case_files_are_read_for_many_cases_at_once(store: Arc<dyn MetaStore>) {
        use liuhen_core::document::{Document, DocumentKind, Signature, Signer};
        use liuhen_core::id::DocumentId;
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        let [first, second, third] = three_cases(&mut writer, &directory).await;
        let clip = media(b"a clip for two cases", Some(directory.camera.id));
        let recording = super::recordings::recording(clip.id, directory.camera.id, Some(0), 100);
        let document = Document {
            id: DocumentId::new(),
            case_id: first.id,
            kind: DocumentKind::FilingApproval,
            stage: Stage::Filing,
            version: 1,
            supersedes: None,
            amendment_reason: None,
            touches_rights: false,
            fields: Default::default(),
            legal_basis: "《中华人民共和国行政处罚法》第五十四条".into(),
            made_by: directory.officer.id,
            made_at: Timestamp::from_second(1_795_000_300).unwrap(),
            recorded_by: "console:test".into(),
        };
        let link = |case: &Case, stage| RecordingLink {
            case_id: case.id,
            media_id: clip.id,
            stage,
            item: RecordedItem::OnSiteInspection,
            location: "中山路".into(),
            label: "现场".into(),
            recording_end: None,
            linked_at: Timestamp::from_second(1_795_000_400).unwrap(),
            linked_by: "console:test".into(),
        };
        let approval = Approval {
            case_id: first.id,
            sequence: 0,
            matter: ApprovalMatter::Start,
            role: ApprovalRole::Handler,
            officer_id: Some(directory.officer.id),
            opinion: "建议立案".into(),
            approved: true,
            at: Timestamp::from_second(1_795_000_250).unwrap(),
            by: "console:test".into(),
        };
        writer
            .record_mutations([
                Mutation::CreateMedia(clip.clone()),
                Mutation::CreateRecording(Box::new(recording)),
                Mutation::LinkRecording(Box::new(link(&first, Stage::Filing))),
                Mutation::LinkRecording(Box::new(link(&first, Stage::Intake))),
                Mutation::LinkRecording(Box::new(link(&second, Stage::Intake))),
                Mutation::CreateDocument(Box::new(document.clone())),
                Mutation::RecordSignature(Box::new(Signature {
                    document_id: document.id,
                    sequence: 0,
                    signer: Signer::Party { name: "王五".into() },
                    at: document.made_at,
                    refusal: None,
                    recorded_by: "console:test".into(),
                })),
                Mutation::RecordApproval(Box::new(approval)),
            ])
            .await;
        let unknown = CaseId::new();
        let files = store.case_files(&[third.id, first.id, second.id, unknown]).await.unwrap();
        assert_eq!(files.len(), 4, "one file per case asked for, an unknown one empty");
        for case in [&first, &second, &third] {
            let file = &files[&case.id];
            assert_eq!(file.steps, store.case_steps(case.id).await.unwrap(), "{}", case.number);
            assert_eq!(file.approvals, store.case_approvals(case.id).await.unwrap(), "{}", case.number);
            assert_eq!(file.links, store.case_links(case.id).await.unwrap(), "{}", case.number);
            assert_eq!(file.documents, store.documents(case.id).await.unwrap(), "{}", case.number);
            let mut signatures = Vec::new();
            for document in &file.documents {
                signatures.extend(store.signatures(document.id).await.unwrap());
            }
            assert_eq!(file.signatures, signatures, "{}", case.number);
        }
        assert_eq!(files[&first.id].signatures.len(), 1);
        assert_eq!((files[&first.id].steps.len(), files[&first.id].links.len(), files[&first.id].documents.len()), (2, 2, 1));
        assert_eq!(files[&second.id].steps.len(), 3);
        assert_eq!(files[&unknown], liuhen_store::CaseFile::default());
        assert!(store.case_files(&[]).await.unwrap().is_empty());
    }

    async fn cases_recorded_before_the_search_columns_are_indexed_when_opened(database: &crate::support::Database) {
        use liuhen_store::CaseSearch;
        let directory = Directory::new();
        let [first, second, _third] = three_cases(&mut Writer::new(database.store.clone()), &directory).await;
        // As a database migrated from before the search columns holds them.
        database
            .execute("UPDATE cases SET stage = NULL, search_number = '', search_matter = '', search_parties = '', indexed = FALSE")
            .await;
        database.execute("DELETE FROM case_officers").await;
        let reopened = database.open_again().await;
        let at_filing = CaseSearch { stage: Some(Stage::Filing), ..Default::default() };
        assert_eq!(reopened.case_page(&at_filing).await.unwrap().cases, std::slice::from_ref(&first));
        let by_party = CaseSearch { party: Some("li si".into()), officer: Some(directory.officer.id), ..Default::default() };
        assert_eq!(reopened.case_page(&by_party).await.unwrap().cases, [second]);
        let assisted = CaseSearch { handled_by: Some(directory.assistant.id), ..Default::default() };
        assert_eq!(reopened.case_page(&assisted).await.unwrap().total, 2);
    }

    async fn complaints_have_one_outcome(store: Arc<dyn MetaStore>) {
        use liuhen_core::complaint::{Channel, Complainant, Complaint, ComplaintDecision, ComplaintOutcome, Notice};
        use liuhen_core::id::ComplaintId;
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let opened = case(&directory, "罚-投诉", 5);
        let complaint = |seconds: i64, named: bool| Complaint {
            id: ComplaintId::new(),
            agency_id: directory.agency.id,
            received_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
            channel: Channel::Phone,
            complainant: named.then(|| Complainant { name: "赵六".into(), phone: Some("13800000000".into()), id_number: None }),
            content: "夜间施工噪音".into(),
            location: "中山路".into(),
            recorded_by: "console:test".into(),
        };
        let (later, first) = (complaint(20, true), complaint(10, false));
        let outcome = ComplaintOutcome {
            complaint_id: later.id,
            decision: ComplaintDecision::NoCase {
                reason: "不属于本机关职责".into(),
                notice: Some(Notice { method: "电话告知".into(), notified_at: Timestamp::from_second(1_795_000_100).unwrap() }),
            },
            decided_at: Timestamp::from_second(1_795_000_100).unwrap(),
            decided_by: "console:test".into(),
        };
        writer
            .record_mutations([
                Mutation::CreateCase(Box::new(opened.clone())),
                Mutation::CreateComplaint(Box::new(later.clone())),
                Mutation::CreateComplaint(Box::new(first.clone())),
                Mutation::RecordComplaintOutcome(Box::new(outcome.clone())),
            ])
            .await;
        assert_eq!(store.complaints().await.unwrap(), [(first.clone(), None), (later.clone(), Some(outcome))]);
        let again = ComplaintOutcome {
            complaint_id: later.id,
            decision: ComplaintDecision::CaseOpened { case_id: opened.id },
            decided_at: Timestamp::from_second(1_795_000_200).unwrap(),
            decided_by: "console:test".into(),
        };
        let twice = writer.commit(&[event(Mutation::RecordComplaintOutcome(Box::new(again)))]).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "one outcome per complaint: {twice:?}");
    }

    pub(super) fn case(directory: &Directory, number: &str, seconds: i64) -> Case {
        Case {
            id: CaseId::new(),
            agency_id: directory.agency.id,
            unit_id: directory.squad.id,
            number: number.into(),
            act_kind: ActKind::Penalty,
            procedure: Procedure::General,
            source: CaseSource::Complaint,
            matter: "占道经营 𠮷".into(),
            parties: vec![Party { kind: PartyKind::Person, name: "王五".into(), id_number: Some("350203199001011234".into()) }],
            lead_officer: directory.officer.id,
            handlers: vec![directory.officer.id, directory.assistant.id],
            opened_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
        }
    }

    fn step(case: &Case, sequence: u32, stage: Stage) -> StageStep {
        StageStep {
            case_id: case.id,
            sequence,
            step: Step::Enter { stage },
            at: Timestamp::from_second(1_795_000_100 + i64::from(sequence)).unwrap(),
            by: "console:test".into(),
            note: format!("第{sequence}步"),
            emergency: false,
        }
    }

    async fn cases_and_steps_round_trip_and_steps_never_collide(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let later = case(&directory, "思城管罚〔2026〕2号", 50);
        let first = case(&directory, "思城管罚〔2026〕1号", 10);
        writer.record_mutations([Mutation::CreateCase(Box::new(later.clone())), Mutation::CreateCase(Box::new(first.clone()))]).await;
        assert_eq!(store.case(first.id).await.unwrap().as_ref(), Some(&first));
        assert_eq!(store.case_by_number("思城管罚〔2026〕2号").await.unwrap().as_ref(), Some(&later));
        assert_eq!(store.case_by_number("不存在").await.unwrap(), None);
        assert_eq!(store.cases().await.unwrap(), [first.clone(), later.clone()], "oldest first");

        let steps = [step(&first, 0, Stage::Intake), step(&first, 1, Stage::Filing)];
        writer.record_mutations(steps.iter().cloned().map(Mutation::RecordStageStep)).await;
        assert_eq!(store.case_steps(first.id).await.unwrap(), steps);
        assert_eq!(store.case_steps(later.id).await.unwrap(), []);

        // Two writers that both saw two steps: only one third step is kept.
        let refused = writer.commit(&[event(Mutation::RecordStageStep(step(&first, 1, Stage::Investigation)))]).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
        let approval = |sequence: u32, role: ApprovalRole| Approval {
            case_id: first.id,
            sequence,
            matter: ApprovalMatter::Start,
            role,
            officer_id: Some(directory.officer.id),
            opinion: "同意立案".into(),
            approved: true,
            at: Timestamp::from_second(1_795_000_200 + i64::from(sequence)).unwrap(),
            by: "console:test".into(),
        };
        let opinions = [approval(0, ApprovalRole::Handler), approval(1, ApprovalRole::Reviewer)];
        writer.record_mutations(opinions.iter().cloned().map(|opinion| Mutation::RecordApproval(Box::new(opinion)))).await;
        assert_eq!(store.case_approvals(first.id).await.unwrap(), opinions);
        assert_eq!(store.case_approvals(later.id).await.unwrap(), []);
        let twice = writer.commit(&[event(Mutation::RecordApproval(Box::new(approval(1, ApprovalRole::Approver))))]).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        let duplicate_number = writer.commit(&[event(Mutation::CreateCase(Box::new(case(&directory, "思城管罚〔2026〕1号", 90))))]).await;
        assert!(matches!(duplicate_number, Err(StoreError::Conflict(_))), "{duplicate_number:?}");
        assert_eq!(store.case_steps(first.id).await.unwrap(), steps);
    }

    async fn document_versions_form_a_line_and_signatures_never_collide(store: Arc<dyn MetaStore>) {
        use liuhen_core::document::{Document, DocumentKind, Refusal, Signature, Signer};
        use liuhen_core::id::DocumentId;
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let owner = case(&directory, "罚-文书", 10);
        writer.record_mutations([Mutation::CreateCase(Box::new(owner.clone()))]).await;
        let version = |number: u32, supersedes: Option<DocumentId>, seconds: i64| Document {
            id: DocumentId::new(),
            case_id: owner.id,
            kind: DocumentKind::InquiryRecord,
            stage: Stage::Investigation,
            version: number,
            supersedes,
            amendment_reason: supersedes.map(|_| "笔误：地址门牌号".to_owned()),
            touches_rights: false,
            fields: [("place", "中山路 12 号"), ("questions_and_answers", "问：……\n答：……")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into(),
            legal_basis: "《中华人民共和国行政处罚法》第五十五条".into(),
            made_by: directory.officer.id,
            made_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
            recorded_by: "console:test".into(),
        };
        let first = version(1, None, 0);
        let second = version(2, Some(first.id), 60);
        let signature = |document: &Document, sequence: u32, refusal: Option<Refusal>| Signature {
            document_id: document.id,
            sequence,
            signer: Signer::Party { name: "王五".into() },
            at: document.made_at,
            refusal,
            recorded_by: "console:test".into(),
        };
        let refused = signature(&first, 0, Some(Refusal { reason: "不认可违法事实".into(), witness: "社区干部赵六".into() }));
        writer
            .record_mutations([
                Mutation::CreateDocument(Box::new(first.clone())),
                Mutation::RecordSignature(Box::new(refused.clone())),
                Mutation::CreateDocument(Box::new(second.clone())),
            ])
            .await;
        assert_eq!(store.documents(owner.id).await.unwrap(), [first.clone(), second.clone()]);
        assert_eq!(store.document(second.id).await.unwrap().as_ref(), Some(&second));
        assert_eq!(store.document(DocumentId::new()).await.unwrap(), None);
        assert_eq!(store.signatures(first.id).await.unwrap(), std::slice::from_ref(&refused));
        assert_eq!(store.signatures(second.id).await.unwrap(), []);

        let fork = version(2, Some(first.id), 90);
        let forked = writer.commit(&[event(Mutation::CreateDocument(Box::new(fork)))]).await;
        assert!(matches!(forked, Err(StoreError::Conflict(_))), "a version is corrected once: {forked:?}");
        let twice = writer.commit(&[event(Mutation::RecordSignature(Box::new(signature(&first, 0, None))))]).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        assert_eq!(store.signatures(first.id).await.unwrap(), [refused]);
    }

    async fn recordings_link_to_cases_once_per_stage(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let first = case(&directory, "罚-1", 10);
        let second = case(&directory, "罚-2", 20);
        let clip = media(b"clip linked twice", Some(directory.camera.id));
        let unregistered = media(b"stored but not registered", None);
        let recording = super::recordings::recording(clip.id, directory.camera.id, Some(0), 100);
        writer
            .record_mutations([
                Mutation::CreateCase(Box::new(first.clone())),
                Mutation::CreateCase(Box::new(second.clone())),
                Mutation::CreateMedia(clip.clone()),
                Mutation::CreateMedia(unregistered.clone()),
                Mutation::CreateRecording(Box::new(recording)),
            ])
            .await;
        let link = |case: &Case, media_id, stage, seconds: i64| RecordingLink {
            case_id: case.id,
            media_id,
            stage,
            item: RecordedItem::OnSiteInspection,
            location: "思明区中山路 12 号".into(),
            label: "现场检查：人行道摆摊".into(),
            recording_end: Some(Timestamp::from_second(1_795_000_000).unwrap()),
            linked_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
            linked_by: "console:test".into(),
        };
        let links = [
            link(&first, clip.id, Stage::Investigation, 60),
            link(&second, clip.id, Stage::Intake, 30),
            link(&first, clip.id, Stage::Hearing, 90),
        ];
        writer.record_mutations(links.iter().cloned().map(|link| Mutation::LinkRecording(Box::new(link)))).await;
        assert_eq!(store.case_links(first.id).await.unwrap(), [links[0].clone(), links[2].clone()]);
        assert_eq!(
            store.recording_links(clip.id).await.unwrap(),
            [links[1].clone(), links[0].clone(), links[2].clone()],
            "in the order linked"
        );
        assert_eq!(links[0].delay_ms(), Some(60_000));

        let again = writer.commit(&[event(Mutation::LinkRecording(Box::new(link(&first, clip.id, Stage::Investigation, 99))))]).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "one link per recording, case and stage: {again:?}");
        let not_a_recording =
            writer.commit(&[event(Mutation::LinkRecording(Box::new(link(&first, unregistered.id, Stage::Intake, 99))))]).await;
        assert!(matches!(not_a_recording, Err(StoreError::Conflict(_))), "only registered recordings link: {not_a_recording:?}");
        assert_eq!(store.recording_links(unregistered.id).await.unwrap(), []);
    }
}

mod compliance {
    //! Labels on AV records that belong to no case, findings raised against
    //! the policy pack in force, and the one resolution each finding may
    //! have. Nothing here is updated or deleted: a breach that comes back
    //! after it was resolved is raised again as the next generation.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::case::{Case, RecordedItem};
    use liuhen_core::compliance::{Finding, FindingResolution, MisconductRef, ResolutionKind, StoredFinding, Subject};
    use liuhen_core::id::{DeviceId, FindingId, MediaId, OfficerId, UnitId};
    use liuhen_core::mutation::Mutation;
    use liuhen_core::pack::Severity;
    use liuhen_core::recording::{DutyLogEntry, RecordingLabel};
    use liuhen_core::regulation::Citation;
    use liuhen_store::{FindingQuery, MetaStore, StoreError};

    use crate::support::{event, media, sorted_by, Directory, Event, Writer};

    on_every_backend!(
        labels_round_trip_in_order(store),
        duty_log_round_trips_per_officer_in_order(store),
        findings_round_trip_whole_with_their_resolutions(store),
        findings_filter_by_openness_case_unit_and_time(store),
        a_duplicate_generation_is_a_conflict_and_keeps_nothing(store),
        a_finding_is_resolved_once(store),
        a_breach_that_comes_back_after_resolution_is_the_next_generation(store),
    );

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    fn label(media_id: MediaId, sequence: u32, officer_id: Option<OfficerId>, seconds: i64) -> RecordingLabel {
        RecordingLabel {
            media_id,
            sequence,
            item: if sequence == 0 { RecordedItem::OnSiteInspection } else { RecordedItem::Other },
            location: "思明区中山路 12 号𠮷".into(),
            label: format!("巡查：人行道摆摊（第{sequence}次标注）"),
            officer_id,
            labeled_at: at(seconds),
            labeled_by: "console:test".into(),
        }
    }

    /// Who and what a finding is about, besides its subject.
    #[derive(Clone, Copy, Default)]
    struct About {
        case: Option<liuhen_core::id::CaseId>,
        unit: Option<UnitId>,
        officer: Option<OfficerId>,
    }

    impl About {
        fn case(case: &Case) -> About {
            About { case: Some(case.id), unit: Some(case.unit_id), officer: Some(case.lead_officer) }
        }
    }

    /// A finding as the engine makes it, every field filled in.
    fn finding(rule_id: &str, subject: Subject, about: About) -> Finding {
        Finding {
            key: format!("{rule_id}/{}", subject.key()),
            rule_id: rule_id.into(),
            check: "link_deadline".into(),
            source: Citation { file: "004_78d39a83e0fe43df.txt".into(), article: "五".into() },
            description: "音像记录应在规定时限内关联案件或标注".into(),
            severity: Severity::High,
            pack_id: "xiamen-cgj".into(),
            pack_version: "2026.1".into(),
            subject,
            case_id: about.case,
            unit_id: about.unit,
            officer_id: about.officer,
            message: "录像 DCIM/100MEDIA/录像 01.MP4 结束后 3 天 2 小时仍未关联或标注".into(),
            evidence: [("recording_end", "2026-11-18T08:00:00Z"), ("limit", "72h")]
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .into(),
            due: Some(at(-3_600)),
            misconduct: vec![MisconductRef {
                id: "no-link".into(),
                source: Citation { file: "002_628f6a77322dc41d.txt".into(), article: "第十八条".into() },
                description: "未按规定关联音像记录".into(),
            }],
        }
    }

    fn raised(finding: Finding, generation: u32, seconds: i64) -> StoredFinding {
        StoredFinding {
            id: FindingId::new(),
            generation,
            finding,
            raised_at: at(seconds),
            raised_by: "system:compliance".into(),
            resolution: None,
        }
    }

    fn resolution(stored: &StoredFinding, kind: ResolutionKind, officer_id: Option<OfficerId>, seconds: i64) -> FindingResolution {
        FindingResolution {
            finding_id: stored.id,
            kind,
            note: match kind {
                ResolutionKind::Facts => "已补充关联至案件".into(),
                ResolutionKind::Waiver => "情况说明：设备故障，已核实".into(),
            },
            officer_id,
            at: at(seconds),
            by: "console:leader".into(),
        }
    }

    /// `stored` as the store returns it once `resolution` is recorded.
    fn resolved(stored: &StoredFinding, resolution: &FindingResolution) -> StoredFinding {
        StoredFinding { resolution: Some(resolution.clone()), ..stored.clone() }
    }

    fn raise(stored: &StoredFinding) -> Mutation {
        Mutation::RaiseFinding(Box::new(stored.clone()))
    }

    fn resolve(resolution: &FindingResolution) -> Mutation {
        Mutation::ResolveFinding(Box::new(resolution.clone()))
    }

    fn a_recording(media_id: MediaId) -> Subject {
        Subject::Recording { media_id }
    }

    async fn duty_log_round_trips_per_officer_in_order(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let entry = |officer: OfficerId, sequence: u32, reason: &str| DutyLogEntry {
            officer_id: officer,
            sequence,
            from: at(100),
            to: at(200 + i64::from(sequence)),
            reason: reason.into(),
            case_id: None,
            reported_to: Some(directory.assistant.id),
            recorded_at: at(300),
            recorded_by: "console:test".into(),
        };
        let first = entry(directory.officer.id, 0, "暴雨，执法记录仪无法使用");
        let second = entry(directory.officer.id, 1, "设备故障 𠮷");
        let other = entry(directory.assistant.id, 0, "电量耗尽");
        let of = |entry: &DutyLogEntry| Mutation::RecordDutyLog(Box::new(entry.clone()));
        writer.record_mutations([of(&second), of(&other)]).await;
        writer.record_mutations([of(&first)]).await;
        assert_eq!(store.duty_log(Some(directory.officer.id)).await.unwrap(), [first.clone(), second.clone()]);
        let every = sorted_by(&[first.clone(), second.clone(), other.clone()], |entry| (entry.officer_id, entry.sequence));
        assert_eq!(store.duty_log(None).await.unwrap(), every);
        match writer.commit(&[event(of(&entry(directory.officer.id, 1, "again")))]).await {
            Err(StoreError::Conflict(message)) => assert!(message.contains("duty log entry number 1"), "{message}"),
            other => panic!("a second entry number 1 gave {other:?}"),
        }
        assert_eq!(store.duty_log(None).await.unwrap(), every, "nothing half-written");
    }

    async fn labels_round_trip_in_order(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let patrol = media(b"patrol footage", Some(directory.camera.id));
        let other = media(b"other footage", Some(directory.camera.id));
        writer.record_mutations([Mutation::CreateMedia(patrol.clone()), Mutation::CreateMedia(other.clone())]).await;
        let patrol_labels = [
            label(patrol.id, 0, Some(directory.officer.id), 10),
            label(patrol.id, 1, None, 20),
            label(patrol.id, 2, Some(directory.assistant.id), 30),
        ];
        let other_label = label(other.id, 0, Some(directory.officer.id), 15);
        // Written across batches and recordings, not in the order read.
        let label_of = |label: &RecordingLabel| Mutation::LabelRecording(Box::new(label.clone()));
        writer.record_mutations([label_of(&other_label), label_of(&patrol_labels[0])]).await;
        writer.record_mutations([label_of(&patrol_labels[1]), label_of(&patrol_labels[2])]).await;

        assert_eq!(store.recording_labels(Some(patrol.id)).await.unwrap(), patrol_labels);
        assert_eq!(store.recording_labels(Some(other.id)).await.unwrap(), std::slice::from_ref(&other_label));
        assert_eq!(store.recording_labels(Some(MediaId::new())).await.unwrap(), []);
        let mut every = patrol_labels.to_vec();
        every.push(other_label.clone());
        let every = sorted_by(&every, |label| (label.media_id, label.sequence));
        assert_eq!(store.recording_labels(None).await.unwrap(), every, "ordered by recording, then sequence");

        let twice = writer.commit(&[event(label_of(&label(patrol.id, 1, None, 40)))]).await;
        match twice {
            Err(StoreError::Conflict(message)) => assert!(message.contains("already has label number 1"), "{message}"),
            other => panic!("a second label number 1 gave {other:?}"),
        }
        let nowhere = writer.commit(&[event(label_of(&label(MediaId::new(), 0, None, 40)))]).await;
        match nowhere {
            Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{message}"),
            other => panic!("a label on media that does not exist gave {other:?}"),
        }
        assert_eq!(store.recording_labels(None).await.unwrap(), every);
    }

    async fn findings_round_trip_whole_with_their_resolutions(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let case = super::cases::case(&directory, "思城管罚〔2026〕7号", 0);
        writer.record_mutations([Mutation::CreateCase(Box::new(case.clone()))]).await;
        let clip = MediaId::new();
        let of_case = raised(finding("case-link", Subject::Case { case_id: case.id }, About::case(&case)), 0, 300);
        let about_officer = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
        let of_recording = raised(finding("link-72h", a_recording(clip), about_officer), 0, 100);
        let device = Subject::Device { device_id: DeviceId::new(), day: "2026-11-18".into() };
        // About nobody in particular, and raised at the same moment as the
        // one before it: ties are broken by id.
        let of_device = raised(finding("daily-offload", device, About::default()), 3, 100);
        writer.record_mutations([raise(&of_case), raise(&of_recording), raise(&of_device)]).await;

        let waived = resolution(&of_recording, ResolutionKind::Waiver, Some(directory.officer.id), 400);
        let answered = resolution(&of_case, ResolutionKind::Facts, None, 500);
        writer.record_mutations([resolve(&waived), resolve(&answered)]).await;

        let of_recording = resolved(&of_recording, &waived);
        let of_case = resolved(&of_case, &answered);
        let expected = sorted_by(&[of_case.clone(), of_recording.clone(), of_device.clone()], |stored| (stored.raised_at, stored.id));
        assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), expected);
        for stored in &expected {
            assert_eq!(store.finding(stored.id).await.unwrap().as_ref(), Some(stored));
        }
        assert_eq!(store.finding(FindingId::new()).await.unwrap(), None);
    }

    async fn findings_filter_by_openness_case_unit_and_time(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let (first_case, second_case) = (super::cases::case(&directory, "罚-合规-1", 0), super::cases::case(&directory, "罚-合规-2", 1));
        writer
            .record_mutations([Mutation::CreateCase(Box::new(first_case.clone())), Mutation::CreateCase(Box::new(second_case.clone()))])
            .await;
        let in_brigade = About { unit: Some(directory.brigade.id), ..About::default() };
        let first = raised(finding("case-link", Subject::Case { case_id: first_case.id }, About::case(&first_case)), 0, 100);
        let second = raised(finding("case-link", Subject::Case { case_id: second_case.id }, About::case(&second_case)), 0, 200);
        let brigade = raised(finding("link-72h", a_recording(MediaId::new()), in_brigade), 0, 300);
        let resolved_early = raised(finding("link-72h", a_recording(MediaId::new()), About::case(&first_case)), 0, 50);
        writer.record_mutations([raise(&first), raise(&second), raise(&brigade), raise(&resolved_early)]).await;
        let answered = resolution(&resolved_early, ResolutionKind::Facts, None, 60);
        writer.record_mutations([resolve(&answered)]).await;
        let resolved_early = resolved(&resolved_early, &answered);

        let find = |query: FindingQuery| {
            let store = store.clone();
            async move { store.findings(&query).await.unwrap() }
        };
        assert_eq!(find(FindingQuery::default()).await, [resolved_early.clone(), first.clone(), second.clone(), brigade.clone()]);
        let open = FindingQuery { open_only: true, ..FindingQuery::default() };
        assert_eq!(find(open.clone()).await, [first.clone(), second.clone(), brigade.clone()]);
        let of_first_case = FindingQuery { case: Some(first_case.id), ..FindingQuery::default() };
        assert_eq!(find(of_first_case.clone()).await, [resolved_early.clone(), first.clone()]);
        assert_eq!(find(FindingQuery { open_only: true, ..of_first_case }).await, std::slice::from_ref(&first));
        let of_squad = FindingQuery { unit: Some(directory.squad.id), ..FindingQuery::default() };
        assert_eq!(find(of_squad).await, [resolved_early.clone(), first.clone(), second.clone()], "the squad's own, not the brigade's");
        let of_brigade = FindingQuery { unit: Some(directory.brigade.id), ..FindingQuery::default() };
        assert_eq!(find(of_brigade).await, std::slice::from_ref(&brigade), "a unit's own findings, not those of the units under it");
        assert_eq!(find(FindingQuery { case: Some(liuhen_core::id::CaseId::new()), ..FindingQuery::default() }).await, []);

        // `raised_from` is inclusive, `raised_to` exclusive.
        let window = FindingQuery { raised_from: Some(first.raised_at), raised_to: Some(brigade.raised_at), ..FindingQuery::default() };
        assert_eq!(find(window.clone()).await, [first.clone(), second.clone()]);
        assert_eq!(
            find(FindingQuery { raised_from: None, ..window.clone() }).await,
            [resolved_early.clone(), first.clone(), second.clone()]
        );
        assert_eq!(find(FindingQuery { raised_to: None, ..window }).await, [first.clone(), second.clone(), brigade.clone()]);
        let everything = FindingQuery {
            open_only: true,
            case: Some(second_case.id),
            unit: Some(directory.squad.id),
            raised_from: Some(second.raised_at),
            raised_to: Some(at(201)),
        };
        assert_eq!(find(everything).await, std::slice::from_ref(&second), "every condition holds at once");
    }

    /// What must still be true after a refused batch: the ledger is as the
    /// writer last committed it, and none of the batch's labels or findings
    /// were kept.
    async fn assert_nothing_kept(writer: &Writer, refused: &[Event], findings: &[StoredFinding]) {
        let store = writer.store.as_ref();
        crate::support::assert_ledger_is(store, &writer.committed).await;
        let would_be = writer.prepare(refused);
        let node_ids: Vec<_> = would_be.batch.nodes.iter().map(|(id, _)| *id).collect();
        assert!(store.ledger_nodes(&node_ids).await.unwrap().iter().all(Option::is_none), "a refused batch left tree nodes behind");
        assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), findings);
        assert_eq!(store.recording_labels(None).await.unwrap(), []);
    }

    async fn a_duplicate_generation_is_a_conflict_and_keeps_nothing(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let clip = media(b"footage never linked", Some(directory.camera.id));
        writer.record_mutations([Mutation::CreateMedia(clip.clone())]).await;
        let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
        let first = raised(finding("link-72h", a_recording(clip.id), about), 0, 100);
        writer.record_mutations([raise(&first)]).await;

        // Another refresh raised the same breach meanwhile: its batch,
        // with a label and a finding that is new, goes nowhere.
        let racing = raised(finding("link-72h", a_recording(clip.id), about), 0, 110);
        let new_elsewhere = raised(finding("offload-24h", a_recording(clip.id), about), 0, 110);
        let events =
            [event(Mutation::LabelRecording(Box::new(label(clip.id, 0, None, 105)))), event(raise(&new_elsewhere)), event(raise(&racing))];
        match writer.commit(&events).await {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains(&first.finding.key) && message.contains("already been raised"), "{message}");
                assert!(message.contains("nothing was changed"), "{message}");
            }
            other => panic!("a second generation 0 of {} gave {other:?}", first.finding.key),
        }
        assert_nothing_kept(&writer, &events, std::slice::from_ref(&first)).await;
        assert_eq!(store.finding(racing.id).await.unwrap(), None);

        // A finding that comes already resolved is refused the same way.
        let mut born_resolved = raised(finding("offload-24h", a_recording(clip.id), about), 0, 120);
        born_resolved.resolution = Some(resolution(&born_resolved, ResolutionKind::Waiver, None, 120));
        let events = [event(raise(&new_elsewhere)), event(raise(&born_resolved))];
        match writer.commit(&events).await {
            Err(StoreError::Conflict(message)) => assert!(message.contains("resolved by an event of its own"), "{message}"),
            other => panic!("a finding raised with its resolution gave {other:?}"),
        }
        assert_nothing_kept(&writer, &events, std::slice::from_ref(&first)).await;

        // Without the duplicate, the same batch goes in whole.
        writer.record(&events[..1]).await;
        assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), [first, new_elsewhere]);
    }

    async fn a_finding_is_resolved_once(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
        let open = raised(finding("link-72h", a_recording(MediaId::new()), about), 0, 100);
        writer.record_mutations([raise(&open)]).await;
        assert_eq!(store.finding(open.id).await.unwrap().and_then(|stored| stored.resolution), None);

        let waived = resolution(&open, ResolutionKind::Waiver, Some(directory.officer.id), 200);
        writer.record_mutations([resolve(&waived)]).await;
        let expected = resolved(&open, &waived);
        assert_eq!(store.finding(open.id).await.unwrap().as_ref(), Some(&expected));

        let again = writer.commit(&[event(resolve(&resolution(&open, ResolutionKind::Facts, None, 300)))]).await;
        match again {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains(&open.id.to_string()) && message.contains("already been resolved"), "{message}")
            }
            other => panic!("a second resolution gave {other:?}"),
        }
        let of_nothing = raised(finding("link-72h", a_recording(MediaId::new()), about), 0, 100);
        let unknown = writer.commit(&[event(resolve(&resolution(&of_nothing, ResolutionKind::Facts, None, 300)))]).await;
        match unknown {
            Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{message}"),
            other => panic!("resolving a finding never raised gave {other:?}"),
        }
        assert_eq!(store.finding(open.id).await.unwrap().as_ref(), Some(&expected), "the first resolution stands");
        assert_eq!(store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await.unwrap(), []);
    }

    async fn a_breach_that_comes_back_after_resolution_is_the_next_generation(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
        let subject = a_recording(MediaId::new());
        let first = raised(finding("link-72h", subject.clone(), about), 0, 100);
        writer.record_mutations([raise(&first)]).await;
        let answered = resolution(&first, ResolutionKind::Facts, None, 200);
        writer.record_mutations([resolve(&answered)]).await;

        let back = raised(finding("link-72h", subject, about), 1, 300);
        assert_eq!(back.finding.key, first.finding.key);
        writer.record_mutations([raise(&back)]).await;
        let first = resolved(&first, &answered);
        assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), [first.clone(), back.clone()]);
        assert_eq!(
            store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await.unwrap(),
            std::slice::from_ref(&back)
        );
        assert_eq!(store.finding(first.id).await.unwrap(), Some(first));
    }
}

mod supervision {
    //! Spot checks (抽检): what a plan may draw from, the drawn check with
    //! its population, and reviews that are only added.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::case::{ActKind, RecordedItem, RecordingLink, Stage};
    use liuhen_core::id::SpotCheckId;
    use liuhen_core::mutation::Mutation;
    use liuhen_core::recording::RecordingLabel;
    use liuhen_core::supervision::{
        draw, members, population_digest, Candidate, Mark, Outcome, Population, SamplePlan, Sampled, SpotCheck, SpotCheckReview, Stratify,
    };
    use liuhen_store::{CandidateQuery, MetaStore, StoreError};

    use crate::support::{event, media, Directory, Writer};

    on_every_backend!(
        candidates_follow_the_plan(store),
        spot_checks_keep_their_population_and_reviews_are_only_added(store),
        device_events_are_numbered_and_an_assignment_moves_the_device(store),
    );

    async fn device_events_are_numbered_and_an_assignment_moves_the_device(store: Arc<dyn MetaStore>) {
        use liuhen_core::device::{DeviceEvent, DeviceEventKind};
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let device_event = |sequence: u32, kind: DeviceEventKind| DeviceEvent {
            device_id: directory.camera.id,
            sequence,
            kind,
            at: at(100 + i64::from(sequence)),
            note: "电量 20%，已充电".into(),
            officer_id: Some(directory.officer.id),
            recorded_at: at(200),
            recorded_by: "user:张伟".into(),
        };
        let checked = device_event(0, DeviceEventKind::Checked { battery_ok: false, storage_ok: true, clock_ok: true });
        let handed =
            device_event(1, DeviceEventKind::Assigned { officer_id: Some(directory.assistant.id), unit_id: Some(directory.brigade.id) });
        writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(checked.clone()))]).await;
        writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(handed.clone()))]).await;
        assert_eq!(store.device_events(Some(directory.camera.id)).await.unwrap(), [checked.clone(), handed.clone()]);
        assert!(store.device_events(Some(directory.spare_camera.id)).await.unwrap().is_empty());
        let camera = store.devices().await.unwrap().into_iter().find(|device| device.id == directory.camera.id).unwrap();
        assert_eq!((camera.assigned_officer, camera.unit_id), (Some(directory.assistant.id), Some(directory.brigade.id)));

        let again = writer.commit(&[event(Mutation::RecordDeviceEvent(Box::new(device_event(0, DeviceEventKind::Fault))))]).await;
        assert!(matches!(&again, Err(StoreError::Conflict(message)) if message.contains("already has event number 0")), "{again:?}");
        let back = device_event(2, DeviceEventKind::Assigned { officer_id: None, unit_id: Some(directory.squad.id) });
        writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(back))]).await;
        let camera = store.devices().await.unwrap().into_iter().find(|device| device.id == directory.camera.id).unwrap();
        assert_eq!((camera.assigned_officer, camera.unit_id), (None, Some(directory.squad.id)), "back in the squad's store");
        assert_eq!(store.device_events(None).await.unwrap().len(), 3);
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    async fn candidates_follow_the_plan(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let files: Vec<_> = (0..4u8).map(|number| media(format!("spot {number}").as_bytes(), Some(directory.camera.id))).collect();
        writer.record_mutations(files.iter().cloned().map(Mutation::CreateMedia)).await;
        // Corrected starts at 104, 204, 304; the last has no known start.
        let mut recordings: Vec<_> = [Some(100), Some(200), Some(300), None]
            .into_iter()
            .zip(&files)
            .map(|(start, file)| super::recordings::recording(file.id, directory.camera.id, start, 1000))
            .collect();
        recordings[0].officer_id = Some(directory.officer.id);
        recordings[1].officer_id = Some(directory.assistant.id);
        recordings[2].device_id = directory.spare_camera.id;
        recordings[2].ingested_at = at(5000);
        writer.record_mutations(recordings.iter().cloned().map(|recording| Mutation::CreateRecording(Box::new(recording)))).await;
        let case = super::cases::case(&directory, "思城管罚〔2026〕9号", 150);
        let link = RecordingLink {
            case_id: case.id,
            media_id: files[0].id,
            stage: Stage::Intake,
            item: RecordedItem::Questioning,
            location: "中山路".into(),
            label: "询问当事人".into(),
            recording_end: None,
            linked_at: at(400),
            linked_by: "console:test".into(),
        };
        let label = RecordingLabel {
            media_id: files[1].id,
            sequence: 0,
            item: RecordedItem::Service,
            location: "中山路".into(),
            label: "送达".into(),
            officer_id: None,
            labeled_at: at(400),
            labeled_by: "console:test".into(),
        };
        writer
            .record_mutations([
                Mutation::CreateCase(Box::new(case.clone())),
                Mutation::LinkRecording(Box::new(link)),
                Mutation::LabelRecording(Box::new(label)),
            ])
            .await;

        let query = |population| CandidateQuery { population, from: at(0), until: at(1000), units: None, officer: None, recorded_by: None };
        let mut every = store.sample_candidates(&query(Population::Recordings)).await.unwrap();
        every.sort_by_key(|candidate| candidate.subject);
        let expected = vec![
            Candidate { subject: Sampled::Recording(files[0].id), act_kind: Some(ActKind::Penalty), item: Some(RecordedItem::Questioning) },
            Candidate { subject: Sampled::Recording(files[1].id), act_kind: None, item: Some(RecordedItem::Service) },
            Candidate { subject: Sampled::Recording(files[2].id), act_kind: None, item: None },
        ];
        assert_eq!(every, expected, "records without a known start are left out");
        let ids = |candidates: Vec<Candidate>| {
            let mut ids: Vec<Sampled> = candidates.into_iter().map(|candidate| candidate.subject).collect();
            ids.sort();
            ids
        };
        let period = CandidateQuery { from: at(104), until: at(304), ..query(Population::Recordings) };
        assert_eq!(
            ids(store.sample_candidates(&period).await.unwrap()),
            [Sampled::Recording(files[0].id), Sampled::Recording(files[1].id)]
        );
        let officer = CandidateQuery { officer: Some(directory.assistant.id), ..query(Population::Recordings) };
        assert_eq!(ids(store.sample_candidates(&officer).await.unwrap()), [Sampled::Recording(files[1].id)]);
        let squad = CandidateQuery { units: Some(vec![directory.squad.id]), ..query(Population::Recordings) };
        assert_eq!(ids(store.sample_candidates(&squad).await.unwrap()).len(), 2, "the officers' unit");
        let no_unit = CandidateQuery { units: Some(vec![]), ..query(Population::Recordings) };
        assert!(store.sample_candidates(&no_unit).await.unwrap().is_empty());
        let before = CandidateQuery { recorded_by: Some(at(4000)), ..query(Population::Recordings) };
        assert_eq!(store.sample_candidates(&before).await.unwrap().len(), 2, "not what was offloaded later");

        let cases = store.sample_candidates(&query(Population::Cases)).await.unwrap();
        assert_eq!(cases, [Candidate { subject: Sampled::Case(case.id), act_kind: Some(ActKind::Penalty), item: None }]);
        let other_unit = CandidateQuery { units: Some(vec![directory.brigade.id]), ..query(Population::Cases) };
        assert!(store.sample_candidates(&other_unit).await.unwrap().is_empty());
        let handled = CandidateQuery { officer: Some(directory.assistant.id), ..query(Population::Cases) };
        assert_eq!(store.sample_candidates(&handled).await.unwrap().len(), 1, "a case the assistant handles");
        let later = CandidateQuery { from: at(151), ..query(Population::Cases) };
        assert!(store.sample_candidates(&later).await.unwrap().is_empty());
    }

    async fn spot_checks_keep_their_population_and_reviews_are_only_added(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let seed = "ab".repeat(32);
        let candidates: Vec<Candidate> = (0..1200)
            .map(|number| Candidate {
                subject: Sampled::Recording(liuhen_core::id::MediaId::new()),
                act_kind: None,
                item: if number % 3 == 0 { Some(RecordedItem::Service) } else { None },
            })
            .collect();
        let population = members(&candidates, Stratify::RecordedItem);
        let check = SpotCheck {
            id: SpotCheckId::new(),
            plan: SamplePlan {
                population: Population::Recordings,
                unit_id: Some(directory.squad.id),
                officer_id: None,
                from: at(0),
                to: at(86_400),
                stratify: Stratify::RecordedItem,
                per_stratum: 4,
                seed: seed.clone(),
            },
            population_size: population.len() as u32,
            population_sha256: population_digest(&population),
            items: draw(&seed, 4, &population),
            drawn_at: at(90_000),
            drawn_by: "user:督察".into(),
            inspector: Some(directory.officer.id),
        };
        assert_eq!(check.items.len(), 8);
        writer.record_mutations([Mutation::DrawSpotCheck(Box::new(check.clone()), population.clone())]).await;
        assert_eq!(store.spot_check(check.id).await.unwrap().as_ref(), Some(&check));
        assert_eq!(store.spot_check(SpotCheckId::new()).await.unwrap(), None);
        let mut later = check.clone();
        later.id = SpotCheckId::new();
        later.drawn_at = at(95_000);
        later.items.truncate(1);
        writer.record_mutations([Mutation::DrawSpotCheck(Box::new(later.clone()), population[..10].to_vec())]).await;
        assert_eq!(store.spot_checks().await.unwrap(), [later.clone(), check.clone()], "newest first");

        let stored = store.spot_check_population(check.id).await.unwrap();
        assert_eq!(stored.len(), 1200, "every member, past the 500 of one statement");
        assert_eq!(population_digest(&stored), check.population_sha256);
        assert_eq!(draw(&seed, 4, &stored), check.items, "the sample is drawn again from what was kept");
        assert_eq!(store.spot_check_population(later.id).await.unwrap().len(), 10);
        let first = check.items[0].subject.id_text();
        assert_eq!(store.spot_checks_drawing(std::slice::from_ref(&first)).await.unwrap(), [later.id, check.id], "newest first");
        let second = check.items[1].subject.id_text();
        assert_eq!(store.spot_checks_drawing(&[second, "nothing".into()]).await.unwrap(), [check.id]);
        assert!(store.spot_checks_drawing(&[]).await.unwrap().is_empty());

        let review = |sequence: u32, outcome: Outcome| SpotCheckReview {
            check_id: check.id,
            position: 2,
            subject: check.items[2].subject,
            sequence,
            marks: vec![Mark { criterion: "told".into(), description: "告知当事人".into(), points: 10, outcome }],
            comment: "未告知当事人正在录像 'quoted'".into(),
            pack_id: "yexian-jtys".into(),
            pack_version: "1".into(),
            reviewed_at: at(100_000 + i64::from(sequence)),
            reviewed_by: "user:督察".into(),
            reviewer: Some(directory.officer.id),
        };
        writer.record_mutations([Mutation::ReviewSpotCheck(Box::new(review(0, Outcome::NotMet)))]).await;
        writer.record_mutations([Mutation::ReviewSpotCheck(Box::new(review(1, Outcome::Met)))]).await;
        let again = writer.commit(&[event(Mutation::ReviewSpotCheck(Box::new(review(1, Outcome::NotMet))))]).await;
        assert!(matches!(&again, Err(StoreError::Conflict(message)) if message.contains("already has review number 1")), "{again:?}");
        assert_eq!(store.spot_check_reviews(Some(check.id)).await.unwrap(), [review(0, Outcome::NotMet), review(1, Outcome::Met)]);
        assert!(store.spot_check_reviews(Some(later.id)).await.unwrap().is_empty());
        assert_eq!(store.spot_check_reviews(None).await.unwrap().len(), 2);
    }
}

mod custody {
    //! Custody (调阅、保存与销毁): access requests and the one decision each
    //! may have, classification marks in the order they were made, legal
    //! holds and their one release, disposal lists and their one approval,
    //! the tombstones of records disposed of from an approved list, and the
    //! packages handed over. Nothing here is updated or deleted: a second
    //! decision, release, approval or disposal is refused, and the batch
    //! that carried it is not kept.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::access::{
        marks_in_force, AccessDecision, AccessFile, AccessMode, AccessRequest, Classification, ClassificationMark, ExportRecord, Purpose,
        RequestState, Target,
    };
    use liuhen_core::case::{Case, RecordedItem, RecordingLink, Stage};
    use liuhen_core::document::{Document, DocumentKind};
    use liuhen_core::entity::{MediaRecord, User};
    use liuhen_core::id::{AccessRequestId, CaseId, DisposalId, DocumentId, ExportId, HoldId, MediaId};
    use liuhen_core::mutation::Mutation;
    use liuhen_core::pack::RetentionKind;
    use liuhen_core::retention::{BlobLock, DisposalApproval, DisposalList, HoldReason, HoldRelease, LegalHold, Tombstone};
    use liuhen_store::{MetaStore, StoreError};

    use crate::support::{assert_ledger_is, digest_of, event, media, user, Directory, Event, Writer};

    on_every_backend!(
        access_requests_round_trip_with_their_decisions(store),
        a_request_is_decided_once(store),
        classification_marks_keep_the_order_they_were_made_in(store),
        legal_holds_round_trip_with_their_release(store),
        a_hold_is_released_once(store),
        a_hold_that_comes_released_is_refused(store),
        disposal_lists_round_trip_with_their_one_approval(store),
        a_record_is_disposed_of_only_from_an_approved_list_and_once(store),
        a_held_record_is_not_disposed_of(store),
        blob_locks_keep_the_latest_and_never_shorten_a_date(store),
        exports_round_trip_in_time_order(store),
        party_copies_keep_their_one_lineage(store),
    );

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    /// The sentence of a refused commit, which must contain `phrase` and
    /// say that nothing was changed.
    fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>, phrase: &str) -> String {
        match result {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains(phrase), "expected `{phrase}` in: {message}");
                assert!(message.to_lowercase().contains("nothing was changed"), "{message}");
                message
            }
            other => panic!("expected a refusal saying `{phrase}`, got {other:?}"),
        }
    }

    /// A squad's directory, a case, three stored clips from the squad's
    /// camera, and a clerk of the district court who asks for records.
    struct Scene {
        directory: Directory,
        writer: Writer,
        case: Case,
        clips: [MediaRecord; 3],
        clerk: User,
    }

    async fn scene(store: &Arc<dyn MetaStore>) -> Scene {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let case = super::cases::case(&directory, "思城管罚〔2026〕12号", 0);
        let camera = Some(directory.camera.id);
        let clips = [
            media(b"2026-03-02 shizhan road stall, clip 1", camera),
            media(b"2026-03-02 shizhan road stall, clip 2", camera),
            media(b"2026-03-05 night patrol, no case", camera),
        ];
        let clerk = User { display_name: "李明（思明区人民法院）".into(), ..user("siming-court-liming") };
        let mut mutations = vec![Mutation::CreateCase(Box::new(case.clone())), Mutation::CreateUser(clerk.clone())];
        mutations.extend(clips.iter().cloned().map(Mutation::CreateMedia));
        writer.record_mutations(mutations).await;
        Scene { directory, writer, case, clips, clerk }
    }

    fn request(requester: &User, targets: Vec<Target>, purpose: Purpose, mode: AccessMode, seconds: i64) -> AccessRequest {
        AccessRequest {
            id: AccessRequestId::new(),
            requester: requester.id,
            requester_name: requester.display_name.clone(),
            on_behalf_of: (purpose == Purpose::Litigation).then(|| "厦门市思明区人民法院".to_owned()),
            targets,
            purpose,
            mode,
            reason: match purpose {
                Purpose::Litigation => "王五诉思明区城市管理行政执法局行政处罚一案，调取现场执法记录".into(),
                Purpose::Training => "新入职执法人员规范执法培训".into(),
                _ => "关联案件办理，核对现场情况".into(),
            },
            from: at(seconds),
            until: at(seconds + 30 * 86_400),
            requested_at: at(seconds),
        }
    }

    fn decision(request: &AccessRequest, approver: &User, approved: bool, seconds: i64) -> AccessDecision {
        AccessDecision {
            request: request.id,
            approved,
            approver: approver.id,
            approver_name: approver.display_name.clone(),
            reason: if approved {
                "同意调阅，限七日内查阅".into()
            } else {
                "个人隐私记录不得用于培训，不予批准".into()
            },
            granted_until: approved.then(|| at(seconds + 7 * 86_400)),
            at: at(seconds),
        }
    }

    fn file(request: &AccessRequest) -> Mutation {
        Mutation::FileAccessRequest(Box::new(request.clone()))
    }

    fn decide(decision: &AccessDecision) -> Mutation {
        Mutation::DecideAccess(Box::new(decision.clone()))
    }

    async fn access_requests_round_trip_with_their_decisions(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, case, clips, clerk } = scene(&store).await;
        let officer = &directory.officer_user;
        let leader = &directory.administrator;
        // Filed in this order, but the court's request was made first.
        let colleague = request(officer, vec![Target::Case(case.id)], Purpose::CaseWork, AccessMode::Copy, 200);
        let court = request(&clerk, vec![Target::Media(clips[0].id)], Purpose::Litigation, AccessMode::View, 100);
        let training = request(&clerk, vec![Target::Case(case.id), Target::Media(clips[2].id)], Purpose::Training, AccessMode::View, 300);
        let (approved, refused) = (decision(&court, leader, true, 150), decision(&training, leader, false, 350));
        writer.record_mutations([file(&colleague), file(&court), file(&training), decide(&approved), decide(&refused)]).await;

        let court_file = AccessFile { request: court.clone(), decision: Some(approved) };
        let colleague_file = AccessFile { request: colleague.clone(), decision: None };
        let training_file = AccessFile { request: training.clone(), decision: Some(refused) };
        assert_eq!(
            store.access_files(None).await.unwrap(),
            [court_file.clone(), colleague_file.clone(), training_file.clone()],
            "oldest first"
        );
        assert_eq!(store.access_files(Some(clerk.id)).await.unwrap(), [court_file.clone(), training_file]);
        assert_eq!(store.access_files(Some(officer.id)).await.unwrap(), std::slice::from_ref(&colleague_file));
        assert_eq!(store.access_files(Some(leader.id)).await.unwrap(), []);
        assert_eq!(store.access_file(court.id).await.unwrap().as_ref(), Some(&court_file));
        assert_eq!(store.access_file(colleague.id).await.unwrap().as_ref(), Some(&colleague_file));
        assert_eq!(store.access_file(AccessRequestId::new()).await.unwrap(), None);
        assert_eq!(court_file.state(at(200)), RequestState::Granted);
        assert_eq!(colleague_file.state(at(200)), RequestState::Pending);
    }

    async fn a_request_is_decided_once(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, clips, clerk, .. } = scene(&store).await;
        let leader = &directory.administrator;
        let court = request(&clerk, vec![Target::Media(clips[0].id)], Purpose::Litigation, AccessMode::View, 100);
        let approved = decision(&court, leader, true, 150);
        writer.record_mutations([file(&court), decide(&approved)]).await;
        let decided = AccessFile { request: court.clone(), decision: Some(approved) };

        // A second decision, carried with a request that is new: the batch
        // goes nowhere.
        let later = request(&clerk, vec![Target::Media(clips[1].id)], Purpose::Litigation, AccessMode::Copy, 400);
        let events = [event(file(&later)), event(decide(&decision(&court, leader, false, 500)))];
        let message = refusal(writer.commit(&events).await, "was already decided");
        assert!(message.contains(&court.id.to_string()) && message.contains("approved"), "{message}");
        assert_ledger_is(store.as_ref(), &writer.committed).await;
        assert_eq!(store.access_files(None).await.unwrap(), std::slice::from_ref(&decided), "the first decision stands");

        let never_filed = request(&clerk, vec![Target::Media(clips[1].id)], Purpose::Litigation, AccessMode::View, 600);
        refusal(writer.commit(&[event(decide(&decision(&never_filed, leader, true, 650)))]).await, "was never filed");
        refusal(writer.commit(&[event(file(&court))]).await, "has already been filed");
        assert_eq!(store.access_files(None).await.unwrap(), [decided]);
    }

    fn document(case: &Case, directory: &Directory) -> Document {
        Document {
            id: DocumentId::new(),
            case_id: case.id,
            kind: DocumentKind::InquiryRecord,
            stage: Stage::Investigation,
            version: 1,
            supersedes: None,
            amendment_reason: None,
            touches_rights: false,
            fields: [("place", "思明区中山路 12 号"), ("questions_and_answers", "问：你的身份证号码？\n答：350203199001011234")]
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .into(),
            legal_basis: "《中华人民共和国行政处罚法》第五十五条".into(),
            made_by: directory.officer.id,
            made_at: at(30),
            recorded_by: "console:test".into(),
        }
    }

    fn mark(target: Target, mark: Classification, lifted: bool, seconds: i64) -> ClassificationMark {
        ClassificationMark {
            target,
            mark,
            lifted,
            note: if lifted { "当事人同意公开，解除标记".into() } else { "含当事人身份证号及住址".into() },
            at: at(seconds),
            by: "user:法制科".into(),
        }
    }

    fn marking(mark: &ClassificationMark) -> Mutation {
        Mutation::MarkClassification(Box::new(mark.clone()))
    }

    async fn classification_marks_keep_the_order_they_were_made_in(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, case, clips, .. } = scene(&store).await;
        let inquiry = document(&case, &directory);
        writer.record_mutations([Mutation::CreateDocument(Box::new(inquiry.clone()))]).await;
        let (of_case, of_clip, of_document) = (Target::Case(case.id), Target::Media(clips[0].id), Target::Document(inquiry.id));

        let case_private = mark(of_case, Classification::Privacy, false, 100);
        let clip_trade = mark(of_clip, Classification::TradeSecret, false, 50);
        let document_secret = mark(of_document, Classification::StateSecret, false, 60);
        writer.record_mutations([marking(&case_private), marking(&clip_trade), marking(&document_secret)]).await;
        // The lift was made after the mark although its clock says earlier;
        // and one entry records two marks, kept in the order it lists them.
        let case_lifted = mark(of_case, Classification::Privacy, true, 90);
        let case_trade = mark(of_case, Classification::TradeSecret, false, 10);
        let clip_lifted = mark(of_clip, Classification::TradeSecret, true, 10);
        writer.record_mutations([marking(&case_lifted)]).await;
        let two_at_once = liuhen_core::entry::EntryDraft::new("user:法制科", liuhen_core::mutation::action::CLASSIFICATION_MARKED)
            .subject(case.id.subject())
            .payload(serde_json::json!({"备注": "重新核定密级"}));
        writer.record(&[Event { draft: two_at_once, mutations: vec![marking(&case_trade), marking(&clip_lifted)] }]).await;

        let every = [
            case_private.clone(),
            clip_trade.clone(),
            document_secret.clone(),
            case_lifted.clone(),
            case_trade.clone(),
            clip_lifted.clone(),
        ];
        let stored = store.classification_marks(None).await.unwrap();
        assert_eq!(stored, every, "in the order made, whatever the clocks said");
        assert_eq!(store.classification_marks(Some(of_case)).await.unwrap(), [case_private, case_lifted, case_trade]);
        assert_eq!(store.classification_marks(Some(of_clip)).await.unwrap(), [clip_trade, clip_lifted]);
        assert_eq!(store.classification_marks(Some(of_document)).await.unwrap(), std::slice::from_ref(&document_secret));
        assert_eq!(store.classification_marks(Some(Target::Media(clips[1].id))).await.unwrap(), []);
        assert_eq!(marks_in_force(&stored, of_case), [Classification::TradeSecret]);
        assert_eq!(marks_in_force(&stored, of_clip), []);
        assert_eq!(marks_in_force(&stored, of_document), [Classification::StateSecret]);

        let nowhere = mark(Target::Case(CaseId::new()), Classification::Privacy, false, 200);
        refusal(writer.commit(&[event(marking(&nowhere))]).await, "there is no case");
        assert_eq!(store.classification_marks(None).await.unwrap(), every);
    }

    fn hold(target: Target, reason: HoldReason, seconds: i64) -> LegalHold {
        LegalHold {
            id: HoldId::new(),
            target,
            reason,
            note: match reason {
                HoldReason::Litigation => "王五已提起行政诉讼，案件全部音像记录冻结".into(),
                _ => "当事人投诉执法人员态度粗暴，相关记录冻结待查".into(),
            },
            placed_at: at(seconds),
            placed_by: "user:法制科".into(),
            released: None,
        }
    }

    fn release(hold: &LegalHold, seconds: i64) -> HoldRelease {
        HoldRelease { hold: hold.id, note: "判决已生效，解除冻结".into(), at: at(seconds), by: "user:法制科".into() }
    }

    fn place(hold: &LegalHold) -> Mutation {
        Mutation::PlaceHold(Box::new(hold.clone()))
    }

    fn lift(release: &HoldRelease) -> Mutation {
        Mutation::ReleaseHold(Box::new(release.clone()))
    }

    async fn legal_holds_round_trip_with_their_release(store: Arc<dyn MetaStore>) {
        let Scene { mut writer, case, clips, .. } = scene(&store).await;
        let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 100);
        let on_clip = hold(Target::Media(clips[2].id), HoldReason::Complaint, 50);
        let ended = release(&on_case, 200);
        writer.record_mutations([place(&on_case), place(&on_clip), lift(&ended)]).await;

        let released = LegalHold { released: Some(ended), ..on_case.clone() };
        assert_eq!(store.legal_holds().await.unwrap(), [on_clip.clone(), released.clone()], "oldest first");
        assert_eq!(store.legal_hold(on_case.id).await.unwrap().as_ref(), Some(&released));
        assert_eq!(store.legal_hold(on_clip.id).await.unwrap().as_ref(), Some(&on_clip));
        assert!(!released.in_force() && on_clip.in_force());
        assert_eq!(store.legal_hold(HoldId::new()).await.unwrap(), None);

        let on_nothing = hold(Target::Media(MediaId::new()), HoldReason::Dispute, 300);
        refusal(writer.commit(&[event(place(&on_nothing))]).await, "there is no media record");
        refusal(writer.commit(&[event(place(&on_clip))]).await, "has already been placed");
        assert_eq!(store.legal_holds().await.unwrap(), [on_clip, released]);
    }

    async fn a_hold_is_released_once(store: Arc<dyn MetaStore>) {
        let Scene { mut writer, case, .. } = scene(&store).await;
        let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 100);
        let ended = release(&on_case, 200);
        writer.record_mutations([place(&on_case), lift(&ended)]).await;
        let released = LegalHold { released: Some(ended), ..on_case.clone() };

        let message = refusal(writer.commit(&[event(lift(&release(&on_case, 300)))]).await, "was already released");
        assert!(message.contains(&on_case.id.to_string()), "{message}");
        assert_ledger_is(store.as_ref(), &writer.committed).await;
        let never_placed = hold(Target::Case(case.id), HoldReason::Dispute, 100);
        refusal(writer.commit(&[event(lift(&release(&never_placed, 300)))]).await, "there is no legal hold");
        assert_eq!(store.legal_holds().await.unwrap(), [released], "the first release stands");
    }

    async fn a_hold_that_comes_released_is_refused(store: Arc<dyn MetaStore>) {
        let Scene { mut writer, case, clips, .. } = scene(&store).await;
        let in_force = hold(Target::Media(clips[0].id), HoldReason::Obstruction, 100);
        let mut born_released = hold(Target::Case(case.id), HoldReason::Litigation, 100);
        born_released.released = Some(release(&born_released, 100));
        let events = [event(place(&in_force)), event(place(&born_released))];
        refusal(writer.commit(&events).await, "came to be placed already released");
        assert_ledger_is(store.as_ref(), &writer.committed).await;
        assert_eq!(store.legal_holds().await.unwrap(), [], "nothing of the batch was kept");

        writer.record(&events[..1]).await;
        assert_eq!(store.legal_holds().await.unwrap(), [in_force]);
    }

    fn list(media: &[&MediaRecord], proposer: &User, seconds: i64) -> DisposalList {
        DisposalList {
            id: DisposalId::new(),
            media: media.iter().map(|record| record.id).collect(),
            proposed_at: at(seconds),
            proposed_by: proposer.id.subject(),
            approval: None,
        }
    }

    fn approval(list: &DisposalList, approver: &User, seconds: i64) -> DisposalApproval {
        DisposalApproval {
            list: list.id,
            approver: approver.id,
            approver_name: approver.display_name.clone(),
            note: "经核对，清单所列记录均已超过保存期限且未冻结，同意销毁".into(),
            at: at(seconds),
        }
    }

    fn tombstone(record: &MediaRecord, list: &DisposalList, approver: &User, seconds: i64) -> Tombstone {
        Tombstone {
            media: record.clone(),
            list: list.id,
            approver: approver.id,
            class: Some(RetentionKind::Patrol),
            expired_at: at(seconds - 86_400),
            disposed_at: at(seconds),
            disposed_by: "system:retention".into(),
        }
    }

    fn propose(list: &DisposalList) -> Mutation {
        Mutation::ProposeDisposal(Box::new(list.clone()))
    }

    fn approve(approval: &DisposalApproval) -> Mutation {
        Mutation::ApproveDisposal(Box::new(approval.clone()))
    }

    fn dispose(tombstone: &Tombstone) -> Mutation {
        Mutation::DisposeMedia(Box::new(tombstone.clone()))
    }

    async fn disposal_lists_round_trip_with_their_one_approval(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, clips, .. } = scene(&store).await;
        let (officer, leader) = (&directory.officer_user, &directory.administrator);
        let patrols = list(&[&clips[2], &clips[1]], officer, 100);
        let earlier = list(&[&clips[0]], officer, 50);
        let approved = approval(&patrols, leader, 200);
        writer.record_mutations([propose(&patrols), propose(&earlier), approve(&approved)]).await;

        let patrols_approved = DisposalList { approval: Some(approved), ..patrols.clone() };
        assert_eq!(store.disposal_lists().await.unwrap(), [earlier.clone(), patrols_approved.clone()], "oldest first");
        assert_eq!(store.disposal_list(patrols.id).await.unwrap().as_ref(), Some(&patrols_approved));
        assert_eq!(store.disposal_list(earlier.id).await.unwrap().as_ref(), Some(&earlier));
        assert_eq!(store.disposal_list(DisposalId::new()).await.unwrap(), None);

        let message = refusal(writer.commit(&[event(approve(&approval(&patrols, leader, 300)))]).await, "was already approved");
        assert!(message.contains(&patrols.id.to_string()), "{message}");
        refusal(writer.commit(&[event(approve(&approval(&earlier, officer, 300)))]).await, "cannot also approve it");
        refusal(writer.commit(&[event(approve(&approval(&list(&[], officer, 0), leader, 300)))]).await, "there is no disposal list");
        let born_approved = DisposalList { approval: Some(approval(&earlier, leader, 400)), ..list(&[&clips[0]], officer, 400) };
        refusal(writer.commit(&[event(propose(&born_approved))]).await, "came to be proposed already approved");
        let unknown = MediaRecord { id: MediaId::new(), ..clips[0].clone() };
        refusal(writer.commit(&[event(propose(&list(&[&clips[0], &unknown], officer, 400)))]).await, "which does not exist");
        refusal(writer.commit(&[event(propose(&list(&[&clips[0], &clips[0]], officer, 400)))]).await, "twice");
        assert_ledger_is(store.as_ref(), &writer.committed).await;
        assert_eq!(store.disposal_lists().await.unwrap(), [earlier, patrols_approved]);
    }

    async fn a_record_is_disposed_of_only_from_an_approved_list_and_once(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, clips, .. } = scene(&store).await;
        let (officer, leader) = (&directory.officer_user, &directory.administrator);
        let patrols = list(&[&clips[0], &clips[1]], officer, 100);
        writer.record_mutations([propose(&patrols)]).await;

        let first = tombstone(&clips[0], &patrols, leader, 300);
        refusal(writer.commit(&[event(dispose(&first))]).await, "has not been approved");
        writer.record_mutations([approve(&approval(&patrols, leader, 200))]).await;
        let not_listed = tombstone(&clips[2], &patrols, leader, 300);
        refusal(writer.commit(&[event(dispose(&not_listed))]).await, "is not on disposal list");
        let wrong_approver = tombstone(&clips[0], &patrols, officer, 300);
        refusal(writer.commit(&[event(dispose(&wrong_approver))]).await, "was approved by user");
        let misdescribed = Tombstone { media: MediaRecord { sha256: digest_of("another file"), ..clips[0].clone() }, ..first.clone() };
        refusal(writer.commit(&[event(dispose(&misdescribed))]).await, "does not describe it");
        let unknown = Tombstone { media: MediaRecord { id: MediaId::new(), ..clips[0].clone() }, ..first.clone() };
        refusal(writer.commit(&[event(dispose(&unknown))]).await, "there is no media record");
        assert_eq!(store.tombstones().await.unwrap(), []);

        writer.record_mutations([dispose(&first)]).await;
        assert_eq!(store.tombstone(clips[0].id).await.unwrap().as_ref(), Some(&first));
        assert_eq!(store.tombstone(clips[1].id).await.unwrap(), None);
        assert_eq!(store.media(clips[0].id).await.unwrap().as_ref(), Some(&clips[0]), "the media record stays");

        // Twice, carried with a disposal that is fine: the batch goes nowhere.
        let second = tombstone(&clips[1], &patrols, leader, 250);
        let events = [event(dispose(&second)), event(dispose(&tombstone(&clips[0], &patrols, leader, 400)))];
        let message = refusal(writer.commit(&events).await, "was already disposed of");
        assert!(message.contains(&clips[0].id.to_string()), "{message}");
        assert_ledger_is(store.as_ref(), &writer.committed).await;
        assert_eq!(store.tombstones().await.unwrap(), std::slice::from_ref(&first));

        writer.record(&events[..1]).await;
        assert_eq!(store.tombstones().await.unwrap(), [second, first], "by when disposed of");
    }

    fn lock(record: &MediaRecord, until: Option<i64>, legal_hold: bool, seconds: i64) -> Mutation {
        Mutation::SetBlobLock(Box::new(BlobLock {
            media: record.id,
            retain_until: until.map(at),
            legal_hold,
            at: at(seconds),
            by: "system:retention".into(),
        }))
    }

    async fn blob_locks_keep_the_latest_and_never_shorten_a_date(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, clips, .. } = scene(&store).await;
        assert_eq!(store.blob_locks().await.unwrap(), []);
        // Two in one entry and one later; the record's latest row is its lock.
        writer.record_mutations([lock(&clips[1], Some(1_000), false, 10)]).await;
        let both = vec![lock(&clips[0], None, true, 20), lock(&clips[1], Some(2_000), true, 20)];
        writer.record(&[Event { mutations: both, ..event(lock(&clips[0], None, true, 20)) }]).await;
        let locks = store.blob_locks().await.unwrap();
        let of = |record: &MediaRecord| locks.iter().find(|lock| lock.media == record.id).cloned();
        assert_eq!(locks.len(), 2, "{locks:?}");
        assert_eq!(of(&clips[0]).map(|l| (l.retain_until, l.legal_hold)), Some((None, true)));
        assert_eq!(of(&clips[1]).map(|l| (l.retain_until, l.legal_hold)), Some((Some(at(2_000)), true)));
        assert_eq!(of(&clips[2]), None);

        // A bucket in compliance mode never shortens a date: neither may the record.
        let message = refusal(writer.commit(&[event(lock(&clips[1], Some(1_500), false, 30))]).await, "never shortens");
        assert!(message.contains(&clips[1].id.to_string()), "{message}");
        refusal(writer.commit(&[event(lock(&clips[1], None, false, 30))]).await, "never shortens");
        let unknown = MediaRecord { id: MediaId::new(), ..clips[2].clone() };
        refusal(writer.commit(&[event(lock(&unknown, None, true, 30))]).await, "there is no media record");

        // Disposed of, a record has no blob to lock.
        let (officer, leader) = (&directory.officer_user, &directory.administrator);
        let expired = list(&[&clips[2]], officer, 100);
        let gone = tombstone(&clips[2], &expired, leader, 300);
        writer.record_mutations([propose(&expired), approve(&approval(&expired, leader, 200)), dispose(&gone)]).await;
        refusal(writer.commit(&[event(lock(&clips[2], Some(5_000), false, 400))]).await, "was disposed of");
        // The hold released, the date kept.
        writer.record_mutations([lock(&clips[1], Some(2_000), false, 500)]).await;
        let locks = store.blob_locks().await.unwrap();
        assert_eq!(locks.len(), 2, "{locks:?}");
        assert!(locks.iter().any(|l| l.media == clips[1].id && l.retain_until == Some(at(2_000)) && !l.legal_hold), "{locks:?}");
    }

    async fn a_held_record_is_not_disposed_of(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, case, clips, .. } = scene(&store).await;
        let (officer, leader) = (&directory.officer_user, &directory.administrator);
        let linked = &clips[0];
        let recording = super::recordings::recording(linked.id, directory.camera.id, Some(0), 60);
        let link = RecordingLink {
            case_id: case.id,
            media_id: linked.id,
            stage: Stage::Investigation,
            item: RecordedItem::OnSiteInspection,
            location: "思明区中山路 12 号".into(),
            label: "现场检查：人行道摆摊".into(),
            recording_end: Some(at(64)),
            linked_at: at(90),
            linked_by: "console:test".into(),
        };
        let expired = list(&[linked, &clips[1]], officer, 100);
        writer
            .record_mutations([
                Mutation::CreateRecording(Box::new(recording)),
                Mutation::LinkRecording(Box::new(link)),
                propose(&expired),
                approve(&approval(&expired, leader, 200)),
            ])
            .await;
        // Holds placed after the list was approved: one on the case the
        // first clip is linked to, one on the second clip itself.
        let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 250);
        let on_clip = hold(Target::Media(clips[1].id), HoldReason::Complaint, 260);
        writer.record_mutations([place(&on_case), place(&on_clip)]).await;

        let through_case = tombstone(linked, &expired, leader, 300);
        let message = refusal(writer.commit(&[event(dispose(&through_case))]).await, "is under legal hold");
        assert!(message.contains(&on_case.id.to_string()) && message.contains("复议、诉讼"), "{message}");
        let itself = tombstone(&clips[1], &expired, leader, 300);
        let message = refusal(writer.commit(&[event(dispose(&itself))]).await, "is under legal hold");
        assert!(message.contains(&on_clip.id.to_string()), "{message}");
        assert_eq!(store.tombstones().await.unwrap(), []);

        // Released, the hold keeps nothing.
        writer.record_mutations([lift(&release(&on_case, 400))]).await;
        let through_case = tombstone(linked, &expired, leader, 500);
        writer.record_mutations([dispose(&through_case)]).await;
        assert_eq!(store.tombstones().await.unwrap(), [through_case]);
        refusal(writer.commit(&[event(dispose(&itself))]).await, "is under legal hold");
    }

    fn export(case: Option<&Case>, grant: Option<&AccessRequest>, media: &[&MediaRecord], seconds: i64) -> ExportRecord {
        ExportRecord {
            id: ExportId::new(),
            case: case.map(|case| case.id),
            media: media.iter().map(|record| record.id).collect(),
            documents: Vec::new(),
            purpose: grant.map_or(Purpose::Audit, |grant| grant.purpose),
            grant: grant.map(|grant| grant.id),
            recipient: grant.and(Some("厦门市思明区人民法院".to_owned())),
            tagmanifest_sha256: digest_of(&format!("tagmanifest-sha256.txt of package {seconds}")),
            payload_files: media.len() as u64 + 2,
            payload_bytes: media.iter().map(|record| record.size).sum(),
            checkpoint_size: 42,
            at: at(seconds),
            by: "user:档案管理员".into(),
        }
    }

    async fn exports_round_trip_in_time_order(store: Arc<dyn MetaStore>) {
        let Scene { directory, mut writer, case, clips, clerk } = scene(&store).await;
        let court = request(&clerk, vec![Target::Case(case.id)], Purpose::Litigation, AccessMode::Copy, 100);
        writer.record_mutations([file(&court), decide(&decision(&court, &directory.administrator, true, 150))]).await;
        let to_court = export(Some(&case), Some(&court), &[&clips[0], &clips[1]], 200);
        let backup = export(None, None, &[&clips[2]], 180);
        writer
            .record_mutations([Mutation::RecordExport(Box::new(to_court.clone())), Mutation::RecordExport(Box::new(backup.clone()))])
            .await;
        assert_eq!(store.exports().await.unwrap(), [backup.clone(), to_court.clone()], "by when exported");

        let unknown_grant = request(&clerk, vec![Target::Case(case.id)], Purpose::Litigation, AccessMode::Copy, 300);
        let without_grant = export(Some(&case), Some(&unknown_grant), &[&clips[0]], 300);
        refusal(writer.commit(&[event(Mutation::RecordExport(Box::new(without_grant)))]).await, "does not exist");
        refusal(writer.commit(&[event(Mutation::RecordExport(Box::new(backup.clone())))]).await, "has already been recorded");
        assert_eq!(store.exports().await.unwrap(), [backup, to_court]);
    }

    fn lineage(derived: &MediaRecord, source: Target, seconds: i64) -> liuhen_core::redaction::Redaction {
        liuhen_core::redaction::Redaction {
            derived: derived.id,
            source,
            source_sha256: digest_of("the original"),
            operations: vec![liuhen_core::redaction::RedactOp::Mute { from_ms: 1000, to_ms: 2500 }],
            reason: "声音可识别举报人".into(),
            reviewer: liuhen_core::id::UserId::new(),
            reviewer_name: "刘芳".into(),
            request: None,
            at: at(seconds),
            by: "user:法制审核".into(),
        }
    }

    async fn party_copies_keep_their_one_lineage(store: Arc<dyn MetaStore>) {
        let Scene { mut writer, clips, .. } = scene(&store).await;
        let copy = media("静音副本".as_bytes(), None);
        let made = lineage(&copy, Target::Media(clips[0].id), 100);
        writer.record_mutations([Mutation::CreateMedia(copy.clone()), Mutation::MakeRedaction(Box::new(made.clone()))]).await;
        assert_eq!(store.redaction(copy.id).await.unwrap(), Some(made.clone()));
        assert_eq!(store.redaction(clips[0].id).await.unwrap(), None, "the original is not a copy");
        assert_eq!(store.redactions(Some(Target::Media(clips[0].id))).await.unwrap(), std::slice::from_ref(&made));
        assert_eq!(store.redactions(Some(Target::Media(clips[1].id))).await.unwrap(), []);
        // One lineage per copy; a source that does not exist is refused.
        refusal(
            writer.commit(&[event(Mutation::MakeRedaction(Box::new(lineage(&copy, Target::Media(clips[1].id), 200))))]).await,
            "already has a lineage",
        );
        let orphan = media("另一个副本".as_bytes(), None);
        let missing = lineage(&orphan, Target::Media(MediaId::new()), 300);
        refusal(
            writer.commit(&[event(Mutation::CreateMedia(orphan)), event(Mutation::MakeRedaction(Box::new(missing)))]).await,
            "does not exist",
        );
        assert_eq!(store.redactions(None).await.unwrap(), [made]);
    }
}

mod atomicity {
    //! A batch is applied whole or not at all, and only on the ledger size
    //! it was built on.

    use std::sync::Arc;

    use liuhen_core::entity::{Officer, OfficerRole, Qualification};
    use liuhen_core::id::{DeviceId, OfficerId, UnitId, UserId};
    use liuhen_core::mutation::Mutation;
    use liuhen_store::{MetaStore, StoreError};

    use crate::support::{api_token, event, media, note, session, user, Database, Directory, Event, Writer};

    on_every_backend!(
        a_batch_built_on_a_stale_size_is_refused(store),
        a_duplicate_login_refuses_the_whole_batch(store),
        a_duplicate_sha256_refuses_the_whole_batch(store),
        references_to_missing_rows_are_refused(store),
        of_two_commits_on_one_size_exactly_one_wins(database),
    );

    /// What must still be true after a refused batch: the ledger is as the
    /// writer last committed it and none of the batch's nodes were kept.
    async fn assert_nothing_kept(writer: &Writer, refused: &[Event]) {
        let store = writer.store.as_ref();
        crate::support::assert_ledger_is(store, &writer.committed).await;
        assert_eq!(store.ledger_entry(writer.size()).await.unwrap(), None);
        let would_be = writer.prepare(refused);
        let node_ids: Vec<_> = would_be.batch.nodes.iter().map(|(id, _)| *id).collect();
        assert!(store.ledger_nodes(&node_ids).await.unwrap().iter().all(Option::is_none), "a refused batch left tree nodes behind");
    }

    async fn a_batch_built_on_a_stale_size_is_refused(store: Arc<dyn MetaStore>) {
        let mut writer = Writer::new(store.clone());
        writer.record(&[note(0), note(1)]).await;
        let late_user = user("late");
        let events = [event(Mutation::CreateUser(late_user.clone())), note(2)];
        for wrong_size in [0, 1, 3, 100] {
            let mut prepared = writer.prepare(&events);
            prepared.batch.expected_size = wrong_size;
            match store.commit(&prepared.batch).await {
                Err(StoreError::LedgerMoved { expected, actual }) => assert_eq!((expected, actual), (wrong_size, 2)),
                other => panic!("a batch built on size {wrong_size} of a 2-entry ledger gave {other:?}"),
            }
            assert_nothing_kept(&writer, &events).await;
            assert_eq!(store.user(late_user.id).await.unwrap(), None);
        }
        // Built on the right size, the same events go in.
        writer.record(&events).await;
        assert_eq!(store.user(late_user.id).await.unwrap(), Some(late_user));
        crate::support::assert_ledger_is(store.as_ref(), &writer.committed).await;
    }

    async fn a_duplicate_login_refuses_the_whole_batch(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let before = store.users().await.unwrap();
        let newcomer = user("lina");
        let mut impostor = user(&directory.officer_user.login);
        impostor.display_name = "冒名者".into();
        let mut second_agency = directory.agency.clone();
        second_agency.id = liuhen_core::id::AgencyId::new();
        second_agency.code = "siming-cgj".into();
        let events = [
            event(Mutation::CreateAgency(second_agency.clone())),
            event(Mutation::CreateUser(newcomer.clone())),
            note(99),
            event(Mutation::CreateUser(impostor.clone())),
        ];
        match writer.commit(&events).await {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains("nothing was changed"), "{message}")
            }
            other => panic!("a second user with login {} gave {other:?}", directory.officer_user.login),
        }
        assert_nothing_kept(&writer, &events).await;
        assert_eq!(store.users().await.unwrap(), before);
        assert_eq!(store.user(impostor.id).await.unwrap(), None);
        assert_eq!(store.user_by_login("lina").await.unwrap(), None);
        assert_eq!(store.agencies().await.unwrap(), vec![directory.agency.clone()]);

        // The store is still usable, and the batch without the duplicate
        // goes in whole.
        writer.record(&[events[0].clone(), events[1].clone(), events[2].clone()]).await;
        assert_eq!(store.user_by_login("lina").await.unwrap(), Some(newcomer));
        assert_eq!(store.agencies().await.unwrap().len(), 2);
        crate::support::assert_ledger_is(store.as_ref(), &writer.committed).await;
    }

    async fn a_duplicate_sha256_refuses_the_whole_batch(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let first = media(b"the same recording", Some(directory.camera.id));
        writer.record_mutations([Mutation::CreateMedia(first.clone())]).await;

        let other = media(b"another recording", None);
        let copy = media(b"the same recording", None);
        let events = [event(Mutation::CreateMedia(other.clone())), event(Mutation::CreateMedia(copy.clone()))];
        assert!(matches!(writer.commit(&events).await, Err(StoreError::Conflict(_))));
        assert_nothing_kept(&writer, &events).await;
        assert_eq!(store.media_by_sha256(&first.sha256).await.unwrap(), Some(first.clone()));
        assert_eq!(store.media(copy.id).await.unwrap(), None);
        assert_eq!(store.media(other.id).await.unwrap(), None);
        assert_eq!(store.media_page(None, 10).await.unwrap(), vec![first]);
    }

    async fn references_to_missing_rows_are_refused(store: Arc<dyn MetaStore>) {
        let directory = Directory::new();
        let mut writer = Writer::new(store.clone());
        writer.record_mutations(directory.mutations()).await;
        let officer_in_no_unit = Officer {
            id: OfficerId::new(),
            agency_id: directory.agency.id,
            unit_id: UnitId::new(),
            name: "陈静".into(),
            certificate_no: Some("闽Z0203099".into()),
            badge_no: "0203099".into(),
            role: OfficerRole::FrontLine,
            qualification: Qualification::Officer,
        };
        let mut camera_of_nobody = directory.camera.clone();
        camera_of_nobody.id = DeviceId::new();
        camera_of_nobody.serial = "DSJ-Z8-20269999".into();
        camera_of_nobody.assigned_officer = Some(OfficerId::new());
        let dangling = [
            ("an officer in a unit that does not exist", Mutation::CreateOfficer(officer_in_no_unit)),
            ("a camera assigned to an officer who does not exist", Mutation::CreateDevice(camera_of_nobody)),
            ("a session of a user who does not exist", Mutation::CreateSession(session(UserId::new(), "s"))),
            ("a token for a device that does not exist", Mutation::CreateApiToken(api_token(DeviceId::new(), "t"))),
            ("media from a device that does not exist", Mutation::CreateMedia(media(b"x", Some(DeviceId::new())))),
        ];
        for (what, mutation) in dangling {
            let events = [note(1), event(mutation)];
            match writer.commit(&events).await {
                Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{what}: {message}"),
                other => panic!("{what} gave {other:?}"),
            }
            assert_nothing_kept(&writer, &events).await;
        }
        assert_eq!(store.officers().await.unwrap().len(), 2);
        assert_eq!(store.devices().await.unwrap().len(), 3);
    }

    /// Two writers (two processes, each with its own connection pool)
    /// commit batches built on the same size at the same moment: one
    /// commits, the other is told the ledger moved, and nothing collides.
    async fn of_two_commits_on_one_size_exactly_one_wins(database: &Database) {
        let other_store = database.open_again().await;
        let mut writer = Writer::new(database.store.clone());
        for round in 0..10u64 {
            let two = [note(round * 10), note(round * 10 + 1)];
            let three = [note(round * 10 + 2), note(round * 10 + 3), note(round * 10 + 4)];
            let size = writer.size();
            let first = writer.prepare(&two);
            let second = writer.prepare(&three);
            let (first_result, second_result) = tokio::join!(database.store.commit(&first.batch), other_store.commit(&second.batch));
            match (first_result, second_result) {
                (Ok(()), Err(StoreError::LedgerMoved { expected, actual })) => {
                    assert_eq!((expected, actual), (size, size + 2));
                    writer.accept(first);
                }
                (Err(StoreError::LedgerMoved { expected, actual }), Ok(())) => {
                    assert_eq!((expected, actual), (size, size + 3));
                    writer.accept(second);
                }
                other => panic!("round {round}: two commits on size {size} gave {other:?}"),
            }
        }
        crate::support::assert_ledger_is(database.store.as_ref(), &writer.committed).await;
    }
}

mod ledger_rows {
    //! Reading the ledger back: sizes, entries, ranges with gaps, nodes,
    //! leaves.

    use liuhen_core::merkle::{frontier_ids, node_hash, Frontier, NodeId};

    use crate::support::{assert_ledger_is, note, Database, Writer};

    on_every_backend!(entries_nodes_and_leaves_read_back(database));

    async fn entries_nodes_and_leaves_read_back(database: &Database) {
        let store = database.store.clone();
        assert_eq!(store.ledger_size().await.unwrap(), 0);
        assert_eq!(store.ledger_entry(0).await.unwrap(), None);
        assert_eq!(store.ledger_entries(0, 10).await.unwrap(), []);
        assert_eq!(store.ledger_leaves(0, 10).await.unwrap(), []);

        let mut writer = Writer::new(store.clone());
        let notes: Vec<_> = (0..10).map(note).collect();
        writer.record(&notes[0..3]).await;
        writer.record(&notes[3..4]).await;
        writer.record(&notes[4..10]).await;
        let committed = writer.committed.clone();
        assert_ledger_is(store.as_ref(), &committed).await;
        for stored in &committed {
            assert_eq!(store.ledger_entry(stored.entry.index).await.unwrap().as_ref(), Some(stored));
        }
        assert_eq!(store.ledger_entry(10).await.unwrap(), None);
        assert_eq!(store.ledger_entries(3, 4).await.unwrap(), committed[3..7]);
        assert_eq!(store.ledger_entries(8, 100).await.unwrap(), committed[8..]);
        assert_eq!(store.ledger_entries(10, 5).await.unwrap(), []);
        assert_eq!(store.ledger_entries(2, 0).await.unwrap(), []);
        // Indexes no database can hold are simply absent, not damage.
        assert_eq!(store.ledger_entry(u64::MAX).await.unwrap(), None);
        assert_eq!(store.ledger_entries(u64::MAX - 1, 10).await.unwrap(), []);
        assert_eq!(store.ledger_leaves(u64::MAX, 1).await.unwrap(), []);
        let leaves: Vec<_> = committed.iter().map(|stored| stored.entry.leaf_hash()).collect();
        assert_eq!(store.ledger_leaves(4, 2).await.unwrap(), [(4, leaves[4]), (5, leaves[5])]);

        // Whether anything was written since an index, leaving out one
        // actor's entries and some actions (the notes are `system`'s
        // failed logins).
        let failed = liuhen_core::mutation::action::LOGIN_FAILED;
        assert!(store.ledger_written_since(0, "someone", &[]).await.unwrap());
        assert!(store.ledger_written_since(9, "someone", &["record.read"]).await.unwrap());
        assert!(!store.ledger_written_since(10, "someone", &[]).await.unwrap(), "nothing from index 10 on");
        assert!(!store.ledger_written_since(0, "system", &[]).await.unwrap(), "all written by the actor left out");
        assert!(!store.ledger_written_since(0, "someone", &["record.read", failed]).await.unwrap(), "only actions left out");
        assert!(!store.ledger_written_since(u64::MAX, "someone", &[]).await.unwrap());
        // Bringing the planner's statistics up to date changes nothing seen.
        store.after_bulk_load().await.unwrap();
        assert_ledger_is(store.as_ref(), &committed).await;

        // Nodes come back in the order asked, duplicates included; a node
        // the tree does not have yet is `None`.
        let mut first_eight = Frontier::new();
        for leaf in &leaves[..8] {
            first_eight.push(*leaf);
        }
        let asked = [
            NodeId { level: 3, index: 0 },
            NodeId { level: 0, index: 99 },
            NodeId { level: 0, index: 0 },
            NodeId { level: 3, index: 0 },
            NodeId { level: 1, index: 4 },
            NodeId { level: 1, index: 5 },
            NodeId { level: 4, index: 0 },
        ];
        assert_eq!(
            store.ledger_nodes(&asked).await.unwrap(),
            [
                Some(first_eight.root()),
                None,
                Some(leaves[0]),
                Some(first_eight.root()),
                Some(node_hash(&leaves[8], &leaves[9])),
                None,
                None,
            ]
        );
        assert_eq!(store.ledger_nodes(&[]).await.unwrap(), []);
        // The frontier of the whole tree is stored, so a sequencer can
        // resume from it.
        let mut whole = Frontier::new();
        for leaf in &leaves {
            whole.push(*leaf);
        }
        let frontier: Vec<_> = store.ledger_nodes(&frontier_ids(10)).await.unwrap().into_iter().map(Option::unwrap).collect();
        assert_eq!(frontier, whole.hashes());

        // A row removed behind the store's back leaves a visible gap; the
        // size still counts to the highest index, and the leaf stays.
        assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 4").await, 1);
        assert_eq!(store.ledger_size().await.unwrap(), 10);
        assert_eq!(store.ledger_entry(4).await.unwrap(), None);
        let indexes: Vec<_> = store.ledger_entries(0, 10).await.unwrap().into_iter().map(|stored| stored.entry.index).collect();
        assert_eq!(indexes, [0, 1, 2, 3, 5, 6, 7, 8, 9]);
        assert_eq!(store.ledger_entries(3, 3).await.unwrap(), [committed[3].clone(), committed[5].clone()]);
        assert_eq!(store.ledger_leaves(0, 100).await.unwrap().len(), 10);
        // Removing the last row shrinks the size.
        assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 9").await, 1);
        assert_eq!(store.ledger_size().await.unwrap(), 9);
    }
}

mod checkpoints {
    //! Signed checkpoints: kept in size order, stored once per size.

    use std::sync::Arc;

    use ed25519_dalek::SigningKey;
    use jiff::Timestamp;
    use liuhen_core::merkle::{leaf_hash, Frontier};
    use liuhen_core::note::{sign_note, Checkpoint, Ed25519NoteSigner};
    use liuhen_store::{MetaStore, StoredCheckpoint};

    on_every_backend!(checkpoints_keep_size_order_and_the_first_of_each_size(store));

    fn signed_checkpoint(size: u64, tree_of: &str) -> StoredCheckpoint {
        let signer = Ed25519NoteSigner::new("liuhen.test/xiamen-cgj", SigningKey::from_bytes(&[7; 32])).unwrap();
        let mut frontier = Frontier::new();
        for number in 0..size {
            frontier.push(leaf_hash(format!("{tree_of} {number}").as_bytes()));
        }
        let checkpoint = Checkpoint { origin: "liuhen.test/xiamen-cgj".into(), size, root: frontier.root(), extensions: Vec::new() };
        StoredCheckpoint {
            size,
            root: checkpoint.root,
            signed_note: sign_note(&checkpoint.to_note_text(), &[&signer]).unwrap(),
            created_at: Timestamp::from_microsecond(1_795_000_000_000_000 + size as i64 * 1_000_001).unwrap(),
        }
    }

    async fn checkpoints_keep_size_order_and_the_first_of_each_size(store: Arc<dyn MetaStore>) {
        assert_eq!(store.checkpoints().await.unwrap(), []);
        assert_eq!(store.latest_checkpoint().await.unwrap(), None);

        let [five, two, nine] = [5, 2, 9].map(|size| signed_checkpoint(size, "entry"));
        for checkpoint in [&five, &two, &nine] {
            store.insert_checkpoint(checkpoint).await.unwrap();
        }
        assert_eq!(store.checkpoints().await.unwrap(), [two.clone(), five.clone(), nine.clone()]);
        assert_eq!(store.latest_checkpoint().await.unwrap(), Some(nine.clone()));

        // A second checkpoint of a size already checkpointed (another
        // process signing the same tree) changes nothing.
        let mut another_five = signed_checkpoint(5, "other");
        another_five.created_at = Timestamp::from_microsecond(1_900_000_000_000_000).unwrap();
        store.insert_checkpoint(&another_five).await.unwrap();
        store.insert_checkpoint(&five).await.unwrap();
        assert_eq!(store.checkpoints().await.unwrap(), [two, five, nine.clone()]);
        assert_eq!(store.latest_checkpoint().await.unwrap(), Some(nine));
    }
}

mod opening {
    //! Opening a store: backends chosen by URL, errors that say what to do.

    use std::time::Duration;

    use liuhen_store::{Backend, StoreError};

    use crate::support::{Database, Directory, Writer};

    on_every_backend!(reopening_keeps_everything(database));

    /// A store opened again (a restart, or a second process) finds
    /// everything, and running the migrations again is harmless.
    async fn reopening_keeps_everything(database: &Database) {
        let directory = Directory::new();
        let mut writer = Writer::new(database.store.clone());
        writer.record_mutations(directory.mutations()).await;
        let reopened = database.open_again().await;
        assert_eq!(reopened.backend(), database.store.backend());
        assert_eq!(reopened.agencies().await.unwrap(), vec![directory.agency]);
        assert_eq!(reopened.users().await.unwrap().len(), 3);
        crate::support::assert_ledger_is(reopened.as_ref(), &writer.committed).await;
    }

    #[tokio::test]
    async fn an_unknown_scheme_is_a_bad_url() {
        match liuhen_store::open("mysql://x").await {
            Err(StoreError::BadUrl(url)) => assert_eq!(url, "mysql://x"),
            Err(other) => panic!("mysql://x gave {other}"),
            Ok(_) => panic!("mysql://x opened a store"),
        }
        let message = liuhen_store::open("mysql://x").await.err().unwrap().to_string();
        assert!(message.contains("postgres://"), "{message}");
    }

    #[tokio::test]
    async fn an_unreachable_postgres_is_named_without_its_password() {
        // Nothing listens on port 1. The password is in the user part of one
        // URL and in a query parameter of the other; both are tried at once.
        let in_user_part = "postgres://u:secret@127.0.0.1:1/db";
        let in_query = "postgres://u@127.0.0.1:1/db?sslmode=disable&password=secret";
        let (first, second) = tokio::time::timeout(Duration::from_secs(60), async {
            tokio::join!(liuhen_store::open(in_user_part), liuhen_store::open(in_query))
        })
        .await
        .expect("opening an unreachable database gives up by itself");
        for (url, result) in [(in_user_part, first), (in_query, second)] {
            let error = match result {
                Err(error) => error,
                Ok(_) => panic!("a store opened on port 1 ({url})"),
            };
            assert!(matches!(error, StoreError::Unreachable { .. }), "{url}: {error:?}");
            let message = error.to_string();
            assert!(message.contains("127.0.0.1:1/db"), "{message}");
            assert!(message.contains("Check that the database server is running"), "{message}");
            let mut everything = format!("{message}\n{error:?}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                everything.push_str(&format!("\n{cause}"));
                source = cause.source();
            }
            assert!(!everything.contains("secret"), "{url} leaked its password: {everything}");
        }
    }

    /// A server that answers but refuses says what to correct, not that
    /// it may be down: a database it does not have, a user it does not know.
    #[tokio::test]
    async fn a_postgres_that_refuses_says_what_to_correct() {
        let admin = std::env::var("LIUHEN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let (server, _) = admin.rsplit_once('/').expect("the test URL names a database");
        let no_database = format!("{server}/liuhen_no_such_database");
        let no_user = admin.replacen("://postgres", "://liuhen_no_such_user:secret", 1);
        for (url, expected) in [(no_database.as_str(), "createdb"), (no_user.as_str(), "user name")] {
            let error = match liuhen_store::open(url).await {
                Err(error) => error,
                Ok(_) => panic!("a store opened on {url}"),
            };
            let message = error.to_string();
            assert!(matches!(error, StoreError::Refused { .. }), "{url}: {error:?}");
            assert!(message.contains(expected) && message.contains("database_url"), "{message}");
            assert!(!message.contains("is running") && !message.contains("secret"), "{message}");
        }
    }

    #[tokio::test]
    async fn sqlite_in_a_missing_folder_says_so() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("no-such-folder").join("liuhen.db");
        let error = match liuhen_store::open(&path.display().to_string()).await {
            Err(error) => error,
            Ok(_) => panic!("a store opened in a folder that does not exist"),
        };
        let message = error.to_string();
        assert!(matches!(error, StoreError::BadUrl(_)), "{error:?}");
        assert!(message.contains("does not exist") && message.contains("liuhen init"), "{message}");
        assert!(!directory.path().join("no-such-folder").exists(), "opening must not create the folder");
    }

    #[tokio::test]
    async fn a_sqlite_url_and_a_plain_path_open_the_same_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("liuhen.db");
        let plain = liuhen_store::open(&path.display().to_string()).await.unwrap();
        assert_eq!(plain.backend(), Backend::Sqlite);
        let agency = Directory::new().agency;
        Writer::new(plain.clone()).record_mutations([liuhen_core::mutation::Mutation::CreateAgency(agency.clone())]).await;
        let by_url = liuhen_store::open(&format!("sqlite://{}", path.display())).await.unwrap();
        assert_eq!(by_url.backend(), Backend::Sqlite);
        assert_eq!(by_url.agencies().await.unwrap(), vec![agency]);
    }
}
