//! `liuhen backup DIR` and `liuhen restore DIR --into NEW`.
//!
//! A backup directory holds a filesystem vault (`vault/blobs/…`, the same
//! layout as an instance's), a consistent snapshot of the metadata
//! database with the ledger (`metadata.sqlite` or `metadata.pgdump`), the
//! signing keys, the policy packs in use, the configuration, and
//! `liuhen-backup.json` describing it. Backing up again to the same
//! directory copies only new blobs and replaces the snapshot.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::entry::EntryDraft;
use liuhen_core::mutation::action;
use liuhen_store::snapshot::{self, SnapshotKind};
use liuhen_vault::{Vault, VaultLocation};
use serde::{Deserialize, Serialize};

use crate::cli::{BackupArgs, RestoreArgs};
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

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("cannot copy {} to {}", entry.path().display(), to.display()))?;
        }
    }
    Ok(())
}

pub async fn backup(instance: &Instance, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the backup directory {}", dir.display()))?;
    let config = &instance.config;
    if dir.canonicalize()?.starts_with(config.data_dir.canonicalize()?) {
        bail!("the backup directory {} is inside the instance's data directory; put it on another disk", dir.display());
    }
    // Keys, packs and settings: what a restored instance needs to sign on.
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys)?;
    std::fs::copy(config.signing_key_path(), keys.join("ledger-ed25519.pem")).context("cannot copy the ledger signing key")?;
    if config.ledger.cosign_sm2 {
        std::fs::copy(config.sm2_signing_key_path(), keys.join("ledger-sm2.pem")).context("cannot copy the SM2 signing key")?;
    }
    copy_dir(&config.data_dir.join("packs"), &dir.join("packs"))?;
    let mut settings = config.clone();
    settings.database_url = None;
    settings.ledger.signing_key_file = None;
    settings.ledger.sm2_signing_key_file = None;
    settings.data_dir = dir.clone();
    crate::commands::init::write_config_file_to(&settings, &dir.join(CONFIG_FILE))?;

    // A checkpoint covering everything so far, then the snapshot.
    instance.ledger.checkpoint().await?;
    let kind = if config.database_url().starts_with("postgres") { SnapshotKind::PgDump } else { SnapshotKind::Sqlite };
    let fresh = dir.join(format!("{}.new", kind.file_name()));
    let _ = std::fs::remove_file(&fresh);
    snapshot::snapshot(&config.database_url(), &fresh).await.context("cannot snapshot the metadata database")?;
    std::fs::rename(&fresh, dir.join(kind.file_name()))?;

    // The blobs, each checked in the copy.
    let vault = Vault::open(VaultLocation::Filesystem(dir.join("vault"))).await.context("cannot open the backup vault")?;
    let blobs = liuhen_custody::backup::copy_blobs(instance.store.as_ref(), &instance.vault, &vault, &dir.join("tmp")).await?;
    let _ = std::fs::remove_dir_all(dir.join("tmp"));

    // The snapshot's ledger, checked on its own (SQLite: the file itself).
    let (checkpoint_size, checkpoint_root, ledger_problems) = match kind {
        SnapshotKind::Sqlite => check_snapshot(&dir.join(kind.file_name()), instance).await?,
        SnapshotKind::PgDump => {
            // The dump is checked by listing it; its ledger is checked in
            // full when restored (`liuhen restore` runs the verification).
            let listed = std::process::Command::new("pg_restore").arg("--list").arg(dir.join(kind.file_name())).output()?;
            let problems = if listed.status.success() { Vec::new() } else { vec![String::from_utf8_lossy(&listed.stderr).into_owned()] };
            let latest = instance.store.latest_checkpoint().await?.context("the ledger has no checkpoint")?;
            (latest.size, base64_root(&latest.root), problems)
        }
    };
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
    std::fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    let good = manifest.blobs.problems.is_empty() && manifest.ledger_problems.is_empty();
    let draft = EntryDraft::new(console_actor(), action::BACKUP_MADE).payload(serde_json::json!({
        "dir": dir.display().to_string(), "snapshot": kind, "checkpoint_size": checkpoint_size, "checkpoint_root": checkpoint_root,
        "blobs_copied": manifest.blobs.copied, "blobs_present": manifest.blobs.present, "good": good,
    }));
    instance.ledger.record(draft, Vec::new()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
    } else {
        println!(
            "备份 backup in {}: {} blob(s) copied ({} bytes), {} already there and checked, {} disposed; ledger of {} entries, checkpoint root {}",
            dir.display(),
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
    let manifest: BackupManifest = serde_json::from_slice(
        &std::fs::read(args.backup.join(MANIFEST))
            .with_context(|| format!("{} is not a Liuhen backup: it has no {MANIFEST}", args.backup.display()))?,
    )
    .with_context(|| format!("{MANIFEST} cannot be read"))?;
    if manifest.format != FORMAT {
        bail!("{MANIFEST} is format {}, this Liuhen reads {FORMAT}", manifest.format);
    }
    let into = &args.into;
    if into.exists() && std::fs::read_dir(into)?.next().is_some() {
        bail!("{} is not empty; restore into a new directory", into.display());
    }
    std::fs::create_dir_all(into)?;
    copy_dir(&args.backup.join("keys"), &into.join("keys"))?;
    copy_dir(&args.backup.join("packs"), &into.join("packs"))?;
    std::fs::copy(args.backup.join(CONFIG_FILE), into.join(CONFIG_FILE)).context("the backup has no configuration")?;
    let mut config = Config::load(into, None)?;
    config.database_url = args.database_url.clone();
    crate::commands::init::write_config_file_to(&config, &into.join(CONFIG_FILE))?;
    snapshot::restore(&args.backup.join(manifest.snapshot.file_name()), manifest.snapshot, &config.database_url())
        .await
        .context("cannot restore the metadata database")?;
    let instance = Instance::open_with(config).await?;
    instance.store.after_bulk_load().await.context("cannot update the restored database's statistics")?;
    let source = Vault::open(VaultLocation::Filesystem(args.backup.join("vault"))).await?;
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
