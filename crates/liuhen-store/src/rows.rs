//! Rows as the database gives them, and what they decode into: one tuple
//! type and one column list per table the reads share, the decoders that
//! turn a row into a domain value (a clear `StoreError::Corrupt` when a
//! stored value does not parse), and the small conversions both directions
//! need (microsecond times, enum texts, search patterns). Shared by both
//! backends through `impl_meta_store!` and `store_writes!`.

use jiff::Timestamp;
use liuhen_core::compliance::{FindingResolution, StoredFinding};
use liuhen_core::digest::{ContentDigests, Sha256Digest, Sm3Digest};
use liuhen_core::entity::{Agency, ApiToken, Device, MediaRecord, Officer, Role, Session, Unit, User};
use liuhen_core::entry::LedgerEntry;
use liuhen_core::id::MediaId;
use liuhen_core::merkle::Hash;
use liuhen_core::recording::RecordingLabel;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{StoreError, StoredCheckpoint, StoredEntry};

pub(crate) type AgencyRow = (String, String, String);
pub(crate) type UnitRow = (String, String, Option<String>, String, String);
pub(crate) type OfficerRow = (String, String, String, String, Option<String>, String, String, String);
pub(crate) type DeviceRow = (String, String, String, String, Option<String>, Option<String>, Option<String>);
pub(crate) type UserRow = (String, String, String, String, String, Option<String>, bool);
pub(crate) type MediaRow = (String, String, String, i64, Option<String>, i64, String, Option<String>);
/// `id, sha256, sm3, size` of a media row.
pub(crate) type MediaDigestsRow = (String, String, String, i64);
pub(crate) const MEDIA_DIGEST_COLUMNS: &str = "id, sha256, sm3, size";
pub(crate) type SessionRow = (String, String, String, i64, i64);
pub(crate) type TokenRow = (String, String, String, i64, bool);
pub(crate) type EntryRow = (i64, i64, String, String, String, String, String);
pub(crate) type CheckpointRow = (i64, Vec<u8>, String, i64);
pub(crate) type LabelRow = (String, i64, String, String, String, Option<String>, i64, String);
/// A finding and, from the LEFT JOIN, its resolution's columns (all `NULL`
/// while it is open).
pub(crate) type FindingRow =
    (String, i64, String, i64, String, Option<String>, Option<String>, Option<String>, Option<i64>, Option<String>);

pub(crate) const AGENCY_COLUMNS: &str = "id, name, code";
pub(crate) const UNIT_COLUMNS: &str = "id, agency_id, parent_id, name, code";
pub(crate) const OFFICER_COLUMNS: &str = "id, agency_id, unit_id, name, certificate_no, badge_no, role, qualification";
pub(crate) const DEVICE_COLUMNS: &str = "id, agency_id, serial, kind, model, assigned_officer, unit_id";
pub(crate) const USER_COLUMNS: &str = "id, login, display_name, password_hash, roles, officer_id, disabled";
pub(crate) const MEDIA_COLUMNS: &str = "id, sha256, sm3, size, original_name, stored_at_us, stored_by, source_device";
pub(crate) type DutyRow = (String, i64, i64, i64, String, Option<String>, Option<String>, i64, String);
pub(crate) const DUTY_COLUMNS: &str = "officer_id, sequence, from_us, to_us, reason, case_id, reported_to, recorded_at_us, recorded_by";
pub(crate) const LABEL_COLUMNS: &str = "media_id, sequence, item, location, label, officer_id, labeled_at_us, labeled_by";
/// Read `FROM findings f LEFT JOIN finding_resolutions r ON r.finding_id = f.id`.
pub(crate) const FINDING_COLUMNS: &str =
    "f.id, f.generation, f.finding, f.raised_at_us, f.raised_by, r.kind, r.note, r.officer_id, r.at_us, r.resolved_by";
pub(crate) const ENTRY_COLUMNS: &str = "idx, time_us, actor, action, subjects, payload_sha256, payload";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

pub(crate) fn parse<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|error| corrupt(what, error))
}

fn parse_opt<T: std::str::FromStr>(what: &str, text: Option<String>) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.map(|text| parse(what, &text)).transpose()
}

/// Enum → the snake_case name serde gives it.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => unreachable!("enums stored as text serialise to strings, got {other:?}"),
    }
}

fn enum_parse<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| corrupt(what, format!("unknown value `{text}`")))
}

pub(crate) fn time(what: &str, micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros).map_err(|error| corrupt(what, error))
}

/// An enum kept as its serde name in a text column.
pub(crate) fn named<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|error| corrupt(what, error))
}

