//! Remote ingest: a camera file sent to the server, straight or through the
//! workstation's spool (see `commands::spool`), the camera cleared once the
//! server confirmed it, and what an earlier run left in the spool sent.

use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar};
use jiff::Timestamp;
use liuhen_core::recording::MediaKind;
use liuhen_server::RegisterResponse;

use super::report::{DeviceReport, FileReport, FileStatus, Printer};
use super::{delete_from_device, FileOnDevice, Identified, Run};
use crate::commands::remote::{upload_key, Altered, Client, Outgoing};
use crate::commands::spool::{Manifest, Spool, Spooled};

/// Uploads one file to the server and has it registered there: from the
/// spool's copy when there is one (made now with `copy_first`, or left by
/// an earlier run), else straight from the camera. Clears the camera only
/// once the server confirmed the same hashes, and its stored copy hashes
/// so again, and the camera's file was read in this run.
#[allow(clippy::too_many_arguments)]
pub(super) async fn upload(
    client: &Client,
    spool: &Spool,
    copy_first: bool,
    context: &Run,
    identified: &Identified,
    badge: Option<String>,
    file: &FileOnDevice,
    extension_kind: MediaKind,
    progress: liuhen_vault::Progress,
    report: &mut FileReport,
) -> anyhow::Result<()> {
    let manifest = Manifest {
        device_serial: identified.serial.clone(),
        badge_no: badge,
        path_on_device: file.relative.clone(),
        original_name: file.path.file_name().map(|name| name.to_string_lossy().into_owned()),
        size: file.size,
        modified: file.modified,
        clock_offset: identified.clock_offset,
        extension_kind,
        sha256: String::new(),
        spooled_at: Timestamp::now(),
    };
    let earlier = earlier_copy(spool, context, &manifest, report);
    // An earlier copy was read from the camera in another run: before the
    // camera's file may go, it is read now and must hash the same.
    let read_earlier = earlier.is_some();
    if read_earlier && copy_first {
        progress(file.size); // no copy to make
    }
    let answer = match earlier {
        Some(entry) => {
            report.sha256 = Some(entry.manifest.sha256.clone());
            match send(client, spool, &entry, progress, report).await? {
                Some(answer) => answer,
                None => return Ok(()),
            }
        }
        None if copy_first => match copy_and_send(client, spool, &file.path, manifest.clone(), progress, report).await? {
            Some(answer) => answer,
            None => return Ok(()),
        },
        None => {
            if let Some(why) = client.gone() {
                anyhow::bail!("not sent: earlier in this run, {why}");
            }
            let sent = outgoing(&file.path, &manifest, None);
            let (sha256, answer) = client.send(&sent, progress).await?;
            report.sha256 = Some(sha256.to_hex());
            confirm(&answer, &sha256.to_hex(), file.size)?;
            answer
        }
    };
    fill(report, &answer, context);
    if !context.clear {
        return Ok(());
    }
    if !answer.recording.playback.is_ok() {
        report.append_message("it does not play back, so it was left on the device");
        return Ok(());
    }
    // What was registered was hashed as it arrived (or, for a file the
    // server already had, describes the upload): the stored copy itself is
    // read back and hashed again before the camera's file goes.
    let rechecked = client.recheck(answer.media_id, &identified.serial).await.context("the server's stored copy could not be confirmed")?;
    if rechecked.sha256 != answer.sha256 || rechecked.sm3 != answer.sm3 {
        anyhow::bail!(
            "the server's stored copy hashes to SHA-256 {} but this workstation read {}; the file was left on the device",
            rechecked.sha256,
            answer.sha256
        );
    }
    if read_earlier {
        let now = camera_sha256(&file.path).await?;
        if now != answer.sha256 {
            anyhow::bail!(
                "the camera's file now hashes to SHA-256 {now}, not to the {} copied from it earlier and confirmed by the server; it was left on the device. Run ingest again to offload it as it is now",
                answer.sha256
            );
        }
    }
    delete_from_device(file)?;
    report.cleared = true;
    match client.cleared(answer.media_id, &identified.serial, &file.relative).await {
        Ok(index) => report.clear_ledger_index = index,
        Err(error) => report.append_message(&format!(
            "deleted from the device after the server confirmed it, but the server did not record the deletion: {error:#}"
        )),
    }
    Ok(())
}

/// The spool's copy of a camera file left by an earlier run, if there is
/// one; an incomplete one is set aside (and the report says so). Either
/// way the file is this run's: the spool's sending at the end leaves it.
pub(super) fn earlier_copy(spool: &Spool, context: &Run, manifest: &Manifest, report: &mut FileReport) -> Option<Spooled> {
    let key = upload_key(&manifest.device_serial, &manifest.path_on_device, manifest.size, manifest.modified);
    context.spooled_now.lock().expect("not poisoned").insert(key.clone());
    match spool.find(&key) {
        Ok(found) => found,
        Err(error) => {
            let note = match spool.set_aside(&key) {
                Ok(moved) => format!("{error:#}; that copy was set aside as {}", moved.display()),
                Err(also) => format!("{error:#}; and it could not be set aside: {also:#}"),
            };
            report.append_message(&note);
            None
        }
    }
}

