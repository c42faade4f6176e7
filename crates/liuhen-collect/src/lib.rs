//! Liuhen's collection layer (采集).
//!
//! A file offloaded from a device arrives in the vault by one of two roads:
//! `liuhen ingest` on a workstation with its own vault, or an upload from a
//! workstation to `liuhen serve`. Both end here, in [`register`]: the
//! stored copy (never the camera's) is probed and played back with FFmpeg,
//! its times are put on the workstation's clock, and it is registered as a
//! recording of its device in the same ledger entry that records it.
//! [`offload_register`] reads them back as the offload register (导出台账)
//! that the console and the API both show.
//!
//! **Invariant:** a recording is registered only for content that is
//! published in the vault, and at most once per content (a second arrival of
//! the same bytes is a duplicate, reported with the first registration).

pub mod media;
pub mod offload_register;

use std::path::PathBuf;

use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{Device, MediaRecord, Officer};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::MediaId;
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{local_to_timestamp, CameraFileName, ClockOffset, MediaKind, MediaProbe, Playback, Recording, StartSource};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::StoreError;
use liuhen_vault::{Vault, VaultError};

/// Why a file could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("`{tool}` cannot be run: the playback check needs FFmpeg. Install it (Debian/Ubuntu: `apt-get install ffmpeg`) and try again")]
    ToolMissing { tool: &'static str },
    #[error("`{tool}` failed to start: {source}")]
    ToolFailed {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the vault already holds a record for SHA-256 {sha256} with a different SM3 or size; run `liuhen verify`")]
    DigestMismatch { sha256: String },
    #[error("the registration of {0} could not be read back")]
    Vanished(MediaId),
    #[error("cannot use the scratch folder {path}: {source}")]
    Scratch {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A file that is now published in the vault, and what is known of where it
/// came from.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub digests: ContentDigests,
    pub device: Device,
    /// Who recorded it, if known.
    pub officer: Option<Officer>,
    /// Where it was on the device, relative to the device's root.
    pub path_on_device: String,
    /// Its file name, as it arrived.
    pub original_name: Option<String>,
    /// What its extension promises; the probe has the last word.
    pub extension_kind: MediaKind,
    /// Its modification time on the device's disk (camera clock).
    pub modified: Option<Timestamp>,
    /// The device clock's offset, measured when it was offloaded.
    pub clock_offset: Option<ClockOffset>,
    /// When the workstation took it off the device, when that was earlier
    /// than its registration (a copy that waited on the workstation for
    /// the server). The recording's offload time is this, never later
    /// than now; unset, it is now.
    pub offloaded_at: Option<Timestamp>,
    /// The collection workstation that offloaded it.
    pub workstation: String,
    /// The ledger actor registering it.
    pub actor: String,
}

/// How files are judged where they arrive.
#[derive(Clone, Debug)]
pub struct CollectSettings {
    /// The UTC offset of cameras' wall clocks (file names, EXIF).
    pub camera_offset: Offset,
    /// Where a copy is made when the vault is not on the local filesystem.
    pub scratch: PathBuf,
}

/// What [`register`] did.
#[derive(Clone, Debug)]
pub struct Registered {
    pub recording: Recording,
    /// `false` when the same content had been registered before; the
    /// recording is then that earlier registration.
    pub new: bool,
    /// The ledger entry that registered it now.
    pub ledger_index: Option<u64>,
    /// Something a person should know that is not a failure (a photo named
    /// like a video, say).
    pub note: Option<String>,
}

/// Who recorded a file: the officer whose number the camera wrote into the
/// file name (or its identity file), else the officer the device is
/// assigned to. A number no officer has is said in the note rather than
/// dropped silently: the camera may have been lent to someone not yet
/// registered, and the register must not quietly name the wrong person.
pub fn attribute<'a>(badge: Option<&str>, officers: &'a [Officer], assigned: Option<&'a Officer>) -> (Option<&'a Officer>, Option<String>) {
    let Some(badge) = badge else { return (assigned, None) };
    if let Some(officer) = officers.iter().find(|officer| officer.badge_no == badge) {
        return (Some(officer), None);
    }
    let note = match assigned {
        Some(officer) => format!(
            "执法编号 {badge} 未登记，已记在设备配发人员 {name} 名下。The officer number {badge} in its name is not registered; it was recorded to {name}, to whom the device is assigned",
            name = officer.name
        ),
        None => format!(
            "执法编号 {badge} 未登记，未记到任何人员名下。The officer number {badge} in its name is not registered, and the device is assigned to no one; it was recorded to no officer"
        ),
    };
    (assigned, Some(note))
}

/// Registers a published file as a recording of its device, or finds that
/// it was registered before.
pub async fn register(ledger: &Ledger, vault: &Vault, settings: &CollectSettings, arrival: Arrival) -> Result<Registered, CollectError> {
    let store = ledger.store();
    let digests = arrival.digests;
    let existing_media = store.media_by_sha256(&digests.sha256).await?;
    if let Some(media) = &existing_media {
        if media.sm3 != digests.sm3 || media.size != digests.size {
            return Err(CollectError::DigestMismatch { sha256: digests.sha256.to_hex() });
        }
        if let Some(recording) = store.recording(media.id).await? {
            return Ok(Registered { recording, new: false, ledger_index: None, note: None });
        }
    }

    // Probe and play the stored copy, not the camera's.
    let (kind, probe, playback) = check_stored_copy(vault, settings, &digests, arrival.extension_kind).await?;
    let note = (kind != arrival.extension_kind && arrival.extension_kind != MediaKind::Other && probe.error.is_none())
        .then(|| format!("the name says {} but the content is {}", arrival.extension_kind.label_zh(), kind.label_zh()));
    let name = arrival.original_name.as_deref().and_then(CameraFileName::parse);
    let named_start = name.as_ref().and_then(|name| local_to_timestamp(name.start, settings.camera_offset));
    let (raw_start, start_source) = match (named_start, probe.embedded_start, arrival.modified) {
        (Some(start), _, _) => (Some(start), Some(StartSource::FileName)),
        (None, Some(start), _) => (Some(start), Some(if kind == MediaKind::Photo { StartSource::Exif } else { StartSource::Container })),
        (None, None, Some(modified)) => (Some(modified), Some(StartSource::FileTime)),
        (None, None, None) => (None, None),
    };
    let corrected_start = raw_start.map(|start| arrival.clock_offset.map_or(start, |offset| offset.correct(start)));
    let corrected_end = corrected_start.map(|start| {
        let length =
            probe.duration_ms.map_or(SignedDuration::ZERO, |ms| SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX)));
        start.checked_add(length).unwrap_or(start)
    });
    let media = existing_media.clone().unwrap_or_else(|| MediaRecord {
        id: MediaId::new(),
        sha256: digests.sha256,
        sm3: digests.sm3,
        size: digests.size,
        original_name: arrival.original_name.clone(),
        stored_at: Timestamp::now(),
        stored_by: arrival.actor.clone(),
        source_device: Some(arrival.device.id),
    });
    let registered_at = Timestamp::now();
    let recording = Recording {
        media_id: media.id,
        device_id: arrival.device.id,
        officer_id: arrival.officer.as_ref().map(|officer| officer.id),
        unit_id: arrival.officer.as_ref().map(|officer| officer.unit_id).or(arrival.device.unit_id),
        path_on_device: arrival.path_on_device.clone(),
        kind,
        important: name.as_ref().is_some_and(|name| name.important),
        probe,
        named_start,
        raw_start,
        start_source,
        clock_offset: arrival.clock_offset,
        corrected_start,
        corrected_end,
        playback,
        workstation: arrival.workstation.clone(),
        ingested_at: arrival.offloaded_at.map_or(registered_at, |offloaded| offloaded.min(registered_at)),
        ingested_by: arrival.actor.clone(),
    };
    let mut mutations = Vec::new();
    if existing_media.is_none() {
        mutations.push(Mutation::CreateMedia(media.clone()));
    }
    mutations.push(Mutation::CreateRecording(Box::new(recording.clone())));
    let mut payload = serde_json::json!({
        "sha256": media.sha256, "sm3": media.sm3, "size": media.size,
        "path_on_device": recording.path_on_device, "kind": recording.kind,
        "officer": recording.officer_id, "raw_start": recording.raw_start, "corrected_start": recording.corrected_start,
        "clock_offset": recording.clock_offset, "playback": recording.playback, "workstation": recording.workstation,
    });
    if let Some(offloaded_at) = arrival.offloaded_at {
        // The workstation's word for when the file left the device; the
        // entry's own time says when the server had it.
        payload["offloaded_at"] = serde_json::json!(offloaded_at);
    }
    let draft = EntryDraft::new(arrival.actor.clone(), action::RECORDING_INGESTED)
        .subject(media.id.subject())
        .subject(arrival.device.id.subject())
        .payload(payload);
    match ledger.record(draft, mutations).await {
        Ok(receipt) => Ok(Registered { recording, new: true, ledger_index: Some(receipt.index), note }),
        // Another worker registered the same content a moment ago.
        Err(LedgerError::Store(StoreError::Conflict(_))) => {
            let media = store.media_by_sha256(&digests.sha256).await?.ok_or(CollectError::Vanished(media.id))?;
            let recording = store.recording(media.id).await?.ok_or(CollectError::Vanished(media.id))?;
            Ok(Registered { recording, new: false, ledger_index: None, note })
        }
        Err(error) => Err(error.into()),
    }
}