/// A spot-check member's id, read as the population says it is.
pub(crate) fn sampled(
    population: liuhen_core::supervision::Population,
    text: &str,
) -> Result<liuhen_core::supervision::Sampled, StoreError> {
    use liuhen_core::supervision::{Population, Sampled};
    Ok(match population {
        Population::Recordings => Sampled::Recording(parse("spot check member", text)?),
        Population::Cases => Sampled::Case(parse("spot check member", text)?),
    })
}

/// A record kept as JSON in a `details` column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("a stored {what} cannot be read: {error}")))
}

pub(crate) fn micros(time: Timestamp) -> i64 {
    time.as_microsecond()
}

pub(crate) fn hash(what: &str, bytes: &[u8]) -> Result<Hash, StoreError> {
    bytes.try_into().map_err(|_| corrupt(what, format!("{} bytes instead of 32", bytes.len())))
}

pub(crate) fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|role| role.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn agency(row: AgencyRow) -> Result<Agency, StoreError> {
    Ok(Agency { id: parse("agency id", &row.0)?, name: row.1, code: row.2 })
}

pub(crate) fn unit(row: UnitRow) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: parse("unit id", &row.0)?,
        agency_id: parse("unit agency", &row.1)?,
        parent_id: parse_opt("unit parent", row.2)?,
        name: row.3,
        code: row.4,
    })
}

pub(crate) fn officer(row: OfficerRow) -> Result<Officer, StoreError> {
    Ok(Officer {
        id: parse("officer id", &row.0)?,
        agency_id: parse("officer agency", &row.1)?,
        unit_id: parse("officer unit", &row.2)?,
        name: row.3,
        certificate_no: row.4,
        badge_no: row.5,
        role: enum_parse("officer role", &row.6)?,
        qualification: enum_parse("officer qualification", &row.7)?,
    })
}

pub(crate) fn device(row: DeviceRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: parse("device id", &row.0)?,
        agency_id: parse("device agency", &row.1)?,
        serial: row.2,
        kind: enum_parse("device kind", &row.3)?,
        model: row.4,
        assigned_officer: parse_opt("device officer", row.5)?,
        unit_id: parse_opt("device unit", row.6)?,
    })
}

pub(crate) fn user(row: UserRow) -> Result<User, StoreError> {
    let roles =
        row.4.split(',').filter(|name| !name.is_empty()).map(|name| parse::<Role>("user role", name)).collect::<Result<Vec<_>, _>>()?;
    Ok(User {
        id: parse("user id", &row.0)?,
        login: row.1,
        display_name: row.2,
        password_hash: row.3,
        roles,
        officer_id: parse_opt("user officer", row.5)?,
        disabled: row.6,
    })
}

pub(crate) fn media(row: MediaRow) -> Result<MediaRecord, StoreError> {
    Ok(MediaRecord {
        id: parse("media id", &row.0)?,
        sha256: parse::<Sha256Digest>("media sha256", &row.1)?,
        sm3: parse::<Sm3Digest>("media sm3", &row.2)?,
        size: u64::try_from(row.3).map_err(|error| corrupt("media size", error))?,
        original_name: row.4,
        stored_at: time("media stored_at", row.5)?,
        stored_by: row.6,
        source_device: parse_opt("media device", row.7)?,
    })
}

pub(crate) fn media_digests(row: MediaDigestsRow) -> Result<(MediaId, ContentDigests), StoreError> {
    Ok((
        parse("media id", &row.0)?,
        ContentDigests {
            sha256: parse::<Sha256Digest>("media sha256", &row.1)?,
            sm3: parse::<Sm3Digest>("media sm3", &row.2)?,
            size: u64::try_from(row.3).map_err(|error| corrupt("media size", error))?,
        },
    ))
}

pub(crate) fn session(row: SessionRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: parse("session id", &row.0)?,
        user_id: parse("session user", &row.1)?,
        secret_sha256: parse("session secret", &row.2)?,
        created_at: time("session created", row.3)?,
        expires_at: time("session expiry", row.4)?,
    })
}

pub(crate) fn token(row: TokenRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: parse("token id", &row.0)?,
        device_id: parse("token device", &row.1)?,
        secret_sha256: parse("token secret", &row.2)?,
        created_at: time("token created", row.3)?,
        revoked: row.4,
    })
}

