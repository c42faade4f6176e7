//! Custody of the records (保管): who may read them, the audit of every
//! read, how long they are kept, and what leaves the agency.
//!
//! - [`access`]: access requests (调阅申请), decisions, classification
//!   marks, the read check every endpoint and command calls
//!   ([`access::authorize`]), and the audit entry each read writes
//!   ([`access::audit_read`]).
//! - [`retention`]: expiry per record from the pack in force, legal holds,
//!   disposal lists and their approval, and [`retention::dispose`] — the
//!   only code in the system that deletes a blob.
//! - [`package`]: court and reconsideration packages (BagIt, RFC 8493) with
//!   the ledger entries, inclusion proofs, checkpoint and key that let a
//!   recipient check them offline ([`package::verify_package`]).
//! - [`redaction`]: party copies (当事人查阅副本) that withhold what a legal
//!   reviewer chose, stored with their lineage; the original untouched.
//! - [`backup`]: a second copy of blobs and ledger, and restoring from it.
//!
//! **Invariants:** nothing is read without a basis (own work or a grant)
//! and an audit entry; a blob is deleted only by [`retention::dispose`],
//! for a record on an approved disposal list, expired and unheld, after its
//! tombstone is committed to the ledger.

use liuhen_ledger::LedgerError;
use liuhen_store::StoreError;
use liuhen_vault::VaultError;

pub mod access;
pub mod backup;
pub mod package;
pub mod redaction;
pub mod retention;

/// Longest free text accepted (reasons, notes), in characters.
pub const MAX_TEXT: usize = 2000;

/// Why a custody request was not carried out. Nothing was saved unless
/// the message says so.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The person may not do this.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A tool the request needs is not installed (e.g. xorriso).
    #[error("{0}")]
    ToolMissing(String),
    #[error("could not print {what}: {source}")]
    Print {
        what: String,
        #[source]
        source: liuhen_print::PrintError,
    },
}

pub type Result<T, E = CustodyError> = std::result::Result<T, E>;

impl CustodyError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CustodyError {
        let what = what.into();
        move |source| CustodyError::Io { what, source }
    }
}

impl From<liuhen_cases::CaseError> for CustodyError {
    fn from(error: liuhen_cases::CaseError) -> Self {
        match error {
            liuhen_cases::CaseError::NotFound(message) => CustodyError::NotFound(message),
            other => CustodyError::Invalid(other.to_string()),
        }
    }
}

impl From<liuhen_compliance::ComplianceError> for CustodyError {
    fn from(error: liuhen_compliance::ComplianceError) -> Self {
        match error {
            liuhen_compliance::ComplianceError::NotFound(message) => CustodyError::NotFound(message),
            liuhen_compliance::ComplianceError::Store(error) => CustodyError::Store(error),
            liuhen_compliance::ComplianceError::Ledger(error) => CustodyError::Ledger(error),
            other => CustodyError::Invalid(other.to_string()),
        }
    }
}

/// Trims `text` and checks it is within [`MAX_TEXT`]; empty only if `may_be_empty`.
pub(crate) fn check_text(what: &str, text: &str, may_be_empty: bool) -> Result<String> {
    let text = text.trim();
    if text.is_empty() && !may_be_empty {
        return Err(CustodyError::Invalid(format!("{what} must not be empty")));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(CustodyError::Invalid(format!("{what} is longer than {MAX_TEXT} characters")));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod invariant {
    //! "Nothing else in the system can delete a blob", held to the source.

    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    /// The name of the function each line of `text` containing `needle` is in.
    fn enclosing_functions(text: &str, needle: &str) -> Vec<String> {
        let mut current = String::new();
        let mut found = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            for prefix in ["pub async fn ", "async fn ", "pub fn ", "fn ", "pub(crate) async fn ", "pub(crate) fn ", "pub(super) async fn "]
            {
                if let Some(rest) = trimmed.strip_prefix(prefix) {
                    current = rest.split(['(', '<']).next().unwrap_or_default().to_owned();
                    break;
                }
            }
            if line.contains(needle) && !trimmed.starts_with("//") {
                found.push(current.clone());
            }
        }
        found
    }

    #[test]
    fn only_disposal_deletes_blobs() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut files = Vec::new();
        for entry in std::fs::read_dir(crates).unwrap() {
            let src = entry.unwrap().path().join("src");
            if src.is_dir() {
                sources(&src, &mut files);
            }
        }
        assert!(files.len() > 50, "the workspace's sources were found ({})", files.len());
        let mut deletes = Vec::new();
        let mut disposals = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let relative = file.strip_prefix(crates).unwrap().display().to_string();
            // Only the vault talks to the object store.
            if !relative.starts_with("liuhen-vault/") {
                assert!(!text.contains(concat!("open", "dal::")), "{relative} reaches the object store around the vault");
            }
            for function in enclosing_functions(&text, concat!("operator", ".delete(")) {
                deletes.push(format!("{relative}:{function}"));
            }
            for function in enclosing_functions(&text, concat!(".dispose", "(&")) {
                disposals.push(format!("{relative}:{function}"));
            }
        }
        deletes.sort();
        assert_eq!(
            deletes,
            [
                // the end of retention, for a committed tombstone
                "liuhen-vault/src/lib.rs:dispose",
                // unpublished temporary objects only (tmp/)
                "liuhen-vault/src/lib.rs:sweep_temporary",
                "liuhen-vault/src/put.rs:discard",
            ],
            "every delete in the vault is one of these"
        );
        disposals.sort();
        disposals.dedup();
        assert_eq!(disposals, ["liuhen-custody/src/retention.rs:dispose"], "only retention::dispose disposes of blobs");
    }
}
