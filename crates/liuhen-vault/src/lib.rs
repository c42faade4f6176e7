//! The evidence vault (证据库): where every file Liuhen keeps lives.
//!
//! Blobs are content-addressed: a file is stored once, under its SHA-256,
//! at `blobs/<first two hex>/<next two hex>/<sha256>`. The vault speaks
//! OpenDAL, so the same code stores on the local filesystem (the default,
//! under the data directory) or on S3-compatible object storage.
//!
//! **Invariant:** a blob is published under its name only after its bytes
//! are durable. A put streams the file once into a temporary object while
//! both digests are computed, makes the temporary durable (fsync of the file
//! on the filesystem backend; a completed PUT on S3), and only then moves it
//! to its final name (rename + directory fsync, or server-side copy). A
//! crash at any point leaves at most an unpublished temporary object.
//!
//! **Invariant:** nothing in this crate deletes a published blob.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use liuhen_core::digest::{ContentDigests, Sha256Digest};
use opendal::{ErrorKind, Operator};

pub mod files;
pub mod hashing;
pub mod object_lock;
mod put;

pub use put::{is_storage_full, open_no_follow, Progress, PutOutcome};

use hashing::DualHasher;

/// Size of the chunks a file is read, hashed and written in.
pub const CHUNK_SIZE: usize = 1 << 20;

/// Where the vault keeps its blobs.
#[derive(Clone)]
pub enum VaultLocation {
    /// A directory on a local filesystem.
    Filesystem(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Location),
}

/// An S3-compatible bucket and the credentials to reach it.
#[derive(Clone)]
pub struct S3Location {
    pub bucket: String,
    /// A key prefix inside the bucket (may be empty).
    pub prefix: String,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for VaultLocation {
    // Keeps the secret key out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultLocation::Filesystem(path) => write!(f, "Filesystem({})", path.display()),
            VaultLocation::S3(s3) => write!(f, "S3(s3://{}/{} at {})", s3.bucket, s3.prefix, s3.endpoint),
        }
    }
}

/// Errors from the vault. Each says what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{path}: no such file. Check the path and run the command again")]
    NotFound { path: PathBuf },
    #[error("{path} is a directory, not a file. Name the files inside it")]
    IsDirectory { path: PathBuf },
    #[error("{path} is not a regular file (a device, socket or pipe); only regular files can be stored")]
    NotRegularFile { path: PathBuf },
    #[error("{path} is a symbolic link; the vault stores the file it is given, never what a link points to")]
    SymbolicLink { path: PathBuf },
    #[error("cannot read {path}: {source}. {}", unreadable_advice(source))]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} changed while it was being stored ({detail}); nothing was stored. Wait until whatever is writing it has finished, then run the command again")]
    ChangedWhileReading { path: PathBuf, detail: String },
    #[error("the vault's storage is full while storing {path}; nothing was stored. Free space on {location} and run the command again")]
    StorageFull { path: PathBuf, location: String },
    #[error("the object store refused the credentials for {location}: check access_key_id and secret_access_key ({source})")]
    AccessDenied {
        location: String,
        #[source]
        source: Box<opendal::Error>,
    },
    #[error("blob {sha256} is not in the vault")]
    MissingBlob { sha256: Sha256Digest },
    #[error("vault storage error at {location}: {detail}")]
    Storage {
        location: String,
        /// The error with its causes, e.g. "connection refused".
        detail: String,
        #[source]
        source: Box<opendal::Error>,
    },
    #[error("vault storage error at {location}: {source}")]
    Io {
        location: String,
        #[source]
        source: std::io::Error,
    },
}

/// What to do about a file that could not be read, by why: its mode, or
/// the disk or camera it is on (an input/output error is what a camera
/// pulled out in the middle of a copy gives).
fn unreadable_advice(source: &std::io::Error) -> &'static str {
    if source.kind() == std::io::ErrorKind::PermissionDenied {
        "Check the file's permissions"
    } else {
        "The disk or device it is on did not give it back: if it was unplugged, plug it in again and run the command again; \
         if it keeps failing, the device may be damaged. Nothing of the file was stored"
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// The vault.
#[derive(Clone)]
pub struct Vault {
    operator: Operator,
    location: VaultLocation,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("location", &self.location).finish()
    }
}