pub(crate) fn recording_label(row: LabelRow) -> Result<RecordingLabel, StoreError> {
    Ok(RecordingLabel {
        media_id: parse("label media", &row.0)?,
        sequence: u32::try_from(row.1).map_err(|error| corrupt("label sequence", error))?,
        item: enum_parse("label item", &row.2)?,
        location: row.3,
        label: row.4,
        officer_id: parse_opt("label officer", row.5)?,
        labeled_at: time("label time", row.6)?,
        labeled_by: row.7,
    })
}

pub(crate) fn duty_log_entry(row: DutyRow) -> Result<liuhen_core::recording::DutyLogEntry, StoreError> {
    Ok(liuhen_core::recording::DutyLogEntry {
        officer_id: parse("duty log officer", &row.0)?,
        sequence: u32::try_from(row.1).map_err(|error| corrupt("duty log sequence", error))?,
        from: time("duty log start", row.2)?,
        to: time("duty log end", row.3)?,
        reason: row.4,
        case_id: parse_opt("duty log case", row.5)?,
        reported_to: parse_opt("duty log leader", row.6)?,
        recorded_at: time("duty log time", row.7)?,
        recorded_by: row.8,
    })
}

pub(crate) fn stored_finding(row: FindingRow) -> Result<StoredFinding, StoreError> {
    let id = parse("finding id", &row.0)?;
    let resolution = match (row.5, row.6, row.8, row.9) {
        (None, None, None, None) => None,
        (Some(kind), Some(note), Some(at), Some(by)) => Some(FindingResolution {
            finding_id: id,
            kind: enum_parse("resolution kind", &kind)?,
            note,
            officer_id: parse_opt("resolution officer", row.7)?,
            at: time("resolution time", at)?,
            by,
        }),
        _ => return Err(corrupt(&format!("resolution of finding {id}"), "some of its columns are empty")),
    };
    Ok(StoredFinding {
        id,
        generation: u32::try_from(row.1).map_err(|error| corrupt("finding generation", error))?,
        finding: from_json("finding", &row.2)?,
        raised_at: time("finding raised_at", row.3)?,
        raised_by: row.4,
        resolution,
    })
}

pub(crate) fn entry(row: EntryRow) -> Result<StoredEntry, StoreError> {
    let index = u64::try_from(row.0).map_err(|error| corrupt("ledger index", error))?;
    // Named only when something is wrong: verify reads a million of these.
    let damaged = |detail: &dyn std::fmt::Display| corrupt(&format!("ledger entry {index}"), detail);
    let subjects: Vec<String> = serde_json::from_str(&row.4).map_err(|error| damaged(&error))?;
    Ok(StoredEntry {
        entry: LedgerEntry {
            index,
            time: Timestamp::from_microsecond(row.1).map_err(|error| damaged(&error))?,
            actor: row.2,
            action: row.3,
            subjects,
            payload_sha256: row.5.parse().map_err(|error| damaged(&error))?,
        },
        payload_json: row.6,
    })
}

pub(crate) fn checkpoint(row: CheckpointRow) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: u64::try_from(row.0).map_err(|error| corrupt("checkpoint size", error))?,
        root: hash("checkpoint root", &row.1)?,
        signed_note: row.2,
        created_at: time("checkpoint time", row.3)?,
    })
}

pub(crate) fn as_i64(what: &str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| corrupt(what, format!("{value} does not fit the database")))
}

/// Expands the query code shared by both backends.
///
/// `$store` is the store type (with a `pool` field of type `sqlx::Pool<$db>`
/// for reads), `$db` the sqlx database type, `$writer` the field of the pool
/// that may write, and the block holds the backend-specific trait items
/// (`backend`, `commit`, …).
/// The lower-case texts the case list searches in: the number, the
/// matter, and the parties' names one per line.
pub(crate) fn case_search_texts(case: &liuhen_core::case::Case) -> (String, String, String) {
    let parties: Vec<String> = case.parties.iter().map(|party| party.name.to_lowercase()).collect();
    (case.number.to_lowercase(), case.matter.to_lowercase(), parties.join("\n"))
}

/// The stage a case stands at after `step`, where the step moves it
/// (as `Progress::current` reads the steps: the last stage entered or
/// resumed; archiving leaves it where it was).
pub(crate) fn stage_after(step: &liuhen_core::case::Step) -> Option<liuhen_core::case::Stage> {
    match step {
        liuhen_core::case::Step::Enter { stage } | liuhen_core::case::Step::Resume { stage } => Some(*stage),
        liuhen_core::case::Step::Archive => None,
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching text that contains `needle`
/// (lower-cased, as the search columns are), wildcards in it taken as
/// they are.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for character in needle.to_lowercase().chars() {
        if matches!(character, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}
