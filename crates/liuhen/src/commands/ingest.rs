//! `liuhen ingest`: the collection workstation (采集站).
//!
//! For each device folder: find out which camera it is and whose, measure
//! its clock, then for every file: store it in the vault (hashed once,
//! durable before it is published), probe it and confirm the stored copy
//! plays, and register it in the ledger. Only then, and only when asked, is
//! the file deleted from the camera, after the stored copy is hashed again.
//!
//! Every step can be repeated: a file already in the vault is recognised by
//! its hash, and a file already registered is reported as a duplicate. So a
//! run cut short by a pulled cable or kill -9 is finished by running it again.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{Device, DeviceKind, Officer};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::DeviceId;
use liuhen_core::mutation::action;
use liuhen_core::recording::{local_to_timestamp, ClockOffset, MediaKind, Recording};

use liuhen_collect::{Arrival, CollectSettings};

mod report;
mod scan;
mod upload;

use report::{DeviceReport, FileReport, FileStatus, Printer, Summary, Totals};
use scan::{scan, FileOnDevice, Plan};

use crate::cli::IngestArgs;
use crate::config::Config;
use crate::instance::{console_actor, Instance};

use super::spool::Spool;

/// Where offloaded files go.
pub(super) enum Target<'a> {
    /// This workstation's own instance: its vault, database and ledger.
    Local(&'a Instance),
    /// A central `liuhen serve`, by resumable upload.
    Remote {
        client: super::remote::Client,
        /// This workstation's spool: what it still holds for the server.
        spool: Spool,
        /// Copy each camera file into the spool before it is sent.
        copy_first: bool,
    },
}

/// `liuhen ingest` into the local instance.
pub async fn run(instance: &Instance, args: IngestArgs) -> anyhow::Result<ExitCode> {
    liuhen_collect::media::check_tools()?;
    let code = run_with(Target::Local(instance), &instance.config, args).await?;
    // What was offloaded is checked against the pack in force right away.
    super::compliance::refresh_quietly(instance).await;
    Ok(code)
}

/// `liuhen ingest --server URL`: upload to a central server instead.
pub async fn run_remote(config: &Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !args.register_device,
        "--register-device works only on the instance that keeps the devices; ask the server's administrator to register the device"
    );
    let server = args.server.clone().expect("remote mode has a server");
    let token = match (&args.token, &args.token_file) {
        (Some(token), _) => token.clone(),
        (None, Some(file)) => {
            std::fs::read_to_string(file).with_context(|| format!("cannot read the token file {}", file.display()))?.trim().to_owned()
        }
        (None, None) => anyhow::bail!("uploading to a server needs this workstation's API token: --token TOKEN or --token-file FILE"),
    };
    let client = super::remote::Client::new(&server, &token, config.data_dir.join("uploads-pending"))?;
    let spool = Spool::new(config.data_dir.join("spool"));
    let copy_first = args.spool || config.ingest.spool;
    let _only_run = spool.lock()?;
    if args.dirs.is_empty() && !spool.holds_anything() {
        anyhow::bail!(
            "nothing to send: no device folder was given, and this workstation's spool ({}) holds nothing",
            spool.dir().display()
        );
    }
    if let Some(why) = client.check().await? {
        // With a spool the cameras are still offloaded, into it, and what
        // it holds waits (and is reported so).
        let offloading = copy_first || args.dirs.is_empty();
        anyhow::ensure!(offloading, "{why}; nothing was uploaded");
        client.mark_gone(why);
    }
    run_with(Target::Remote { client, spool, copy_first }, config, args).await
}

