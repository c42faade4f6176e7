//! The sequencer: the one task per process that appends to the ledger.
//!
//! It drains waiting requests into a batch, gives them consecutive indexes
//! and non-decreasing times, extends the tree, and commits the batch in one
//! store transaction (group commit: one durable sync for many entries). If
//! a batch fails because one of its state changes is refused (a duplicate
//! login, say), the batch is retried one request at a time so only the
//! offending request fails. If another process appended first (PostgreSQL
//! with several servers, or a CLI beside a server on SQLite), the frontier
//! is reloaded from the store and the batch retried.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::entry::canonical_payload_bytes;
use liuhen_core::merkle::{frontier_ids, Frontier};
use liuhen_core::note::{sign_note, Checkpoint, NoteSigner};
use liuhen_store::{CommitBatch, CommitItem, MetaStore, StoreError, StoredCheckpoint};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::{LedgerConfig, LedgerError, Receipt, Request, Result};

/// How often a batch is retried after another writer moved the ledger.
const MAX_MOVED_RETRIES: usize = 16;

pub(crate) struct Sequencer {
    store: Arc<dyn MetaStore>,
    signer: Arc<dyn NoteSigner>,
    config: LedgerConfig,
    frontier: Frontier,
    last_time: Timestamp,
    checkpointed_size: u64,
    last_checkpoint_at: Instant,
    latest: Arc<std::sync::RwLock<Option<StoredCheckpoint>>>,
}

struct Pending {
    draft: liuhen_core::entry::EntryDraft,
    mutations: Vec<liuhen_core::mutation::Mutation>,
    reply: tokio::sync::oneshot::Sender<Result<Receipt>>,
}

impl Sequencer {
    pub(crate) async fn load(
        store: Arc<dyn MetaStore>,
        signer: Arc<dyn NoteSigner>,
        config: LedgerConfig,
        latest: Arc<std::sync::RwLock<Option<StoredCheckpoint>>>,
    ) -> Result<Self> {
        let frontier = load_frontier(store.as_ref()).await?;
        let checkpointed_size = store.latest_checkpoint().await?.map_or(0, |checkpoint| checkpoint.size);
        let last_time = match frontier.size() {
            0 => Timestamp::UNIX_EPOCH,
            size => store.ledger_entry(size - 1).await?.map_or(Timestamp::UNIX_EPOCH, |stored| stored.entry.time),
        };
        Ok(Self { store, signer, config, frontier, last_time, checkpointed_size, last_checkpoint_at: Instant::now(), latest })
    }

