//! `liuhen vault …`: store files in the evidence vault.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{DeviceId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::LedgerError;
use liuhen_store::StoreError;
use serde::Serialize;

use crate::cli::{VaultCommand, VaultPutArgs};
use crate::instance::{console_actor, Instance};

pub async fn run(instance: &Instance, command: VaultCommand) -> anyhow::Result<ExitCode> {
    match command {
        VaultCommand::Put(args) => put(instance, args).await,
        VaultCommand::Sweep { older_than_hours } => {
            let removed = instance.vault.sweep_temporary(Duration::from_secs(older_than_hours * 3600)).await?;
            println!("removed {removed} leftover temporary object(s); stored files are never touched");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What happened to one file.
#[derive(Serialize)]
struct PutReport {
    file: String,
    #[serde(flatten)]
    result: PutResult,
}

#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum PutResult {
    Stored { sha256: String, sm3: String, size: u64, media_id: MediaId, status: &'static str, ledger_index: Option<u64> },
    Failed { status: &'static str, error: String },
}

async fn put(instance: &Instance, args: VaultPutArgs) -> anyhow::Result<ExitCode> {
    let device = match &args.device {
        Some(serial) => Some(
            instance
                .store
                .device_by_serial(serial)
                .await?
                .with_context(|| format!("no device with serial {serial} is registered; register it with `liuhen device add`"))?
                .id,
        ),
        None => None,
    };
    let mut failures = 0;
    for file in &args.files {
        let result = match put_one(instance, file, device).await {
            Ok(result) => result,
            Err(error) => {
                failures += 1;
                PutResult::Failed { status: "failed", error: format!("{error:#}") }
            }
        };
        let report = PutReport { file: file.display().to_string(), result };
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            match &report.result {
                PutResult::Stored { sha256, size, media_id, status, .. } => {
                    let label = if *status == "stored" { "已存入 stored " } else { "已存在 present" };
                    println!("{label}  {sha256}  {size:>12}  media {media_id}  {}", report.file);
                }
                PutResult::Failed { error, .. } => eprintln!("失败 failed   {}: {error}", report.file),
            }
        }
    }
    if failures > 0 {
        if !args.json {
            eprintln!("{failures} of {} file(s) were not stored; the others were", args.files.len());
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Stores one file and records it; a file whose content is already recorded
/// is reported as present and records nothing new.
pub(crate) async fn put_one(instance: &Instance, file: &Path, device: Option<DeviceId>) -> anyhow::Result<PutResult> {
    // The vault never follows a link; a link named here on the console is
    // resolved first (its target's name is the one recorded).
    let resolved;
    let file = if std::fs::symlink_metadata(file).is_ok_and(|metadata| metadata.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(file).with_context(|| format!("{} is a link to nothing that can be read", file.display()))?;
        resolved.as_path()
    } else {
        file
    };
    let outcome = instance.vault.put_file(file).await?;
    let digests = outcome.digests;
    let present = |media: MediaRecord| PutResult::Stored {
        sha256: media.sha256.to_hex(),
        sm3: media.sm3.to_hex(),
        size: media.size,
        media_id: media.id,
        status: "present",
        ledger_index: None,
    };
    if let Some(media) = instance.store.media_by_sha256(&digests.sha256).await? {
        if media.sm3 != digests.sm3 || media.size != digests.size {
            bail!("the vault already holds a record for SHA-256 {} with a different SM3 or size; run `liuhen verify`", digests.sha256);
        }
        return Ok(present(media));
    }
    let actor = console_actor();
    let media = MediaRecord {
        id: MediaId::new(),
        sha256: digests.sha256,
        sm3: digests.sm3,
        size: digests.size,
        original_name: file.file_name().map(|name| name.to_string_lossy().into_owned()),
        stored_at: Timestamp::now(),
        stored_by: actor.clone(),
        source_device: device,
    };
    let mut draft = EntryDraft::new(actor, action::MEDIA_STORED).subject(media.id.subject()).payload(serde_json::json!({
        "sha256": media.sha256, "sm3": media.sm3, "size": media.size, "original_name": media.original_name,
        "source_device": media.source_device,
    }));
    if let Some(device) = device {
        draft = draft.subject(device.subject());
    }
    match instance.ledger.record(draft, vec![Mutation::CreateMedia(media.clone())]).await {
        Ok(receipt) => Ok(PutResult::Stored {
            sha256: media.sha256.to_hex(),
            sm3: media.sm3.to_hex(),
            size: media.size,
            media_id: media.id,
            status: "stored",
            ledger_index: Some(receipt.index),
        }),
        // Another process recorded the same content a moment ago.
        Err(LedgerError::Store(StoreError::Conflict(_))) => match instance.store.media_by_sha256(&digests.sha256).await? {
            Some(media) => Ok(present(media)),
            None => bail!("could not record {}", file.display()),
        },
        Err(error) => Err(error.into()),
    }
}
