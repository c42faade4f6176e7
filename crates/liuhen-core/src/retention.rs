//! Retention (保存期限), legal holds (冻结/长期保存) and disposal (销毁).
//!
//! Each AV record falls into one of the pack's retention classes (patrol,
//! evidence, important, long-term); the class says how long it is kept and
//! when that clock starts (叶县 第十二条; 丰台 第二十四条). A legal hold placed
//! for a dispute, a complaint, obstruction, a mass incident or litigation
//! (叶县 第十三条) keeps a record however old it is. Only an expired, unheld
//! record may be disposed of, only on an approved disposal list, and its
//! tombstone (hash, size, metadata, approval) stays in the ledger.
//!
//! Pure: the caller gathers the facts and passes the time in.

use jiff::tz::TimeZone;
use jiff::{SpanFieldwise, Timestamp};
use serde::{Deserialize, Serialize};

use crate::access::Target;
use crate::entity::MediaRecord;
use crate::id::{CaseId, DisposalId, HoldId, MediaId, UserId};
use crate::pack::{ClockStart, Keep, PolicyPack, RetentionKind};

/// Why a hold is placed (叶县 第十三条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// 当事人有异议
    Dispute,
    /// 投诉、上访
    Complaint,
    /// 阻碍执法
    Obstruction,
    /// 群体性事件、突发事件
    MassIncident,
    /// 行政复议、行政诉讼
    Litigation,
    /// 其他需要长期保存的重要情况
    Other,
}

impl HoldReason {
    pub const ALL: [HoldReason; 6] = [
        HoldReason::Dispute,
        HoldReason::Complaint,
        HoldReason::Obstruction,
        HoldReason::MassIncident,
        HoldReason::Litigation,
        HoldReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Dispute => "dispute",
            HoldReason::Complaint => "complaint",
            HoldReason::Obstruction => "obstruction",
            HoldReason::MassIncident => "mass_incident",
            HoldReason::Litigation => "litigation",
            HoldReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HoldReason::Dispute => "当事人有异议",
            HoldReason::Complaint => "投诉、上访",
            HoldReason::Obstruction => "阻碍执法",
            HoldReason::MassIncident => "群体性事件",
            HoldReason::Litigation => "复议、诉讼",
            HoldReason::Other => "其他重要情况",
        }
    }
}

impl std::str::FromStr for HoldReason {
    type Err = crate::access::UnknownWord;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        HoldReason::ALL.into_iter().find(|r| r.as_str() == text || r.label() == text).ok_or_else(|| crate::access::UnknownWord {
            what: "hold reason",
            word: text.to_owned(),
            accepted: HoldReason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// A legal hold on a record or a case (all its linked records).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    pub id: HoldId,
    pub target: Target,
    pub reason: HoldReason,
    pub note: String,
    pub placed_at: Timestamp,
    /// The ledger actor who placed it.
    pub placed_by: String,
    pub released: Option<HoldRelease>,
}

/// The end of a hold: the dispute settled, the judgment final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRelease {
    pub hold: HoldId,
    pub note: String,
    pub at: Timestamp,
    pub by: String,
}

impl LegalHold {
    pub fn in_force(&self) -> bool {
        self.released.is_none()
    }

    /// Whether this hold keeps the record `media`, which belongs to `cases`.
    pub fn covers(&self, media: MediaId, cases: &[CaseId]) -> bool {
        self.in_force()
            && match self.target {
                Target::Media(id) => id == media,
                Target::Case(case) => cases.contains(&case),
                Target::Document(_) => false,
            }
    }
}

/// The clocks of a case a record is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseClock {
    pub case: CaseId,
    pub archived_at: Option<Timestamp>,
    /// When the final decision was served on the party, if it was.
    pub decision_served_at: Option<Timestamp>,
}

/// What retention needs to know about one stored record.
#[derive(Clone, Debug)]
pub struct RetentionFacts<'a> {
    pub media: &'a MediaRecord,
    /// The end of the recording on the workstation's clock; for files that
    /// are not recordings, when they were stored.
    pub ended_at: Timestamp,
    /// Marked important on the camera or by an officer.
    pub important: bool,
    /// The cases it is linked to (used as evidence in).
    pub cases: Vec<CaseClock>,
}