    pub(crate) async fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut shutdown: Option<tokio::sync::oneshot::Sender<Result<Option<StoredCheckpoint>>>> = None;
        loop {
            let checkpoint_due = self.frontier.size() > self.checkpointed_size;
            let deadline = self.last_checkpoint_at + self.config.checkpoint_interval;
            let request = tokio::select! {
                request = requests.recv() => request,
                _ = tokio::time::sleep_until(deadline), if checkpoint_due => {
                    if let Err(error) = self.checkpoint().await {
                        tracing::error!(%error, "could not sign a checkpoint; will retry");
                        self.last_checkpoint_at = Instant::now();
                    }
                    continue;
                }
            };
            let Some(request) = request else {
                // Closed and drained, or every sender is gone: sign what was
                // appended and stop.
                let result = self.checkpoint().await;
                if let Err(error) = &result {
                    tracing::error!(%error, "could not sign the final checkpoint");
                }
                if let Some(reply) = shutdown.take() {
                    let _ = reply.send(result.map_err(|error| LedgerError::Checkpoint(error.to_string())));
                }
                return;
            };
            let mut batch = Vec::new();
            let mut checkpoint_replies = Vec::new();
            let mut next = Some(request);
            while let Some(request) = next.take() {
                match request {
                    Request::Append { draft, mutations, reply } => batch.push(Pending { draft, mutations, reply }),
                    Request::Checkpoint { reply } => checkpoint_replies.push(reply),
                    Request::Shutdown { reply } => {
                        // Requests already queued are still taken; new sends fail.
                        requests.close();
                        shutdown = Some(reply);
                    }
                }
                if batch.len() < self.config.max_batch {
                    next = requests.try_recv().ok();
                }
            }
            if !batch.is_empty() {
                self.append(batch).await;
            }
            if !checkpoint_replies.is_empty() {
                let result = self.checkpoint().await;
                for reply in checkpoint_replies {
                    let _ = reply.send(match &result {
                        Ok(checkpoint) => Ok(checkpoint.clone()),
                        Err(error) => Err(LedgerError::Checkpoint(error.to_string())),
                    });
                }
            } else if self.frontier.size() > self.checkpointed_size && self.last_checkpoint_at.elapsed() >= self.config.checkpoint_interval
            {
                if let Err(error) = self.checkpoint().await {
                    tracing::error!(%error, "could not sign a checkpoint; will retry");
                }
            }
        }
    }

    async fn append(&mut self, batch: Vec<Pending>) {
        match self.commit(&batch).await {
            Ok(receipts) => {
                for (pending, receipt) in batch.into_iter().zip(receipts) {
                    let _ = pending.reply.send(Ok(receipt));
                }
            }
            Err(error) if batch.len() == 1 => {
                let pending = batch.into_iter().next().expect("one request");
                let _ = pending.reply.send(Err(error));
            }
            Err(error) => {
                tracing::debug!(%error, size = batch.len(), "batch refused; committing its requests one by one");
                for pending in batch {
                    let result = self.commit(std::slice::from_ref(&pending)).await;
                    let _ = pending.reply.send(result.map(|mut receipts| receipts.remove(0)));
                }
            }
        }
    }

    /// Commits requests as one transaction; on failure the in-memory tree is
    /// left as it was.
    async fn commit(&mut self, batch: &[Pending]) -> Result<Vec<Receipt>> {
        for _ in 0..MAX_MOVED_RETRIES {
            let mut frontier = self.frontier.clone();
            let expected_size = frontier.size();
            let mut time = self.last_time;
            let mut items = Vec::with_capacity(batch.len());
            let mut nodes = Vec::with_capacity(batch.len() * 2);
            let mut receipts = Vec::with_capacity(batch.len());
            for pending in batch {
                // Times never go backwards in the log, even if the clock does.
                time = time.max(Timestamp::now());
                let entry = pending.draft.sequence(frontier.size(), time);
                let leaf_hash = entry.leaf_hash();
                receipts.push(Receipt { index: entry.index, time: entry.time, leaf_hash });
                nodes.extend(frontier.push(leaf_hash));
                let payload_json = String::from_utf8(canonical_payload_bytes(&pending.draft.payload)).expect("JSON is UTF-8");
                items.push(CommitItem { entry, payload_json, mutations: pending.mutations.clone() });
            }
            let commit = CommitBatch { expected_size, items, nodes };
            match self.store.commit(&commit).await {
                Ok(()) => {
                    self.frontier = frontier;
                    self.last_time = time;
                    return Ok(receipts);
                }
                Err(StoreError::LedgerMoved { .. }) => self.catch_up().await?,
                Err(error) => return Err(error.into()),
            }
        }
        Err(LedgerError::Damaged("the ledger kept moving under this writer; is another sequencer stuck in a loop?".into()))
    }

    /// Signs and stores a checkpoint if the tree grew since the last one.
    async fn checkpoint(&mut self) -> Result<Option<StoredCheckpoint>> {
        self.last_checkpoint_at = Instant::now();
        // Another process may have appended since this one last committed;
        // the checkpoint must cover the tree as stored, not as last seen here.
        if self.store.ledger_size().await? > self.frontier.size() {
            self.catch_up().await?;
        }
        if self.frontier.size() <= self.checkpointed_size {
            return Ok(self.store.latest_checkpoint().await?);
        }
        let checkpoint = Checkpoint {
            origin: self.config.origin.clone(),
            size: self.frontier.size(),
            root: self.frontier.root(),
            extensions: Vec::new(),
        };
        let mut signers: Vec<&dyn NoteSigner> = vec![self.signer.as_ref()];
        signers.extend(self.config.additional_signers.iter().map(|signer| signer.as_ref()));
        let signed_note = sign_note(&checkpoint.to_note_text(), &signers)?;
        let stored = StoredCheckpoint { size: checkpoint.size, root: checkpoint.root, signed_note, created_at: Timestamp::now() };
        self.store.insert_checkpoint(&stored).await?;
        self.checkpointed_size = stored.size;
        *self.latest.write().expect("never poisoned") = Some(stored.clone());
        Ok(Some(stored))
    }

    /// Reloads the tree's frontier after another writer appended, and
    /// keeps times from going backwards past its entries.
    async fn catch_up(&mut self) -> Result<()> {
        self.frontier = load_frontier(self.store.as_ref()).await?;
        if let Some(stored) = self.store.ledger_entry(self.frontier.size().saturating_sub(1)).await? {
            self.last_time = self.last_time.max(stored.entry.time);
        }
        Ok(())
    }
}

/// Rebuilds the in-memory frontier from the stored perfect subtrees.
pub(crate) async fn load_frontier(store: &dyn MetaStore) -> Result<Frontier> {
    let size = store.ledger_size().await?;
    let ids = frontier_ids(size);
    let hashes = store
        .ledger_nodes(&ids)
        .await?
        .into_iter()
        .zip(&ids)
        .map(|(hash, id)| {
            hash.ok_or_else(|| LedgerError::Damaged(format!("tree node (level {}, index {}) is missing", id.level, id.index)))
        })
        .collect::<Result<Vec<_>>>()?;
    Frontier::from_parts(size, hashes).map_err(|error| LedgerError::Damaged(error.to_string()))
}
