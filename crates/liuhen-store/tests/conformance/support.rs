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
pub use liuhen_store::testing::Database;
use liuhen_store::{CommitBatch, CommitItem, MetaStore, StoreError, StoredEntry};

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