const TEMPORARY_PREFIX: &str = "tmp/";
const BLOB_PREFIX: &str = "blobs/";

/// A file found under `blobs/` by [`Vault::list_blobs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListedBlob {
    /// A blob published under its SHA-256.
    Blob(Sha256Digest),
    /// A file whose name or place is not that of a published blob (put
    /// there by hand): its key.
    Stray(String),
}

impl Vault {
    /// Opens the vault and checks that it can be reached.
    pub async fn open(location: VaultLocation) -> Result<Self> {
        let operator = match &location {
            VaultLocation::Filesystem(root) => {
                std::fs::create_dir_all(root.join("blobs"))
                    .and_then(|_| std::fs::create_dir_all(root.join("tmp")))
                    .map_err(|source| VaultError::Io { location: root.display().to_string(), source })?;
                let builder = opendal::services::Fs::default().root(&root.to_string_lossy());
                Operator::new(builder).map_err(|source| storage_error(&location, source))?.finish()
            }
            VaultLocation::S3(s3) => s3_operator(s3).map_err(|source| storage_error(&location, source))?,
        };
        let vault = Self { operator, location };
        vault.check_reachable().await?;
        Ok(vault)
    }

    pub fn location(&self) -> &VaultLocation {
        &self.location
    }

    /// A human description of where the blobs are.
    pub fn describe(&self) -> String {
        describe(&self.location)
    }

    /// Stores one file (see the crate docs for the steps).
    pub async fn put_file(&self, path: &Path) -> Result<PutOutcome> {
        put::put_file(self, path, None).await
    }

    /// [`Vault::put_file`], telling `progress` how many bytes were read as it goes.
    pub async fn put_file_with_progress(&self, path: &Path, progress: Progress) -> Result<PutOutcome> {
        put::put_file(self, path, Some(progress)).await
    }

    /// The path of a published blob, when the vault is on the local
    /// filesystem (tools such as ffmpeg can then read the stored copy in place).
    pub fn local_path(&self, sha256: &Sha256Digest) -> Option<std::path::PathBuf> {
        match &self.location {
            VaultLocation::Filesystem(root) => Some(root.join(blob_key(sha256))),
            VaultLocation::S3(_) => None,
        }
    }

    /// Copies a published blob into the local file `target` (created; it
    /// must not exist), for tools that need a file. Returns the byte count.
    pub async fn copy_to_local(&self, sha256: &Sha256Digest, target: &Path) -> Result<u64> {
        let size = self.blob_size(sha256).await?;
        let reader = self.operator.reader(&blob_key(sha256)).await.map_err(|error| self.blob_error(sha256, error))?;
        let io_error = |source| VaultError::Io { location: target.display().to_string(), source };
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(target).map_err(io_error)?;
        let mut offset = 0;
        while offset < size {
            let end = (offset + CHUNK_SIZE as u64 * 4).min(size);
            let chunk = reader.read(offset..end).await.map_err(|error| self.blob_error(sha256, error))?;
            for piece in chunk {
                std::io::Write::write_all(&mut file, &piece).map_err(io_error)?;
            }
            offset = end;
        }
        Ok(size)
    }

    /// Publishes a local file whose digests the caller computed from every
    /// byte as it wrote and fsync'd the file (an upload received in
    /// pieces), by moving it into the vault instead of copying it.
    ///
    /// Returns `None`, leaving the file where it is, when that cannot be done
    /// by a rename: an S3 vault, or a file on another filesystem. The caller
    /// then stores it with [`Vault::put_file`], which reads and hashes it.
    pub async fn adopt_file(&self, path: &Path, digests: ContentDigests) -> Result<Option<PutOutcome>> {
        let VaultLocation::Filesystem(root) = &self.location else { return Ok(None) };
        let metadata = std::fs::metadata(path).map_err(|source| VaultError::Io { location: path.display().to_string(), source })?;
        if metadata.len() != digests.size {
            return Ok(None);
        }
        if self.contains(&digests.sha256).await? {
            let _ = std::fs::remove_file(path);
            return Ok(Some(PutOutcome { digests, newly_stored: false }));
        }
        let temporary_key = format!("{TEMPORARY_PREFIX}{}", uuid::Uuid::now_v7());
        match std::fs::rename(path, root.join(&temporary_key)) {
            Ok(()) => {}
            Err(error) if error.raw_os_error() == Some(18) => return Ok(None), // EXDEV: another filesystem
            Err(source) => return Err(VaultError::Io { location: path.display().to_string(), source }),
        }
        put::publish_adopted(self, path, &temporary_key, &digests).await?;
        Ok(Some(PutOutcome { digests, newly_stored: true }))
    }