/// Probes the stored copy and confirms it plays (for an S3 vault, through
/// a local scratch copy that is removed afterwards).
async fn check_stored_copy(
    vault: &Vault,
    settings: &CollectSettings,
    digests: &ContentDigests,
    extension_kind: MediaKind,
) -> Result<(MediaKind, MediaProbe, Playback), CollectError> {
    let (path, scratch) = match vault.local_path(&digests.sha256) {
        Some(path) => (path, None),
        None => {
            let scratch_error = |source| CollectError::Scratch { path: settings.scratch.clone(), source };
            std::fs::create_dir_all(&settings.scratch).map_err(scratch_error)?;
            let path = settings.scratch.join(format!("check-{}", uuid::Uuid::now_v7()));
            if let Err(error) = vault.copy_to_local(&digests.sha256, &path).await {
                let _ = std::fs::remove_file(&path);
                return Err(error.into());
            }
            (path.clone(), Some(path))
        }
    };
    let offset = settings.camera_offset;
    let checked = tokio::task::spawn_blocking(move || {
        let probed = media::probe(&path, extension_kind, offset);
        if probed.kind == MediaKind::Other && extension_kind != MediaKind::Other {
            // Named as media, readable as a container, but nothing in it to
            // see or hear: it does not play.
            let detail = probed.probe.error.clone().unwrap_or_else(|| "FFmpeg finds no picture and no sound in it".into());
            return Ok((extension_kind, probed.probe, Playback::Failed { detail }));
        }
        let playback = media::check_playback(&path, probed.kind)?;
        Ok((probed.kind, probed.probe, playback))
    })
    .await
    .expect("the playback check does not panic");
    if let Some(scratch) = scratch {
        let _ = std::fs::remove_file(scratch);
    }
    checked
}

