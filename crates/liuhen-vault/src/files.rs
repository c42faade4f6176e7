//! Named files beside the vault (备份介质): the place a backup is kept, a
//! directory on another disk or a bucket on another S3-compatible server.
//! Unlike the vault, files here are named by the caller (`metadata.pgdump`,
//! `keys/ledger-ed25519.pem`), and a name may be written again (the next
//! backup's snapshot replaces the last one).
//!
//! A write is all or nothing: on a filesystem the file is written under a
//! temporary name, fsync'd and renamed; on S3 the object appears when its
//! upload completes. A reader never sees half a file. Nothing here deletes.

use std::io::{Read, Write};
use std::path::Path;

use opendal::{ErrorKind, Operator};

use crate::{describe, storage_error, Result, VaultError, VaultLocation};

/// Files are moved in pieces of this size (S3: the multipart part size).
const PIECE: usize = 8 << 20;

/// Where, under a filesystem root, files are written before they are renamed into place.
const PARTIAL_DIR: &str = ".partial";

/// Named files in a directory or a bucket.
#[derive(Clone)]
pub struct FileStore {
    operator: Operator,
    location: VaultLocation,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore").field("location", &self.location).finish()
    }
}

impl FileStore {
    /// Opens the place, creating a directory that does not exist yet, and
    /// checks that it can be reached (a misspelt bucket fails here).
    pub async fn open(location: VaultLocation) -> Result<Self> {
        let operator = match &location {
            VaultLocation::Filesystem(root) => {
                std::fs::create_dir_all(root.join(PARTIAL_DIR))
                    .map_err(|source| VaultError::Io { location: root.display().to_string(), source })?;
                let builder = opendal::services::Fs::default()
                    .root(&root.to_string_lossy())
                    .atomic_write_dir(&root.join(PARTIAL_DIR).to_string_lossy());
                Operator::new(builder).map_err(|source| storage_error(&location, source))?.finish()
            }
            VaultLocation::S3(s3) => crate::s3_operator(s3).map_err(|source| storage_error(&location, source))?,
        };
        let store = Self { operator, location };
        store.list("").await?;
        Ok(store)
    }

    pub fn location(&self) -> &VaultLocation {
        &self.location
    }

    /// Where the files are, for people.
    pub fn describe(&self) -> String {
        describe(&self.location)
    }

    /// The vault inside this place, under `name` (a directory or a key prefix).
    pub fn vault_location(&self, name: &str) -> VaultLocation {
        match &self.location {
            VaultLocation::Filesystem(root) => VaultLocation::Filesystem(root.join(name)),
            VaultLocation::S3(s3) => {
                let mut inner = s3.clone();
                inner.prefix = join_prefix(&s3.prefix, name);
                VaultLocation::S3(inner)
            }
        }
    }

