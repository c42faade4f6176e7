//! Storing one file: stream once, hash twice, make durable, then publish.

use std::fs::{File, Metadata};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use bytes::Bytes;
use liuhen_core::digest::ContentDigests;

use crate::hashing::DualHasher;
use crate::{blob_key, Result, Vault, VaultError, VaultLocation, CHUNK_SIZE, TEMPORARY_PREFIX};

/// What a put did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    pub digests: ContentDigests,
    /// `false` when identical content was already in the vault; the file was
    /// then read and hashed but not stored a second time.
    pub newly_stored: bool,
}

/// How many chunks may wait between the reading thread and the writer.
const WRITE_QUEUE_DEPTH: usize = 8;

/// How many chunks may wait for the filesystem writer while it flushes.
/// With the hashers' own queues that leaves SM3 about 24 MiB (90 ms at
/// 270 MiB/s) to hash while a flush of [`FLUSH_EVERY`] bytes blocks the
/// writer. A queue of 24 put 2 GiB no faster and peaked 5–7 MiB higher
/// (docs/benchmarks.md, 2026-12-07, third session).
const FILE_QUEUE_DEPTH: usize = 16;

/// The filesystem writer flushes to disk after this many bytes.
const FLUSH_EVERY: usize = 64 << 20;

/// Told how many bytes were just read, as a put goes.
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// A reader that reports how much it read.
struct Counting<R> {
    inner: R,
    progress: Option<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if let Some(progress) = &self.progress {
            progress(read as u64);
        }
        Ok(read)
    }
}

pub(crate) async fn put_file(vault: &Vault, path: &Path, progress: Option<Progress>) -> Result<PutOutcome> {
    // Looked at before opening, so that a pipe is refused, not waited on.
    regular_file_metadata(path)?;
    let file = open_no_follow(path)?;
    // What was opened, not what the path names now.
    let before = file.metadata().map_err(|source| open_error(path, source))?;
    if !before.is_file() {
        return Err(VaultError::NotRegularFile { path: path.to_owned() });
    }
    let file = Counting { inner: file, progress };
    let temporary_key = format!("{TEMPORARY_PREFIX}{}", uuid::Uuid::now_v7());

    let result = stream_to_temporary(vault, path, file, before.len(), &temporary_key).await;
    let digests = match result {
        Ok(digests) => digests,
        Err(error) => {
            discard(vault, &temporary_key).await;
            return Err(error);
        }
    };

    // The file must be exactly what we read from start to end: if its size
    // or modification time moved, or we read a different number of bytes
    // than it had, a recorder or copy job was still writing it.
    let after = regular_file_metadata(path);
    let changed = match &after {
        Ok(after) if (after.dev(), after.ino()) != (before.dev(), before.ino()) => Some("another file took its place".to_owned()),
        Ok(after) if after.len() != before.len() => Some(format!("size went from {} to {} bytes", before.len(), after.len())),
        Ok(after) if after.modified().ok() != before.modified().ok() => Some("its modification time moved".to_owned()),
        Ok(_) if digests.size != before.len() => Some(format!("read {} bytes of a {}-byte file", digests.size, before.len())),
        Ok(_) => None,
        Err(_) => Some("it disappeared".to_owned()),
    };
    if let Some(detail) = changed {
        discard(vault, &temporary_key).await;
        return Err(VaultError::ChangedWhileReading { path: path.to_owned(), detail });
    }

    if vault.contains(&digests.sha256).await? {
        discard(vault, &temporary_key).await;
        return Ok(PutOutcome { digests, newly_stored: false });
    }
    if let Err(error) = publish(vault, path, &temporary_key, &blob_key(&digests.sha256)).await {
        discard(vault, &temporary_key).await;
        return Err(error);
    }
    Ok(PutOutcome { digests, newly_stored: true })
}

/// Streams the file into a temporary object while both digests are
/// computed, and makes the temporary durable.
///
/// Reads at most one byte more than `expected_size`: enough to see that the
/// file grew, without chasing a file that a recorder keeps appending to
/// (which would copy until the recording stops, or the vault is full).
async fn stream_to_temporary(
    vault: &Vault,
    path: &Path,
    file: impl Read + Send + 'static,
    expected_size: u64,
    temporary_key: &str,
) -> Result<ContentDigests> {
    let file = file.take(expected_size.saturating_add(1));
    match &vault.location {
        VaultLocation::Filesystem(root) => {
            let temporary = root.join(temporary_key);
            let written =
                tokio::task::spawn_blocking(move || copy_to_file(file, &temporary)).await.expect("the copying task does not panic");
            match written {
                Ok(digests) => Ok(digests),
                Err(CopyError::Read(source)) => Err(VaultError::Unreadable { path: path.to_owned(), source }),
                Err(CopyError::Write(source)) => Err(io_write_error(vault, path, source)),
            }
        }
        VaultLocation::S3(_) => stream_to_object(vault, path, file, temporary_key).await,
    }
}

enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// The filesystem path: one thread reads, one writes, two hash.
///
/// This bypasses OpenDAL on purpose. Its fs writer goes through
/// `tokio::fs`, which copies every buffer once more before writing and does
/// not fsync; on a two-core machine that extra pass over the data costs
/// more than the SM3 digest, and the copy must be durable anyway.
///
/// The writer flushes every [`FLUSH_EVERY`] bytes. Left alone, the kernel
/// would keep a whole recording in the page cache and write it all at the
/// final fsync, after hashing has finished; flushing as we go lets the disk
/// work while SM3, the slowest step, is still hashing.
fn copy_to_file(mut source: impl Read, temporary: &Path) -> Result<ContentDigests, CopyError> {
    let mut target = std::fs::OpenOptions::new().write(true).create_new(true).open(temporary).map_err(CopyError::Write)?;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Bytes>(FILE_QUEUE_DEPTH);
    let writer = std::thread::Builder::new()
        .name("liuhen-vault-writer".into())
        .spawn(move || -> std::io::Result<()> {
            let mut unflushed = 0usize;
            for chunk in receiver {
                target.write_all(&chunk)?;
                unflushed += chunk.len();
                if unflushed >= FLUSH_EVERY {
                    target.sync_data()?;
                    unflushed = 0;
                }
            }
            target.sync_all()
        })
        .map_err(CopyError::Write)?;
    let mut hasher = DualHasher::new();
    let pool = BufferPool::default();
    let read = loop {
        let chunk = match pool.read_chunk(&mut source) {
            Ok(chunk) => chunk,
            Err(error) => break Err(error),
        };
        if chunk.is_empty() {
            break Ok(());
        }
        hasher.update(chunk.clone());
        if sender.send(chunk).is_err() {
            // The writer stopped; its error is reported below.
            break Ok(());
        }
    };
    drop(sender);
    let digests = hasher.finish();
    writer.join().expect("the writing thread does not panic").map_err(CopyError::Write)?;
    read.map_err(CopyError::Read)?;
    Ok(digests)
}

/// The object-store path: a reading thread feeds the hashers and, over a
/// bounded channel, OpenDAL's writer (a multipart upload on S3, durable
/// when it completes).
async fn stream_to_object(vault: &Vault, path: &Path, mut file: impl Read + Send + 'static, temporary_key: &str) -> Result<ContentDigests> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Bytes>(WRITE_QUEUE_DEPTH);
    let reading = tokio::task::spawn_blocking(move || -> std::io::Result<ContentDigests> {
        let mut hasher = DualHasher::new();
        let pool = BufferPool::default();
        loop {
            let chunk = pool.read_chunk(&mut file)?;
            if chunk.is_empty() {
                break;
            }
            hasher.update(chunk.clone());
            if sender.blocking_send(chunk).is_err() {
                // The writer stopped; its error is the one to report.
                break;
            }
        }
        Ok(hasher.finish())
    });

    let writing = async {
        let mut writer = vault.operator.writer(temporary_key).await?;
        while let Some(chunk) = receiver.recv().await {
            writer.write(chunk).await?;
        }
        writer.close().await?;
        Ok::<_, opendal::Error>(())
    }
    .await;
    drop(receiver);
    let read = reading.await.expect("the reading task does not panic");

    if let Err(error) = writing {
        return Err(write_error(vault, path, error));
    }
    read.map_err(|source| VaultError::Unreadable { path: path.to_owned(), source })
}

/// Publishes a file already moved to `temporary_key` by [`Vault::adopt_file`].
pub(crate) async fn publish_adopted(vault: &Vault, path: &Path, temporary_key: &str, digests: &ContentDigests) -> Result<()> {
    if let VaultLocation::Filesystem(root) = &vault.location {
        let temporary = root.join(temporary_key);
        // The writer fsync'd it; this makes sure, whatever wrote it.
        File::open(&temporary).and_then(|file| file.sync_all()).map_err(|source| io_write_error(vault, path, source))?;
    }
    if let Err(error) = publish(vault, path, temporary_key, &blob_key(&digests.sha256)).await {
        discard(vault, temporary_key).await;
        return Err(error);
    }
    Ok(())
}

