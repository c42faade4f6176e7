//! The ledger (审计日志 / 防篡改): every event Liuhen records, in an
//! append-only RFC 6962 Merkle tree with signed C2SP checkpoints.
//!
//! [`Ledger`] owns one sequencer task per process. Callers hand it an
//! [`EntryDraft`] plus the [`Mutation`]s the event makes; the sequencer
//! gathers whatever requests are waiting into one batch (group commit),
//! assigns indexes and times, extends the tree, and gives the store one
//! transaction holding the state changes, the entries and the new tree
//! nodes. A checkpoint covering new entries is signed at most
//! `checkpoint_interval` after they commit.
//!
//! **Invariant:** an entry, once committed, is never rewritten; the tree
//! only grows.
//! **Invariant:** a proof is checked against the signed checkpoint before
//! it is handed out, so a damaged node table shows up as an error here and
//! never as a bad proof in a court package.

mod cache;
pub mod recorded_media;
mod sequencer;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use liuhen_core::entry::EntryDraft;
use liuhen_core::merkle::{self, Hash, NodeId};
use liuhen_core::mutation::Mutation;
use liuhen_core::note::{NoteError, NoteSigner, NoteVerifier};
use liuhen_core::proof::{ConsistencyProof, InclusionProof};
use liuhen_store::{MetaStore, StoreError, StoredCheckpoint, StoredEntry};
use tokio::sync::{mpsc, oneshot};

use cache::NodeCache;

/// How the ledger behaves.
#[derive(Clone)]
pub struct LedgerConfig {
    /// The checkpoint origin line and signing key name, e.g.
    /// `liuhen.example/xiamen-cgj`.
    pub origin: String,
    /// The longest an entry waits for a checkpoint that covers it.
    pub checkpoint_interval: Duration,
    /// The most entries committed in one transaction.
    pub max_batch: usize,
    /// Keys that co-sign every checkpoint beside the main one, e.g. an SM2
    /// key (国密) for verifiers who require a national-standard signature.
    pub additional_signers: Vec<Arc<dyn NoteSigner>>,
}

impl LedgerConfig {
    pub fn new(origin: impl Into<String>) -> Self {
        Self { origin: origin.into(), checkpoint_interval: Duration::from_millis(500), max_batch: 4096, additional_signers: Vec::new() }
    }
}

impl std::fmt::Debug for LedgerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self.additional_signers.iter().map(|signer| signer.verifier_key()).collect();
        f.debug_struct("LedgerConfig")
            .field("origin", &self.origin)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .field("max_batch", &self.max_batch)
            .field("additional_signers", &keys)
            .finish()
    }
}

/// Where a recorded entry landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub index: u64,
    pub time: Timestamp,
    pub leaf_hash: Hash,
}

