//! The media table held to the ledger. A media row is what the API shows
//! as a record's digests and what the blob check rehashes against, but it
//! is only a row: deleting it, or pointing it at other content, changes
//! no entry. So every row is compared with the entry that created it
//! (see [`crate::recorded_media`]), and every record the ledger created
//! must still have its row. A record disposed of keeps its row (only the
//! file goes), so disposal needs no exception here.
//!
//! The ledger pass collects what the entries state ([`LedgerMedia`]); the
//! table is read once, a page at a time, by a task started with the pass
//! ([`MediaRows`]), and matched in memory: about 100 bytes a record.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use liuhen_core::digest::ContentDigests;
use liuhen_core::id::MediaId;
use liuhen_store::{MetaStore, StoredEntry};
use tokio::sync::mpsc;

use super::{Pages, Problem, Report};
use crate::recorded_media::{recorded_media, RecordedMedia};
use crate::Result;

/// Media rows read per store query.
const ROW_PAGE: u32 = 8192;
/// Pages of rows read ahead of the comparison (while the ledger pass runs).
const ROW_PAGES_AHEAD: usize = 4;

/// What the ledger's entries state about media records, in index order.
#[derive(Default)]
pub(super) struct LedgerMedia {
    recorded: Vec<Recorded>,
}

impl LedgerMedia {
    pub(super) fn add(&mut self, index: u64, media: RecordedMedia) {
        self.recorded.push(Recorded { media_id: media.media_id, index, digests: media.digests, row_seen: false });
    }
}

struct Recorded {
    media_id: MediaId,
    index: u64,
    digests: ContentDigests,
    row_seen: bool,
}

/// The media table, read in pages by a task of its own.
pub(super) struct MediaRows {
    pages: mpsc::Receiver<Result<Vec<(MediaId, ContentDigests)>>>,
}

impl MediaRows {
    /// Starts reading. Started after the ledger's size was read, every row
    /// whose entry is within that size is committed, so is read unless it
    /// was deleted.
    pub(super) fn start(store: &Arc<dyn MetaStore>) -> Self {
        let (sender, pages) = mpsc::channel(ROW_PAGES_AHEAD);
        let store = store.clone();
        tokio::spawn(async move {
            let mut after = None;
            loop {
                let page = match store.media_digests(after, ROW_PAGE).await {
                    Ok(page) => page,
                    Err(error) => {
                        let _ = sender.send(Err(error.into())).await;
                        return;
                    }
                };
                let Some((last, _)) = page.last() else { return };
                after = Some(*last);
                let full = page.len() == ROW_PAGE as usize;
                // A send fails only when verification stopped early.
                if sender.send(Ok(page)).await.is_err() || !full {
                    return;
                }
            }
        });
        Self { pages }
    }
}

/// Compares every media row with the entry that created its record, and
/// reports each record the ledger created whose row is gone. `ledger_size`
/// is the size the ledger pass covered.
pub(super) async fn check_media_rows(
    store: &Arc<dyn MetaStore>,
    ledger_media: LedgerMedia,
    mut rows: MediaRows,
    ledger_size: u64,
    report: &mut Report,
) -> Result<()> {
    let mut recorded = ledger_media.recorded;
    // The first entry that states a record created it; a later one (a file
    // put in the vault, then ingested) states the same content again.
    recorded.sort_unstable_by_key(|recorded| (recorded.media_id, recorded.index));
    recorded.dedup_by_key(|recorded| recorded.media_id);

    let mut unrecorded = Vec::new();
    let mut next = 0;
    while let Some(page) = rows.pages.recv().await {
        for (media_id, row) in page? {
            report.media_records_checked += 1;
            // Rows come in id order, so the next record is tried first.
            let found = match recorded.get(next) {
                Some(candidate) if candidate.media_id == media_id => Some(next),
                _ => recorded.binary_search_by_key(&media_id, |recorded| recorded.media_id).ok(),
            };
            let Some(position) = found else {
                unrecorded.push((media_id, row));
                continue;
            };
            next = position + 1;
            let recorded = &mut recorded[position];
            recorded.row_seen = true;
            compare(media_id, recorded.index, &recorded.digests, &row, report);
        }
    }
    for recorded in recorded.iter().filter(|recorded| !recorded.row_seen) {
        report.add(Problem::MediaRecordMissing { media_id: recorded.media_id, sha256: recorded.digests.sha256, index: recorded.index });
        report.recorded_without_row.insert(recorded.digests.sha256);
    }
    if unrecorded.is_empty() {
        return Ok(());
    }

    // A row with no entry within `ledger_size` may be a record created
    // while this check ran (a put or an ingest): its entry is past it.
    let wanted: HashSet<MediaId> = unrecorded.iter().map(|(media_id, _)| *media_id).collect();
    let mut created_since: HashMap<MediaId, (u64, ContentDigests)> = HashMap::new();
    let mut pages = Pages::start(store, ledger_size, store.ledger_size().await?, false);
    while let Some((entries, _)) = pages.next().await? {
        for (index, media) in entries.iter().filter_map(recorded_by) {
            if wanted.contains(&media.media_id) {
                created_since.entry(media.media_id).or_insert((index, media.digests));
            }
        }
    }
    for (media_id, row) in unrecorded {
        match created_since.get(&media_id) {
            Some((index, digests)) => compare(media_id, *index, digests, &row, report),
            None => report.add(Problem::MediaRecordUnrecorded { media_id, sha256: row.sha256 }),
        }
    }
    Ok(())
}

/// The media record an entry states, with the entry's index.
pub(super) fn recorded_by(stored: &StoredEntry) -> Option<(u64, RecordedMedia)> {
    let entry = &stored.entry;
    let media = recorded_media(&entry.action, entry.subjects.iter().map(String::as_str), stored.payload_json.as_bytes())?;
    Some((entry.index, media))
}

fn compare(media_id: MediaId, index: u64, recorded: &ContentDigests, row: &ContentDigests, report: &mut Report) {
    if recorded == row {
        return;
    }
    let mut differences = Vec::new();
    if row.sha256 != recorded.sha256 {
        differences.push(format!("SHA-256 {}", row.sha256));
        // The content the entry recorded is no row's now: a problem, not
        // a file left by a put that stopped half way.
        report.recorded_without_row.insert(recorded.sha256);
    }
    if row.sm3 != recorded.sm3 {
        differences.push(format!("SM3 {}", row.sm3));
    }
    if row.size != recorded.size {
        differences.push(format!("size {} bytes, where {} were recorded", row.size, recorded.size));
    }
    report.add(Problem::MediaRecordAltered { media_id, sha256: recorded.sha256, index, detail: differences.join("; ") });
}