/// Moves a durable temporary object to its published name.
async fn publish(vault: &Vault, path: &Path, temporary_key: &str, key: &str) -> Result<()> {
    match &vault.location {
        VaultLocation::Filesystem(root) => {
            // std::fs rather than OpenDAL here: publishing on a filesystem
            // means rename + fsync of every directory the rename touched,
            // which OpenDAL's fs service does not do.
            let temporary = root.join(temporary_key);
            let published = root.join(key);
            let directory = published.parent().expect("blob keys have a directory").to_owned();
            let root = root.clone();
            let path = path.to_owned();
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                std::fs::create_dir_all(&directory)?;
                let mut permissions = std::fs::metadata(&temporary)?.permissions();
                permissions.set_readonly(true);
                std::fs::set_permissions(&temporary, permissions)?;
                std::fs::rename(&temporary, &published)?;
                sync_directory(&directory)?;
                sync_directory(directory.parent().expect("two levels"))?;
                sync_directory(&root.join("blobs"))?;
                Ok(())
            })
            .await
            .expect("the publishing task does not panic")
            .map_err(|source| io_write_error(vault, &path, source))
        }
        VaultLocation::S3(_) => {
            // A completed PUT is durable on S3; a server-side copy publishes
            // it under its name without sending the bytes again.
            vault.operator.copy(temporary_key, key).await.map_err(|error| write_error(vault, path, error))?;
            // The blob is published; a temporary left behind is only
            // clutter, which `sweep_temporary` removes later.
            discard(vault, temporary_key).await;
            Ok(())
        }
    }
}

fn sync_directory(directory: &Path) -> std::io::Result<()> {
    File::open(directory)?.sync_all()
}

/// Chunk buffers that come back when the hashers and the writer are done
/// with them, to be read into again. Memory stays at the chunks in flight,
/// and each page is faulted in once per put rather than once per chunk.
/// Freed to the allocator and allocated anew, they took the peak RSS of a
/// 2 GiB put to 77 MiB (`liuhen bench vault`).
#[derive(Clone, Default)]
struct BufferPool(std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

/// A chunk's buffer on loan from the pool; dropping it gives it back.
struct Pooled {
    buffer: Vec<u8>,
    pool: BufferPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        self.pool.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(buffer);
    }
}

impl BufferPool {
    /// Reads up to one chunk, retrying short reads, so chunks are full
    /// except the last. `read_to_end` into spare capacity does not zero the
    /// buffer first, which saves a pass over every byte.
    fn read_chunk(&self, source: &mut impl Read) -> std::io::Result<Bytes> {
        let taken = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let mut buffer = taken.unwrap_or_else(|| Vec::with_capacity(CHUNK_SIZE));
        loop {
            match source.by_ref().take(CHUNK_SIZE as u64).read_to_end(&mut buffer) {
                Ok(_) => return Ok(Bytes::from_owner(Pooled { buffer, pool: self.clone() })),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

async fn discard(vault: &Vault, temporary_key: &str) {
    if let Err(error) = vault.operator.delete(temporary_key).await {
        tracing::warn!(%error, temporary_key, "could not remove a temporary object; `liuhen vault sweep` removes it later");
    }
}

/// Opens `path` for reading unless it is a symbolic link (`O_NOFOLLOW`): a
/// link put in a file's place between a look and the open (on a camera's
/// disk, say) must not make the vault, or a workstation reading a camera,
/// read something else.
pub fn open_no_follow(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32).open(path);
    opened.map_err(|source| match source.raw_os_error() {
        Some(code) if code == rustix::io::Errno::LOOP.raw_os_error() => VaultError::SymbolicLink { path: path.to_owned() },
        _ => open_error(path, source),
    })
}

fn regular_file_metadata(path: &Path) -> Result<Metadata> {
    let metadata = std::fs::metadata(path).map_err(|source| open_error(path, source))?;
    if metadata.is_dir() {
        return Err(VaultError::IsDirectory { path: path.to_owned() });
    }
    if !metadata.is_file() {
        return Err(VaultError::NotRegularFile { path: path.to_owned() });
    }
    Ok(metadata)
}

fn open_error(path: &Path, source: std::io::Error) -> VaultError {
    if source.kind() == std::io::ErrorKind::NotFound {
        VaultError::NotFound { path: path.to_owned() }
    } else {
        VaultError::Unreadable { path: path.to_owned(), source }
    }
}

/// Whether `error`, or an error under it, says the disk (or the user's
/// quota on it) is full.
pub fn is_storage_full(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            // ENOSPC, or EDQUOT: the disk, or the user's quota on it, is full.
            if matches!(io.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
                || matches!(io.raw_os_error(), Some(28 | 122))
            {
                return true;
            }
        }
        if error.to_string().contains("No space left on device") {
            return true;
        }
        current = error.source();
    }
    false
}

fn write_error(vault: &Vault, path: &Path, error: opendal::Error) -> VaultError {
    if is_storage_full(&error) {
        return VaultError::StorageFull { path: path.to_owned(), location: vault.describe() };
    }
    crate::storage_error(&vault.location, error)
}

fn io_write_error(vault: &Vault, path: &Path, source: std::io::Error) -> VaultError {
    if is_storage_full(&source) {
        return VaultError::StorageFull { path: path.to_owned(), location: vault.describe() };
    }
    VaultError::Io { location: vault.describe(), source }
}