/// Errors from the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the ledger has stopped; restart Liuhen")]
    Closed,
    #[error("entry {index} does not exist: the ledger has {size} entries")]
    NoSuchEntry { index: u64, size: u64 },
    #[error("a consistency proof needs an earlier size between 1 and {size}, not {old_size}")]
    BadOldSize { old_size: u64, size: u64 },
    #[error("the ledger's stored tree is damaged ({0}); run `liuhen verify` to find the damage")]
    Damaged(String),
    #[error("cannot sign a checkpoint: {0}")]
    Signing(#[from] NoteError),
    #[error("could not sign and store a checkpoint: {0}")]
    Checkpoint(String),
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

pub(crate) enum Request {
    Append {
        draft: EntryDraft,
        mutations: Vec<Mutation>,
        reply: oneshot::Sender<Result<Receipt>>,
    },
    Checkpoint {
        reply: oneshot::Sender<Result<Option<StoredCheckpoint>>>,
    },
    /// Stop taking requests, commit those already queued, sign a final
    /// checkpoint, then stop.
    Shutdown {
        reply: oneshot::Sender<Result<Option<StoredCheckpoint>>>,
    },
}

/// The ledger of one instance.
pub struct Ledger {
    store: Arc<dyn MetaStore>,
    signer: Arc<dyn NoteSigner>,
    config: LedgerConfig,
    requests: mpsc::Sender<Request>,
    sequencer: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    nodes: NodeCache,
    /// The newest checkpoint this process knows of; proofs are served
    /// against it without a database read.
    latest: Arc<std::sync::RwLock<Option<StoredCheckpoint>>>,
}

impl Ledger {
    /// Loads the tree's frontier and starts the sequencer.
    pub async fn start(store: Arc<dyn MetaStore>, signer: Arc<dyn NoteSigner>, config: LedgerConfig) -> Result<Self> {
        let (requests, receiver) = mpsc::channel(config.max_batch.max(1) * 2);
        let latest = Arc::new(std::sync::RwLock::new(store.latest_checkpoint().await?));
        let state = sequencer::Sequencer::load(store.clone(), signer.clone(), config.clone(), latest.clone()).await?;
        let handle = tokio::spawn(state.run(receiver));
        Ok(Self { store, signer, config, requests, sequencer: tokio::sync::Mutex::new(Some(handle)), nodes: NodeCache::new(8192), latest })
    }

    pub fn store(&self) -> &Arc<dyn MetaStore> {
        &self.store
    }

    pub fn origin(&self) -> &str {
        &self.config.origin
    }

    /// The verifier key (`name+keyid+base64`) of the main signing key.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// Every verifier key, the main one first, then co-signers (e.g. SM2).
    pub fn verifier_keys(&self) -> Vec<String> {
        std::iter::once(&self.signer).chain(&self.config.additional_signers).map(|signer| signer.verifier_key()).collect()
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier::from_vkey(&self.signer.verifier_key()).expect("our own key parses")
    }

    /// Verifiers for every key that signs this ledger's checkpoints.
    pub fn verifiers(&self) -> Vec<NoteVerifier> {
        self.verifier_keys().iter().map(|vkey| NoteVerifier::from_vkey(vkey).expect("our own keys parse")).collect()
    }

    /// Records an event and the state changes it makes, atomically.
    /// Returns once the entry is durable.
    pub async fn record(&self, draft: EntryDraft, mutations: Vec<Mutation>) -> Result<Receipt> {
        let (reply, receipt) = oneshot::channel();
        self.requests.send(Request::Append { draft, mutations, reply }).await.map_err(|_| LedgerError::Closed)?;
        receipt.await.map_err(|_| LedgerError::Closed)?
    }

    /// Signs a checkpoint now if the tree grew since the last one; returns
    /// the latest checkpoint (`None` only for an empty ledger).
    pub async fn checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let (reply, checkpoint) = oneshot::channel();
        self.requests.send(Request::Checkpoint { reply }).await.map_err(|_| LedgerError::Closed)?;
        checkpoint.await.map_err(|_| LedgerError::Closed)?
    }

    /// One entry and its payload.
    pub async fn entry(&self, index: u64) -> Result<StoredEntry> {
        match self.store.ledger_entry(index).await? {
            Some(entry) => Ok(entry),
            None => Err(LedgerError::NoSuchEntry { index, size: self.store.ledger_size().await? }),
        }
    }

    /// An inclusion proof of entry `index` in the latest checkpoint (one is
    /// signed first if the latest does not cover the entry yet).
    pub async fn inclusion_proof(&self, index: u64) -> Result<InclusionProof> {
        let checkpoint = self.covering_checkpoint(index.saturating_add(1)).await?;
        if index >= checkpoint.size {
            return Err(LedgerError::NoSuchEntry { index, size: checkpoint.size });
        }
        let plan = merkle::inclusion_plan(index, checkpoint.size).map_err(|error| LedgerError::Damaged(error.to_string()))?;
        let hashes = self.resolve(&plan).await?;
        let leaf = self.node(NodeId { level: 0, index }).await?;
        merkle::verify_inclusion(&leaf, index, checkpoint.size, &hashes, &checkpoint.root)
            .map_err(|error| LedgerError::Damaged(format!("inclusion proof for entry {index}: {error}")))?;
        Ok(InclusionProof { index, hashes, signed_checkpoint: checkpoint.signed_note, extra: None })
    }

    /// A consistency proof from an earlier tree size to the latest checkpoint.
    pub async fn consistency_proof(&self, old_size: u64) -> Result<ConsistencyProof> {
        let checkpoint = self.covering_checkpoint(old_size).await?;
        if old_size == 0 || old_size > checkpoint.size {
            return Err(LedgerError::BadOldSize { old_size, size: checkpoint.size });
        }
        let plan = merkle::consistency_plan(old_size, checkpoint.size).map_err(|error| LedgerError::Damaged(error.to_string()))?;
        let hashes = self.resolve(&plan).await?;
        let old_root = merkle::fold_subtrees(&self.resolve_one(&merkle::root_plan(old_size)).await?);
        merkle::verify_consistency(old_size, checkpoint.size, &hashes, &old_root, &checkpoint.root)
            .map_err(|error| LedgerError::Damaged(format!("consistency proof from size {old_size}: {error}")))?;
        Ok(ConsistencyProof { old_size, old_root, hashes, signed_checkpoint: checkpoint.signed_note })
    }

    /// Stops the sequencer after it has committed everything sent to it
    /// before this call and signed a final checkpoint. Requests sent later
    /// get [`LedgerError::Closed`] and are not recorded.
    pub async fn shutdown(&self) -> Result<()> {
        let Some(handle) = self.sequencer.lock().await.take() else {
            return Ok(());
        };
        let (reply, done) = oneshot::channel();
        let final_checkpoint = match self.requests.send(Request::Shutdown { reply }).await {
            Ok(()) => done.await.map_err(|_| LedgerError::Closed).and_then(|result| result),
            Err(_) => Err(LedgerError::Closed),
        };
        // Every request sent before the shutdown has been answered by now;
        // the task ends by itself.
        let _ = handle.await;
        final_checkpoint.map(|_| ())
    }

    async fn covering_checkpoint(&self, size: u64) -> Result<StoredCheckpoint> {
        let cached = self.latest.read().expect("never poisoned").clone();
        let latest = match cached {
            Some(checkpoint) if checkpoint.size >= size => Some(checkpoint),
            _ => match self.store.latest_checkpoint().await? {
                // Another process may have signed a newer one.
                Some(checkpoint) if checkpoint.size >= size => Some(checkpoint),
                _ => self.checkpoint().await?,
            },
        };
        latest.ok_or(LedgerError::NoSuchEntry { index: size.saturating_sub(1), size: 0 })
    }

    async fn node(&self, id: NodeId) -> Result<Hash> {
        Ok(self.fetch(&[id]).await?[0])
    }

    /// Fetches the nodes of several subtree plans in one store read and
    /// folds each plan into its hash.
    async fn resolve(&self, plans: &[Vec<NodeId>]) -> Result<Vec<Hash>> {
        let ids: Vec<NodeId> = plans.iter().flatten().copied().collect();
        let hashes = self.fetch(&ids).await?;
        let mut position = 0;
        Ok(plans
            .iter()
            .map(|plan| {
                let folded = merkle::fold_subtrees(&hashes[position..position + plan.len()]);
                position += plan.len();
                folded
            })
            .collect())
    }

    async fn resolve_one(&self, plan: &[NodeId]) -> Result<Vec<Hash>> {
        self.fetch(plan).await
    }

    async fn fetch(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        let mut hashes: Vec<Option<Hash>> = ids.iter().map(|id| self.nodes.get(id)).collect();
        let mut missing_tiles: Vec<cache::TileId> =
            ids.iter().zip(&hashes).filter(|(_, hash)| hash.is_none()).map(|(id, _)| cache::tile_of(id)).collect();
        missing_tiles.sort_unstable();
        missing_tiles.dedup();
        for (level, tile_index) in missing_tiles {
            let start = tile_index * cache::TILE_WIDTH;
            let rows = self.store.ledger_node_range(level, start, cache::TILE_WIDTH as u32).await?;
            // Keep the gap-free prefix: a missing node (damage) must not
            // shift the ones after it.
            let nodes: Vec<Hash> = rows
                .iter()
                .enumerate()
                .take_while(|(offset, (index, _))| *index == start + *offset as u64)
                .map(|(_, (_, hash))| *hash)
                .collect();
            for (id, hash) in ids.iter().zip(hashes.iter_mut()) {
                if hash.is_none() && cache::tile_of(id) == (level, tile_index) {
                    *hash = nodes.get((id.index - start) as usize).copied();
                }
            }
            self.nodes.insert((level, tile_index), nodes);
        }
        ids.iter()
            .zip(hashes)
            .map(|(id, hash)| {
                hash.ok_or_else(|| LedgerError::Damaged(format!("tree node (level {}, index {}) is missing", id.level, id.index)))
            })
            .collect()
    }
}