/// When a record may go, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expiry {
    pub media: MediaId,
    pub class: Option<RetentionKind>,
    /// The earliest time it may be disposed of by its class; `None` while it
    /// must be kept with no end in sight (kept indefinitely, as long as its
    /// case file, its clock not started yet). A hold does not change it:
    /// [`Expiry::expired`] is what takes holds into account.
    pub expires_at: Option<Timestamp>,
    /// Holds in force on it.
    pub holds: Vec<HoldId>,
    /// The pack's article for its class, e.g. `叶县 第十二条`.
    pub source: Option<String>,
    /// Why it has no end, in a sentence, when `expires_at` is `None`.
    pub kept_because: Option<String>,
}

impl Expiry {
    /// Whether it may be disposed of at `now`.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.holds.is_empty() && self.expires_at.is_some_and(|at| at <= now)
    }
}

/// The class a record falls in: evidence if linked to a case, important if
/// marked so, patrol otherwise — each only if the pack has that class,
/// else the next one down.
fn class_of(pack: &PolicyPack, facts: &RetentionFacts<'_>) -> Option<RetentionKind> {
    let has = |kind: RetentionKind| pack.retention.iter().any(|class| class.class == kind);
    let mut wanted = Vec::new();
    if !facts.cases.is_empty() {
        wanted.push(RetentionKind::Evidence);
    }
    if facts.important {
        wanted.push(RetentionKind::Important);
    }
    wanted.push(RetentionKind::Patrol);
    wanted.into_iter().find(|kind| has(*kind))
}

/// Adds a pack period to a time, on the calendar of China (UTC+8): a year
/// from 29 February ends on 28 February.
fn add_span(start: Timestamp, span: &SpanFieldwise) -> Option<Timestamp> {
    let zone = TimeZone::fixed(jiff::tz::offset(8));
    start.to_zoned(zone).checked_add(span.0).ok().map(|zoned| zoned.timestamp())
}

/// Computes when a record expires under `pack`, given the holds on file.
pub fn expiry(pack: &PolicyPack, facts: &RetentionFacts<'_>, holds: &[LegalHold]) -> Expiry {
    let case_ids: Vec<CaseId> = facts.cases.iter().map(|clock| clock.case).collect();
    let holds: Vec<HoldId> = holds.iter().filter(|hold| hold.covers(facts.media.id, &case_ids)).map(|hold| hold.id).collect();
    let mut expiry = Expiry { media: facts.media.id, class: None, expires_at: None, holds, source: None, kept_because: None };
    let Some(kind) = class_of(pack, facts) else {
        expiry.kept_because = Some(format!("the pack {} sets no retention class for it, so it is kept", pack.id));
        return expiry;
    };
    let class = pack.retention.iter().find(|class| class.class == kind).expect("class_of picks a class the pack has");
    expiry.class = Some(kind);
    expiry.source = Some(class.source.to_string());
    // For evidence, each case's clock counts; the record stays until the
    // last of them has run.
    let starts: Vec<Option<Timestamp>> = match class.starts {
        ClockStart::RecordingEnd => vec![Some(facts.ended_at)],
        ClockStart::CaseArchived if kind == RetentionKind::Evidence => facts.cases.iter().map(|clock| clock.archived_at).collect(),
        ClockStart::FinalDecisionServed if kind == RetentionKind::Evidence => {
            facts.cases.iter().map(|clock| clock.decision_served_at.or(clock.archived_at)).collect()
        }
        ClockStart::CaseArchived | ClockStart::FinalDecisionServed => vec![Some(facts.ended_at)],
    };
    match &class.keep {
        Keep::Indefinitely => expiry.kept_because = Some("长期保存: kept indefinitely".to_owned()),
        Keep::AsCaseFile => {
            expiry.kept_because = Some("与案卷保存期限相同: kept as long as its case file, which the archive keeps".to_owned())
        }
        Keep::AtLeast(span) => {
            let mut latest: Option<Timestamp> = None;
            for start in &starts {
                let Some(start) = start else {
                    expiry.kept_because = Some("its case is not concluded yet, so its retention clock has not started".to_owned());
                    return expiry;
                };
                let Some(end) = add_span(*start, span) else {
                    expiry.kept_because = Some("its retention period runs past the calendar's end".to_owned());
                    return expiry;
                };
                latest = Some(latest.map_or(end, |l| l.max(end)));
            }
            expiry.expires_at = latest;
        }
    }
    expiry
}

