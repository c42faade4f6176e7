//! Ledger entries (审计日志条目) and their canonical byte encoding.
//!
//! A ledger leaf is the canonical encoding of an entry: a JSON object with
//! keys in lexicographic order, no insignificant white space, integers and
//! strings only (so it is also RFC 8785 canonical JSON). Anyone holding the
//! bytes can recompute the RFC 6962 leaf hash; anyone holding the entry's
//! fields can recompute the bytes. The event's details (the payload) are
//! kept beside the entry and bound to it by `payload_sha256`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::digest::{sha256, Sha256Digest};
use crate::merkle::{leaf_hash, Hash};

/// The version of the entry encoding, written into every entry.
pub const ENTRY_VERSION: u32 = 1;

/// An event about to be recorded: everything but its index and time, which
/// the ledger's sequencer assigns.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryDraft {
    /// Who caused the event: `user:<id>`, `device:<id>`, `cli:<os user>`, `system`.
    pub actor: String,
    /// What happened, dotted lower case, e.g. `media.stored`.
    pub action: String,
    /// The entities the event is about, as `kind:id` strings.
    pub subjects: Vec<String>,
    /// The event's details.
    pub payload: serde_json::Value,
}

impl EntryDraft {
    pub fn new(actor: impl Into<String>, action: impl Into<String>) -> Self {
        Self { actor: actor.into(), action: action.into(), subjects: Vec::new(), payload: serde_json::Value::Object(Default::default()) }
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subjects.push(subject.into());
        self
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Fixes the draft at a position and time in the ledger.
    pub fn sequence(&self, index: u64, time: Timestamp) -> LedgerEntry {
        LedgerEntry {
            index,
            time: truncate_to_micros(time),
            actor: self.actor.clone(),
            action: self.action.clone(),
            subjects: self.subjects.clone(),
            payload_sha256: payload_digest(&self.payload),
        }
    }
}

/// A recorded ledger entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Position in the log, from 0.
    pub index: u64,
    /// When the sequencer recorded it (microsecond precision, UTC).
    pub time: Timestamp,
    pub actor: String,
    pub action: String,
    pub subjects: Vec<String>,
    /// SHA-256 of the canonical JSON of the payload.
    pub payload_sha256: Sha256Digest,
}

/// The encoded form; fields in lexicographic key order, which serde_json
/// keeps because it writes struct fields in declaration order.
#[derive(Serialize)]
struct Canonical<'a> {
    action: &'a str,
    actor: &'a str,
    index: u64,
    payload_sha256: String,
    subjects: &'a [String],
    time: String,
    v: u32,
}

impl LedgerEntry {
    /// The exact bytes hashed as this entry's Merkle leaf.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let canonical = Canonical {
            action: &self.action,
            actor: &self.actor,
            index: self.index,
            payload_sha256: self.payload_sha256.to_hex(),
            subjects: &self.subjects,
            time: format_time(self.time),
            v: ENTRY_VERSION,
        };
        serde_json::to_vec(&canonical).expect("serialising strings and integers cannot fail")
    }

    /// The RFC 6962 leaf hash of this entry.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.canonical_bytes())
    }
}

/// SHA-256 over the canonical JSON of a payload. serde_json's `Value`
/// keeps object keys sorted (no `preserve_order`), so equal payloads give
/// equal bytes.
pub fn payload_digest(payload: &serde_json::Value) -> Sha256Digest {
    sha256(&canonical_payload_bytes(payload))
}

/// The canonical JSON bytes of a payload, as stored beside the entry.
pub fn canonical_payload_bytes(payload: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(payload).expect("serialising a JSON value cannot fail")
}

/// Drops sub-microsecond precision so that what the store keeps (integer
/// microseconds) is exactly what was hashed.
pub fn truncate_to_micros(time: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(time.as_microsecond()).expect("a valid timestamp stays valid")
}

/// `2026-11-23T08:30:00.000000Z`: fixed width, always UTC, always six
/// fractional digits, so one instant has one spelling.
pub fn format_time(time: Timestamp) -> String {
    let micros = time.as_microsecond();
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let whole = Timestamp::from_second(seconds).expect("a valid timestamp stays valid");
    format!("{}.{fraction:06}Z", whole.strftime("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LedgerEntry {
        EntryDraft::new("user:0192f3a4-5b6c-7d8e-9f00-112233445566", "media.stored")
            .subject("media:0192f3a4-5b6c-7d8e-9f00-000000000001")
            .payload(serde_json::json!({"size": 3, "name": "执法记录.mp4"}))
            .sequence(7, Timestamp::from_microsecond(1_795_000_000_123_456).unwrap())
    }

    #[test]
    fn canonical_bytes_are_sorted_compact_json() {
        let text = String::from_utf8(sample().canonical_bytes()).unwrap();
        let expected_payload = sha256(r#"{"name":"执法记录.mp4","size":3}"#.as_bytes()).to_hex();
        assert_eq!(
            text,
            format!(
                concat!(
                    r#"{{"action":"media.stored","actor":"user:0192f3a4-5b6c-7d8e-9f00-112233445566","#,
                    r#""index":7,"payload_sha256":"{}","#,
                    r#""subjects":["media:0192f3a4-5b6c-7d8e-9f00-000000000001"],"#,
                    r#""time":"2026-11-18T11:06:40.123456Z","v":1}}"#
                ),
                expected_payload
            )
        );
    }

    #[test]
    fn any_field_change_changes_the_leaf() {
        let entry = sample();
        let mut edited = entry.clone();
        edited.action = "media.deleted".into();
        assert_ne!(entry.leaf_hash(), edited.leaf_hash());
        let mut edited = entry.clone();
        edited.time = Timestamp::from_microsecond(1_795_000_000_123_457).unwrap();
        assert_ne!(entry.leaf_hash(), edited.leaf_hash());
    }

    #[test]
    fn times_have_one_spelling() {
        let time = Timestamp::from_second(0).unwrap();
        assert_eq!(format_time(time), "1970-01-01T00:00:00.000000Z");
        let before_epoch = Timestamp::from_microsecond(-1).unwrap();
        assert_eq!(format_time(before_epoch), "1969-12-31T23:59:59.999999Z");
    }
}
