//! Uploads nobody finishes: a workstation taken out of service mid-upload,
//! a file whose registration is refused (a device the server does not
//! know) and never sent again. Their bytes are not records (nothing of them
//! is in the ledger), so once untouched for [`UploadSettings::expire_after`]
//! they are removed, and with them the registration answers kept for a
//! workstation that asks again. Without this the upload folder only grows:
//! one answer file for every recording ever uploaded.

use std::path::Path;
use std::time::SystemTime;

use super::{done_path, remove_upload, state_path, Busy};
use crate::UploadSettings;

/// How often the server looks for expired uploads.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Unfinished uploads (their bytes and state).
    pub uploads: usize,
    /// Registration answers kept for a workstation asking again.
    pub answers: usize,
}

/// Removes what has lain untouched in the upload folder for longer than
/// [`UploadSettings::expire_after`] at `now`; an upload a request is writing
/// is left alone.
pub async fn sweep_uploads(uploads: &UploadSettings, now: SystemTime) -> std::io::Result<Swept> {
    let mut swept = Swept::default();
    let mut entries = match tokio::fs::read_dir(&uploads.dir).await {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(swept),
        Err(error) => return Err(error),
    };
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let Some((id, kind)) = name.to_str().and_then(|name| name.rsplit_once('.')) else { continue };
        if uuid::Uuid::parse_str(id).is_err() {
            continue;
        }
        match kind {
            // An upload: its state, and its bytes if any arrived (PATCH
            // touches only those).
            "json" => {
                let data = super::data_path(uploads, id);
                let data_expired = !tokio::fs::try_exists(&data).await.unwrap_or(false) || expired(uploads, &data, now).await;
                if !(data_expired && expired(uploads, &state_path(uploads, id), now).await) {
                    continue;
                }
                let Ok(_writing) = Busy::claim(uploads, id) else { continue };
                remove_upload(uploads, id).await;
                tracing::info!(upload = id, "removed an upload nobody finished");
                swept.uploads += 1;
            }
            // Bytes whose state is gone (the server stopped between the two).
            "part"
                if !tokio::fs::try_exists(state_path(uploads, id)).await.unwrap_or(true) && expired(uploads, &entry.path(), now).await =>
            {
                let Ok(_writing) = Busy::claim(uploads, id) else { continue };
                remove_upload(uploads, id).await;
                swept.uploads += 1;
            }
            "done" if expired(uploads, &done_path(uploads, id), now).await => {
                tokio::fs::remove_file(entry.path()).await?;
                swept.answers += 1;
            }
            _ => {}
        }
    }
    Ok(swept)
}

/// Whether `path` was last modified longer than the expiry before `now`.
async fn expired(uploads: &UploadSettings, path: &Path, now: SystemTime) -> bool {
    let modified = tokio::fs::metadata(path).await.and_then(|metadata| metadata.modified()).ok();
    modified.is_some_and(|modified| now.duration_since(modified).is_ok_and(|age| age > uploads.expire_after))
}

/// Sweeps the upload folder at start and then every hour, until aborted.
pub(crate) fn spawn_sweeper(uploads: UploadSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(SWEEP_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep_uploads(&uploads, SystemTime::now()).await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(uploads = swept.uploads, answers = swept.answers, "swept the upload folder")
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, dir = %uploads.dir.display(), "could not sweep the upload folder; trying again in an hour")
                }
            }
        }
    })
}
