//! Reading a device folder: the camera's identity file, and every file to
//! offload, in a stable order. Of the files, only the identity file is read.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;
use liuhen_core::recording::{CameraFileName, CameraIdentity};

use super::report::FileReport;

/// Names of the identity file a camera may hold at its root (case ignored).
const IDENTITY_FILES: [&str; 6] = ["device.txt", "deviceinfo.txt", "device.ini", "deviceinfo.ini", "identity.txt", "liuhen-device.txt"];

/// Folders a computer or camera keeps for itself; never recordings.
const SYSTEM_FOLDERS: [&str; 3] = ["system volume information", "$recycle.bin", "lost+found"];

/// A device folder, read.
pub(super) struct Plan {
    pub(super) root: PathBuf,
    pub(super) identity: Option<CameraIdentity>,
    pub(super) identity_problems: Vec<String>,
    pub(super) files: Vec<FileOnDevice>,
    pub(super) skipped: Vec<FileReport>,
    pub(super) newest_file_time: Option<Timestamp>,
    pub(super) scanned_at: Timestamp,
}

pub(super) struct FileOnDevice {
    pub(super) path: PathBuf,
    /// Relative to the device root, for people (lossy UTF-8).
    pub(super) relative: String,
    pub(super) size: u64,
    pub(super) modified: Option<Timestamp>,
    pub(super) name: Option<CameraFileName>,
}

/// Walks a device folder. Symbolic links are never followed: one pointing
/// outside the device is refused and reported, one inside is skipped (its
/// target is walked in its own place).
pub(super) fn scan(root: &Path) -> anyhow::Result<Plan> {
    let metadata = std::fs::metadata(root).with_context(|| format!("cannot open the device folder {}", root.display()))?;
    anyhow::ensure!(metadata.is_dir(), "{} is not a folder; give the folder the camera is mounted at", root.display());
    let canonical_root = root.canonicalize().with_context(|| format!("cannot resolve {}", root.display()))?;
    let scanned_at = Timestamp::now();
    let mut plan = Plan {
        root: root.to_owned(),
        identity: None,
        identity_problems: Vec::new(),
        files: Vec::new(),
        skipped: Vec::new(),
        newest_file_time: None,
        scanned_at,
    };
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot list {}", dir.display()))?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            let name = entry.file_name();
            let lower = name.to_string_lossy().to_lowercase();
            let kind = entry.file_type().with_context(|| format!("cannot read {}", path.display()))?;
            if kind.is_symlink() {
                let inside = path.canonicalize().is_ok_and(|target| target.starts_with(&canonical_root));
                if !inside {
                    plan.skipped.push(FileReport::skipped(
                        relative,
                        "a symbolic link to somewhere outside the device: refused, not followed; left on the device".into(),
                    ));
                }
                continue;
            }
            if kind.is_dir() {
                if !lower.starts_with('.') && !SYSTEM_FOLDERS.contains(&lower.as_str()) {
                    pending.push(path);
                }
                continue;
            }
            if !kind.is_file() || lower.starts_with('.') {
                continue;
            }
            if dir == root && IDENTITY_FILES.contains(&lower.as_str()) {
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read the camera's identity file {}", path.display()))?;
                let (identity, problems) = CameraIdentity::parse(&String::from_utf8_lossy(&bytes));
                plan.identity = Some(identity);
                plan.identity_problems = problems;
                continue;
            }
            let metadata = entry.metadata().with_context(|| format!("cannot read {}", path.display()))?;
            let modified = metadata.modified().ok().and_then(|time| Timestamp::try_from(time).ok());
            plan.newest_file_time = plan.newest_file_time.max(modified);
            let parsed = name.to_str().and_then(CameraFileName::parse);
            plan.files.push(FileOnDevice { path, relative, size: metadata.len(), modified, name: parsed });
        }
    }
    plan.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(plan)
}
