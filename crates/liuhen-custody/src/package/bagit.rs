//! The BagIt (RFC 8493) parts: tag files, manifests, hashing files.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sm3::Sm3;

use crate::{CustodyError, Result};

pub(crate) const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
pub(crate) const MANIFEST_SHA256: &str = "manifest-sha256.txt";
pub(crate) const MANIFEST_SM3: &str = "manifest-sm3.txt";
pub(crate) const TAGMANIFEST_SHA256: &str = "tagmanifest-sha256.txt";
pub(crate) const BAG_INFO: &str = "bag-info.txt";

/// A file's SHA-256 and SM3 (lower-case hex) and size, read once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileDigests {
    pub sha256: String,
    pub sm3: String,
    pub size: u64,
}

pub(crate) fn hash_file(path: &Path) -> Result<FileDigests> {
    let mut file = fs::File::open(path).map_err(CustodyError::io(format!("cannot read {}", path.display())))?;
    let mut sha = Sha256::new();
    let mut sm3 = Sm3::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(CustodyError::io(format!("cannot read {}", path.display())))?;
        if read == 0 {
            break;
        }
        sha.update(&buffer[..read]);
        sm3.update(&buffer[..read]);
        size += read as u64;
    }
    Ok(FileDigests { sha256: hex::encode(sha.finalize()), sm3: hex::encode(sm3.finalize()), size })
}

/// A path as a manifest writes it: `/`-separated, relative to the bag, with
/// CR, LF and `%` percent-encoded (RFC 8493 §2.1.3).
pub(crate) fn encode_path(relative: &str) -> String {
    relative.replace('%', "%25").replace('\n', "%0A").replace('\r', "%0D")
}

pub(crate) fn decode_path(encoded: &str) -> String {
    encoded.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r").replace("%0d", "\r").replace("%25", "%")
}

/// Reads a manifest into (path, checksum) pairs; a malformed line is an error naming it.
pub(crate) fn read_manifest(bag: &Path, name: &str) -> Result<Vec<(String, String)>> {
    let path = bag.join(name);
    let text = fs::read_to_string(&path).map_err(CustodyError::io(format!("cannot read {name}")))?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((checksum, file)) = line.split_once(char::is_whitespace) else {
            return Err(CustodyError::Invalid(format!("{name} line {}: expected `<checksum> <path>`", number + 1)));
        };
        entries.push((decode_path(file.trim_start()), checksum.to_ascii_lowercase()));
    }
    Ok(entries)
}

/// Every regular file under `dir`, as `/`-separated paths relative to `base`, sorted.
pub(crate) fn files_under(base: &Path, dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = fs::read_dir(&current).map_err(CustodyError::io(format!("cannot list {}", current.display())))?;
        for entry in entries {
            let entry = entry.map_err(CustodyError::io(format!("cannot list {}", current.display())))?;
            let kind = entry.file_type().map_err(CustodyError::io(format!("cannot stat {}", entry.path().display())))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(base).expect("under base").to_path_buf();
                let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes a manifest of `files` (relative paths) with the given digest per file.
pub(crate) fn write_manifest(bag: &Path, name: &str, lines: &[(String, String)]) -> Result<()> {
    let mut text = String::new();
    for (file, checksum) in lines {
        text.push_str(&format!("{checksum}  {}\n", encode_path(file)));
    }
    fs::write(bag.join(name), text).map_err(CustodyError::io(format!("cannot write {name}")))
}

/// Reads bag-info.txt as (label, value) pairs, joining continuation lines.
pub(crate) fn read_bag_info(bag: &Path) -> Result<Vec<(String, String)>> {
    let text = fs::read_to_string(bag.join(BAG_INFO)).map_err(CustodyError::io(format!("cannot read {BAG_INFO}")))?;
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((label, value)) = line.split_once(':') {
            out.push((label.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(out)
}