/// A disposal list (销毁清单): expired records proposed for deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalList {
    pub id: DisposalId,
    pub media: Vec<MediaId>,
    pub proposed_at: Timestamp,
    pub proposed_by: String,
    pub approval: Option<DisposalApproval>,
}

/// The approval of a disposal list, by someone other than who proposed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalApproval {
    pub list: DisposalId,
    pub approver: UserId,
    pub approver_name: String,
    pub note: String,
    pub at: Timestamp,
}

/// What stays of a disposed record: enough to prove what it was and that
/// its deletion was approved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub media: MediaRecord,
    pub list: DisposalId,
    pub approver: UserId,
    pub class: Option<RetentionKind>,
    pub expired_at: Timestamp,
    pub disposed_at: Timestamp,
    pub disposed_by: String,
}

/// What the vault's bucket was asked to keep of one record's blob (S3
/// Object Lock, 对象锁定): its retain-until date in compliance mode and its
/// legal hold. Recorded after the bucket accepted it, so the next lock pass
/// sends only what changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobLock {
    pub media: MediaId,
    /// The latest retain-until date the bucket accepted. The bucket can only
    /// extend it, so it never goes down.
    pub retain_until: Option<Timestamp>,
    pub legal_hold: bool,
    pub at: Timestamp,
    /// The ledger actor who set it.
    pub by: String,
}

/// The lock a record needs now: a retain-until date at its expiry, and a
/// legal hold while it is held or kept with no end in sight (kept
/// indefinitely, as long as its case file, its clock not started). A date
/// already past is not set (the bucket refuses it, and it protects nothing).
pub fn wanted_lock(expiry: &Expiry, now: Timestamp) -> (Option<Timestamp>, bool) {
    let hold = !expiry.holds.is_empty() || expiry.expires_at.is_none();
    (expiry.expires_at.filter(|at| *at > now), hold)
}

/// The requests that bring a blob from the lock it has (`known`, `None` if
/// it was never locked) to the one it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockChange {
    /// A retain-until date to set: only ever later than the one it has.
    pub retain_until: Option<Timestamp>,
    /// A legal hold to put on (`true`) or take off (`false`).
    pub legal_hold: Option<bool>,
}

impl LockChange {
    /// What to ask of the bucket, or `None` when the blob's lock already
    /// is what it needs (or more: a date is never shortened). With
    /// `again`, everything it needs is sent whatever it has, to repair a
    /// bucket whose locks may not be what was recorded.
    pub fn needed(known: Option<&BlobLock>, wanted: (Option<Timestamp>, bool), again: bool) -> Option<LockChange> {
        let (until, hold) = wanted;
        let known_until = known.and_then(|lock| lock.retain_until);
        let known_hold = known.is_some_and(|lock| lock.legal_hold);
        let change = if again {
            // A hold is always stated, so that one left on by hand comes
            // off; a date never earlier than the one the bucket accepted,
            // which it would refuse.
            LockChange { retain_until: until.map(|until| known_until.map_or(until, |known| until.max(known))), legal_hold: Some(hold) }
        } else {
            LockChange {
                retain_until: until.filter(|until| known_until.is_none_or(|known| *until > known)),
                legal_hold: (hold != known_hold).then_some(hold),
            }
        };
        (change.retain_until.is_some() || change.legal_hold.is_some()).then_some(change)
    }