#[cfg(test)]
mod tests {
    use liuhen_core::entity::{Officer, OfficerRole, Qualification};
    use liuhen_core::id::{AgencyId, OfficerId, UnitId};

    use super::attribute;

    fn officer(name: &str, badge: &str) -> Officer {
        Officer {
            id: OfficerId::new(),
            agency_id: AgencyId::new(),
            unit_id: UnitId::new(),
            name: name.into(),
            certificate_no: None,
            badge_no: badge.into(),
            role: OfficerRole::FrontLine,
            qualification: Qualification::Officer,
        }
    }

    #[test]
    fn a_file_is_attributed_to_the_officer_it_names_else_to_the_assigned_one_with_a_note() {
        let officers = [officer("张伟", "0203001"), officer("李娜", "0203002")];
        let assigned = Some(&officers[0]);
        assert_eq!(attribute(Some("0203002"), &officers, assigned), (Some(&officers[1]), None));
        assert_eq!(attribute(None, &officers, assigned), (assigned, None));
        let (who, note) = attribute(Some("0209999"), &officers, assigned);
        assert_eq!(who, assigned);
        let note = note.expect("an unregistered number is noted");
        assert!(note.contains("0209999") && note.contains("张伟") && note.contains("not registered"), "{note}");
        let (who, note) = attribute(Some("0209999"), &officers, None);
        assert_eq!(who, None);
        assert!(note.is_some_and(|note| note.contains("to no officer")));
    }
}
