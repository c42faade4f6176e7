//! `liuhen backup TARGET` and `liuhen restore TARGET --into NEW`.
//!
//! A backup is kept in a directory on another disk or in a bucket on
//! another S3-compatible server; both hold the same files: a vault
//! (`vault/blobs/…`, the same layout as an instance's), a consistent
//! snapshot of the metadata database with the ledger (`metadata.sqlite` or
//! `metadata.pgdump`), the signing keys, the policy packs in use, the
//! configuration, and `liuhen-backup.json` describing it. Backing up again
//! to the same place copies only new blobs and replaces the snapshot.
//!
//! The order keeps every state of the place usable: the snapshot is taken
//! and checked locally, every blob it can name is copied and checked in
//! the target, and only then is the snapshot put in place, then the
//! manifest. A backup cut short leaves the previous one whole.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::entry::EntryDraft;
use liuhen_core::mutation::action;
use liuhen_store::snapshot::{self, SnapshotKind};
use liuhen_vault::files::FileStore;
use liuhen_vault::{S3Location, Vault, VaultLocation};
use serde::{Deserialize, Serialize};

use crate::cli::{BackupArgs, BackupS3Args, RestoreArgs};
use crate::config::{Config, CONFIG_FILE};
use crate::instance::{console_actor, Instance};

const MANIFEST: &str = "liuhen-backup.json";
const FORMAT: &str = "liuhen-backup/v1";

/// `liuhen-backup.json`.
#[derive(Debug, Serialize, Deserialize)]
struct BackupManifest {
    format: String,
    made_at: Timestamp,
    origin: String,
    snapshot: SnapshotKind,
    /// The ledger size and root of the newest checkpoint in the snapshot.
    checkpoint_size: u64,
    checkpoint_root: String,
    verifier_keys: Vec<String>,
    blobs: liuhen_custody::backup::BlobCopy,
    /// Ledger problems found in the snapshot (empty for a good copy).
    ledger_problems: Vec<String>,
}

/// Where `target` is: a directory, or `s3://BUCKET[/PREFIX]` on the server `s3` names.
fn place_location(target: &str, s3: &BackupS3Args) -> anyhow::Result<VaultLocation> {
    let Some(rest) = target.strip_prefix("s3://") else {
        return Ok(VaultLocation::Filesystem(PathBuf::from(target.strip_prefix("file://").unwrap_or(target))));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        bail!("{target} names no bucket: use s3://BUCKET[/PREFIX]");
    }
    let missing = |flag: &str, variable: &str| anyhow::anyhow!("{target} is an S3 bucket, so {flag} (or {variable}) must be given too");
    let endpoint = s3.s3_endpoint.clone().ok_or_else(|| missing("--s3-endpoint", "LIUHEN_BACKUP_S3_ENDPOINT"))?;
    let access_key_id = s3.s3_access_key_id.clone().ok_or_else(|| missing("--s3-access-key-id", "LIUHEN_BACKUP_S3_ACCESS_KEY_ID"))?;
    let secret_file = s3
        .s3_secret_access_key_file
        .clone()
        .ok_or_else(|| missing("--s3-secret-access-key-file", "LIUHEN_BACKUP_S3_SECRET_ACCESS_KEY_FILE"))?;
    let secret_access_key = std::fs::read_to_string(&secret_file)
        .with_context(|| format!("cannot read the S3 secret key file {}", secret_file.display()))?
        .trim()
        .to_owned();
    Ok(VaultLocation::S3(S3Location {
        bucket: bucket.to_owned(),
        prefix: prefix.trim_matches('/').to_owned(),
        endpoint,
        region: s3.s3_region.clone(),
        access_key_id,
        secret_access_key,
    }))
}

async fn open_place(location: VaultLocation, target: &str) -> anyhow::Result<FileStore> {
    FileStore::open(location).await.with_context(|| format!("cannot open the backup place {target}"))
}

/// Refuses a backup place that is part of the instance it backs up.
fn check_apart(place: &VaultLocation, config: &Config) -> anyhow::Result<()> {
    match (place, config.vault_location()?) {
        (VaultLocation::Filesystem(dir), _) => {
            let dir = dir.canonicalize().or_else(|_| std::path::absolute(dir))?;
            if dir.starts_with(config.data_dir.canonicalize()?) {
                bail!("the backup directory {} is inside the instance's data directory; put it on another disk", dir.display());
            }
        }
        (VaultLocation::S3(backup), VaultLocation::S3(vault)) if backup.endpoint == vault.endpoint && backup.bucket == vault.bucket => {
            bail!(
                "the backup bucket {} is the vault's own bucket on {}; keep the backup on another server or at least another bucket",
                backup.bucket,
                backup.endpoint
            );
        }
        _ => {}
    }
    Ok(())
}

