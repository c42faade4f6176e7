//! Test databases, ledgers with fresh keys, and independent checks.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use liuhen_core::entry::{canonical_payload_bytes, EntryDraft};
use liuhen_core::merkle::{Frontier, Hash};
use liuhen_core::note::{Ed25519NoteSigner, NoteVerifier};
use liuhen_ledger::verify::{verify_ledger, Report};
use liuhen_ledger::{Ledger, LedgerConfig, Receipt};
pub use liuhen_store::testing::Database;
use liuhen_store::{MetaStore, StoredCheckpoint, StoredEntry};
use rand::rngs::OsRng;
use tokio::task::JoinSet;

/// The checkpoint origin and key name of every test ledger.
pub const ORIGIN: &str = "liuhen.test/xiamen-cgj";

pub fn signing_key() -> SigningKey {
    SigningKey::generate(&mut OsRng)
}

pub fn config() -> LedgerConfig {
    LedgerConfig { checkpoint_interval: Duration::from_millis(50), ..LedgerConfig::new(ORIGIN) }
}

/// Starts a ledger on `store` that signs with `key`.
pub async fn start(store: Arc<dyn MetaStore>, key: &SigningKey) -> Ledger {
    let signer = Ed25519NoteSigner::new(ORIGIN, key.clone()).expect("a valid key name");
    Ledger::start(store, Arc::new(signer), config()).await.expect("the ledger starts")
}

/// The verifiers a reader of this ledger's proofs would hold.
pub fn verifiers(ledger: &Ledger) -> Vec<NoteVerifier> {
    vec![NoteVerifier::from_vkey(&ledger.verifier_key()).expect("the ledger's verifier key parses")]
}

/// Event number `number`: an officer viewing a recording for a case
/// review.
pub fn draft(number: u64) -> EntryDraft {
    EntryDraft::new("user:0192f3a4-5b6c-7d8e-9f00-112233445566", "media.viewed")
        .subject(format!("media:{number}"))
        .payload(serde_json::json!({"number": number, "原因": "法制审核"}))
}

/// Records drafts `numbers` one after another; returns their receipts.
pub async fn record_each(ledger: &Ledger, numbers: std::ops::Range<u64>) -> Vec<Receipt> {
    let mut receipts = Vec::new();
    for number in numbers {
        receipts.push(ledger.record(draft(number), Vec::new()).await.expect("the ledger records"));
    }
    receipts
}

/// Records `per_task` drafts from each of `tasks` tasks at once; returns
/// every draft with its receipt, in index order.
pub async fn record_concurrently(ledger: &Arc<Ledger>, tasks: u64, per_task: u64, first_number: u64) -> Vec<(EntryDraft, Receipt)> {
    let mut running = JoinSet::new();
    for task in 0..tasks {
        let ledger = ledger.clone();
        running.spawn(async move {
            let mut recorded = Vec::new();
            for step in 0..per_task {
                let draft = draft(first_number + task * per_task + step);
                let receipt = ledger.record(draft.clone(), Vec::new()).await.expect("the ledger records");
                recorded.push((draft, receipt));
            }
            recorded
        });
    }
    let mut recorded = Vec::new();
    while let Some(finished) = running.join_next().await {
        recorded.extend(finished.expect("a recording task does not panic"));
    }
    recorded.sort_by_key(|(_, receipt)| receipt.index);
    recorded
}

/// The RFC 6962 root of these leaves, computed here.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut frontier = Frontier::new();
    for leaf in leaves {
        frontier.push(*leaf);
    }
    frontier.root()
}

/// Asserts that the stored entry is exactly `draft` at the receipt's
/// index and time, and that its canonical bytes hash to the receipt's
/// leaf.
pub fn assert_entry_matches(stored: &StoredEntry, draft: &EntryDraft, receipt: &Receipt) {
    assert_eq!(stored.entry, draft.sequence(receipt.index, receipt.time));
    assert_eq!(liuhen_core::merkle::leaf_hash(&stored.entry.canonical_bytes()), receipt.leaf_hash);
    assert_eq!(stored.payload_json.as_bytes(), canonical_payload_bytes(&draft.payload));
}

/// Runs `liuhen verify`'s ledger check.
pub async fn verify(store: &Arc<dyn MetaStore>, ledger: &Ledger) -> Report {
    let mut report = Report::default();
    verify_ledger(store, &verifiers(ledger), ORIGIN, &mut report).await.expect("verification runs to the end");
    report
}

/// Waits (at most 10 s) for a checkpoint of at least `size` to be stored.
pub async fn wait_for_checkpoint(store: &dyn MetaStore, size: u64) -> StoredCheckpoint {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(checkpoint) = store.latest_checkpoint().await.unwrap() {
            if checkpoint.size >= size {
                return checkpoint;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "no checkpoint of size {size} was signed within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
