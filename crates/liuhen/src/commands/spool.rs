//! The workstation's spool (暂存区): its own copy of what it uploads.
//!
//! With `liuhen ingest --server URL --spool` (or `ingest.spool = true`), a
//! camera file is copied to `DATA/spool/` (hashed with SHA-256 as it is
//! copied, made durable, then named) and uploaded in the same pass (each
//! chunk read goes to the copy and to the server); the server is asked to
//! register it once the copy is durable. The copy is deleted only once the
//! server has registered the same SHA-256. So when
//! the server is down or goes away, the camera can still be unplugged and
//! taken back on duty while the workstation holds a second copy; every
//! later remote `ingest` sends what the spool holds (a device's own files
//! with the device, the rest after the devices given), with the time the
//! copy was made as the offload time.
//!
//! The camera's own file is not cleared against the spool: clearing still
//! waits for the server, as without a spool, and for a copy made in an
//! earlier run the camera's file is read again and must hash the same.
//! The spool is a second copy, not the evidence record.
//!
//! One entry is two files named by the upload key (device serial, path on
//! the device, size and modification time): `KEY.bin`, the copy, and
//! `KEY.json`, what is known about it. Both are written under temporary
//! names and named copy first, so a crash leaves at most a copy without a
//! manifest, which is never sent (the camera still has the file) and is
//! removed a day later. One run at a time uses the spool (`.lock`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;
use liuhen_core::digest::Sha256Digest;
use liuhen_core::recording::{ClockOffset, MediaKind};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Where a copy's chunks are handed on to be uploaded as they are read.
pub(crate) type Tee = tokio::sync::mpsc::Sender<anyhow::Result<bytes::Bytes>>;
/// An unfinished copy, or a copy without its manifest, untouched this long
/// was left by a run that died (a run still copying touches its file all
/// the time).
const STALE_PART: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The folder of spooled copies.
#[derive(Clone)]
pub(crate) struct Spool {
    dir: PathBuf,
}

/// What the workstation knew about a spooled file when it copied it: all
/// the server needs to register it without the camera.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub device_serial: String,
    pub badge_no: Option<String>,
    /// The path on the device, relative to its root (lossy UTF-8).
    pub path_on_device: String,
    /// The file's name on the device.
    pub original_name: Option<String>,
    pub size: u64,
    pub modified: Option<Timestamp>,
    pub clock_offset: Option<ClockOffset>,
    pub extension_kind: MediaKind,
    /// The SHA-256 of the bytes read from the camera.
    pub sha256: String,
    pub spooled_at: Timestamp,
}

/// A complete spool entry.
#[derive(Debug)]
pub(crate) struct Spooled {
    pub key: String,
    pub data: PathBuf,
    pub manifest: Manifest,
}