    /// Whether a blob with this digest is published.
    pub async fn contains(&self, sha256: &Sha256Digest) -> Result<bool> {
        match self.operator.stat(&blob_key(sha256)).await {
            Ok(_) => Ok(true),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
            Err(error) => Err(self.error(error)),
        }
    }

    /// The size of a published blob.
    pub async fn blob_size(&self, sha256: &Sha256Digest) -> Result<u64> {
        match self.operator.stat(&blob_key(sha256)).await {
            Ok(metadata) => Ok(metadata.content_length()),
            Err(error) if error.kind() == ErrorKind::NotFound => Err(VaultError::MissingBlob { sha256: *sha256 }),
            Err(error) => Err(self.error(error)),
        }
    }

    /// Reads `range` of a blob (for streaming with HTTP range requests).
    pub async fn read_range(&self, sha256: &Sha256Digest, range: std::ops::Range<u64>) -> Result<Bytes> {
        let reader = self.operator.reader(&blob_key(sha256)).await.map_err(|error| self.blob_error(sha256, error))?;
        let buffer = reader.read(range).await.map_err(|error| self.blob_error(sha256, error))?;
        Ok(buffer.to_bytes())
    }

    /// Re-reads a published blob and recomputes both digests, to prove the
    /// stored copy is what was recorded.
    pub async fn rehash(&self, sha256: &Sha256Digest) -> Result<ContentDigests> {
        let size = self.blob_size(sha256).await?;
        let reader = self.operator.reader(&blob_key(sha256)).await.map_err(|error| self.blob_error(sha256, error))?;
        let mut hasher = DualHasher::new();
        let mut offset = 0;
        while offset < size {
            let end = (offset + CHUNK_SIZE as u64 * 4).min(size);
            let chunk = reader.read(offset..end).await.map_err(|error| self.blob_error(sha256, error))?;
            for piece in chunk {
                hasher.update(piece);
            }
            offset = end;
        }
        Ok(hasher.finish())
    }

    /// Deletes a published blob at the end of its retention; returns
    /// whether it was there. The one caller is
    /// `liuhen_custody::retention::dispose`, which passes the tombstone it
    /// has already committed to the ledger for an expired, unheld record on
    /// an approved disposal list. Nothing else in the system deletes a
    /// blob (the test `only_disposal_deletes_blobs` in liuhen-custody holds
    /// the source tree to that).
    pub async fn dispose(&self, tombstone: &liuhen_core::retention::Tombstone) -> Result<bool> {
        let sha256 = &tombstone.media.sha256;
        if !self.contains(sha256).await? {
            return Ok(false);
        }
        self.operator.delete(&blob_key(sha256)).await.map_err(|error| self.error(error))?;
        Ok(true)
    }

    /// Visits every file under `blobs/`, in no particular order: the check
    /// that each published blob has a record (a put killed after it
    /// published, before its ledger entry, leaves one without). Returns how
    /// many were visited. Reads the listing page by page, so memory does
    /// not grow with the vault.
    pub async fn list_blobs(&self, mut visit: impl FnMut(ListedBlob)) -> Result<u64> {
        let mut lister = match self.operator.lister_with(BLOB_PREFIX).recursive(true).await {
            Ok(lister) => lister,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(self.error(error)),
        };
        let mut visited = 0;
        while let Some(entry) = futures::TryStreamExt::try_next(&mut lister).await.map_err(|error| self.error(error))? {
            if entry.metadata().is_dir() {
                continue;
            }
            visited += 1;
            let path = entry.path();
            let name = path.rsplit('/').next().unwrap_or(path);
            visit(match name.parse::<Sha256Digest>() {
                Ok(sha256) if blob_key(&sha256) == path => ListedBlob::Blob(sha256),
                _ => ListedBlob::Stray(path.to_owned()),
            });
        }
        Ok(visited)
    }