/// Copies a camera file into the spool (durable before this returns),
/// handing each chunk on to `tee` as it is read.
async fn spool_in(
    spool: &Spool,
    path: &std::path::Path,
    manifest: Manifest,
    progress: &liuhen_vault::Progress,
    tee: Option<crate::commands::spool::Tee>,
) -> anyhow::Result<Spooled> {
    let key = upload_key(&manifest.device_serial, &manifest.path_on_device, manifest.size, manifest.modified);
    let (spool, path, progress) = (spool.clone(), path.to_owned(), progress.clone());
    tokio::task::spawn_blocking(move || spool.take_in(&key, &path, manifest, &progress, tee)).await.expect("copying does not panic")
}

/// Copies a camera file into the spool and uploads it in the same pass:
/// each chunk read goes to the copy and to the server. The copy is durable
/// before the server is asked to register the upload, and deleted once it
/// registered the same SHA-256. If the server is away the copy is still
/// made and waits (`None`, the report saying so); a refusal is an error,
/// the copy kept.
async fn copy_and_send(
    client: &Client,
    spool: &Spool,
    path: &std::path::Path,
    manifest: Manifest,
    progress: liuhen_vault::Progress,
    report: &mut FileReport,
) -> anyhow::Result<Option<RegisterResponse>> {
    let size = manifest.size;
    if let Some(why) = client.gone() {
        let entry = spool_in(spool, path, manifest, &progress, None).await?;
        report.sha256 = Some(entry.manifest.sha256.clone());
        return Ok(waits(spool, &format!("earlier in this run, {why}"), report));
    }
    let begun = client.begin(&outgoing(path, &manifest, None)).await;
    let (entry, sent) = match begun {
        Ok(upload) => {
            let (chunks, arriving) = tokio::sync::mpsc::channel(crate::commands::remote::READ_AHEAD);
            let copying = spool_in(spool, path, manifest, &progress, Some(chunks));
            let sending = client.send_chunks(&upload, size, arriving, progress.clone());
            let (entry, sent) = tokio::join!(copying, sending);
            (entry?, sent.map(|()| upload))
        }
        Err(error) => (spool_in(spool, path, manifest, &progress, None).await?, Err(error)),
    };
    report.sha256 = Some(entry.manifest.sha256.clone());
    let sha256: liuhen_core::digest::Sha256Digest = entry.manifest.sha256.parse().context("the copy's SHA-256")?;
    let answer = match sent {
        Ok(upload) => client.finish(&upload, &outgoing(&entry.data, &entry.manifest, None), &sha256).await,
        Err(error) => Err(error),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => return kept(client, spool, error, report),
    };
    released(spool, &entry, answer, &sha256.to_hex(), report).map(Some)
}

/// The server's answer for a spooled copy: if it registered what the copy
/// holds, the copy is deleted.
fn released(
    spool: &Spool,
    entry: &Spooled,
    answer: RegisterResponse,
    sha256: &str,
    report: &mut FileReport,
) -> anyhow::Result<RegisterResponse> {
    confirm(&answer, sha256, entry.manifest.size)?;
    if let Err(error) = spool.release(entry) {
        report.append_message(&format!("the server confirmed it, but the spooled copy could not be removed: {error:#}"));
    }
    Ok(answer)
}

/// A spooled copy the server did not take: waiting (`None`) when the
/// server is away, otherwise the error, the copy kept.
fn kept(client: &Client, spool: &Spool, error: anyhow::Error, report: &mut FileReport) -> anyhow::Result<Option<RegisterResponse>> {
    match client.gone() {
        Some(why) => Ok(waits(spool, &why, report)),
        None => Err(error.context("this workstation keeps its copy in the spool")),
    }
}

/// Reports a spooled copy as waiting for the server, and why.
fn waits(spool: &Spool, why: &str, report: &mut FileReport) -> Option<RegisterResponse> {
    report.status = FileStatus::Spooled;
    report.message = Some(format!(
        "kept in this workstation's spool ({}) and on the device, not yet on the server: {why}. The next `liuhen ingest --server …` sends it",
        spool.dir().display()
    ));
    None
}

/// What is sent for a file described by `manifest`, read from `path` (the
/// camera's file, or the spool's copy when `expected_sha256` is given).
pub(super) fn outgoing<'a>(path: &'a std::path::Path, manifest: &'a Manifest, expected_sha256: Option<&'a str>) -> Outgoing<'a> {
    Outgoing {
        path,
        relative: &manifest.path_on_device,
        size: manifest.size,
        modified: manifest.modified,
        device_serial: &manifest.device_serial,
        badge_no: manifest.badge_no.clone(),
        clock_offset: manifest.clock_offset,
        extension_kind: manifest.extension_kind,
        original_name: manifest.original_name.clone(),
        expected_sha256,
        offloaded_at: expected_sha256.map(|_| manifest.spooled_at),
    }
}