impl Spool {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn data_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.bin"))
    }

    fn manifest_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The complete entry under `key`, if there is one.
    pub(crate) fn find(&self, key: &str) -> anyhow::Result<Option<Spooled>> {
        let manifest_path = self.manifest_path(key);
        let bytes = match std::fs::read(&manifest_path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error).with_context(|| format!("cannot read {}", manifest_path.display())),
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not a spool manifest", manifest_path.display()))?;
        let data = self.data_path(key);
        let size = std::fs::symlink_metadata(&data).ok().filter(|metadata| metadata.is_file()).map(|metadata| metadata.len());
        anyhow::ensure!(
            size == Some(manifest.size),
            "the spool's copy of {} (device {}) is missing or has the wrong size",
            manifest.path_on_device,
            manifest.device_serial
        );
        Ok(Some(Spooled { key: key.to_owned(), data, manifest }))
    }

    /// Takes the spool's lock for a run: two runs at once would send the
    /// same copies over the same uploads. Waits (saying so) while another
    /// run holds it; held until the returned file is dropped.
    pub(crate) fn lock(&self) -> anyhow::Result<std::fs::File> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create the spool {}", self.dir.display()))?;
        let path = self.dir.join(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        use rustix::fs::{flock, FlockOperation};
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(file),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                eprintln!("另一个上传正在进行 another `liuhen ingest --server` is running on this workstation; waiting for it to finish…");
            }
            Err(error) => return Err(std::io::Error::from(error)).with_context(|| format!("cannot lock {}", path.display())),
        }
        flock(&file, FlockOperation::LockExclusive)
            .map_err(std::io::Error::from)
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    }

    /// Whether any entry (complete or not) is in the spool; changes nothing.
    pub(crate) fn holds_anything(&self) -> bool {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| entry.file_name().to_str().is_some_and(|name| name.ends_with(".json")))
    }

    /// Every complete entry, oldest first, and what was wrong with the
    /// others (each set aside). A copy that has no manifest, untouched for a
    /// day, is removed: a run that died left it (its camera file was never
    /// cleared against it), or the server had confirmed it already.
    pub(crate) fn list(&self) -> anyhow::Result<(Vec<Spooled>, Vec<String>)> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
            Err(error) => return Err(error).with_context(|| format!("cannot read the spool {}", self.dir.display())),
        };
        let (mut found, mut problems) = (Vec::new(), Vec::new());
        for entry in entries {
            let path = entry.with_context(|| format!("cannot read the spool {}", self.dir.display()))?.path();
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
            if let Some(key) = name.strip_suffix(".json") {
                match self.find(key) {
                    Ok(Some(spooled)) => found.push(spooled),
                    Ok(None) => {}
                    Err(error) => problems.push(match self.set_aside(key) {
                        Ok(moved) => format!(
                            "{error:#}; it was set aside as {}. The camera keeps the file until the server confirms it: offload that camera again",
                            moved.display()
                        ),
                        Err(also) => format!("{error:#}; and it could not be set aside: {also:#}"),
                    }),
                }
            } else if name.ends_with(".part") || name.strip_suffix(".bin").is_some_and(|key| !self.manifest_path(key).exists()) {
                let stale = std::fs::metadata(&path)
                    .and_then(|metadata| metadata.modified())
                    .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > STALE_PART));
                if stale {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        found.sort_by_key(|spooled| spooled.manifest.spooled_at);
        Ok((found, problems))
    }

    /// Copies `source` (the camera's file) into the spool under `key`,
    /// durably, and returns the entry. `manifest.sha256` is filled in from
    /// the bytes copied. Blocking: call it off the async threads.
    ///
    /// With `tee`, each chunk read is also handed on (to be uploaded while
    /// the copy is made); if the receiver goes away, the copy goes on.
    pub(crate) fn take_in(
        &self,
        key: &str,
        source: &Path,
        mut manifest: Manifest,
        progress: &liuhen_vault::Progress,
        mut tee: Option<Tee>,
    ) -> anyhow::Result<Spooled> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create the spool {}", self.dir.display()))?;
        let input = super::remote::open_camera_file(source)?;
        let before = input.metadata().with_context(|| format!("cannot read {}", source.display()))?;
        let modified = before.modified().ok().and_then(|time| Timestamp::try_from(time).ok());
        anyhow::ensure!(
            before.is_file() && before.len() == manifest.size && modified == manifest.modified,
            "{} changed since the device was scanned",
            source.display()
        );
        // Named for this run alone: another copy of the same file (the same
        // folder given twice) never writes into this one.
        let part = self.dir.join(format!("{key}.{}.{}.part", std::process::id(), Timestamp::now().as_nanosecond()));
        let mut output = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .with_context(|| format!("cannot create {}", part.display()))?;
        let mut hasher = sha2::Sha256::new();
        let outcome = (|| -> anyhow::Result<()> {
            let mut chunks = super::remote::Chunks::new(input, source, manifest.size, false);
            for chunk in chunks.by_ref() {
                let chunk = chunk?;
                hasher.update(&chunk);
                output
                    .write_all(&chunk)
                    .with_context(|| format!("cannot write the workstation's copy to {} (is its disk full?)", part.display()))?;
                progress(chunk.len() as u64);
                if let Some(receiver) = &tee {
                    if receiver.blocking_send(Ok(bytes::Bytes::from(chunk))).is_err() {
                        tee = None; // the upload stopped; the copy goes on
                    }
                }
            }
            let after = chunks.file().metadata().with_context(|| format!("cannot read {}", source.display()))?;
            anyhow::ensure!(after.len() == manifest.size, "{} changed size while it was read", source.display());
            output.sync_all().with_context(|| format!("cannot make {} durable", part.display()))
        })();
        drop(output);
        drop(tee); // the upload has every byte, or is told there are no more
        if let Err(error) = outcome {
            let _ = std::fs::remove_file(&part);
            return Err(error);
        }
        manifest.sha256 = Sha256Digest(hasher.finalize().into()).to_hex();
        // The manifest is written beside the copy first, then both are
        // named: a crash leaves at most a copy without a manifest.
        let written = part.with_extension("json.part");
        let outcome = (|| -> anyhow::Result<Spooled> {
            let mut file = std::fs::File::create(&written).with_context(|| format!("cannot create {}", written.display()))?;
            file.write_all(&serde_json::to_vec_pretty(&manifest)?)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {} (is the workstation's disk full?)", written.display()))?;
            let data = self.data_path(key);
            std::fs::rename(&part, &data).with_context(|| format!("cannot name {}", data.display()))?;
            let manifest_path = self.manifest_path(key);
            std::fs::rename(&written, &manifest_path).with_context(|| format!("cannot name {}", manifest_path.display()))?;
            self.sync_dir()?;
            Ok(Spooled { key: key.to_owned(), data, manifest })
        })();
        if outcome.is_err() {
            let _ = std::fs::remove_file(&written);
            let _ = std::fs::remove_file(&part);
        }
        outcome
    }

    /// Deletes an entry the server has confirmed: its manifest, then the
    /// copy (a crash in between leaves a copy without a manifest, which
    /// [`Spool::list`] removes a day later).
    pub(crate) fn release(&self, spooled: &Spooled) -> anyhow::Result<()> {
        let manifest_path = self.manifest_path(&spooled.key);
        std::fs::remove_file(&manifest_path).with_context(|| format!("cannot remove {}", manifest_path.display()))?;
        std::fs::remove_file(&spooled.data).with_context(|| format!("cannot remove {}", spooled.data.display()))?;
        self.sync_dir()
    }

    /// Sets aside the entry under `key` (whatever of it there is): a copy
    /// that no longer hashes to what was read from the camera, or is
    /// incomplete. Never sent; kept in `damaged/` for whoever looks into it,
    /// under a name no later entry of the same file takes. Returns where.
    pub(crate) fn set_aside(&self, key: &str) -> anyhow::Result<PathBuf> {
        let aside = self.dir.join("damaged");
        std::fs::create_dir_all(&aside).with_context(|| format!("cannot create {}", aside.display()))?;
        let stamp = Timestamp::now().strftime("%Y%m%dT%H%M%S%.fZ");
        // The manifest first: what is left after a crash is a copy without
        // one, which is never sent.
        for (from, extension) in [(self.manifest_path(key), "json"), (self.data_path(key), "bin")] {
            if from.exists() {
                let to = aside.join(format!("{key}-{stamp}.{extension}"));
                std::fs::rename(&from, &to).with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        self.sync_dir()?;
        Ok(aside.join(format!("{key}-{stamp}.bin")))
    }

    fn sync_dir(&self) -> anyhow::Result<()> {
        std::fs::File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .with_context(|| format!("cannot make the spool {} durable", self.dir.display()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A camera file, and the manifest the scan would give it.
    fn on_camera(dir: &Path, bytes: &[u8]) -> (PathBuf, Manifest) {
        let source = dir.join("a.mp4");
        std::fs::write(&source, bytes).unwrap();
        let modified = std::fs::metadata(&source).unwrap().modified().ok().and_then(|time| Timestamp::try_from(time).ok());
        let manifest = Manifest {
            device_serial: "DSJ-1".into(),
            badge_no: None,
            path_on_device: "DCIM/a.mp4".into(),
            original_name: Some("a.mp4".into()),
            size: bytes.len() as u64,
            modified,
            clock_offset: None,
            extension_kind: MediaKind::Video,
            sha256: String::new(),
            spooled_at: Timestamp::now(),
        };
        (source, manifest)
    }

    fn quiet() -> liuhen_vault::Progress {
        Arc::new(|_| {})
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    fn age(path: &Path) {
        let old = std::time::SystemTime::now() - STALE_PART - std::time::Duration::from_secs(60);
        std::fs::OpenOptions::new().write(true).open(path).unwrap().set_modified(old).unwrap();
    }

    #[test]
    fn a_copy_is_listed_only_once_complete_and_goes_when_released() {
        let camera = tempfile::tempdir().unwrap();
        let (source, manifest) = on_camera(camera.path(), b"recording bytes");
        let workstation = tempfile::tempdir().unwrap();
        let spool = Spool::new(workstation.path().join("spool"));
        assert!(spool.list().unwrap().0.is_empty(), "no spool yet is an empty spool");

        let counted = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let progress: liuhen_vault::Progress = {
            let counted = counted.clone();
            Arc::new(move |bytes| {
                counted.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
            })
        };
        let spooled = spool.take_in("k1", &source, manifest, &progress, None).unwrap();
        assert_eq!(spooled.manifest.sha256, liuhen_core::digest::sha256(b"recording bytes").to_hex());
        assert_eq!(std::fs::read(&spooled.data).unwrap(), b"recording bytes");
        assert_eq!(counted.load(std::sync::atomic::Ordering::Relaxed), 15);
        assert_eq!(names(spool.dir()), ["k1.bin", "k1.json"], "nothing else is left");

        // What a killed run leaves (an unfinished copy, a copy without its
        // manifest) is not an entry; once stale, it goes.
        let part = spool.dir().join("k2.1.2.part");
        std::fs::write(&part, b"recor").unwrap();
        let orphan = spool.dir().join("k3.bin");
        std::fs::write(&orphan, b"recording").unwrap();
        let (listed, problems) = spool.list().unwrap();
        assert_eq!(listed.iter().map(|entry| entry.key.as_str()).collect::<Vec<_>>(), ["k1"]);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(part.exists() && orphan.exists(), "another run may still be making them");
        age(&part);
        age(&orphan);
        age(&spooled.data);
        spool.list().unwrap();
        assert_eq!(names(spool.dir()), ["k1.bin", "k1.json"], "a complete entry stays, however old");

        spool.release(&listed[0]).unwrap();
        assert!(spool.list().unwrap().0.is_empty());
        assert!(spool.find("k1").unwrap().is_none());
        assert!(names(spool.dir()).is_empty());
    }

    #[test]
    fn a_file_that_is_not_what_the_scan_saw_is_not_spooled() {
        let camera = tempfile::tempdir().unwrap();
        let (source, manifest) = on_camera(camera.path(), b"recording bytes");
        let workstation = tempfile::tempdir().unwrap();
        let spool = Spool::new(workstation.path().join("spool"));

        let shorter = Manifest { size: 9, ..manifest.clone() };
        let error = spool.take_in("k", &source, shorter, &quiet(), None).unwrap_err();
        assert!(format!("{error:#}").contains("changed since the device was scanned"), "{error:#}");
        // Rewritten at the same size since the scan: only the time tells.
        let earlier = Manifest { modified: manifest.modified.map(|time| time - jiff::SignedDuration::from_secs(60)), ..manifest.clone() };
        let error = spool.take_in("k", &source, earlier, &quiet(), None).unwrap_err();
        assert!(format!("{error:#}").contains("changed since the device was scanned"), "{error:#}");

        let link = camera.path().join("link.mp4");
        std::os::unix::fs::symlink(&source, &link).unwrap();
        let error = spool.take_in("k", &link, manifest, &quiet(), None).unwrap_err();
        assert!(format!("{error:#}").contains("symbolic link"), "{error:#}");
        assert!(names(spool.dir()).is_empty(), "nothing half-made is left");
    }

    #[test]
    fn an_incomplete_copy_is_set_aside_not_sent() {
        let camera = tempfile::tempdir().unwrap();
        let (source, manifest) = on_camera(camera.path(), b"recording bytes");
        let workstation = tempfile::tempdir().unwrap();
        let spool = Spool::new(workstation.path().join("spool"));
        let spooled = spool.take_in("k", &source, manifest.clone(), &quiet(), None).unwrap();
        std::fs::write(&spooled.data, b"recording").unwrap();
        let error = spool.find("k").expect_err("a truncated copy is not an entry");
        assert!(format!("{error:#}").contains("wrong size"), "{error:#}");
        let (listed, problems) = spool.list().unwrap();
        assert!(listed.is_empty() && problems.len() == 1, "{problems:?}");
        assert!(problems[0].contains("set aside") && problems[0].contains("DCIM/a.mp4"), "{problems:?}");
        assert!(spool.find("k").unwrap().is_none());
        assert_eq!(names(&spool.dir().join("damaged")).len(), 2);

        // The same file set aside again keeps the first one too.
        spool.take_in("k", &source, manifest, &quiet(), None).unwrap();
        let moved = spool.set_aside("k").unwrap();
        assert!(moved.exists() && spool.find("k").unwrap().is_none());
        assert_eq!(names(&spool.dir().join("damaged")).len(), 4);
    }
}