/// A scratch directory inside the data directory, removed when dropped.
fn staging(config: &Config, purpose: &str) -> anyhow::Result<tempfile::TempDir> {
    let root = config.data_dir.join("tmp");
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    Ok(tempfile::Builder::new().prefix(purpose).tempdir_in(&root)?)
}

pub async fn backup(instance: &Instance, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let config = &instance.config;
    let location = place_location(&args.target, &args.s3)?;
    check_apart(&location, config)?;
    let place = open_place(location, &args.target).await?;
    let staged = staging(config, "backup")?;

    // Keys, packs and settings: what a restored instance needs to sign on.
    place.upload(&config.signing_key_path(), "keys/ledger-ed25519.pem").await.context("cannot copy the ledger signing key")?;
    if config.ledger.cosign_sm2 {
        place.upload(&config.sm2_signing_key_path(), "keys/ledger-sm2.pem").await.context("cannot copy the SM2 signing key")?;
    }
    let packs = config.data_dir.join("packs");
    if packs.is_dir() {
        for entry in std::fs::read_dir(&packs).with_context(|| format!("cannot read {}", packs.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                let name = format!("packs/{}", entry.file_name().to_string_lossy());
                place.upload(&entry.path(), &name).await.with_context(|| format!("cannot copy {}", entry.path().display()))?;
            }
        }
    }
    let mut settings = config.clone();
    settings.database_url = None;
    settings.ledger.signing_key_file = None;
    settings.ledger.sm2_signing_key_file = None;
    // A restored instance keeps its blobs in its own data directory (or
    // where LIUHEN_VAULT__* say at restore), never in the original's bucket.
    settings.vault = crate::config::VaultConfig::default();
    let settings_file = staged.path().join(CONFIG_FILE);
    crate::commands::init::write_config_file_to(&settings, &settings_file)?;
    place.upload(&settings_file, CONFIG_FILE).await?;

    // A checkpoint covering everything so far, then the snapshot, checked
    // here before anything depends on it.
    instance.ledger.checkpoint().await?;
    let kind = if config.database_url().starts_with("postgres") { SnapshotKind::PgDump } else { SnapshotKind::Sqlite };
    let snapshot_file = staged.path().join(kind.file_name());
    snapshot::snapshot(&config.database_url(), &snapshot_file).await.context("cannot snapshot the metadata database")?;
    let (checkpoint_size, checkpoint_root, ledger_problems) = match kind {
        SnapshotKind::Sqlite => check_snapshot(&snapshot_file, instance).await?,
        SnapshotKind::PgDump => {
            // The dump is checked by listing it; its ledger is checked in
            // full when restored (`liuhen restore` runs the verification).
            let listed = std::process::Command::new("pg_restore").arg("--list").arg(&snapshot_file).output()?;
            let problems = if listed.status.success() { Vec::new() } else { vec![String::from_utf8_lossy(&listed.stderr).into_owned()] };
            let latest = instance.store.latest_checkpoint().await?.context("the ledger has no checkpoint")?;
            (latest.size, base64_root(&latest.root), problems)
        }
    };

    // The blobs, each checked in the copy: every one the snapshot can name
    // (and any stored since).
    let vault = Vault::open(place.vault_location("vault")).await.context("cannot open the backup's vault")?;
    let blobs = liuhen_custody::backup::copy_blobs(instance.store.as_ref(), &instance.vault, &vault, &staged.path().join("blobs")).await?;

    place.upload(&snapshot_file, kind.file_name()).await.context("cannot copy the snapshot to the backup")?;
    let manifest = BackupManifest {
        format: FORMAT.into(),
        made_at: Timestamp::now(),
        origin: config.ledger.origin.clone(),
        snapshot: kind,
        checkpoint_size,
        checkpoint_root: checkpoint_root.clone(),
        verifier_keys: instance.ledger.verifier_keys(),
        blobs,
        ledger_problems,
    };
    place.write(MANIFEST, serde_json::to_vec_pretty(&manifest)?).await?;
    drop(staged);
    let good = manifest.blobs.problems.is_empty() && manifest.ledger_problems.is_empty();
    let draft = EntryDraft::new(console_actor(), action::BACKUP_MADE).payload(serde_json::json!({
        "target": place.describe(), "snapshot": kind, "checkpoint_size": checkpoint_size, "checkpoint_root": checkpoint_root,
        "blobs_copied": manifest.blobs.copied, "blobs_present": manifest.blobs.present, "good": good,
    }));
    instance.ledger.record(draft, Vec::new()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
    } else {
        println!(
            "备份 backup in {}: {} blob(s) copied ({} bytes), {} already there and checked, {} disposed; ledger of {} entries, checkpoint root {}",
            place.describe(),
            manifest.blobs.copied,
            manifest.blobs.bytes_copied,
            manifest.blobs.present,
            manifest.blobs.disposed,
            checkpoint_size,
            checkpoint_root
        );
        for problem in manifest.blobs.problems.iter().chain(&manifest.ledger_problems) {
            println!("  问题 problem: {problem}");
        }
    }
    Ok(if good { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn base64_root(root: &[u8; 32]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(root)
}

/// Verifies the ledger inside an SQLite snapshot against the instance's
/// keys. A scratch copy is opened (opening a database writes beside it:
/// WAL and shared-memory files), so the snapshot itself stays as written.
async fn check_snapshot(path: &Path, instance: &Instance) -> anyhow::Result<(u64, String, Vec<String>)> {
    let scratch_root = instance.config.data_dir.join("tmp");
    std::fs::create_dir_all(&scratch_root)?;
    let scratch = tempfile::Builder::new().prefix("backup-check").tempdir_in(&scratch_root)?;
    let copy = scratch.path().join("check.sqlite");
    std::fs::copy(path, &copy).context("cannot copy the snapshot to check it")?;
    let url = format!("sqlite://{}", copy.display());
    let store = liuhen_store::open(&url).await.context("cannot open the snapshot")?;
    let mut report = liuhen_ledger::verify::Report::default();
    liuhen_ledger::verify::verify_ledger(&store, &instance.ledger.verifiers(), &instance.config.ledger.origin, &mut report).await?;
    let latest = store.latest_checkpoint().await?.context("the snapshot holds no checkpoint")?;
    drop(store);
    Ok((latest.size, base64_root(&latest.root), report.problems.iter().map(|p| p.to_string()).collect()))
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let place = open_place(place_location(&args.backup, &args.s3)?, &args.backup).await?;
    let manifest =
        place.read(MANIFEST).await?.with_context(|| format!("{} is not a Liuhen backup: it has no {MANIFEST}", place.describe()))?;
    let manifest: BackupManifest = serde_json::from_slice(&manifest).with_context(|| format!("{MANIFEST} cannot be read"))?;
    if manifest.format != FORMAT {
        bail!("{MANIFEST} is format {}, this Liuhen reads {FORMAT}", manifest.format);
    }
    let into = &args.into;
    if into.exists() && std::fs::read_dir(into)?.next().is_some() {
        bail!("{} is not empty; restore into a new directory", into.display());
    }
    std::fs::create_dir_all(into)?;
    for directory in ["keys", "packs"] {
        let names = place.list(directory).await?;
        if !names.is_empty() {
            std::fs::create_dir_all(into.join(directory))?;
        }
        for name in names {
            place.download(&format!("{directory}/{name}"), &into.join(directory).join(&name)).await?;
        }
    }
    place.download(CONFIG_FILE, &into.join(CONFIG_FILE)).await.context("the backup has no configuration")?;
    let mut config = Config::load(into, None)?;
    config.database_url = args.database_url.clone();
    crate::commands::init::write_config_file_to(&config, &into.join(CONFIG_FILE))?;
    let staged = staging(&config, "restore")?;
    let snapshot_file = staged.path().join(manifest.snapshot.file_name());
    place.download(manifest.snapshot.file_name(), &snapshot_file).await.context("cannot read the backup's snapshot")?;
    snapshot::restore(&snapshot_file, manifest.snapshot, &config.database_url()).await.context("cannot restore the metadata database")?;
    drop(staged);
    let instance = Instance::open_with(config).await?;
    instance.store.after_bulk_load().await.context("cannot update the restored database's statistics")?;
    let source = Vault::open(place.vault_location("vault")).await.context("cannot open the backup's vault")?;
    let blobs = liuhen_custody::backup::copy_blobs(instance.store.as_ref(), &source, &instance.vault, &into.join("tmp")).await?;
    let _ = std::fs::remove_dir_all(into.join("tmp"));
    let mut report = liuhen_ledger::verify::Report::default();
    liuhen_ledger::verify::verify_ledger(&instance.store, &instance.ledger.verifiers(), &instance.config.ledger.origin, &mut report)
        .await?;
    // The checkpoint the backup names must be in the restored ledger, with the same root.
    let latest = instance.store.checkpoints().await?.into_iter().find(|c| c.size == manifest.checkpoint_size);
    instance.close().await?;
    let root = latest.as_ref().map(|c| base64_root(&c.root)).unwrap_or_default();
    println!(
        "已恢复 restored into {}: {} blob(s) copied and checked; ledger of {} entries, checkpoint root {} ({})",
        into.display(),
        blobs.copied,
        latest.as_ref().map_or(0, |c| c.size),
        root,
        if root == manifest.checkpoint_root { "the same as the backup's" } else { "NOT the backup's" }
    );
    for problem in blobs.problems.iter().chain(report.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().iter()) {
        println!("  问题 problem: {problem}");
    }
    println!("  check it: liuhen verify --data {}", into.display());
    Ok(if blobs.problems.is_empty() && report.problems.is_empty() && root == manifest.checkpoint_root {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