    /// Writes `bytes` under `name`, replacing what was there.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        let mut writer = self.operator.writer_with(name).chunk(PIECE).await.map_err(|error| self.error(error))?;
        writer.write(bytes).await.map_err(|error| self.error(error))?;
        writer.close().await.map_err(|error| self.error(error))?;
        Ok(())
    }

    /// Copies the local file `local` to `name`, streaming it, replacing
    /// what was there. Returns the byte count.
    pub async fn upload(&self, local: &Path, name: &str) -> Result<u64> {
        let io_error = |source| VaultError::Unreadable { path: local.to_owned(), source };
        let mut file = std::fs::File::open(local).map_err(io_error)?;
        let mut writer = self.operator.writer_with(name).chunk(PIECE).await.map_err(|error| self.error(error))?;
        let mut total = 0u64;
        loop {
            let mut piece = Vec::with_capacity(PIECE);
            let read = (&mut file).take(PIECE as u64).read_to_end(&mut piece).map_err(io_error)?;
            if read == 0 {
                break;
            }
            total += read as u64;
            writer.write(piece).await.map_err(|error| self.error(error))?;
        }
        writer.close().await.map_err(|error| self.error(error))?;
        Ok(total)
    }

    /// Reads the whole of `name`; `None` when there is no such file.
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self.operator.read(name).await {
            Ok(buffer) => Ok(Some(buffer.to_vec())),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.error(error)),
        }
    }

    /// Copies `name` into the local file `local` (created; it must not
    /// exist), streaming it. Returns the byte count.
    pub async fn download(&self, name: &str, local: &Path) -> Result<u64> {
        let size = match self.operator.stat(name).await {
            Ok(metadata) => metadata.content_length(),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Err(VaultError::Storage {
                    location: self.describe(),
                    detail: format!("{name} is missing"),
                    source: Box::new(error),
                })
            }
            Err(error) => return Err(self.error(error)),
        };
        let reader = self.operator.reader(name).await.map_err(|error| self.error(error))?;
        let io_error = |source| VaultError::Io { location: local.display().to_string(), source };
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(local).map_err(io_error)?;
        let mut offset = 0;
        while offset < size {
            let end = (offset + PIECE as u64).min(size);
            let piece = reader.read(offset..end).await.map_err(|error| self.error(error))?;
            for part in piece {
                file.write_all(&part).map_err(io_error)?;
            }
            offset = end;
        }
        file.sync_all().map_err(io_error)?;
        Ok(size)
    }

    /// The names of the files directly in `directory` ("" for the top),
    /// without the directory, sorted.
    pub async fn list(&self, directory: &str) -> Result<Vec<String>> {
        let prefix = if directory.is_empty() { String::new() } else { format!("{}/", directory.trim_end_matches('/')) };
        let entries = match self.operator.list(&prefix).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(self.error(error)),
        };
        let mut names: Vec<String> = entries
            .into_iter()
            .filter(|entry| !entry.metadata().is_dir())
            .filter_map(|entry| entry.path().strip_prefix(&prefix).map(str::to_owned))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .collect();
        names.sort();
        Ok(names)
    }

    fn error(&self, error: opendal::Error) -> VaultError {
        storage_error(&self.location, error)
    }
}

/// `prefix/name`, with no slash at either end.
fn join_prefix(prefix: &str, name: &str) -> String {
    let prefix = prefix.trim_matches('/');
    let name = name.trim_matches('/');
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_join_without_doubled_slashes() {
        assert_eq!(join_prefix("", "vault"), "vault");
        assert_eq!(join_prefix("/backups/xiamen/", "vault"), "backups/xiamen/vault");
    }

    #[tokio::test]
    async fn files_round_trip_and_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(VaultLocation::Filesystem(dir.path().join("disk"))).await.unwrap();
        store.write("keys/a.pem", b"first".to_vec()).await.unwrap();
        store.write("keys/a.pem", b"second".to_vec()).await.unwrap();
        store.write("keys/b.pem", b"other".to_vec()).await.unwrap();
        store.write("top.json", b"{}".to_vec()).await.unwrap();
        assert_eq!(store.read("keys/a.pem").await.unwrap().as_deref(), Some(&b"second"[..]));
        assert_eq!(store.read("keys/missing.pem").await.unwrap(), None);
        assert_eq!(store.list("keys").await.unwrap(), ["a.pem", "b.pem"]);
        assert_eq!(store.list("").await.unwrap(), ["top.json"]);
        assert!(store.list("packs").await.unwrap().is_empty());

        // A file larger than a piece, both ways.
        let big: Vec<u8> = (0..(PIECE + 12345)).map(|i| (i % 251) as u8).collect();
        let local = dir.path().join("big");
        std::fs::write(&local, &big).unwrap();
        assert_eq!(store.upload(&local, "metadata.sqlite").await.unwrap(), big.len() as u64);
        let back = dir.path().join("back");
        assert_eq!(store.download("metadata.sqlite", &back).await.unwrap(), big.len() as u64);
        assert!(std::fs::read(&back).unwrap() == big);
        assert!(store.download("nothing", &dir.path().join("none")).await.is_err());
        // Nothing half-written is left about.
        assert_eq!(std::fs::read_dir(dir.path().join("disk").join(PARTIAL_DIR)).unwrap().count(), 0);
    }
}
