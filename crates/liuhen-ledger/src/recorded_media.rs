//! What the ledger says a media record holds. The entry that creates a
//! media record (`Mutation::CreateMedia`) states the file's SHA-256, SM3
//! and size in its payload and names the record as its first `media:`
//! subject. The store's `media` table can be changed behind Liuhen's back;
//! these entries cannot, so `liuhen verify` holds every row to them, and a
//! court package's check holds every AV file to them.

use std::borrow::Cow;

use liuhen_core::digest::ContentDigests;
use liuhen_core::id::MediaId;
use liuhen_core::mutation::action;
use serde::Deserialize;

/// The actions whose entries state a media record's content: every action
/// recorded with `Mutation::CreateMedia` (a file put in the vault, a
/// camera file ingested, a party copy made). `recording.ingested` also
/// states it when it registers a file stored before. An action added with
/// `CreateMedia` must be added here, or `liuhen verify` reports each of
/// its records as created by no entry.
pub const MEDIA_RECORDING_ACTIONS: [&str; 3] = [action::MEDIA_STORED, action::RECORDING_INGESTED, action::REDACTION_MADE];

/// A media record as one ledger entry states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordedMedia {
    pub media_id: MediaId,
    pub digests: ContentDigests,
}

/// The media record an entry states, if it is an entry of one of
/// [`MEDIA_RECORDING_ACTIONS`] whose payload states all three of SHA-256,
/// SM3 and size. The record is the entry's first `media:` subject: a party
/// copy's entry names the copy first and its source after.
pub fn recorded_media<'a>(action: &str, subjects: impl IntoIterator<Item = &'a str>, payload_json: &[u8]) -> Option<RecordedMedia> {
    if !MEDIA_RECORDING_ACTIONS.contains(&action) {
        return None;
    }
    let media_id = subjects.into_iter().find_map(|subject| subject.strip_prefix("media:"))?.parse().ok()?;
    let stated: StatedDigests = serde_json::from_slice(payload_json).ok()?;
    let digests = ContentDigests { sha256: stated.sha256.parse().ok()?, sm3: stated.sm3.parse().ok()?, size: stated.size };
    Some(RecordedMedia { media_id, digests })
}

/// The part of the payload that states the content; the rest is not read.
/// Digests are hex, so they are borrowed from the payload as a rule.
#[derive(Deserialize)]
struct StatedDigests<'a> {
    #[serde(borrow)]
    sha256: Cow<'a, str>,
    #[serde(borrow)]
    sm3: Cow<'a, str>,
    size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEDIA: &str = "0192f3a4-5b6c-7d8e-9f00-000000000001";
    const SOURCE: &str = "0192f3a4-5b6c-7d8e-9f00-000000000002";
    const DEVICE: &str = "0192f3a4-5b6c-7d8e-9f00-000000000003";

    fn clip() -> ContentDigests {
        ContentDigests::of_bytes("执法记录仪视频".as_bytes())
    }

    #[test]
    fn each_creating_entry_states_its_record() {
        let digests = clip();
        let media = format!("media:{MEDIA}");
        let stored = serde_json::json!({
            "sha256": digests.sha256, "sm3": digests.sm3, "size": digests.size, "original_name": "DSJ_20261123_083000.mp4",
            "source_device": DEVICE,
        });
        let ingested = serde_json::json!({
            "sha256": digests.sha256, "sm3": digests.sm3, "size": digests.size, "path_on_device": "DCIM/100MEDIA/DSJ.mp4",
            "kind": "video", "playback": "ok",
        });
        let redacted = serde_json::json!({
            "sha256": digests.sha256, "sm3": digests.sm3, "size": digests.size, "name": "当事人查阅副本.mp4",
            "source": SOURCE, "source_sha256": ContentDigests::of_bytes(b"original").sha256,
        });
        let expected = Some(RecordedMedia { media_id: MEDIA.parse().unwrap(), digests });
        for (action, subjects, payload) in [
            (action::MEDIA_STORED, vec![media.clone(), format!("device:{DEVICE}")], stored),
            (action::RECORDING_INGESTED, vec![media.clone(), format!("device:{DEVICE}")], ingested),
            (action::REDACTION_MADE, vec![media.clone(), format!("media:{SOURCE}")], redacted),
        ] {
            let payload = serde_json::to_vec(&payload).unwrap();
            assert_eq!(recorded_media(action, subjects.iter().map(String::as_str), &payload), expected, "{action}");
        }
    }

    #[test]
    fn other_entries_and_incomplete_payloads_state_nothing() {
        let digests = clip();
        let subjects = [format!("media:{MEDIA}")];
        let subjects = || subjects.iter().map(String::as_str);
        let full = serde_json::to_vec(&serde_json::json!({"sha256": digests.sha256, "sm3": digests.sm3, "size": digests.size})).unwrap();
        assert_eq!(recorded_media(action::RECORD_READ, subjects(), &full), None);
        assert_eq!(recorded_media(action::MEDIA_DISPOSED, subjects(), &full), None);
        assert_eq!(recorded_media(action::MEDIA_STORED, [format!("device:{DEVICE}").as_str()], &full), None);
        let no_sm3 = serde_json::to_vec(&serde_json::json!({"sha256": digests.sha256, "size": digests.size})).unwrap();
        assert_eq!(recorded_media(action::MEDIA_STORED, subjects(), &no_sm3), None);
        let bad_hex = serde_json::to_vec(&serde_json::json!({"sha256": "zz", "sm3": digests.sm3, "size": digests.size})).unwrap();
        assert_eq!(recorded_media(action::MEDIA_STORED, subjects(), &bad_hex), None);
        assert_eq!(recorded_media(action::MEDIA_STORED, subjects(), b"not json"), None);
    }
}