async fn run_with(target: Target<'_>, config: &Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let settings = &config.ingest;
    let limits = config.collection_limits()?;
    let context = Run {
        offset: settings.offset()?,
        deadline: limits.offload_deadline,
        drift_limit: limits.clock_drift,
        workstation: settings.workstation_name(),
        actor: console_actor(),
        clear: args.clear_device,
        collect: CollectSettings { camera_offset: settings.offset()?, scratch: config.data_dir.join("tmp") },
        passes: if matches!(target, Target::Remote { copy_first: true, .. }) { 2 } else { 1 },
        spooled_now: std::sync::Mutex::new(BTreeSet::new()),
    };
    // What the spool held before this run: sent after the devices, unless
    // one of them holds the same file.
    let waiting = match &target {
        Target::Remote { spool, .. } => spool.list()?,
        Target::Local(_) => (Vec::new(), Vec::new()),
    };
    let jobs = args.jobs.unwrap_or(settings.workers).max(1);

    let bars = MultiProgress::with_draw_target(if args.json { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() });
    let mut plans = Vec::new();
    let mut reports = Vec::new();
    for dir in &args.dirs {
        let owned = dir.clone();
        let scanned = tokio::task::spawn_blocking(move || scan(&owned)).await.expect("scanning does not panic");
        match scanned {
            Ok(plan) => plans.push(plan),
            Err(error) => reports.push(DeviceReport::failed(dir, format!("{error:#}"))),
        }
    }
    let total_bytes = plans.iter().flat_map(|plan| &plan.files).map(|file| file.size * context.passes).sum::<u64>()
        + waiting.0.iter().map(|spooled| spooled.manifest.size).sum::<u64>();
    let overall = bars.add(ProgressBar::new(total_bytes));
    overall.set_style(
        ProgressStyle::with_template("{msg:8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} 剩余 ETA {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    overall.set_message("合计 total");

    let mut identified = Vec::new();
    for plan in plans {
        match identify(&target, &plan, &args, context.offset).await {
            Ok(device) => identified.push((plan, device)),
            Err(error) => {
                overall.inc(plan.files.iter().map(|file| file.size * context.passes).sum());
                reports.push(DeviceReport::failed(&plan.root, format!("{error:#}")));
            }
        }
    }
    let printer = Printer { bars: bars.clone(), json: args.json };
    let done: Vec<DeviceReport> = futures::stream::iter(identified)
        .map(|(plan, device)| ingest_device(&target, &context, plan, device, &bars, &overall, &printer))
        .buffer_unordered(jobs)
        .collect()
        .await;
    reports.extend(done);
    if let Target::Remote { client, spool, .. } = &target {
        let (entries, problems) = waiting;
        if let Some(report) = upload::send_waiting(client, spool, &context, entries, problems, &bars, &overall, &printer).await {
            reports.push(report);
        }
    }
    overall.finish_and_clear();

    let totals = Totals::of(&reports);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Summary { workstation: &context.workstation, devices: &reports, totals: &totals })?);
    } else {
        for report in &reports {
            if let Some(error) = &report.error {
                eprintln!("失败 failed   {}: {error}", report.dir);
            }
        }
        println!(
            "共 {} 个文件 files: {} 新存入 stored, {} 已存在 duplicate, {} 失败 failed, {} 跳过 skipped, {} 暂存待传 spooled; {} 无法播放 do not play, {} 超时 late, {} 已从设备清除 cleared",
            totals.files,
            totals.stored,
            totals.duplicate,
            totals.failed,
            totals.skipped,
            totals.spooled,
            totals.playback_failed,
            totals.late,
            totals.cleared
        );
    }
    Ok(if totals.failed > 0 || totals.devices_failed > 0 {
        ExitCode::from(1)
    } else if totals.spooled > 0 {
        ExitCode::from(4)
    } else if totals.playback_failed > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// What every file of a run shares.
struct Run {
    offset: Offset,
    deadline: SignedDuration,
    drift_limit: SignedDuration,
    workstation: String,
    actor: String,
    clear: bool,
    collect: CollectSettings,
    /// How often each byte is read: twice when copied into the spool first.
    passes: u64,
    /// The spool entries this run made or used for a device's file.
    spooled_now: std::sync::Mutex<BTreeSet<String>>,
}

/// A device, with whom and where it belongs.
struct Identified {
    serial: String,
    /// The registered device (only known here when offloading locally; a
    /// server looks it up itself).
    device: Option<Device>,
    officers: Vec<Officer>,
    clock_offset: Option<ClockOffset>,
    warnings: Vec<String>,
}

async fn identify(target: &Target<'_>, plan: &Plan, args: &IngestArgs, camera_offset: Offset) -> anyhow::Result<Identified> {
    let named_serials: BTreeSet<&str> =
        plan.files.iter().filter_map(|file| file.name.as_ref()).map(|name| name.device_serial.as_str()).collect();
    let identity_serial = plan.identity.as_ref().and_then(|identity| identity.serial.as_deref());
    let serial = match (&args.device, identity_serial) {
        (Some(serial), _) => serial.clone(),
        (None, Some(serial)) => serial.to_owned(),
        (None, None) => match named_serials.len() {
            1 => named_serials.first().expect("one serial").to_string(),
            0 => anyhow::bail!(
                "cannot tell which device this is: it holds no identity file and no file is named <prefix>_<serial>_<officer no.>_<date>_<time>; give its serial with --device SERIAL"
            ),
            _ => anyhow::bail!(
                "its files name several devices ({}); say which one this is with --device SERIAL",
                named_serials.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        },
    };
    let mut warnings: Vec<String> = plan.identity_problems.iter().map(|problem| format!("identity file: {problem}")).collect();
    for other in named_serials.iter().filter(|named| **named != serial) {
        warnings.push(format!("some file names carry the serial {other}, not {serial}; they are registered as from {serial}"));
    }
    let reported_clock =
        plan.identity.as_ref().and_then(|identity| identity.clock).and_then(|clock| local_to_timestamp(clock, camera_offset));
    let clock_offset = ClockOffset::estimate(reported_clock, plan.newest_file_time, plan.scanned_at);
    let Target::Local(instance) = target else {
        return Ok(Identified { serial, device: None, officers: Vec::new(), clock_offset, warnings });
    };
    let officers = instance.store.officers().await?;
    let units = instance.store.units().await?;
    let device = match instance.store.device_by_serial(&serial).await? {
        Some(device) => device,
        None if args.register_device => {
            let badge = plan
                .identity
                .as_ref()
                .and_then(|identity| identity.badge_no.clone())
                .or_else(|| plan.files.iter().find_map(|file| Some(file.name.as_ref()?.badge_no.clone())));
            let officer = badge.as_deref().and_then(|badge| officers.iter().find(|officer| officer.badge_no == badge));
            let unit_code = plan.identity.as_ref().and_then(|identity| identity.unit_code.as_deref());
            let unit = officer.map(|officer| officer.unit_id).or_else(|| units.iter().find(|unit| Some(unit.code.as_str()) == unit_code).map(|unit| unit.id));
            let device = Device {
                id: DeviceId::new(),
                agency_id: super::directory::the_agency(instance).await?.id,
                serial: serial.clone(),
                kind: DeviceKind::BodyCamera,
                model: None,
                assigned_officer: officer.map(|officer| officer.id),
                unit_id: unit,
            };
            super::directory::record_device(instance, &device).await?;
            device
        }
        None => anyhow::bail!(
            "the device {serial} is not registered, so its files were not touched. Register it with `liuhen device add --serial {serial} --kind body-camera --officer BADGE`, or run ingest again with --register-device"
        ),
    };
    Ok(Identified { serial, device: Some(device), officers, clock_offset, warnings })
}

async fn ingest_device(
    target: &Target<'_>,
    context: &Run,
    plan: Plan,
    identified: Identified,
    bars: &MultiProgress,
    overall: &ProgressBar,
    printer: &Printer,
) -> DeviceReport {
    let Plan { root, identity, files, skipped, .. } = plan;
    let identity_badge = identity.as_ref().and_then(|identity| identity.badge_no.clone());
    let assigned = identified
        .device
        .as_ref()
        .and_then(|device| device.assigned_officer)
        .and_then(|id| identified.officers.iter().find(|officer| officer.id == id));
    let mut report = DeviceReport {
        device: Some(identified.serial.clone()),
        device_id: identified.device.as_ref().map(|device| device.id),
        officer: assigned.map(|officer| officer.name.clone()),
        clock_offset: identified.clock_offset,
        clock_drift: identified
            .clock_offset
            .is_some_and(|offset| i128::from(offset.millis.unsigned_abs()) > context.drift_limit.as_millis()),
        warnings: identified.warnings.clone(),
        ..DeviceReport::new(&root)
    };
    for warning in &report.warnings {
        printer.line(format!("注意 warning  {}: {warning}", report.dir));
    }
    for file in skipped {
        printer.file(&report.dir, &file);
        report.files.push(file);
    }
    for file in files {
        let (bar, progress) = file_bar(bars, overall, file.size * context.passes, file.relative.clone());
        let badge = file.name.as_ref().map(|name| name.badge_no.clone()).or_else(|| identity_badge.clone());
        // Remotely the server attributes the file (and says so in its note).
        let (officer, unregistered) = liuhen_collect::attribute(badge.as_deref(), &identified.officers, assigned);
        let outcome = ingest_file(target, context, &identified, officer, badge.clone(), &file, progress).await;
        // Whatever was not read (a file refused early) still counts as done.
        overall.inc((file.size * context.passes).saturating_sub(bar.position()));
        bar.finish_and_clear();
        bars.remove(&bar);
        let mut file_report = outcome;
        file_report.device = Some(identified.serial.clone());
        if file_report.officer.is_none() {
            file_report.officer = officer.map(|officer| officer.name.clone());
        }
        if let (Target::Local(_), Some(note), true) = (target, &unregistered, file_report.ledger_index.is_some()) {
            file_report.append_message(note);
        }
        file_report.badge_no = badge;
        printer.file(&report.dir, &file_report);
        report.files.push(file_report);
    }
    report
}

async fn ingest_file(
    target: &Target<'_>,
    context: &Run,
    identified: &Identified,
    officer: Option<&Officer>,
    badge: Option<String>,
    file: &FileOnDevice,
    progress: liuhen_vault::Progress,
) -> FileReport {
    let mut report = FileReport::new(file.relative.clone(), file.size);
    if file.size == 0 {
        report.status = FileStatus::Skipped;
        report.message = Some("an empty file (0 bytes) is not a recording; left on the device".into());
        return report;
    }
    if !std::fs::symlink_metadata(&file.path).is_ok_and(|metadata| metadata.file_type().is_file()) {
        report.message = Some("no longer a plain file on the device (replaced or removed since the scan); not read".into());
        return report;
    }
    let extension_kind = file.path.extension().map(|ext| MediaKind::from_extension(&ext.to_string_lossy())).unwrap_or(MediaKind::Other);
    if extension_kind == MediaKind::Other {
        // Not named like media: store it only if FFmpeg says it is media.
        let path = file.path.clone();
        let offset = context.offset;
        let probed = tokio::task::spawn_blocking(move || liuhen_collect::media::probe(&path, MediaKind::Other, offset))
            .await
            .expect("probing does not panic");
        if probed.kind == MediaKind::Other {
            report.status = FileStatus::Skipped;
            report.message = Some("not a recording, photo or audio file; left on the device".into());
            return report;
        }
    }
    let outcome = match target {
        Target::Local(instance) => ingest_stored(instance, context, identified, officer, file, extension_kind, progress, &mut report).await,
        Target::Remote { client, spool, copy_first } => {
            upload::upload(client, spool, *copy_first, context, identified, badge, file, extension_kind, progress, &mut report).await
        }
    };
    match outcome {
        Ok(()) => {}
        Err(error) => {
            report.status = FileStatus::Failed;
            report.message = Some(format!("{error:#}; the file stays on the device, run ingest again"));
        }
    }
    report
}

#[allow(clippy::too_many_arguments)]
async fn ingest_stored(
    instance: &Instance,
    context: &Run,
    identified: &Identified,
    officer: Option<&Officer>,
    file: &FileOnDevice,
    extension_kind: MediaKind,
    progress: liuhen_vault::Progress,
    report: &mut FileReport,
) -> anyhow::Result<()> {
    let outcome = instance.vault.put_file_with_progress(&file.path, progress).await?;
    let digests = outcome.digests;
    report.sha256 = Some(digests.sha256.to_hex());
    report.sm3 = Some(digests.sm3.to_hex());
    report.size = digests.size;
    let device = identified.device.clone().context("a locally offloaded device is registered")?;
    let arrival = Arrival {
        digests,
        device,
        officer: officer.cloned(),
        path_on_device: file.relative.clone(),
        original_name: file.path.file_name().map(|name| name.to_string_lossy().into_owned()),
        extension_kind,
        modified: file.modified,
        clock_offset: identified.clock_offset,
        offloaded_at: None,
        workstation: context.workstation.clone(),
        actor: context.actor.clone(),
    };
    let registered = liuhen_collect::register(&instance.ledger, &instance.vault, &context.collect, arrival).await?;
    report.status = if registered.new { FileStatus::Stored } else { FileStatus::Duplicate };
    report.ledger_index = registered.ledger_index;
    report.fill_from(&registered.recording, context);
    if let Some(note) = &registered.note {
        report.append_message(note);
    }
    clear_if_asked(instance, context, identified, file, &registered.recording, &digests, report).await
}

/// A progress bar for one file above the overall one, and the callback
/// that advances both.
fn file_bar(bars: &MultiProgress, overall: &ProgressBar, length: u64, label: String) -> (ProgressBar, liuhen_vault::Progress) {
    let bar = bars.insert_before(overall, ProgressBar::new(length));
    bar.set_style(
        ProgressStyle::with_template("{msg:40!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(label);
    let progress: liuhen_vault::Progress = {
        let (bar, overall) = (bar.clone(), overall.clone());
        Arc::new(move |read| {
            bar.inc(read);
            overall.inc(read);
        })
    };
    (bar, progress)
}

/// Deletes the file from the device when asked, the registration is in the
/// ledger, the stored copy plays, and it hashes to what was recorded.
async fn clear_if_asked(
    instance: &Instance,
    context: &Run,
    identified: &Identified,
    file: &FileOnDevice,
    recording: &Recording,
    digests: &ContentDigests,
    report: &mut FileReport,
) -> anyhow::Result<()> {
    if !context.clear {
        return Ok(());
    }
    if !recording.playback.is_ok() {
        report.append_message("it does not play back, so it was left on the device");
        return Ok(());
    }
    let again = instance.vault.rehash(&digests.sha256).await?;
    if again != *digests {
        anyhow::bail!("the stored copy no longer hashes to what was read from the device; it was left on the device. Run `liuhen verify`");
    }
    delete_from_device(file)?;
    let mut draft = EntryDraft::new(context.actor.clone(), action::RECORDING_CLEARED_FROM_DEVICE).subject(recording.media_id.subject());
    if let Some(device) = &identified.device {
        draft = draft.subject(device.id.subject());
    }
    let draft = draft.payload(serde_json::json!({
        "sha256": digests.sha256, "path_on_device": file.relative, "workstation": context.workstation,
    }));
    report.cleared = true;
    match instance.ledger.record(draft, Vec::new()).await {
        Ok(receipt) => report.clear_ledger_index = Some(receipt.index),
        Err(error) => {
            report.append_message(&format!("deleted from the device after verification, but the deletion could not be recorded: {error:#}"))
        }
    }
    Ok(())
}

/// Deletes a camera file, unless it is no longer the file that was read:
/// a symbolic link now, or another size or modification time.
fn delete_from_device(file: &FileOnDevice) -> anyhow::Result<()> {
    let now =
        std::fs::symlink_metadata(&file.path).with_context(|| format!("{} vanished before it could be cleared", file.path.display()))?;
    let modified = now.modified().ok().and_then(|time| Timestamp::try_from(time).ok());
    if !now.file_type().is_file() || now.len() != file.size || modified != file.modified {
        anyhow::bail!("{} changed on the device after it was read; it was left there. Run ingest again", file.path.display());
    }
    std::fs::remove_file(&file.path)
        .with_context(|| format!("stored and verified, but could not delete {} from the device", file.path.display()))?;
    if let Some(parent) = file.path.parent() {
        // Make the deletion itself durable on the camera's disk (best effort).
        let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
    Ok(())
}

// `1 h 5 min`, `45 s`: shared with the offload register, which writes it into its CSV.
pub(crate) use liuhen_collect::offload_register::human_duration;

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use super::*;

    /// A file on a camera as the scan saw it.
    fn on_device(dir: &Path, name: &str, bytes: &[u8]) -> FileOnDevice {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        let modified = metadata.modified().ok().and_then(|time| Timestamp::try_from(time).ok());
        FileOnDevice { path, relative: name.to_owned(), size: metadata.len(), modified, name: None }
    }

    fn refused(file: &FileOnDevice) {
        let error = delete_from_device(file).expect_err("a changed file is not deleted");
        assert!(format!("{error:#}").contains("changed on the device after it was read"), "{error:#}");
        assert!(file.path.symlink_metadata().is_ok(), "{} stays on the camera", file.path.display());
    }

    #[test]
    fn a_camera_file_that_changed_after_it_was_read_is_left_on_the_camera() {
        let camera = tempfile::tempdir().unwrap();
        let grown = on_device(camera.path(), "grown.mp4", b"recording");
        std::fs::OpenOptions::new().append(true).open(&grown.path).unwrap().write_all(b", and more").unwrap();
        refused(&grown);

        // Rewritten at the same size: only its modification time tells.
        let rewritten = on_device(camera.path(), "rewritten.mp4", b"recording");
        let file = std::fs::OpenOptions::new().write(true).open(&rewritten.path).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(3600)).unwrap();
        refused(&rewritten);

        // Swapped for a link to a file of the same size and time.
        let swapped = on_device(camera.path(), "swapped.mp4", b"recording");
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("target.mp4");
        std::fs::rename(&swapped.path, &target).unwrap();
        std::os::unix::fs::symlink(&target, &swapped.path).unwrap();
        refused(&swapped);
        assert!(target.exists(), "what the link points at is untouched");

        let gone = on_device(camera.path(), "gone.mp4", b"recording");
        std::fs::remove_file(&gone.path).unwrap();
        assert!(format!("{:#}", delete_from_device(&gone).unwrap_err()).contains("vanished"));

        // The file as it was read is deleted.
        let unchanged = on_device(camera.path(), "unchanged.mp4", b"recording");
        delete_from_device(&unchanged).unwrap();
        assert!(!unchanged.path.exists());
    }
}