    /// The record of the blob's lock once the bucket accepted this change.
    pub fn applied(&self, known: Option<&BlobLock>, media: MediaId, by: &str, at: Timestamp) -> BlobLock {
        let known_until = known.and_then(|lock| lock.retain_until);
        BlobLock {
            media,
            retain_until: known_until.max(self.retain_until),
            legal_hold: self.legal_hold.unwrap_or(known.is_some_and(|lock| lock.legal_hold)),
            at,
            by: by.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;

    use super::*;
    use crate::digest::{sha256, Sm3Digest};
    use crate::pack::BUILTIN;

    fn pack(id: &str) -> PolicyPack {
        let (name, _) = BUILTIN.iter().find(|(name, _)| name.contains(id)).expect("built-in pack");
        PolicyPack::builtin(name).unwrap().expect("pack parses")
    }

    fn media() -> MediaRecord {
        MediaRecord {
            id: MediaId::new(),
            sha256: sha256(b"clip"),
            sm3: Sm3Digest([0; 32]),
            size: 4,
            original_name: None,
            stored_at: "2026-01-02T00:00:00Z".parse().unwrap(),
            stored_by: "device:x".to_owned(),
            source_device: None,
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn patrol_footage_expires_after_the_packs_period() {
        let media = media();
        let facts = RetentionFacts { media: &media, ended_at: at("2024-02-29T04:00:00Z"), important: false, cases: vec![] };
        let yexian = expiry(&pack("yexian"), &facts, &[]);
        assert_eq!(yexian.class, Some(RetentionKind::Patrol));
        // One year on China's calendar from 29 February 12:00.
        assert_eq!(yexian.expires_at, Some(at("2025-02-28T04:00:00Z")));
        assert!(yexian.source.as_deref().unwrap().contains("第十二条"));
        assert!(!yexian.expired(at("2025-02-28T03:59:59Z")));
        assert!(yexian.expired(at("2025-02-28T04:00:00Z")));
        let fengtai = expiry(&pack("fengtai"), &facts, &[]);
        assert_eq!(fengtai.expires_at, Some(at("2024-08-29T04:00:00Z")));
    }

    #[test]
    fn evidence_follows_its_case() {
        let media = media();
        let case = CaseId::new();
        let open = CaseClock { case, archived_at: None, decision_served_at: None };
        let facts = RetentionFacts { media: &media, ended_at: at("2024-01-01T00:00:00Z"), important: false, cases: vec![open] };
        // 厦门: as long as the case file, never by this system's clock.
        let xiamen = expiry(&pack("xiamen"), &facts, &[]);
        assert_eq!(xiamen.class, Some(RetentionKind::Evidence));
        assert_eq!(xiamen.expires_at, None);
        assert!(xiamen.kept_because.is_some());
        // 丰台: six months from final service; not served yet, not started.
        let fengtai = expiry(&pack("fengtai"), &facts, &[]);
        assert_eq!(fengtai.expires_at, None);
        let served = CaseClock { case, archived_at: None, decision_served_at: Some(at("2025-03-01T00:00:00Z")) };
        let facts = RetentionFacts { cases: vec![served], ..facts };
        let fengtai = expiry(&pack("fengtai"), &facts, &[]);
        assert_eq!(
            fengtai.expires_at,
            Some(at("2025-03-01T00:00:00Z").to_zoned(TimeZone::fixed(jiff::tz::offset(8))).checked_add(6.months()).unwrap().timestamp())
        );
    }

    #[test]
    fn a_hold_keeps_a_record_until_released() {
        let media = media();
        let case = CaseId::new();
        let facts = RetentionFacts {
            media: &media,
            ended_at: at("2020-01-01T00:00:00Z"),
            important: false,
            cases: vec![CaseClock { case, archived_at: Some(at("2020-02-01T00:00:00Z")), decision_served_at: None }],
        };
        let mut hold = LegalHold {
            id: HoldId::new(),
            target: Target::Case(case),
            reason: HoldReason::Litigation,
            note: "行政诉讼".to_owned(),
            placed_at: at("2020-03-01T00:00:00Z"),
            placed_by: "user:x".to_owned(),
            released: None,
        };
        let now = at("2026-01-01T00:00:00Z");
        let held = expiry(&pack("fengtai"), &facts, std::slice::from_ref(&hold));
        assert_eq!(held.holds, vec![hold.id]);
        assert!(held.expires_at.is_some_and(|t| t < now));
        assert!(!held.expired(now), "a held record never expires");
        hold.released = Some(HoldRelease { hold: hold.id, note: "判决生效".to_owned(), at: now, by: "user:x".to_owned() });
        assert!(expiry(&pack("fengtai"), &facts, &[hold]).expired(now));
    }

    #[test]
    fn important_footage_uses_the_important_class_where_the_pack_has_one() {
        let media = media();
        let facts = RetentionFacts { media: &media, ended_at: at("2024-01-01T00:00:00Z"), important: true, cases: vec![] };
        let wenshang = expiry(&pack("wenshang"), &facts, &[]);
        assert_eq!(wenshang.class, Some(RetentionKind::Important));
        assert_eq!(wenshang.expires_at, Some(at("2025-01-01T00:00:00Z")));
        // 厦门 has no important class: patrol.
        assert_eq!(expiry(&pack("xiamen"), &facts, &[]).class, Some(RetentionKind::Patrol));
    }

    #[test]
    fn a_blob_is_locked_until_its_expiry_and_held_while_it_has_none() {
        let now = at("2026-01-01T00:00:00Z");
        let media = media().id;
        let mut expiry =
            Expiry { media, class: None, expires_at: Some(at("2027-01-01T00:00:00Z")), holds: vec![], source: None, kept_because: None };
        assert_eq!(wanted_lock(&expiry, now), (Some(at("2027-01-01T00:00:00Z")), false));
        expiry.holds.push(HoldId::new());
        assert_eq!(wanted_lock(&expiry, now), (Some(at("2027-01-01T00:00:00Z")), true));
        expiry.holds.clear();
        expiry.expires_at = None;
        assert_eq!(wanted_lock(&expiry, now), (None, true), "kept with no end: held");
        expiry.expires_at = Some(at("2025-06-01T00:00:00Z"));
        assert_eq!(wanted_lock(&expiry, now), (None, false), "a past date is not set");
    }

    #[test]
    fn only_what_changed_is_sent_and_a_date_is_never_shortened() {
        let media = media().id;
        let (june, july) = (at("2027-06-01T00:00:00Z"), at("2027-07-01T00:00:00Z"));
        let now = at("2026-01-01T00:00:00Z");
        // Never locked: the date, and no request for a hold it does not need.
        let first = LockChange::needed(None, (Some(june), false), false).expect("a new blob needs its date");
        assert_eq!(first, LockChange { retain_until: Some(june), legal_hold: None });
        let known = first.applied(None, media, "system:retention", now);
        assert_eq!((known.retain_until, known.legal_hold), (Some(june), false));
        // Nothing changed: nothing to send.
        assert_eq!(LockChange::needed(Some(&known), (Some(june), false), false), None);
        // An earlier date cannot be set and is not asked for.
        assert_eq!(LockChange::needed(Some(&known), (Some(at("2027-05-01T00:00:00Z")), false), false), None);
        // A later date and a hold: both, and the record keeps the later date.
        let later = LockChange::needed(Some(&known), (Some(july), true), false).unwrap();
        assert_eq!(later, LockChange { retain_until: Some(july), legal_hold: Some(true) });
        let held = later.applied(Some(&known), media, "system:retention", now);
        assert_eq!((held.retain_until, held.legal_hold), (Some(july), true));
        // The hold released, the date past: only the hold comes off.
        let released = LockChange::needed(Some(&held), (None, false), false).unwrap();
        assert_eq!(released, LockChange { retain_until: None, legal_hold: Some(false) });
        let after = released.applied(Some(&held), media, "system:retention", now);
        assert_eq!((after.retain_until, after.legal_hold), (Some(july), false), "the accepted date stays on record");
        // Again: everything is stated, whatever was recorded, but never a
        // date earlier than the one the bucket has (a shorter period now).
        assert_eq!(
            LockChange::needed(Some(&after), (Some(july), false), true),
            Some(LockChange { retain_until: Some(july), legal_hold: Some(false) })
        );
        assert_eq!(
            LockChange::needed(Some(&after), (Some(june), false), true),
            Some(LockChange { retain_until: Some(july), legal_hold: Some(false) })
        );
        assert_eq!(LockChange::needed(None, (None, false), true), Some(LockChange { retain_until: None, legal_hold: Some(false) }));
    }
}
