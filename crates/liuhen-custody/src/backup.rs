//! The backup copy of the blobs (备份, 汶上 第七条四; 叶县 第十一条): every
//! stored blob copied into a second vault and checked there against its
//! record. The metadata and ledger copy is the binary's part (it knows the
//! database URL); this is what both directions share.

use liuhen_core::entity::MediaRecord;
use liuhen_store::MetaStore;
use liuhen_vault::Vault;
use serde::{Deserialize, Serialize};

use crate::{CustodyError, Result};

/// What a blob copy did.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlobCopy {
    /// Copied now.
    pub copied: u64,
    /// Already in the target, and checked there.
    pub present: u64,
    /// Disposed of at the end of retention: nothing to copy.
    pub disposed: u64,
    pub bytes_copied: u64,
    /// Records whose blob could not be copied or does not check out in the
    /// target, each with the reason.
    pub problems: Vec<String>,
}

/// Copies every blob the store records from `source` into `target`
/// (skipping those already there), then re-hashes each copy in the target
/// and compares it with the record. `scratch` is a local directory for the
/// transfer (a blob goes through one local file when either side is S3).
pub async fn copy_blobs(store: &dyn MetaStore, source: &Vault, target: &Vault, scratch: &std::path::Path) -> Result<BlobCopy> {
    let disposed: std::collections::BTreeSet<_> = store.tombstones().await?.into_iter().map(|t| t.media.id).collect();
    std::fs::create_dir_all(scratch).map_err(CustodyError::io(format!("cannot create {}", scratch.display())))?;
    let mut report = BlobCopy::default();
    let mut after = None;
    loop {
        let page: Vec<MediaRecord> = store.media_page(after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for media in page {
            if disposed.contains(&media.id) {
                report.disposed += 1;
                continue;
            }
            if target.contains(&media.sha256).await? {
                report.present += 1;
            } else {
                let temporary = scratch.join(format!("{}.part", media.sha256));
                let _ = std::fs::remove_file(&temporary);
                let copied = async {
                    source.copy_to_local(&media.sha256, &temporary).await?;
                    let outcome = target.put_file(&temporary).await?;
                    Ok::<_, liuhen_vault::VaultError>(outcome)
                }
                .await;
                let _ = std::fs::remove_file(&temporary);
                match copied {
                    Ok(outcome) if outcome.digests.sha256 == media.sha256 && outcome.digests.sm3 == media.sm3 => {
                        report.copied += 1;
                        report.bytes_copied += media.size;
                    }
                    Ok(outcome) => report.problems.push(format!(
                        "{} (sha256 {}): the source vault's copy hashes to {}; it was not backed up as good — run `liuhen verify`",
                        media.id, media.sha256, outcome.digests.sha256
                    )),
                    Err(error) => report.problems.push(format!("{} (sha256 {}): {error}", media.id, media.sha256)),
                }
                continue;
            }
            match target.rehash(&media.sha256).await {
                Ok(digests) if digests.sha256 == media.sha256 && digests.sm3 == media.sm3 && digests.size == media.size => {}
                Ok(_) => report
                    .problems
                    .push(format!("{} (sha256 {}): the copy in the target does not match its record", media.id, media.sha256)),
                Err(error) => report.problems.push(format!("{} (sha256 {}): {error}", media.id, media.sha256)),
            }
        }
    }
    Ok(report)
}