    /// Removes temporary objects older than `age`: the leftovers of puts
    /// that were interrupted (kill -9, power loss). They were never
    /// published, so removing them loses nothing.
    pub async fn sweep_temporary(&self, age: Duration) -> Result<usize> {
        let entries = match self.operator.list(TEMPORARY_PREFIX).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(self.error(error)),
        };
        let cutoff = SystemTime::now() - age;
        let mut removed = 0;
        for entry in entries {
            if entry.path() == TEMPORARY_PREFIX || entry.metadata().is_dir() {
                continue;
            }
            let metadata = self.operator.stat(entry.path()).await.map_err(|error| self.error(error))?;
            let modified = metadata.last_modified().map(SystemTime::from);
            if modified.is_some_and(|modified| modified < cutoff) {
                self.operator.delete(entry.path()).await.map_err(|error| self.error(error))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn check_reachable(&self) -> Result<()> {
        // A listing rather than a stat of some key: S3 answers a HEAD of a
        // missing key and a HEAD in a missing bucket alike (404, no body),
        // so a misspelt bucket would pass and every `contains` would then
        // answer "not stored". A listing of a missing bucket fails with
        // NoSuchBucket. The vault needs list permission anyway (sweeping).
        // Only the first page is fetched: `list` would read the whole level.
        let first_entry = match self.operator.lister_with(BLOB_PREFIX).limit(1).await {
            Ok(mut lister) => futures::TryStreamExt::try_next(&mut lister).await.map(|_| ()),
            Err(error) => Err(error),
        };
        match first_entry {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.error(error)),
        }
    }

    fn blob_error(&self, sha256: &Sha256Digest, error: opendal::Error) -> VaultError {
        if error.kind() == ErrorKind::NotFound {
            VaultError::MissingBlob { sha256: *sha256 }
        } else {
            self.error(error)
        }
    }

    fn error(&self, error: opendal::Error) -> VaultError {
        storage_error(&self.location, error)
    }
}

/// An operator for an S3 bucket, rooted at the location's prefix.
fn s3_operator(s3: &S3Location) -> std::result::Result<Operator, opendal::Error> {
    let builder = opendal::services::S3::default()
        .bucket(&s3.bucket)
        .root(&format!("/{}", s3.prefix.trim_matches('/')))
        .endpoint(&s3.endpoint)
        .region(&s3.region)
        .access_key_id(&s3.access_key_id)
        .secret_access_key(&s3.secret_access_key)
        // Credentials come from Liuhen's config only: never from the
        // environment or a cloud metadata service.
        .disable_config_load()
        .disable_ec2_metadata();
    Ok(Operator::new(builder)?.finish())
}

/// The key a blob is published under.
pub fn blob_key(sha256: &Sha256Digest) -> String {
    let hex = sha256.to_hex();
    format!("{BLOB_PREFIX}{}/{}/{hex}", &hex[0..2], &hex[2..4])
}

fn describe(location: &VaultLocation) -> String {
    match location {
        VaultLocation::Filesystem(root) => root.display().to_string(),
        VaultLocation::S3(s3) => format!("s3://{}/{} at {}", s3.bucket, s3.prefix.trim_matches('/'), s3.endpoint),
    }
}

fn storage_error(location: &VaultLocation, source: opendal::Error) -> VaultError {
    let location = describe(location);
    if source.kind() == ErrorKind::PermissionDenied {
        VaultError::AccessDenied { location, source: Box::new(source) }
    } else {
        VaultError::Storage { location, detail: with_causes(&source), source: Box::new(source) }
    }
}

/// An error and its causes on one line: OpenDAL's own message often leaves
/// the cause that matters (connection refused, no such host) to its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}
