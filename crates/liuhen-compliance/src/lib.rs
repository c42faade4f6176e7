//! Compliance work (合规检查): the service behind `liuhen compliance …`,
//! `liuhen recording label` and `/api/v1/compliance`.
//!
//! It loads the recorded facts from the store, runs the pack in force over
//! them ([`liuhen_core::compliance::evaluate`]) and keeps the findings:
//! [`refresh`] raises what is newly found and resolves what new facts
//! answer, each as a ledger entry; [`waive`] records an explanation an
//! authorised person accepted. Findings are never deleted or edited.
//!
//! **Invariant:** a finding is resolved only by new facts (the engine no
//! longer finds it) or by a recorded waiver naming who accepted which
//! explanation; a waived breach is not raised again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::case::{Case, RecordedItem};
use liuhen_core::compliance::report::{
    av_checklist as build_checklist, misconduct_report as build_report, AvChecklist, ChecklistContext, MisconductReport,
};
use liuhen_core::compliance::{
    evaluate, CaseFacts, Evaluation, Facts, Finding, FindingResolution, ResolutionKind, StoredFinding, Upcoming,
};
use liuhen_core::entity::{Device, Officer, OfficerRole, Unit};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{FindingId, MediaId, UnitId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::pack::{fill, PolicyPack};
use liuhen_core::recording::{DutyLogEntry, InterruptionNote, Recording, RecordingLabel};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{FindingQuery, MetaStore, RecordingQuery, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub mod devices;
pub mod spot_check;
pub mod statistics;

/// Longest explanation or label accepted, in characters.
pub const MAX_TEXT: usize = 2000;

/// Why a compliance request was not carried out. Nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The person may not do this (e.g. waive a finding).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub type Result<T, E = ComplianceError> = std::result::Result<T, E>;

/// The facts of an instance, loaded once for an evaluation.
#[derive(Clone, Debug, Default)]
pub struct OwnedFacts {
    pub units: Vec<Unit>,
    pub officers: Vec<Officer>,
    pub devices: Vec<Device>,
    pub recordings: Vec<Recording>,
    pub interruption_notes: Vec<InterruptionNote>,
    pub labels: Vec<RecordingLabel>,
    pub duty_log: Vec<DutyLogEntry>,
    pub cases: Vec<CaseFacts>,
    pub spot_check_reviews: Vec<liuhen_core::supervision::SpotCheckReview>,
}

impl OwnedFacts {
    pub fn facts(&self, now: Timestamp) -> Facts<'_> {
        Facts {
            now,
            officers: &self.officers,
            devices: &self.devices,
            recordings: &self.recordings,
            interruption_notes: &self.interruption_notes,
            labels: &self.labels,
            duty_log: &self.duty_log,
            cases: &self.cases,
            spot_check_reviews: &self.spot_check_reviews,
        }
    }
}

/// Findings raised or resolved at once by a refresh: enough for the
/// ledger's group commit to fill its batches.
const IN_FLIGHT: usize = 512;

/// Reads every fact the engine looks at.
pub async fn load_facts(store: &dyn MetaStore) -> Result<OwnedFacts> {
    let mut cases = Vec::new();
    // A thousand cases' files at a time: five reads each, not five per case.
    let every = store.cases().await?;
    for chunk in every.chunks(1000) {
        let ids: Vec<liuhen_core::id::CaseId> = chunk.iter().map(|case| case.id).collect();
        let mut files = store.case_files(&ids).await?;
        for case in chunk {
            cases.push(facts_of(case.clone(), files.remove(&case.id).unwrap_or_default()));
        }
    }
    Ok(OwnedFacts {
        units: store.units().await?,
        officers: store.officers().await?,
        devices: store.devices().await?,
        recordings: store.recordings(&RecordingQuery::default()).await?,
        interruption_notes: store.interruption_notes(None).await?,
        labels: store.recording_labels(None).await?,
        duty_log: store.duty_log(None).await?,
        cases,
        spot_check_reviews: store.spot_check_reviews(None).await?,
    })
}

/// Everything recorded about one case.
pub async fn case_facts(store: &dyn MetaStore, case: Case) -> Result<CaseFacts> {
    let file = store.case_files(&[case.id]).await?.remove(&case.id).unwrap_or_default();
    Ok(facts_of(case, file))
}

/// A case and its file, as the engine takes them.
fn facts_of(case: Case, file: liuhen_store::CaseFile) -> CaseFacts {
    let liuhen_store::CaseFile { steps, approvals, links, documents, signatures } = file;
    CaseFacts { case, steps, approvals, links, documents, signatures }
}

/// Runs the pack over the facts as they stand at `now`, storing nothing.
pub async fn evaluate_now(store: &dyn MetaStore, pack: &PolicyPack, now: Timestamp) -> Result<Evaluation> {
    let facts = load_facts(store).await?;
    Ok(evaluate(pack, &facts.facts(now)))
}

/// What a refresh changed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Refresh {
    pub raised: Vec<StoredFinding>,
    pub resolved: Vec<StoredFinding>,
    /// Findings open after the refresh.
    pub open: usize,
    /// Deadlines not yet passed.
    pub upcoming: Vec<Upcoming>,
}

