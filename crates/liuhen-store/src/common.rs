//! What both backends share: row decoding and the queries written once.
//!
//! Both schemas use the same table and column names, SQL with `$N`
//! placeholders (which SQLite also accepts), TEXT ids, 64-bit integers for
//! sizes and microsecond times, and byte arrays for hashes. That lets the
//! query code be written once, in [`impl_meta_store!`], and expanded for each
//! backend's pool and connection types. What really differs — opening,
//! migrations, and how a writer takes the ledger lock — stays in each
//! backend's module. Custody's writes, and the rules they check before
//! they write, are in [`crate::custody`], expanded from here too.

use jiff::Timestamp;
use liuhen_core::compliance::{FindingResolution, StoredFinding};
use liuhen_core::digest::{Sha256Digest, Sm3Digest};
use liuhen_core::entity::{Agency, ApiToken, Device, MediaRecord, Officer, Role, Session, Unit, User};
use liuhen_core::entry::LedgerEntry;
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

macro_rules! impl_meta_store {
    ($store:ty, $db:ty, $writer:ident, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::MetaStore for $store {
            $($specific)*

            async fn agencies(&self) -> $crate::Result<Vec<liuhen_core::entity::Agency>> {
                let sql = format!("SELECT {} FROM agencies ORDER BY id", $crate::common::AGENCY_COLUMNS);
                let rows: Vec<$crate::common::AgencyRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::agency).collect()
            }

            async fn units(&self) -> $crate::Result<Vec<liuhen_core::entity::Unit>> {
                let sql = format!("SELECT {} FROM units ORDER BY id", $crate::common::UNIT_COLUMNS);
                let rows: Vec<$crate::common::UnitRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::unit).collect()
            }

            async fn officers(&self) -> $crate::Result<Vec<liuhen_core::entity::Officer>> {
                let sql = format!("SELECT {} FROM officers ORDER BY id", $crate::common::OFFICER_COLUMNS);
                let rows: Vec<$crate::common::OfficerRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::officer).collect()
            }

            async fn devices(&self) -> $crate::Result<Vec<liuhen_core::entity::Device>> {
                let sql = format!("SELECT {} FROM devices ORDER BY id", $crate::common::DEVICE_COLUMNS);
                let rows: Vec<$crate::common::DeviceRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::device).collect()
            }

            async fn device_by_serial(&self, serial: &str) -> $crate::Result<Option<liuhen_core::entity::Device>> {
                let sql = format!("SELECT {} FROM devices WHERE serial = $1", $crate::common::DEVICE_COLUMNS);
                let row: Option<$crate::common::DeviceRow> = sqlx::query_as(&sql).bind(serial).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::device).transpose()
            }

            async fn users(&self) -> $crate::Result<Vec<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users ORDER BY login", $crate::common::USER_COLUMNS);
                let rows: Vec<$crate::common::UserRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::user).collect()
            }

            async fn user(&self, id: liuhen_core::id::UserId) -> $crate::Result<Option<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users WHERE id = $1", $crate::common::USER_COLUMNS);
                let row: Option<$crate::common::UserRow> = sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::user).transpose()
            }

            async fn user_by_login(&self, login: &str) -> $crate::Result<Option<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users WHERE login = $1", $crate::common::USER_COLUMNS);
                let row: Option<$crate::common::UserRow> = sqlx::query_as(&sql).bind(login).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::user).transpose()
            }

            async fn session_by_secret(&self, secret: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::Session>> {
                let row: Option<$crate::common::SessionRow> = sqlx::query_as(
                    "SELECT id, user_id, secret_sha256, created_at_us, expires_at_us FROM sessions WHERE secret_sha256 = $1 AND NOT ended",
                ).bind(secret.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::session).transpose()
            }

            async fn api_token_by_secret(&self, secret: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::ApiToken>> {
                let row: Option<$crate::common::TokenRow> = sqlx::query_as(
                    "SELECT id, device_id, secret_sha256, created_at_us, revoked FROM api_tokens WHERE secret_sha256 = $1",
                ).bind(secret.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::token).transpose()
            }

            async fn api_tokens_of_device(&self, device: liuhen_core::id::DeviceId) -> $crate::Result<Vec<liuhen_core::entity::ApiToken>> {
                let rows: Vec<$crate::common::TokenRow> = sqlx::query_as(
                    "SELECT id, device_id, secret_sha256, created_at_us, revoked FROM api_tokens WHERE device_id = $1 ORDER BY id",
                ).bind(device.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::token).collect()
            }

            async fn media(&self, id: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE id = $1", $crate::common::MEDIA_COLUMNS);
                let row: Option<$crate::common::MediaRow> = sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::media).transpose()
            }

            async fn media_by_sha256(&self, sha256: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE sha256 = $1", $crate::common::MEDIA_COLUMNS);
                let row: Option<$crate::common::MediaRow> = sqlx::query_as(&sql).bind(sha256.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::media).transpose()
            }

            async fn media_page(&self, after: Option<liuhen_core::id::MediaId>, limit: u32) -> $crate::Result<Vec<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE id > $1 ORDER BY id LIMIT $2", $crate::common::MEDIA_COLUMNS);
                let after = after.map(|id| id.to_string()).unwrap_or_default();
                let rows: Vec<$crate::common::MediaRow> = sqlx::query_as(&sql).bind(after).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::media).collect()
            }

            async fn recording(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::recording::Recording>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM recordings WHERE media_id = $1")
                    .bind(media.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("recording", &details)).transpose()
            }

            async fn recordings(&self, query: &$crate::RecordingQuery) -> $crate::Result<Vec<liuhen_core::recording::Recording>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT details FROM recordings WHERE 1 = 1");
                if let Some(device) = query.device {
                    builder.push(" AND device_id = ").push_bind(device.to_string());
                }
                if let Some(officer) = query.officer {
                    builder.push(" AND officer_id = ").push_bind(officer.to_string());
                }
                if let Some(from) = query.from {
                    builder.push(" AND COALESCE(start_us, ingested_at_us) >= ").push_bind($crate::common::micros(from));
                }
                if let Some(to) = query.to {
                    builder.push(" AND COALESCE(start_us, ingested_at_us) < ").push_bind($crate::common::micros(to));
                }
                // All of them (the compliance refresh, a million rows at
                // scale) are sorted here, on the refresh's lowered-priority
                // thread: the database would sort a million rows of JSON on
                // its own CPU time (about a second on PostgreSQL).
                let everything = *query == $crate::RecordingQuery::default();
                if !everything {
                    builder.push(" ORDER BY COALESCE(start_us, ingested_at_us), media_id");
                }
                let rows: Vec<(String,)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let mut recordings = rows
                    .iter()
                    .map(|(details,)| $crate::common::from_json::<liuhen_core::recording::Recording>("recording", details))
                    .collect::<$crate::Result<Vec<_>>>()?;
                if everything {
                    recordings.sort_unstable_by_key(|recording| (recording.corrected_start.unwrap_or(recording.ingested_at), recording.media_id));
                }
                Ok(recordings)
            }

            async fn interruption_notes(&self, device: Option<liuhen_core::id::DeviceId>) -> $crate::Result<Vec<liuhen_core::recording::InterruptionNote>> {
                let rows: Vec<(String,)> = match device {
                    Some(device) => sqlx::query_as("SELECT details FROM interruption_notes WHERE device_id = $1 ORDER BY noted_at_us")
                        .bind(device.to_string()).fetch_all(&self.pool).await,
                    None => sqlx::query_as("SELECT details FROM interruption_notes ORDER BY noted_at_us").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("interruption note", details)).collect()
            }

            async fn recording_labels(&self, media: Option<liuhen_core::id::MediaId>) -> $crate::Result<Vec<liuhen_core::recording::RecordingLabel>> {
                let rows: Vec<$crate::common::LabelRow> = match media {
                    Some(media) => {
                        let sql = format!("SELECT {} FROM recording_labels WHERE media_id = $1 ORDER BY sequence", $crate::common::LABEL_COLUMNS);
                        sqlx::query_as(&sql).bind(media.to_string()).fetch_all(&self.pool).await
                    }
                    None => {
                        let sql = format!("SELECT {} FROM recording_labels ORDER BY media_id, sequence", $crate::common::LABEL_COLUMNS);
                        sqlx::query_as(&sql).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.into_iter().map($crate::common::recording_label).collect()
            }

            async fn duty_log(&self, officer: Option<liuhen_core::id::OfficerId>) -> $crate::Result<Vec<liuhen_core::recording::DutyLogEntry>> {
                let rows: Vec<$crate::common::DutyRow> = match officer {
                    Some(officer) => {
                        let sql = format!("SELECT {} FROM duty_log WHERE officer_id = $1 ORDER BY sequence", $crate::common::DUTY_COLUMNS);
                        sqlx::query_as(&sql).bind(officer.to_string()).fetch_all(&self.pool).await
                    }
                    None => {
                        let sql = format!("SELECT {} FROM duty_log ORDER BY officer_id, sequence", $crate::common::DUTY_COLUMNS);
                        sqlx::query_as(&sql).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.into_iter().map($crate::common::duty_log_entry).collect()
            }

            async fn spot_checks(&self) -> $crate::Result<Vec<liuhen_core::supervision::SpotCheck>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT details FROM spot_checks ORDER BY drawn_at_us DESC, id DESC").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("spot check", details)).collect()
            }

            async fn spot_check(&self, id: liuhen_core::id::SpotCheckId) -> $crate::Result<Option<liuhen_core::supervision::SpotCheck>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM spot_checks WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("spot check", &details)).transpose()
            }

            async fn spot_check_population(&self, id: liuhen_core::id::SpotCheckId) -> $crate::Result<Vec<liuhen_core::supervision::Member>> {
                let Some(check) = self.spot_check(id).await? else { return Ok(Vec::new()) };
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT subject_id, stratum FROM spot_check_population WHERE check_id = $1 ORDER BY subject_id")
                        .bind(id.to_string())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                rows.into_iter()
                    .map(|(subject, stratum)| {
                        let subject = $crate::common::sampled(check.plan.population, &subject)?;
                        Ok(liuhen_core::supervision::Member { subject, stratum })
                    })
                    .collect()
            }

            async fn spot_check_reviews(
                &self,
                check: Option<liuhen_core::id::SpotCheckId>,
            ) -> $crate::Result<Vec<liuhen_core::supervision::SpotCheckReview>> {
                let rows: Vec<(String,)> = match check {
                    Some(check) => sqlx::query_as("SELECT details FROM spot_check_reviews WHERE check_id = $1 ORDER BY position, sequence")
                        .bind(check.to_string())
                        .fetch_all(&self.pool)
                        .await,
                    None => sqlx::query_as("SELECT details FROM spot_check_reviews ORDER BY check_id, position, sequence").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("spot check review", details)).collect()
            }

            async fn spot_checks_drawing(&self, subjects: &[String]) -> $crate::Result<Vec<liuhen_core::id::SpotCheckId>> {
                if subjects.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT s.id FROM spot_checks s WHERE s.id IN (SELECT i.check_id FROM spot_check_items i WHERE i.subject_id IN (",
                );
                let mut separated = builder.separated(", ");
                for subject in subjects {
                    separated.push_bind(subject.clone());
                }
                builder.push(")) ORDER BY s.drawn_at_us DESC, s.id DESC");
                let rows: Vec<(String,)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(id,)| $crate::common::parse("spot check", id)).collect()
            }

            async fn sample_candidates(&self, query: &$crate::CandidateQuery) -> $crate::Result<Vec<liuhen_core::supervision::Candidate>> {
                use liuhen_core::supervision::{Candidate, Population, Sampled};
                use $crate::common::micros;
                let push_units = |builder: &mut sqlx::QueryBuilder<'_, $db>, column: &str| {
                    if let Some(units) = &query.units {
                        if units.is_empty() {
                            builder.push(" AND 1 = 0");
                        } else {
                            builder.push(format!(" AND {column} IN ("));
                            let mut separated = builder.separated(", ");
                            for unit in units {
                                separated.push_bind(unit.to_string());
                            }
                            builder.push(")");
                        }
                    }
                };
                match query.population {
                    Population::Recordings => {
                        // A record's act kind is its first link's case's;
                        // its item the first link's, else its latest label's.
                        let mut builder = sqlx::QueryBuilder::<$db>::new(
                            "SELECT r.media_id, \
                             (SELECT c.act_kind FROM recording_links l JOIN cases c ON c.id = l.case_id WHERE l.media_id = r.media_id ORDER BY l.linked_at_us, l.case_id LIMIT 1), \
                             (SELECT l.details FROM recording_links l WHERE l.media_id = r.media_id ORDER BY l.linked_at_us, l.case_id LIMIT 1), \
                             (SELECT b.item FROM recording_labels b WHERE b.media_id = r.media_id ORDER BY b.sequence DESC LIMIT 1) \
                             FROM recordings r LEFT JOIN officers o ON o.id = r.officer_id LEFT JOIN devices d ON d.id = r.device_id \
                             WHERE r.start_us >= ",
                        );
                        builder.push_bind(micros(query.from)).push(" AND r.start_us < ").push_bind(micros(query.until));
                        if let Some(by) = query.recorded_by {
                            builder.push(" AND r.ingested_at_us <= ").push_bind(micros(by));
                        }
                        if let Some(officer) = query.officer {
                            builder.push(" AND r.officer_id = ").push_bind(officer.to_string());
                        }
                        push_units(&mut builder, "COALESCE(o.unit_id, d.unit_id)");
                        let rows: Vec<(String, Option<String>, Option<String>, Option<String>)> =
                            builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                        rows.into_iter()
                            .map(|(media, act_kind, link, label_item)| {
                                let item = match link {
                                    Some(link) => Some($crate::common::from_json::<liuhen_core::case::RecordingLink>("recording link", &link)?.item),
                                    None => label_item.map(|item| $crate::common::named("recorded item", &item)).transpose()?,
                                };
                                Ok(Candidate {
                                    subject: Sampled::Recording($crate::common::parse("recording", &media)?),
                                    act_kind: act_kind.map(|kind| $crate::common::named("act kind", &kind)).transpose()?,
                                    item,
                                })
                            })
                            .collect()
                    }
                    Population::Cases => {
                        let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT id, act_kind FROM cases WHERE opened_at_us >= ");
                        builder.push_bind(micros(query.from)).push(" AND opened_at_us < ").push_bind(micros(query.until));
                        if let Some(officer) = query.officer {
                            builder.push(" AND id IN (SELECT case_id FROM case_officers WHERE officer_id = ").push_bind(officer.to_string()).push(")");
                        }
                        push_units(&mut builder, "unit_id");
                        let rows: Vec<(String, String)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                        rows.into_iter()
                            .map(|(id, act_kind)| {
                                Ok(Candidate {
                                    subject: Sampled::Case($crate::common::parse("case", &id)?),
                                    act_kind: Some($crate::common::named("act kind", &act_kind)?),
                                    item: None,
                                })
                            })
                            .collect()
                    }
                }
            }

            async fn device_events(&self, device: Option<liuhen_core::id::DeviceId>) -> $crate::Result<Vec<liuhen_core::device::DeviceEvent>> {
                let rows: Vec<(String,)> = match device {
                    Some(device) => sqlx::query_as("SELECT details FROM device_events WHERE device_id = $1 ORDER BY sequence")
                        .bind(device.to_string())
                        .fetch_all(&self.pool)
                        .await,
                    None => sqlx::query_as("SELECT details FROM device_events ORDER BY device_id, sequence").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("device event", details)).collect()
            }

            async fn findings(&self, query: &$crate::FindingQuery) -> $crate::Result<Vec<liuhen_core::compliance::StoredFinding>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM findings f LEFT JOIN finding_resolutions r ON r.finding_id = f.id WHERE 1 = 1",
                    $crate::common::FINDING_COLUMNS
                ));
                if query.open_only {
                    builder.push(" AND r.finding_id IS NULL");
                }
                if let Some(case) = query.case {
                    builder.push(" AND f.case_id = ").push_bind(case.to_string());
                }
                if let Some(unit) = query.unit {
                    builder.push(" AND f.unit_id = ").push_bind(unit.to_string());
                }
                if let Some(from) = query.raised_from {
                    builder.push(" AND f.raised_at_us >= ").push_bind($crate::common::micros(from));
                }
                if let Some(to) = query.raised_to {
                    builder.push(" AND f.raised_at_us < ").push_bind($crate::common::micros(to));
                }
                builder.push(" ORDER BY f.raised_at_us, f.id");
                let rows: Vec<$crate::common::FindingRow> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::stored_finding).collect()
            }

            async fn finding(&self, id: liuhen_core::id::FindingId) -> $crate::Result<Option<liuhen_core::compliance::StoredFinding>> {
                let sql = format!(
                    "SELECT {} FROM findings f LEFT JOIN finding_resolutions r ON r.finding_id = f.id WHERE f.id = $1",
                    $crate::common::FINDING_COLUMNS
                );
                let row: Option<$crate::common::FindingRow> =
                    sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::stored_finding).transpose()
            }

            async fn access_files(&self, requester: Option<liuhen_core::id::UserId>) -> $crate::Result<Vec<liuhen_core::access::AccessFile>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.details, d.details FROM access_requests r LEFT JOIN access_decisions d ON d.request_id = r.id",
                );
                if let Some(requester) = requester {
                    builder.push(" WHERE r.requester = ").push_bind(requester.to_string());
                }
                builder.push(" ORDER BY r.requested_at_us, r.id");
                let rows: Vec<(String, Option<String>)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(request, decision)| $crate::custody::access_file(request, decision.as_deref())).collect()
            }

            async fn access_file(&self, id: liuhen_core::id::AccessRequestId) -> $crate::Result<Option<liuhen_core::access::AccessFile>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT r.details, d.details FROM access_requests r LEFT JOIN access_decisions d ON d.request_id = r.id WHERE r.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(request, decision)| $crate::custody::access_file(&request, decision.as_deref())).transpose()
            }

            async fn classification_marks(&self, target: Option<liuhen_core::access::Target>) -> $crate::Result<Vec<liuhen_core::access::ClassificationMark>> {
                let rows: Vec<(String,)> = match target {
                    Some(target) => {
                        let (column, id) = $crate::custody::target_column(&target);
                        let sql = format!("SELECT details FROM classification_marks WHERE {column} = $1 ORDER BY entry_idx, position");
                        sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await
                    }
                    None => sqlx::query_as("SELECT details FROM classification_marks ORDER BY entry_idx, position").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("classification mark", details)).collect()
            }

            async fn legal_holds(&self) -> $crate::Result<Vec<liuhen_core::retention::LegalHold>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT h.details, r.details FROM legal_holds h LEFT JOIN hold_releases r ON r.hold_id = h.id ORDER BY h.placed_at_us, h.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(hold, release)| $crate::custody::legal_hold(hold, release.as_deref())).collect()
            }

            async fn legal_hold(&self, id: liuhen_core::id::HoldId) -> $crate::Result<Option<liuhen_core::retention::LegalHold>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT h.details, r.details FROM legal_holds h LEFT JOIN hold_releases r ON r.hold_id = h.id WHERE h.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(hold, release)| $crate::custody::legal_hold(&hold, release.as_deref())).transpose()
            }

            async fn disposal_lists(&self) -> $crate::Result<Vec<liuhen_core::retention::DisposalList>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT l.details, a.details FROM disposal_lists l LEFT JOIN disposal_approvals a ON a.list_id = l.id ORDER BY l.proposed_at_us, l.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(list, approval)| $crate::custody::disposal_list(list, approval.as_deref())).collect()
            }

            async fn disposal_list(&self, id: liuhen_core::id::DisposalId) -> $crate::Result<Option<liuhen_core::retention::DisposalList>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT l.details, a.details FROM disposal_lists l LEFT JOIN disposal_approvals a ON a.list_id = l.id WHERE l.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(list, approval)| $crate::custody::disposal_list(&list, approval.as_deref())).transpose()
            }

            async fn blob_locks(&self) -> $crate::Result<Vec<liuhen_core::retention::BlobLock>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT details FROM blob_locks b WHERE NOT EXISTS (SELECT 1 FROM blob_locks later \
                     WHERE later.media_id = b.media_id AND (later.entry_idx > b.entry_idx OR (later.entry_idx = b.entry_idx AND later.position > b.position))) \
                     ORDER BY b.media_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("blob lock", details)).collect()
            }

            async fn tombstones(&self) -> $crate::Result<Vec<liuhen_core::retention::Tombstone>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM tombstones ORDER BY disposed_at_us, media_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("tombstone", details)).collect()
            }

            async fn tombstone(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::retention::Tombstone>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM tombstones WHERE media_id = $1")
                    .bind(media.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("tombstone", &details)).transpose()
            }

            async fn redactions(&self, source: Option<liuhen_core::access::Target>) -> $crate::Result<Vec<liuhen_core::redaction::Redaction>> {
                let rows: Vec<(String,)> = match source {
                    None => sqlx::query_as("SELECT details FROM redactions ORDER BY made_at_us, derived_media_id").fetch_all(&self.pool).await,
                    Some(target) => {
                        let (kind, id) = $crate::custody::target_kind(&target);
                        sqlx::query_as("SELECT details FROM redactions WHERE source_kind = $1 AND source_id = $2 ORDER BY made_at_us, derived_media_id")
                            .bind(kind).bind(id).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("party copy", details)).collect()
            }

            async fn redaction(&self, derived: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::redaction::Redaction>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM redactions WHERE derived_media_id = $1")
                    .bind(derived.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("party copy", &details)).transpose()
            }

            async fn exports(&self) -> $crate::Result<Vec<liuhen_core::access::ExportRecord>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM exports ORDER BY exported_at_us, id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("export record", details)).collect()
            }

            async fn case(&self, id: liuhen_core::id::CaseId) -> $crate::Result<Option<liuhen_core::case::Case>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM cases WHERE id = $1")
                    .bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("case", &details)).transpose()
            }

            async fn case_by_number(&self, number: &str) -> $crate::Result<Option<liuhen_core::case::Case>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM cases WHERE number = $1 ORDER BY id LIMIT 1")
                    .bind(number).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("case", &details)).transpose()
            }

            async fn cases(&self) -> $crate::Result<Vec<liuhen_core::case::Case>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM cases ORDER BY opened_at_us, id").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("case", details)).collect()
            }

            async fn case_page(&self, search: &$crate::CaseSearch) -> $crate::Result<$crate::CasePage> {
                let (total,): (i64,) = if search.selects_every_case() {
                    // Kept by every insert: no count of every case each time.
                    sqlx::query_as("SELECT total FROM case_count").fetch_one(&self.pool).await.map_err(db)?
                } else {
                    let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM cases WHERE 1 = 1");
                    push_case_conditions(&mut count, search);
                    count.build_query_as().fetch_one(&self.pool).await.map_err(db)?
                };
                // The page's ids first, then their rows: a deep page is
                // skipped through the index alone, not row by row through
                // the table. One direction for both columns, so the index
                // is read forwards or backwards, not sorted.
                let order = if search.newest_first { " ORDER BY opened_at_us DESC, id DESC" } else { " ORDER BY opened_at_us, id" };
                let mut select = sqlx::QueryBuilder::<$db>::new("SELECT details FROM cases WHERE id IN (SELECT id FROM cases WHERE 1 = 1");
                push_case_conditions(&mut select, search);
                select.push(order);
                select.push(" LIMIT ").push_bind(search.limit.map_or(i64::MAX, i64::from));
                select.push(" OFFSET ").push_bind($crate::common::as_i64("case list offset", search.offset)?);
                select.push(")").push(order);
                let rows: Vec<(String,)> = select.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let cases = rows.iter().map(|(details,)| $crate::common::from_json("case", details)).collect::<$crate::Result<Vec<_>>>()?;
                Ok($crate::CasePage { total: total as u64, cases })
            }

            async fn case_files(
                &self,
                cases: &[liuhen_core::id::CaseId],
            ) -> $crate::Result<std::collections::HashMap<liuhen_core::id::CaseId, $crate::CaseFile>> {
                let mut files: std::collections::HashMap<liuhen_core::id::CaseId, $crate::CaseFile> =
                    cases.iter().map(|case| (*case, $crate::CaseFile::default())).collect();
                for chunk in cases.chunks(1000) {
                    let ids: Vec<String> = chunk.iter().map(|case| case.to_string()).collect();
                    let read = |sql: &'static str, order: &'static str| {
                        let mut builder = sqlx::QueryBuilder::<$db>::new(sql);
                        builder.push(" WHERE case_id IN (");
                        let mut separated = builder.separated(", ");
                        for id in &ids {
                            separated.push_bind(id.clone());
                        }
                        builder.push(") ORDER BY ").push(order);
                        builder
                    };
                    let mut steps = read("SELECT details FROM case_steps", "case_id, sequence");
                    let rows: Vec<(String,)> = steps.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let step: liuhen_core::case::StageStep = $crate::common::from_json("case step", details)?;
                        files.entry(step.case_id).or_default().steps.push(step);
                    }
                    let mut approvals = read("SELECT details FROM case_approvals", "case_id, sequence");
                    let rows: Vec<(String,)> = approvals.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let approval: liuhen_core::case::Approval = $crate::common::from_json("case approval", details)?;
                        files.entry(approval.case_id).or_default().approvals.push(approval);
                    }
                    let mut links = read("SELECT details FROM recording_links", "case_id, linked_at_us, media_id");
                    let rows: Vec<(String,)> = links.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let link: liuhen_core::case::RecordingLink = $crate::common::from_json("recording link", details)?;
                        files.entry(link.case_id).or_default().links.push(link);
                    }
                    let mut documents = read("SELECT details FROM documents", "case_id, made_at_us, id");
                    let rows: Vec<(String,)> = documents.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let document: liuhen_core::document::Document = $crate::common::from_json("document", details)?;
                        files.entry(document.case_id).or_default().documents.push(document);
                    }
                    let mut signatures = read(
                        "SELECT s.details FROM document_signatures s JOIN documents d ON d.id = s.document_id",
                        "s.document_id, s.sequence",
                    );
                    let rows: Vec<(String,)> = signatures.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    let mut by_document: std::collections::HashMap<liuhen_core::id::DocumentId, Vec<liuhen_core::document::Signature>> =
                        std::collections::HashMap::new();
                    for (details,) in &rows {
                        let signature: liuhen_core::document::Signature = $crate::common::from_json("document signature", details)?;
                        by_document.entry(signature.document_id).or_default().push(signature);
                    }
                    for file in files.values_mut() {
                        for document in &file.documents {
                            if let Some(signed) = by_document.remove(&document.id) {
                                file.signatures.extend(signed);
                            }
                        }
                    }
                }
                Ok(files)
            }

            async fn case_steps(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::StageStep>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_steps WHERE case_id = $1 ORDER BY sequence")
                    .bind(case.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("case step", details)).collect()
            }

            async fn case_approvals(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::Approval>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_approvals WHERE case_id = $1 ORDER BY sequence")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("case approval", details)).collect()
            }

            async fn complaints(
                &self,
            ) -> $crate::Result<Vec<(liuhen_core::complaint::Complaint, Option<liuhen_core::complaint::ComplaintOutcome>)>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT c.details, o.details FROM complaints c LEFT JOIN complaint_outcomes o ON o.complaint_id = c.id ORDER BY c.received_at_us, c.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|(complaint, outcome)| {
                        Ok((
                            $crate::common::from_json("complaint", complaint)?,
                            outcome.as_deref().map(|outcome| $crate::common::from_json("complaint outcome", outcome)).transpose()?,
                        ))
                    })
                    .collect()
            }

            async fn documents(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::document::Document>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM documents WHERE case_id = $1 ORDER BY made_at_us, id")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("document", details)).collect()
            }

            async fn document(&self, id: liuhen_core::id::DocumentId) -> $crate::Result<Option<liuhen_core::document::Document>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM documents WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::common::from_json("document", &details)).transpose()
            }

            async fn signatures(&self, document: liuhen_core::id::DocumentId) -> $crate::Result<Vec<liuhen_core::document::Signature>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM document_signatures WHERE document_id = $1 ORDER BY sequence")
                    .bind(document.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("signature", details)).collect()
            }

            async fn case_links(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::RecordingLink>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM recording_links WHERE case_id = $1 ORDER BY linked_at_us, media_id")
                    .bind(case.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("recording link", details)).collect()
            }

            async fn recording_links(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Vec<liuhen_core::case::RecordingLink>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM recording_links WHERE media_id = $1 ORDER BY linked_at_us, case_id")
                    .bind(media.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::common::from_json("recording link", details)).collect()
            }

            async fn ledger_size(&self) -> $crate::Result<u64> {
                let (next,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
                    .fetch_one(&self.pool).await.map_err(db)?;
                Ok(next as u64)
            }

            async fn ledger_written_since(&self, start: u64, except_actor: &str, except_actions: &[&str]) -> $crate::Result<bool> {
                let Ok(start) = i64::try_from(start) else { return Ok(false) };
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE idx >= ");
                builder.push_bind(start).push(" AND actor <> ").push_bind(except_actor.to_owned());
                if !except_actions.is_empty() {
                    builder.push(" AND action NOT IN (");
                    let mut list = builder.separated(", ");
                    for action in except_actions {
                        list.push_bind(action.to_string());
                    }
                    builder.push(")");
                }
                builder.push(")");
                let (written,): (bool,) = builder.build_query_as().fetch_one(&self.pool).await.map_err(db)?;
                Ok(written)
            }

            async fn ledger_entry(&self, index: u64) -> $crate::Result<Option<$crate::StoredEntry>> {
                let sql = format!("SELECT {} FROM ledger_entries WHERE idx = $1", $crate::common::ENTRY_COLUMNS);
                // An index the database cannot hold names no row: asking
                // for it is not a sign of damage.
                let Ok(index) = i64::try_from(index) else { return Ok(None) };
                let row: Option<$crate::common::EntryRow> = sqlx::query_as(&sql)
                    .bind(index)
                    .fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::entry).transpose()
            }

            async fn ledger_entries_about(&self, subject: &str) -> $crate::Result<Vec<$crate::StoredEntry>> {
                let sql = format!(
                    "SELECT {} FROM ledger_entries WHERE idx IN (SELECT idx FROM ledger_subjects WHERE subject = $1) ORDER BY idx",
                    $crate::common::ENTRY_COLUMNS
                );
                let rows: Vec<$crate::common::EntryRow> = sqlx::query_as(&sql).bind(subject).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::entry).collect()
            }

            async fn ledger_nodes(&self, ids: &[liuhen_core::merkle::NodeId]) -> $crate::Result<Vec<Option<liuhen_core::merkle::Hash>>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT level, idx, hash FROM ledger_nodes WHERE ");
                for (position, id) in ids.iter().enumerate() {
                    if position > 0 {
                        builder.push(" OR ");
                    }
                    builder.push("(level = ").push_bind(i64::from(id.level))
                        .push(" AND idx = ").push_bind($crate::common::as_i64("node index", id.index)?)
                        .push(")");
                }
                let rows: Vec<(i64, i64, Vec<u8>)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let mut found = std::collections::HashMap::with_capacity(rows.len());
                for (level, index, bytes) in rows {
                    found.insert((level, index), $crate::common::hash("ledger node", &bytes)?);
                }
                Ok(ids.iter().map(|id| found.get(&(i64::from(id.level), id.index as i64)).copied()).collect())
            }

            async fn ledger_leaves(&self, start: u64, limit: u32) -> $crate::Result<Vec<(u64, liuhen_core::merkle::Hash)>> {
                self.ledger_node_range(0, start, limit).await
            }

            async fn ledger_node_range(&self, level: u8, start: u64, limit: u32) -> $crate::Result<Vec<(u64, liuhen_core::merkle::Hash)>> {
                let Ok(start) = i64::try_from(start) else { return Ok(Vec::new()) };
                let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT idx, hash FROM ledger_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                ).bind(i64::from(level)).bind(start).bind(start.saturating_add(i64::from(limit))).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map(|(index, bytes)| Ok((index as u64, $crate::common::hash("ledger node", &bytes)?))).collect()
            }

            async fn checkpoints(&self) -> $crate::Result<Vec<$crate::StoredCheckpoint>> {
                let rows: Vec<$crate::common::CheckpointRow> = sqlx::query_as(
                    "SELECT size, root, signed_note, created_at_us FROM ledger_checkpoints ORDER BY size",
                ).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::common::checkpoint).collect()
            }

            async fn latest_checkpoint(&self) -> $crate::Result<Option<$crate::StoredCheckpoint>> {
                let row: Option<$crate::common::CheckpointRow> = sqlx::query_as(
                    "SELECT size, root, signed_note, created_at_us FROM ledger_checkpoints ORDER BY size DESC LIMIT 1",
                ).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::common::checkpoint).transpose()
            }

            async fn insert_checkpoint(&self, checkpoint: &$crate::StoredCheckpoint) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO ledger_checkpoints (size, root, signed_note, created_at_us) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
                )
                .bind($crate::common::as_i64("checkpoint size", checkpoint.size)?)
                .bind(checkpoint.root.to_vec())
                .bind(&checkpoint.signed_note)
                .bind($crate::common::micros(checkpoint.created_at))
                .execute(&self.$writer).await.map_err(db)?;
                Ok(())
            }
        }

        /// Adds the conditions of a case search to a query that ends in
        /// `WHERE 1 = 1`.
        fn push_case_conditions(builder: &mut sqlx::QueryBuilder<'_, $db>, search: &$crate::CaseSearch) {
            use $crate::common::{contains_pattern, enum_text, micros};
            if let Some(units) = &search.units {
                if units.is_empty() {
                    builder.push(" AND 1 = 0");
                } else {
                    builder.push(" AND unit_id IN (");
                    let mut separated = builder.separated(", ");
                    for unit in units {
                        separated.push_bind(unit.to_string());
                    }
                    builder.push(")");
                }
            }
            // From the officer's few cases to the cases, not every case
            // looked up in turn.
            for officer in [search.officer, search.handled_by].into_iter().flatten() {
                builder.push(" AND id IN (SELECT case_id FROM case_officers WHERE officer_id = ").push_bind(officer.to_string()).push(")");
            }
            if let Some(kind) = &search.act_kind {
                builder.push(" AND act_kind = ").push_bind(enum_text(kind));
            }
            if let Some(stage) = &search.stage {
                builder.push(" AND stage = ").push_bind(enum_text(stage));
            }
            if let Some(from) = search.from {
                builder.push(" AND opened_at_us >= ").push_bind(micros(from));
            }
            if let Some(until) = search.until {
                builder.push(" AND opened_at_us < ").push_bind(micros(until));
            }
            if let Some(party) = &search.party {
                builder.push(" AND search_parties LIKE ").push_bind(contains_pattern(party)).push(" ESCAPE '\\'");
            }
            if let Some(matter) = &search.matter {
                builder.push(" AND search_matter LIKE ").push_bind(contains_pattern(matter)).push(" ESCAPE '\\'");
            }
            if let Some(text) = &search.text {
                let pattern = contains_pattern(text);
                builder
                    .push(" AND (search_number LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR search_matter LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR search_parties LIKE ")
                    .push_bind(pattern)
                    .push(" ESCAPE '\\')");
            }
        }

        /// A new case, with what the case list selects it by.
        async fn create_case(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            use $crate::common::{enum_text, micros};
            let (number, matter, parties) = $crate::common::case_search_texts(case);
            sqlx::query("INSERT INTO cases (id, agency_id, unit_id, number, act_kind, opened_at_us, details, search_number, search_matter, search_parties, indexed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE)")
                .bind(case.id.to_string()).bind(case.agency_id.to_string()).bind(case.unit_id.to_string())
                .bind(&case.number).bind(enum_text(&case.act_kind)).bind(micros(case.opened_at))
                .bind(serde_json::to_string(case).expect("cases serialise"))
                .bind(number).bind(matter).bind(parties)
                .execute(&mut *connection)
                .await?;
            sqlx::query("UPDATE case_count SET total = total + 1").execute(&mut *connection).await?;
            insert_case_officers(connection, case).await
        }

        /// Who handles a case, as the case list selects by (a case not yet
        /// indexed may have some rows already: they are replaced).
        async fn set_case_officers(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM case_officers WHERE case_id = $1").bind(case.id.to_string()).execute(&mut *connection).await?;
            insert_case_officers(connection, case).await
        }

        /// The handling officers of a new case.
        async fn insert_case_officers(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            let mut officers: Vec<String> =
                std::iter::once(case.lead_officer).chain(case.handlers.iter().copied()).map(|officer| officer.to_string()).collect();
            officers.sort();
            officers.dedup();
            let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO case_officers (officer_id, case_id) ");
            builder.push_values(officers, |mut row, officer| {
                row.push_bind(officer).push_bind(case.id.to_string());
            });
            builder.build().execute(&mut *connection).await?;
            Ok(())
        }

        /// A step of a case, and the stage it leaves the case standing at.
        async fn record_stage_step(connection: &mut <$db as sqlx::Database>::Connection, step: &liuhen_core::case::StageStep) -> Result<(), sqlx::Error> {
            use $crate::common::micros;
            sqlx::query("INSERT INTO case_steps (case_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)")
                .bind(step.case_id.to_string()).bind(i64::from(step.sequence)).bind(micros(step.at))
                .bind(serde_json::to_string(step).expect("steps serialise"))
                .execute(&mut *connection)
                .await?;
            if let Some(stage) = $crate::common::stage_after(&step.step) {
                sqlx::query("UPDATE cases SET stage = $1 WHERE id = $2")
                    .bind($crate::common::enum_text(&stage)).bind(step.case_id.to_string())
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        }

        /// Fills in what the case list selects by for cases recorded before
        /// it was kept (migration 0012): the search texts, the officers and
        /// the stage, each derived from the case and its steps. Run when
        /// the store is opened; a case already indexed is not touched, and
        /// running it twice at once does no harm.
        async fn index_cases(pool: &sqlx::Pool<$db>) -> $crate::Result<u64> {
            let pending: Vec<(String,)> = sqlx::query_as("SELECT id FROM cases WHERE NOT indexed").fetch_all(pool).await.map_err(db)?;
            let mut indexed = 0;
            for chunk in pending.chunks(500) {
                let mut transaction = pool.begin().await.map_err(db)?;
                for (id,) in chunk {
                    let (details,): (String,) =
                        sqlx::query_as("SELECT details FROM cases WHERE id = $1").bind(id).fetch_one(&mut *transaction).await.map_err(db)?;
                    let case: liuhen_core::case::Case = $crate::common::from_json("case", &details)?;
                    let steps: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_steps WHERE case_id = $1 ORDER BY sequence")
                        .bind(id).fetch_all(&mut *transaction).await.map_err(db)?;
                    let mut stage = None;
                    for (details,) in &steps {
                        let step: liuhen_core::case::StageStep = $crate::common::from_json("case step", details)?;
                        stage = $crate::common::stage_after(&step.step).or(stage);
                    }
                    let (number, matter, parties) = $crate::common::case_search_texts(&case);
                    sqlx::query("UPDATE cases SET stage = $1, search_number = $2, search_matter = $3, search_parties = $4, indexed = TRUE WHERE id = $5")
                        .bind(stage.map(|stage| $crate::common::enum_text(&stage))).bind(number).bind(matter).bind(parties).bind(id)
                        .execute(&mut *transaction).await.map_err(db)?;
                    set_case_officers(&mut *transaction, &case).await.map_err(db)?;
                    indexed += 1;
                }
                transaction.commit().await.map_err(db)?;
            }
            Ok(indexed)
        }

        /// Applies one batch inside an open transaction whose ledger lock
        /// the caller already holds, after checking that the ledger is still
        /// the size the batch was built on.
        async fn apply_batch(connection: &mut <$db as sqlx::Database>::Connection, batch: &$crate::CommitBatch) -> $crate::Result<()> {
            use liuhen_core::mutation::Mutation;
            use $crate::common::{enum_text, micros, roles_text};
            let (actual,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
                .fetch_one(&mut *connection)
                .await
                .map_err(db)?;
            if actual as u64 != batch.expected_size {
                return Err($crate::StoreError::LedgerMoved { expected: batch.expected_size, actual: actual as u64 });
            }
            for item in &batch.items {
                for (position, mutation) in item.mutations.iter().enumerate() {
                    let query = match mutation {
                        Mutation::CreateAgency(agency) => sqlx::query("INSERT INTO agencies (id, name, code) VALUES ($1, $2, $3)")
                            .bind(agency.id.to_string()).bind(&agency.name).bind(&agency.code),
                        Mutation::CreateUnit(unit) => sqlx::query("INSERT INTO units (id, agency_id, parent_id, name, code) VALUES ($1, $2, $3, $4, $5)")
                            .bind(unit.id.to_string()).bind(unit.agency_id.to_string()).bind(unit.parent_id.map(|id| id.to_string()))
                            .bind(&unit.name).bind(&unit.code),
                        Mutation::CreateOfficer(officer) => sqlx::query("INSERT INTO officers (id, agency_id, unit_id, name, certificate_no, badge_no, role, qualification) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .bind(officer.id.to_string()).bind(officer.agency_id.to_string()).bind(officer.unit_id.to_string())
                            .bind(&officer.name).bind(&officer.certificate_no).bind(&officer.badge_no)
                            .bind(enum_text(&officer.role)).bind(enum_text(&officer.qualification)),
                        Mutation::CreateDevice(device) => sqlx::query("INSERT INTO devices (id, agency_id, serial, kind, model, assigned_officer, unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(device.id.to_string()).bind(device.agency_id.to_string()).bind(&device.serial)
                            .bind(enum_text(&device.kind)).bind(&device.model)
                            .bind(device.assigned_officer.map(|id| id.to_string())).bind(device.unit_id.map(|id| id.to_string())),
                        Mutation::CreateUser(user) => sqlx::query("INSERT INTO users (id, login, display_name, password_hash, roles, officer_id, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(user.id.to_string()).bind(&user.login).bind(&user.display_name).bind(&user.password_hash)
                            .bind(roles_text(&user.roles)).bind(user.officer_id.map(|id| id.to_string())).bind(user.disabled),
                        Mutation::CreateMedia(media) => sqlx::query("INSERT INTO media (id, sha256, sm3, size, original_name, stored_at_us, stored_by, source_device) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .bind(media.id.to_string()).bind(media.sha256.to_hex()).bind(media.sm3.to_hex())
                            .bind($crate::common::as_i64("media size", media.size)?).bind(&media.original_name)
                            .bind(micros(media.stored_at)).bind(&media.stored_by).bind(media.source_device.map(|id| id.to_string())),
                        Mutation::CreateSession(session) => sqlx::query("INSERT INTO sessions (id, user_id, secret_sha256, created_at_us, expires_at_us, ended) VALUES ($1, $2, $3, $4, $5, FALSE)")
                            .bind(session.id.to_string()).bind(session.user_id.to_string()).bind(session.secret_sha256.to_hex())
                            .bind(micros(session.created_at)).bind(micros(session.expires_at)),
                        Mutation::EndSession(id) => sqlx::query("UPDATE sessions SET ended = TRUE WHERE id = $1").bind(id.to_string()),
                        Mutation::CreateApiToken(token) => sqlx::query("INSERT INTO api_tokens (id, device_id, secret_sha256, created_at_us, revoked) VALUES ($1, $2, $3, $4, $5)")
                            .bind(token.id.to_string()).bind(token.device_id.to_string()).bind(token.secret_sha256.to_hex())
                            .bind(micros(token.created_at)).bind(token.revoked),
                        Mutation::RevokeApiToken(id) => sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE id = $1").bind(id.to_string()),
                        Mutation::CreateRecording(recording) => sqlx::query("INSERT INTO recordings (media_id, device_id, officer_id, start_us, ingested_at_us, details) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(recording.media_id.to_string()).bind(recording.device_id.to_string())
                            .bind(recording.officer_id.map(|id| id.to_string())).bind(recording.corrected_start.map(micros))
                            .bind(micros(recording.ingested_at)).bind(serde_json::to_string(recording).expect("recordings serialise")),
                        Mutation::CreateCase(case) => {
                            create_case(&mut *connection, case).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::RecordStageStep(step) => {
                            record_stage_step(&mut *connection, step).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::LinkRecording(link) => sqlx::query("INSERT INTO recording_links (case_id, media_id, stage, linked_at_us, details) VALUES ($1, $2, $3, $4, $5)")
                            .bind(link.case_id.to_string()).bind(link.media_id.to_string()).bind(enum_text(&link.stage))
                            .bind(micros(link.linked_at)).bind(serde_json::to_string(link).expect("links serialise")),
                        Mutation::RecordApproval(approval) => sqlx::query(
                            "INSERT INTO case_approvals (case_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(approval.case_id.to_string())
                        .bind(i64::from(approval.sequence))
                        .bind(micros(approval.at))
                        .bind(serde_json::to_string(approval).expect("approvals serialise")),
                        Mutation::CreateDocument(document) => sqlx::query(
                            "INSERT INTO documents (id, case_id, kind, version, supersedes, made_at_us, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(document.id.to_string())
                        .bind(document.case_id.to_string())
                        .bind(enum_text(&document.kind))
                        .bind(i64::from(document.version))
                        .bind(document.supersedes.map(|id| id.to_string()))
                        .bind(micros(document.made_at))
                        .bind(serde_json::to_string(document).expect("documents serialise")),
                        Mutation::RecordSignature(signature) => sqlx::query(
                            "INSERT INTO document_signatures (document_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(signature.document_id.to_string())
                        .bind(i64::from(signature.sequence))
                        .bind(micros(signature.at))
                        .bind(serde_json::to_string(signature).expect("signatures serialise")),
                        Mutation::CreateComplaint(complaint) => sqlx::query(
                            "INSERT INTO complaints (id, agency_id, received_at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(complaint.id.to_string())
                        .bind(complaint.agency_id.to_string())
                        .bind(micros(complaint.received_at))
                        .bind(serde_json::to_string(complaint).expect("complaints serialise")),
                        Mutation::RecordComplaintOutcome(outcome) => sqlx::query(
                            "INSERT INTO complaint_outcomes (complaint_id, case_id, decided_at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(outcome.complaint_id.to_string())
                        .bind(match &outcome.decision {
                            liuhen_core::complaint::ComplaintDecision::CaseOpened { case_id } => Some(case_id.to_string()),
                            liuhen_core::complaint::ComplaintDecision::NoCase { .. } => None,
                        })
                        .bind(micros(outcome.decided_at))
                        .bind(serde_json::to_string(outcome).expect("outcomes serialise")),
                        Mutation::NoteInterruption(note) => sqlx::query("INSERT INTO interruption_notes (before_media, after_media, device_id, noted_at_us, details) VALUES ($1, $2, $3, $4, $5)")
                            .bind(note.before.to_string()).bind(note.after.to_string()).bind(note.device_id.to_string())
                            .bind(micros(note.noted_at)).bind(serde_json::to_string(note).expect("notes serialise")),
                        Mutation::LabelRecording(label) => sqlx::query(
                            "INSERT INTO recording_labels (media_id, sequence, item, location, label, officer_id, labeled_at_us, labeled_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(label.media_id.to_string())
                        .bind(i64::from(label.sequence))
                        .bind(enum_text(&label.item))
                        .bind(&label.location)
                        .bind(&label.label)
                        .bind(label.officer_id.map(|id| id.to_string()))
                        .bind(micros(label.labeled_at))
                        .bind(&label.labeled_by),
                        Mutation::DrawSpotCheck(check, population) => {
                            draw_spot_check(&mut *connection, check, population).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::ReviewSpotCheck(review) => sqlx::query(
                            "INSERT INTO spot_check_reviews (check_id, position, sequence, subject_id, reviewed_at_us, details) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(review.check_id.to_string())
                        .bind(i64::from(review.position))
                        .bind(i64::from(review.sequence))
                        .bind(review.subject.id_text())
                        .bind(micros(review.reviewed_at))
                        .bind(serde_json::to_string(review).expect("reviews serialise")),
                        Mutation::RecordDeviceEvent(event) => {
                            record_device_event(&mut *connection, event).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::RecordDutyLog(entry) => sqlx::query(
                            "INSERT INTO duty_log (officer_id, sequence, from_us, to_us, reason, case_id, reported_to, recorded_at_us, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(entry.officer_id.to_string())
                        .bind(i64::from(entry.sequence))
                        .bind(micros(entry.from))
                        .bind(micros(entry.to))
                        .bind(&entry.reason)
                        .bind(entry.case_id.map(|id| id.to_string()))
                        .bind(entry.reported_to.map(|id| id.to_string()))
                        .bind(micros(entry.recorded_at))
                        .bind(&entry.recorded_by),
                        Mutation::RaiseFinding(stored) if stored.resolution.is_some() => {
                            return Err($crate::StoreError::Conflict(format!(
                                "finding {} ({}) came to be raised already resolved; a finding is raised open and resolved by an event of its own, so nothing was changed",
                                stored.id, stored.finding.key
                            )));
                        }
                        Mutation::RaiseFinding(stored) => sqlx::query(
                            "INSERT INTO findings (id, key, generation, rule_id, pack_id, pack_version, severity, case_id, unit_id, officer_id, raised_at_us, raised_by, finding) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
                        .bind(stored.id.to_string())
                        .bind(&stored.finding.key)
                        .bind(i64::from(stored.generation))
                        .bind(&stored.finding.rule_id)
                        .bind(&stored.finding.pack_id)
                        .bind(&stored.finding.pack_version)
                        .bind(enum_text(&stored.finding.severity))
                        .bind(stored.finding.case_id.map(|id| id.to_string()))
                        .bind(stored.finding.unit_id.map(|id| id.to_string()))
                        .bind(stored.finding.officer_id.map(|id| id.to_string()))
                        .bind(micros(stored.raised_at))
                        .bind(&stored.raised_by)
                        .bind(serde_json::to_string(&stored.finding).expect("findings serialise")),
                        Mutation::ResolveFinding(resolution) => sqlx::query(
                            "INSERT INTO finding_resolutions (finding_id, kind, note, officer_id, at_us, resolved_by) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(resolution.finding_id.to_string())
                        .bind(enum_text(&resolution.kind))
                        .bind(&resolution.note)
                        .bind(resolution.officer_id.map(|id| id.to_string()))
                        .bind(micros(resolution.at))
                        .bind(&resolution.by),
                        // Custody checks its rules with queries of its own
                        // before it writes (see `custody`).
                        Mutation::FileAccessRequest(request) => {
                            file_access_request(&mut *connection, request).await?;
                            continue;
                        }
                        Mutation::DecideAccess(decision) => {
                            decide_access(&mut *connection, decision).await?;
                            continue;
                        }
                        Mutation::MarkClassification(mark) => {
                            mark_classification(&mut *connection, mark, item.entry.index, position).await?;
                            continue;
                        }
                        Mutation::SetBlobLock(lock) => {
                            set_blob_lock(&mut *connection, lock, item.entry.index, position).await?;
                            continue;
                        }
                        Mutation::PlaceHold(hold) => {
                            place_hold(&mut *connection, hold).await?;
                            continue;
                        }
                        Mutation::ReleaseHold(release) => {
                            release_hold(&mut *connection, release).await?;
                            continue;
                        }
                        Mutation::ProposeDisposal(list) => {
                            propose_disposal(&mut *connection, list).await?;
                            continue;
                        }
                        Mutation::ApproveDisposal(approval) => {
                            approve_disposal(&mut *connection, approval).await?;
                            continue;
                        }
                        Mutation::DisposeMedia(tombstone) => {
                            dispose_media(&mut *connection, tombstone).await?;
                            continue;
                        }
                        Mutation::MakeRedaction(redaction) => {
                            make_redaction(&mut *connection, redaction).await?;
                            continue;
                        }
                        Mutation::RecordExport(export) => {
                            record_export(&mut *connection, export).await?;
                            continue;
                        }
                    };
                    query.execute(&mut *connection).await.map_err(|error| refused(mutation, error))?;
                }
            }
            // Entries and nodes go in as multi-row inserts: one statement per
            // few hundred rows is what makes group commit fast.
            for chunk in batch.items.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_entries (idx, time_us, actor, action, subjects, payload_sha256, payload) ",
                );
                let mut rows = Vec::with_capacity(chunk.len());
                for item in chunk {
                    let entry = &item.entry;
                    let subjects = serde_json::to_string(&entry.subjects).expect("strings serialise");
                    rows.push(($crate::common::as_i64("ledger index", entry.index)?, micros(entry.time), entry, subjects, &item.payload_json));
                }
                builder.push_values(rows, |mut row, (index, time, entry, subjects, payload)| {
                    row.push_bind(index).push_bind(time).push_bind(entry.actor.clone()).push_bind(entry.action.clone())
                        .push_bind(subjects).push_bind(entry.payload_sha256.to_hex()).push_bind(payload.clone());
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            let mut named: Vec<(String, i64)> = Vec::new();
            for item in &batch.items {
                let index = $crate::common::as_i64("ledger index", item.entry.index)?;
                let mut subjects: Vec<&String> = item.entry.subjects.iter().collect();
                subjects.sort();
                subjects.dedup();
                named.extend(subjects.into_iter().map(|subject| (subject.clone(), index)));
            }
            for chunk in named.chunks(1000) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO ledger_subjects (subject, idx) ");
                builder.push_values(chunk, |mut row, (subject, index)| {
                    row.push_bind(subject.clone()).push_bind(*index);
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            for chunk in batch.nodes.chunks(1000) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO ledger_nodes (level, idx, hash) ");
                let mut rows = Vec::with_capacity(chunk.len());
                for (id, hash) in chunk {
                    rows.push((i64::from(id.level), $crate::common::as_i64("node index", id.index)?, hash.to_vec()));
                }
                builder.push_values(rows, |mut row, (level, index, hash)| {
                    row.push_bind(level).push_bind(index).push_bind(hash);
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            Ok(())
        }

        $crate::custody::custody_writes!($db);

        /// Records a device event; an assignment also moves the device in the register.
        async fn record_device_event(
            connection: &mut <$db as sqlx::Database>::Connection,
            event: &liuhen_core::device::DeviceEvent,
        ) -> Result<(), sqlx::Error> {
            sqlx::query("INSERT INTO device_events (device_id, sequence, kind, at_us, details) VALUES ($1, $2, $3, $4, $5)")
                .bind(event.device_id.to_string())
                .bind(i64::from(event.sequence))
                .bind(event.kind.action())
                .bind($crate::common::micros(event.at))
                .bind(serde_json::to_string(event).expect("device events serialise"))
                .execute(&mut *connection)
                .await?;
            if let liuhen_core::device::DeviceEventKind::Assigned { officer_id, unit_id } = &event.kind {
                sqlx::query("UPDATE devices SET assigned_officer = $1, unit_id = $2 WHERE id = $3")
                    .bind(officer_id.map(|id| id.to_string()))
                    .bind(unit_id.map(|id| id.to_string()))
                    .bind(event.device_id.to_string())
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        }

        /// Records a drawn spot check and its population (500 members per statement).
        async fn draw_spot_check(
            connection: &mut <$db as sqlx::Database>::Connection,
            check: &liuhen_core::supervision::SpotCheck,
            population: &[liuhen_core::supervision::Member],
        ) -> Result<(), sqlx::Error> {
            sqlx::query("INSERT INTO spot_checks (id, drawn_at_us, details) VALUES ($1, $2, $3)")
                .bind(check.id.to_string())
                .bind($crate::common::micros(check.drawn_at))
                .bind(serde_json::to_string(check).expect("spot checks serialise"))
                .execute(&mut *connection)
                .await?;
            for chunk in check.items.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO spot_check_items (check_id, position, subject_id) ");
                builder.push_values(chunk, |mut row, item| {
                    row.push_bind(check.id.to_string()).push_bind(i64::from(item.position)).push_bind(item.subject.id_text());
                });
                builder.build().execute(&mut *connection).await?;
            }
            for chunk in population.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO spot_check_population (check_id, subject_id, stratum) ");
                builder.push_values(chunk, |mut row, member| {
                    row.push_bind(check.id.to_string()).push_bind(member.subject.id_text()).push_bind(member.stratum.clone());
                });
                builder.build().execute(&mut *connection).await?;
            }
            Ok(())
        }


        fn db(error: sqlx::Error) -> $crate::StoreError {
            $crate::StoreError::Database(error)
        }

        /// A mutation the database refused. Where a unique key keeps
        /// something from happening twice (a label number, a finding's
        /// generation, a resolution), the sentence says what already
        /// happened; everything else is as [`constraint_or_db`] says.
        fn refused(mutation: &liuhen_core::mutation::Mutation, error: sqlx::Error) -> $crate::StoreError {
            use liuhen_core::mutation::Mutation;
            let duplicate = matches!(&error, sqlx::Error::Database(database_error) if database_error.is_unique_violation());
            let already = match mutation {
                Mutation::LabelRecording(label) if duplicate => format!(
                    "recording {} already has label number {}, perhaps added by someone else at the same time; nothing was changed. Read its labels again and add the next one",
                    label.media_id, label.sequence
                ),
                Mutation::ReviewSpotCheck(review) if duplicate => format!(
                    "item {} of spot check {} already has review number {}, perhaps recorded by someone else at the same time; nothing was changed. Read its reviews again and add yours",
                    review.position + 1, review.check_id, review.sequence
                ),
                Mutation::RecordDeviceEvent(event) if duplicate => format!(
                    "device {} already has event number {}, perhaps recorded by someone else at the same time; nothing was changed. Read its register again and record yours",
                    event.device_id, event.sequence
                ),
                Mutation::RecordDutyLog(entry) if duplicate => format!(
                    "officer {} already has duty log entry number {}, perhaps added at the same time; nothing was changed. Add it again",
                    entry.officer_id, entry.sequence
                ),
                Mutation::RaiseFinding(stored) if duplicate => format!(
                    "the finding {} (generation {}) has already been raised, perhaps by a refresh running at the same time; nothing was changed. Read the findings again and raise only what is new",
                    stored.finding.key, stored.generation
                ),
                Mutation::ResolveFinding(resolution) if duplicate => format!(
                    "finding {} has already been resolved, and a finding is resolved only once; nothing was changed",
                    resolution.finding_id
                ),
                _ => return constraint_or_db(error),
            };
            $crate::StoreError::Conflict(already)
        }

        /// Unique-key violations are something a user can cause (a login that
        /// already exists); they become a sentence, everything else stays a
        /// database error.
        fn constraint_or_db(error: sqlx::Error) -> $crate::StoreError {
            if let sqlx::Error::Database(database_error) = &error {
                if database_error.is_unique_violation() {
                    return $crate::StoreError::Conflict(format!(
                        "this would duplicate something that must be unique ({}); nothing was changed",
                        database_error.message()
                    ));
                }
                if database_error.is_foreign_key_violation() {
                    return $crate::StoreError::Conflict(format!(
                        "this refers to something that does not exist ({}); nothing was changed",
                        database_error.message()
                    ));
                }
            }
            $crate::StoreError::Database(error)
        }
    };
}

pub(crate) use impl_meta_store;