/// Sends a spooled copy and has it registered. Once the server registered
/// the same SHA-256 the copy is deleted and the server's answer returned.
/// `None` when the server is away (it could not be reached, or stopped
/// answering): the copy waits, and the report says so. Anything else (the
/// server refused the file, the copy could not be read) is an error, and
/// the copy stays; a copy that no longer hashes to what was read from the
/// camera is set aside, never registered.
pub(super) async fn send(
    client: &Client,
    spool: &Spool,
    entry: &Spooled,
    progress: liuhen_vault::Progress,
    report: &mut FileReport,
) -> anyhow::Result<Option<RegisterResponse>> {
    if let Some(why) = client.gone() {
        return Ok(waits(spool, &format!("earlier in this run, {why}"), report));
    }
    let manifest = &entry.manifest;
    let sent = outgoing(&entry.data, manifest, Some(&manifest.sha256));
    let (sha256, answer) = match client.send(&sent, progress).await {
        Ok(sent) => sent,
        Err(error) => {
            if let Some(altered) = error.downcast_ref::<Altered>() {
                let moved = spool.set_aside(&entry.key)?;
                anyhow::bail!(
                    "this workstation's spooled copy no longer matches what was read from the camera ({altered}); it was set aside as {}. The camera keeps the file until the server confirms it: offload that camera again",
                    moved.display()
                );
            }
            return kept(client, spool, error, report);
        }
    };
    released(spool, entry, answer, &sha256.to_hex(), report).map(Some)
}

/// The SHA-256 of a camera file, read now (never through a link).
pub(super) async fn camera_sha256(path: &std::path::Path) -> anyhow::Result<String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        use sha2::Digest;
        let mut file = crate::commands::remote::open_camera_file(&path)?;
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut file, &mut hasher).with_context(|| format!("cannot read {} (was the device unplugged?)", path.display()))?;
        Ok(liuhen_core::digest::Sha256Digest(hasher.finalize().into()).to_hex())
    })
    .await
    .expect("hashing does not panic")
}

/// Fails unless the server registered exactly what was read.
pub(super) fn confirm(answer: &RegisterResponse, sha256: &str, size: u64) -> anyhow::Result<()> {
    if answer.sha256 != sha256 || answer.size != size {
        anyhow::bail!("the server registered SHA-256 {} but this workstation read {sha256}", answer.sha256);
    }
    Ok(())
}

/// Fills a file's report from the server's registration.
pub(super) fn fill(report: &mut FileReport, answer: &RegisterResponse, context: &Run) {
    // The server computed SM3 from what it received; the SHA-256 match vouches for it.
    report.sm3 = Some(answer.sm3.clone());
    report.status = if answer.status == "stored" { FileStatus::Stored } else { FileStatus::Duplicate };
    report.ledger_index = answer.ledger_index;
    report.officer = answer.officer_name.clone();
    report.fill_from(&answer.recording, context);
    if let Some(note) = &answer.note {
        report.append_message(note);
    }
}

/// Sends what the spool held before this run and no device of this run
/// holds: files whose cameras have gone back on duty. Reported as one
/// more "device", the spool; `None` when there was nothing.
#[allow(clippy::too_many_arguments)]
pub(super) async fn send_waiting(
    client: &Client,
    spool: &Spool,
    context: &Run,
    entries: Vec<Spooled>,
    problems: Vec<String>,
    bars: &MultiProgress,
    overall: &ProgressBar,
    printer: &Printer,
) -> Option<DeviceReport> {
    let handled = context.spooled_now.lock().expect("not poisoned").clone();
    let (entries, done): (Vec<_>, Vec<_>) = entries.into_iter().partition(|entry| !handled.contains(&entry.key));
    // Counted in the total, but sent with their device's files.
    overall.inc(done.iter().map(|entry| entry.manifest.size).sum());
    if entries.is_empty() && problems.is_empty() {
        return None;
    }
    let mut report = DeviceReport { spool: true, ..DeviceReport::new(spool.dir()) };
    // Printed with the other failed folders at the end.
    report.error = (!problems.is_empty()).then(|| problems.join("; "));
    for entry in entries {
        let size = entry.manifest.size;
        let (bar, progress) = super::file_bar(bars, overall, size, entry.manifest.path_on_device.clone());
        let mut file = FileReport::new(entry.manifest.path_on_device.clone(), size);
        file.device = Some(entry.manifest.device_serial.clone());
        file.badge_no = entry.manifest.badge_no.clone();
        file.sha256 = Some(entry.manifest.sha256.clone());
        match send(client, spool, &entry, progress, &mut file).await {
            Ok(Some(answer)) => fill(&mut file, &answer, context),
            Ok(None) => {}
            Err(error) => {
                file.status = FileStatus::Failed;
                file.message = Some(format!("{error:#}"));
            }
        }
        overall.inc(size.saturating_sub(bar.position()));
        bar.finish_and_clear();
        bars.remove(&bar);
        printer.file(&format!("暂存区 spool [{}]", entry.manifest.device_serial), &file);
        report.files.push(file);
    }
    Some(report)
}