/// Brings the stored findings up to date with the facts at `now`: raises
/// each breach not yet on record (or found again after new facts had
/// answered it), and resolves each open finding the engine no longer finds.
/// A breach someone waived stays waived. Each change is one ledger entry.
pub async fn refresh(ledger: &Ledger, pack: &PolicyPack, now: Timestamp, actor: &str) -> Result<Refresh> {
    let store = ledger.store().as_ref();
    let evaluation = evaluate_now(store, pack, now).await?;
    let stored = store.findings(&FindingQuery::default()).await?;
    // The latest finding of each key, and how many there were.
    let mut latest: HashMap<&str, (&StoredFinding, u32)> = HashMap::new();
    for finding in &stored {
        let entry = latest.entry(finding.finding.key.as_str()).or_insert((finding, 0));
        if finding.generation >= entry.0.generation {
            entry.0 = finding;
        }
        entry.1 += 1;
    }
    let found: BTreeSet<&str> = evaluation.findings.iter().map(|finding| finding.key.as_str()).collect();
    let mut refresh = Refresh { upcoming: evaluation.upcoming.clone(), ..Refresh::default() };

    let mut raises = Vec::new();
    for finding in &evaluation.findings {
        let generation = match latest.get(finding.key.as_str()) {
            None => 0,
            // Open under the pack in force: on record already. Open under a
            // pack no longer in force: raised anew here, resolved below.
            Some((last, _)) if last.resolution.is_none() && last.finding.pack_id == pack.id => continue,
            Some((last, _)) if last.resolution.as_ref().is_some_and(|resolution| resolution.kind == ResolutionKind::Waiver) => continue,
            Some((last, count)) => (last.generation + 1).max(*count),
        };
        raises.push(StoredFinding {
            id: FindingId::new(),
            generation,
            finding: finding.clone(),
            raised_at: now,
            raised_by: actor.to_owned(),
            resolution: None,
        });
    }
    // Many at once, so that the sequencer commits them together (one sync
    // for many entries, not one each); still one entry per finding.
    let raised: Vec<std::result::Result<Option<StoredFinding>, LedgerError>> = futures::stream::iter(raises)
        .map(|stored| async move {
            match ledger.record(raised_entry(actor, &stored), vec![Mutation::RaiseFinding(Box::new(stored.clone()))]).await {
                Ok(_) => Ok(Some(stored)),
                // Another refresh raised it first: it is on record either way.
                Err(LedgerError::Store(StoreError::Conflict(_))) => Ok(None),
                Err(error) => Err(error),
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    for outcome in raised {
        refresh.raised.extend(outcome?);
    }

    let mut resolutions = Vec::new();
    for finding in stored.iter().filter(|finding| finding.resolution.is_none()) {
        if found.contains(finding.finding.key.as_str()) && finding.finding.pack_id == pack.id {
            continue;
        }
        let note = if finding.finding.pack_id != pack.id {
            format!("现行规范包为 {}（{}），本项不再适用", pack.name, pack.version)
        } else {
            "已有新的事实表明符合规定".to_owned()
        };
        let resolution = FindingResolution {
            finding_id: finding.id,
            kind: ResolutionKind::Facts,
            note,
            officer_id: None,
            at: now,
            by: actor.to_owned(),
        };
        resolutions.push((finding.clone(), resolution));
    }
    let resolved: Vec<std::result::Result<Option<StoredFinding>, LedgerError>> = futures::stream::iter(resolutions)
        .map(|(finding, resolution)| async move {
            let mutation = Mutation::ResolveFinding(Box::new(resolution.clone()));
            match ledger.record(resolved_entry(actor, &finding, &resolution), vec![mutation]).await {
                Ok(_) => Ok(Some(StoredFinding { resolution: Some(resolution), ..finding })),
                Err(LedgerError::Store(StoreError::Conflict(_))) => Ok(None),
                Err(error) => Err(error),
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    for outcome in resolved {
        refresh.resolved.extend(outcome?);
    }
    refresh.open = store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await?.len();
    Ok(refresh)
}

fn subjects(draft: EntryDraft, finding: &StoredFinding) -> EntryDraft {
    let mut draft = draft.subject(finding.id.subject());
    if let Some(case) = finding.finding.case_id {
        draft = draft.subject(case.subject());
    }
    draft
}

fn raised_entry(actor: &str, stored: &StoredFinding) -> EntryDraft {
    let finding = &stored.finding;
    subjects(EntryDraft::new(actor, action::FINDING_RAISED), stored).payload(serde_json::json!({
        "key": finding.key, "generation": stored.generation, "rule_id": finding.rule_id, "check": finding.check,
        "source": finding.source.to_string(), "pack_id": finding.pack_id, "pack_version": finding.pack_version,
        "severity": finding.severity, "subject": finding.subject, "due": finding.due,
        // The message names people and files; the ledger keeps its digest.
        "message_sha256": hex::encode(Sha256::digest(finding.message.as_bytes())),
    }))
}

fn resolved_entry(actor: &str, stored: &StoredFinding, resolution: &FindingResolution) -> EntryDraft {
    subjects(EntryDraft::new(actor, action::FINDING_RESOLVED), stored).payload(serde_json::json!({
        "key": stored.finding.key, "kind": resolution.kind, "officer_id": resolution.officer_id,
        "note_sha256": hex::encode(Sha256::digest(resolution.note.as_bytes())),
    }))
}

/// Records that an authorised person (a leader, legal reviewer or
/// inspector, by badge number) accepted an explanation of a finding
/// (情况说明): the finding is resolved and the same breach is not raised again.
pub async fn waive(ledger: &Ledger, finding: FindingId, badge: &str, explanation: &str, actor: &str) -> Result<StoredFinding> {
    let store = ledger.store();
    let explanation = check_text("the explanation", explanation)?;
    if explanation.is_empty() {
        return Err(ComplianceError::Invalid("say what explains the finding (情况说明)".into()));
    }
    let stored = store
        .finding(finding)
        .await?
        .ok_or_else(|| ComplianceError::NotFound(format!("there is no finding {finding}; `liuhen compliance list` shows them")))?;
    if let Some(resolution) = &stored.resolution {
        return Err(ComplianceError::Invalid(format!(
            "finding {finding} was resolved already ({}, {})",
            resolution.kind.label_zh(),
            resolution.at
        )));
    }
    let officer = find_officer(store.as_ref(), badge).await?;
    if !matches!(officer.role, OfficerRole::Leader | OfficerRole::LegalReviewer | OfficerRole::Inspector) {
        return Err(ComplianceError::Refused(format!(
            "{} is not a leader, legal reviewer or inspector; only they accept explanations of findings",
            officer.name
        )));
    }
    let resolution = FindingResolution {
        finding_id: finding,
        kind: ResolutionKind::Waiver,
        note: explanation,
        officer_id: Some(officer.id),
        at: Timestamp::now(),
        by: actor.to_owned(),
    };
    ledger
        .record(resolved_entry(actor, &stored, &resolution), vec![Mutation::ResolveFinding(Box::new(resolution.clone()))])
        .await
        .map_err(|error| match error {
            LedgerError::Store(StoreError::Conflict(_)) => ComplianceError::Invalid(format!("finding {finding} was resolved meanwhile")),
            other => other.into(),
        })?;
    Ok(StoredFinding { resolution: Some(resolution), ..stored })
}

/// A label for an AV record that belongs to no case (信息标注, 厦门 五).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLabel {
    /// A media id or a SHA-256.
    pub media: String,
    pub item: RecordedItem,
    pub location: String,
    pub label: String,
    /// Badge number of the officer labelling it.
    #[serde(default)]
    pub officer: Option<String>,
}

/// Labels a recording, recorded as `recording.labeled`.
pub async fn label_recording(ledger: &Ledger, request: NewLabel, actor: &str) -> Result<RecordingLabel> {
    let store = ledger.store();
    let media = find_media(store.as_ref(), &request.media).await?;
    if store.recording(media).await?.is_none() {
        return Err(ComplianceError::NotFound(format!(
            "{} was stored but not offloaded from a device; only recordings are labelled",
            request.media
        )));
    }
    let label = check_text("the label", &request.label)?;
    if label.is_empty() {
        return Err(ComplianceError::Invalid("say what the recording shows (标注内容)".into()));
    }
    let location = check_text("the location", &request.location)?;
    let officer = match &request.officer {
        Some(badge) => Some(find_officer(store.as_ref(), badge).await?.id),
        None => None,
    };
    let sequence = store.recording_labels(Some(media)).await?.len() as u32;
    let recorded = RecordingLabel {
        media_id: media,
        sequence,
        item: request.item,
        location,
        label,
        officer_id: officer,
        labeled_at: Timestamp::now(),
        labeled_by: actor.to_owned(),
    };
    let draft = EntryDraft::new(actor, action::RECORDING_LABELED).subject(media.subject()).payload(serde_json::json!({
        "sequence": recorded.sequence, "item": recorded.item, "officer_id": recorded.officer_id,
        "label_sha256": hex::encode(Sha256::digest(recorded.label.as_bytes())),
    }));
    ledger.record(draft, vec![Mutation::LabelRecording(Box::new(recorded.clone()))]).await.map_err(|error| match error {
        LedgerError::Store(StoreError::Conflict(_)) => ComplianceError::Invalid("the recording was labelled meanwhile; try again".into()),
        other => other.into(),
    })?;
    Ok(recorded)
}

/// A duty log entry to record (执勤日志, 厦门 六（二）).
#[derive(Clone, Debug)]
pub struct NewDutyLog {
    /// Badge number of the officer whose log it is.
    pub officer: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub reason: String,
    pub case: Option<liuhen_core::id::CaseId>,
    /// Badge number of the leader it was reported to.
    pub reported_to: Option<String>,
}

/// The longest stretch one duty log entry may cover: a day's duty.
pub const MAX_DUTY_SPAN: SignedDuration = SignedDuration::from_hours(24);

/// Records that recording was impossible for a while and why, as
/// `duty.logged`. It answers missing AV records of the officer's cases and
/// interruptions of the officer's recording within its time.
pub async fn log_duty(ledger: &Ledger, request: NewDutyLog, actor: &str) -> Result<DutyLogEntry> {
    let store = ledger.store();
    let officer = find_officer(store.as_ref(), &request.officer).await?;
    let reason = check_text("the reason", &request.reason)?;
    if reason.chars().count() < 4 {
        return Err(ComplianceError::Invalid("say why recording was impossible, e.g. 暴雨，执法记录仪进水无法使用".into()));
    }
    if request.to <= request.from {
        return Err(ComplianceError::Invalid(format!("the entry ends ({}) before it starts ({})", request.to, request.from)));
    }
    if request.to.duration_since(request.from) > MAX_DUTY_SPAN {
        return Err(ComplianceError::Invalid("one duty log entry covers at most 24 hours; add one per day".into()));
    }
    let now = Timestamp::now();
    if request.from > now {
        return Err(ComplianceError::Invalid("a duty log entry records what happened; it cannot start in the future".into()));
    }
    let reported_to = match &request.reported_to {
        Some(badge) => {
            let leader = find_officer(store.as_ref(), badge).await?;
            if leader.role != OfficerRole::Leader {
                return Err(ComplianceError::Invalid(format!(
                    "{} is not a leader (负责人); name the leader it was reported to",
                    leader.name
                )));
            }
            Some(leader.id)
        }
        None => None,
    };
    if let Some(case) = request.case {
        if store.case(case).await?.is_none() {
            return Err(ComplianceError::NotFound(format!("there is no case {case}")));
        }
    }
    let sequence = store.duty_log(Some(officer.id)).await?.len() as u32;
    let entry = DutyLogEntry {
        officer_id: officer.id,
        sequence,
        from: request.from,
        to: request.to,
        reason,
        case_id: request.case,
        reported_to,
        recorded_at: now,
        recorded_by: actor.to_owned(),
    };
    let mut draft = EntryDraft::new(actor, action::DUTY_LOGGED).subject(officer.id.subject());
    if let Some(case) = entry.case_id {
        draft = draft.subject(case.subject());
    }
    let draft = draft.payload(serde_json::json!({
        "sequence": entry.sequence, "from": entry.from, "to": entry.to, "reported_to": entry.reported_to,
        "reason_sha256": hex::encode(Sha256::digest(entry.reason.as_bytes())),
    }));
    ledger.record(draft, vec![Mutation::RecordDutyLog(Box::new(entry.clone()))]).await.map_err(|error| match error {
        LedgerError::Store(StoreError::Conflict(_)) => {
            ComplianceError::Invalid("another entry was added to this log meanwhile; try again".into())
        }
        other => other.into(),
    })?;
    Ok(entry)
}

/// Records which pack is in force from now on (`pack.selected`).
pub async fn record_selection(ledger: &Ledger, pack: &PolicyPack, actor: &str) -> Result<()> {
    let draft = EntryDraft::new(actor, action::PACK_SELECTED)
        .payload(serde_json::json!({"pack_id": pack.id, "version": pack.version, "sha256": pack.sha256, "name": pack.name}));
    ledger.record(draft, Vec::new()).await?;
    Ok(())
}

/// Upcoming deadlines falling due within `horizon` of `now`.
pub async fn deadlines(store: &dyn MetaStore, pack: &PolicyPack, now: Timestamp, horizon: SignedDuration) -> Result<Vec<Upcoming>> {
    let until = now.checked_add(horizon).unwrap_or(Timestamp::MAX);
    Ok(evaluate_now(store, pack, now).await?.upcoming.into_iter().filter(|upcoming| upcoming.due <= until).collect())
}

/// The AV record checklist of a case (厦门 附件2).
pub async fn av_checklist(store: &dyn MetaStore, pack: &PolicyPack, case: Case, offset: Offset) -> Result<AvChecklist> {
    let agency =
        store.agencies().await?.into_iter().find(|agency| agency.id == case.agency_id).map(|agency| agency.name).unwrap_or_default();
    let facts = case_facts(store, case).await?;
    let mut recordings = Vec::new();
    let mut sha256 = BTreeMap::new();
    for link in &facts.links {
        if let Some(recording) = store.recording(link.media_id).await? {
            recordings.push(recording);
        }
        if let Some(media) = store.media(link.media_id).await? {
            sha256.insert(link.media_id.to_string(), media.sha256.to_string());
        }
    }
    let units = store.units().await?;
    let officers = store.officers().await?;
    let context =
        ChecklistContext { agency: &agency, units: &units, officers: &officers, recordings: &recordings, sha256: &sha256, offset };
    Ok(build_checklist(pack, &facts, &context))
}

/// The misconduct findings report of a unit (and the units under it), or
/// of the whole agency, for findings raised from `from` to `to` (local
/// dates, inclusive).
pub async fn misconduct_report(
    store: &dyn MetaStore,
    pack: &PolicyPack,
    unit: Option<UnitId>,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    offset: Offset,
) -> Result<MisconductReport> {
    if to < from {
        return Err(ComplianceError::Invalid(format!("the period ends ({to}) before it starts ({from})")));
    }
    let zone = offset.to_time_zone();
    let start = from.to_zoned(zone.clone()).map_err(|error| ComplianceError::Invalid(error.to_string()))?.timestamp();
    let end = to.tomorrow().and_then(|day| day.to_zoned(zone)).map_err(|error| ComplianceError::Invalid(error.to_string()))?.timestamp();
    let units = store.units().await?;
    let within: Option<BTreeSet<UnitId>> = unit.map(|root| subtree(&units, root));
    let findings: Vec<StoredFinding> = store
        .findings(&FindingQuery { raised_from: Some(start), raised_to: Some(end), ..FindingQuery::default() })
        .await?
        .into_iter()
        .filter(|stored| match (&within, stored.finding.unit_id) {
            (None, _) => true,
            (Some(units), Some(unit)) => units.contains(&unit),
            (Some(_), None) => false,
        })
        .collect();
    let agency = store.agencies().await?.into_iter().next().map(|agency| agency.name).unwrap_or_default();
    let unit_name = match unit {
        Some(id) => units.iter().find(|unit| unit.id == id).map(|unit| unit.name.clone()).unwrap_or_default(),
        None => "全部单位".to_owned(),
    };
    let officers = store.officers().await?;
    Ok(build_report(pack, &agency, &unit_name, &from.to_string(), &to.to_string(), &findings, &officers, offset))
}

/// A unit and every unit under it.
pub fn subtree(units: &[Unit], root: UnitId) -> BTreeSet<UnitId> {
    liuhen_core::statistics::subtree(units, root)
}

/// Where and when an opening statement is said, besides the case.
#[derive(Clone, Copy, Debug)]
pub struct Occasion<'a> {
    pub officers: &'a [Officer],
    pub agency: &'a str,
    /// 具体地点.
    pub place: &'a str,
    /// The document served or the decision executed.
    pub document: &'a str,
    pub when: Timestamp,
    pub offset: Offset,
}

/// The opening statement (口述内容, 厦门 附件1) the pack gives for `item`,
/// as (title, script), filled in from the case: date and time, the handling
/// officers and their certificate numbers, the party, the place and the
/// agency.
pub fn opening_statement(pack: &PolicyPack, item: RecordedItem, case: &Case, occasion: &Occasion<'_>) -> Option<(String, String)> {
    let Occasion { officers, agency, place, document, when, offset } = *occasion;
    let statement = pack.opening_statements.iter().find(|statement| statement.item == item)?;
    let local = when.to_zoned(offset.to_time_zone());
    let handlers: Vec<&Officer> = case.handlers.iter().filter_map(|id| officers.iter().find(|officer| officer.id == *id)).collect();
    let values: BTreeMap<&str, String> = [
        ("date", format!("{}年{}月{}日", local.year(), local.month(), local.day())),
        ("period", if local.hour() < 12 { "上午" } else { "下午" }.to_owned()),
        ("hour", (if local.hour() > 12 { local.hour() - 12 } else { local.hour() }).to_string()),
        ("officers", handlers.iter().map(|officer| officer.name.as_str()).collect::<Vec<_>>().join("、")),
        ("certificates", handlers.iter().filter_map(|officer| officer.certificate_no.as_deref()).collect::<Vec<_>>().join("、")),
        ("party", case.parties.iter().map(|party| party.name.as_str()).collect::<Vec<_>>().join("、")),
        ("place", place.to_owned()),
        ("agency", agency.to_owned()),
        ("document", document.to_owned()),
        ("decision", document.to_owned()),
    ]
    .into_iter()
    .collect();
    Some((statement.title.clone(), fill(&statement.script, &values)))
}

/// Findings of one case, or all, as stored.
pub async fn findings(store: &dyn MetaStore, query: &FindingQuery) -> Result<Vec<StoredFinding>> {
    Ok(store.findings(query).await?)
}

/// Chinese text for a finding's state.
pub fn status_zh(finding: &StoredFinding) -> &'static str {
    finding.resolution.as_ref().map_or("未整改", |resolution| resolution.kind.label_zh())
}

/// A finding's one-line summary: article, message.
pub fn summary(finding: &Finding) -> String {
    format!("[{}] {}", finding.source.short_zh(), finding.message)
}

async fn find_officer(store: &dyn MetaStore, badge: &str) -> Result<Officer> {
    store.officers().await?.into_iter().find(|officer| officer.badge_no == badge.trim()).ok_or_else(|| {
        ComplianceError::NotFound(format!("there is no officer with badge number {badge}; `liuhen officer list` shows the officers"))
    })
}

async fn find_media(store: &dyn MetaStore, reference: &str) -> Result<MediaId> {
    if let Ok(id) = reference.parse::<MediaId>() {
        if store.media(id).await?.is_some() {
            return Ok(id);
        }
    }
    if let Ok(digest) = reference.parse() {
        if let Some(media) = store.media_by_sha256(&digest).await? {
            return Ok(media.id);
        }
    }
    Err(ComplianceError::NotFound(format!("there is no stored file {reference}; give its media id or SHA-256")))
}

/// Trims a text field and refuses control characters; CR LF line breaks
/// (a browser's text area) are kept as LF.
fn check_text(what: &str, text: &str) -> Result<String> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() > MAX_TEXT {
        return Err(ComplianceError::Invalid(format!("{what} is longer than {MAX_TEXT} characters")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ComplianceError::Invalid(format!("{what} contains control characters")));
    }
    Ok(text.to_owned())
}
