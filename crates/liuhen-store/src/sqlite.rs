//! The embedded backend: SQLite in WAL mode, one file in the data directory.
//!
//! Reads use a small pool; writes use a pool of exactly one connection, so
//! the process has one writer, and every commit starts with
//! `BEGIN IMMEDIATE` so it holds SQLite's write lock from its first
//! statement (another process — a CLI run beside `liuhen serve` — waits on
//! the busy timeout instead of failing halfway). `synchronous = FULL` makes
//! a commit durable when it returns, which is what the ledger promises.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::common::impl_meta_store;
use crate::{Backend, CommitBatch, Result, StoreError};
use liuhen_core::digest::ContentDigests;
use liuhen_core::id::MediaId;

/// The SQLite store.
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and migrates it.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(StoreError::BadUrl(format!(
                    "{} (the folder {} does not exist; run `liuhen init` first or check --data)",
                    path.display(),
                    parent.display()
                )));
            }
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|_| StoreError::BadUrl(path.display().to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let unreachable = |source| StoreError::Unreachable { target: path.display().to_string(), source };
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .map_err(unreachable)?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        index_cases(&writer).await?;
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await.map_err(unreachable)?;
        Ok(Self { pool, writer, path: path.to_owned() })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl_meta_store!(SqliteStore, Sqlite, writer, {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    // SQLite plans the schema's queries well from its indexes alone;
    // statistics gathered from one moment's data could only change plans
    // that are measured good.
    async fn after_bulk_load(&self) -> Result<()> {
        Ok(())
    }

    // One row holding the whole range as a JSON array of rows: sqlx hands
    // SQLite rows from its worker thread to the caller one at a time, and
    // for `liuhen verify`, which reads every entry, that hand-over cost
    // more than reading the rows. (Sorted here: an ORDER BY inside the
    // aggregate makes SQLite sort through a temporary b-tree.)
    async fn ledger_entries(&self, start: u64, limit: u32) -> Result<Vec<crate::StoredEntry>> {
        let sql = format!(
            "SELECT json_group_array(json_array({columns})) FROM ledger_entries WHERE idx >= $1 AND idx < $2",
            columns = crate::rows::ENTRY_COLUMNS
        );
        let Ok(start) = i64::try_from(start) else { return Ok(Vec::new()) };
        let (rows,): (String,) =
            sqlx::query_as(&sql).bind(start).bind(start.saturating_add(i64::from(limit))).fetch_one(&self.pool).await.map_err(db)?;
        let mut rows: Vec<crate::rows::EntryRow> =
            serde_json::from_str(&rows).map_err(|error| StoreError::Corrupt(format!("ledger entries from {start}: {error}")))?;
        rows.sort_unstable_by_key(|row| row.0);
        rows.into_iter().map(crate::rows::entry).collect()
    }

    // One row holding the page, as for the ledger's entries above.
    async fn media_digests(&self, after: Option<MediaId>, limit: u32) -> Result<Vec<(MediaId, ContentDigests)>> {
        let sql = format!(
            "SELECT json_group_array(json_array({columns})) FROM (SELECT {columns} FROM media WHERE id > $1 ORDER BY id LIMIT $2)",
            columns = crate::rows::MEDIA_DIGEST_COLUMNS
        );
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let (rows,): (String,) = sqlx::query_as(&sql).bind(&after).bind(i64::from(limit)).fetch_one(&self.pool).await.map_err(db)?;
        let rows: Vec<crate::rows::MediaDigestsRow> =
            serde_json::from_str(&rows).map_err(|error| StoreError::Corrupt(format!("media rows after {after:?}: {error}")))?;
        let mut rows = rows.into_iter().map(crate::rows::media_digests).collect::<Result<Vec<_>>>()?;
        rows.sort_unstable_by_key(|(id, _)| *id);
        Ok(rows)
    }

    // When the disk fills as SQLite commits, SQLite rolls the transaction
    // back itself, but sqlx still counts the connection as inside it (its
    // ROLLBACK fails) and would refuse every later `BEGIN` on it. After a
    // failed commit the ping runs the ROLLBACK sqlx queued; a connection
    // still counted inside a transaction is then closed, and the pool opens
    // a new one for the next commit.
    async fn commit(&self, batch: &CommitBatch) -> Result<()> {
        use sqlx::Connection;
        let mut connection = self.writer.acquire().await.map_err(db)?;
        let committed = async {
            let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
            apply_batch(&mut transaction, batch).await?;
            transaction.commit().await.map_err(db)
        }
        .await;
        if committed.is_err() && (connection.ping().await.is_err() || connection.is_in_transaction()) {
            connection.close_on_drop();
        }
        committed
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    /// `synchronous` is a setting of each connection, not of the file: the
    /// connections the store opens, the writer's above all, must hold FULL
    /// (2), or a commit that returned could be lost with the power. (One
    /// connection of each pool is asked; all are opened with the same
    /// options.)
    #[tokio::test]
    async fn every_connection_commits_durably() {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&directory.path().join("liuhen.db")).await.unwrap();
        for (name, pool) in [("writer", &store.writer), ("reader", &store.pool)] {
            let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(pool).await.unwrap();
            assert_eq!(synchronous, 2, "the {name}'s connection");
            let (journal_mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
            assert_eq!(journal_mode, "wal", "the {name}'s connection");
        }
    }

    /// SQLite's "database or disk is full" is told apart from other
    /// database errors (the server answers it 507, the CLI says what to
    /// free). A page limit on the writer's connection fills it here.
    #[tokio::test]
    async fn a_full_database_says_so() {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&directory.path().join("liuhen.db")).await.unwrap();
        let mut connection = store.writer.acquire().await.unwrap();
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(&mut *connection).await.unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {}", pages + 2)).execute(&mut *connection).await.unwrap();
        let error = sqlx::query("CREATE TABLE filler AS SELECT randomblob(1048576) AS bytes").execute(&mut *connection).await.unwrap_err();
        let error = StoreError::database(error);
        assert!(matches!(error, StoreError::StorageFull(_)), "{error:?}");
        assert!(error.to_string().contains("disk is full"), "{error}");
        let other = sqlx::query("SELECT * FROM no_such_table").execute(&mut *connection).await.unwrap_err();
        assert!(matches!(StoreError::database(other), StoreError::Database(_)));
    }

    /// A commit SQLite cut short leaves the writer able to commit again.
    /// SQLite rolls a transaction back itself when the disk fills as it
    /// commits; a connection still counted as inside that transaction
    /// would refuse every later commit ("non-zero transaction depth")
    /// until the process restarted. A trigger that rolls back stands in
    /// for the full disk here (`tests/it/remote/full_disk.rs` fills a real
    /// one).
    #[tokio::test]
    async fn the_writer_commits_again_after_sqlite_rolled_back() {
        use crate::MetaStore;
        use liuhen_core::merkle::NodeId;
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&directory.path().join("liuhen.db")).await.unwrap();
        sqlx::query(
            "CREATE TEMP TRIGGER cut_short BEFORE INSERT ON ledger_nodes WHEN NEW.idx = 99 BEGIN SELECT RAISE(ROLLBACK, 'cut short'); END",
        )
        .execute(&store.writer)
        .await
        .unwrap();
        let batch = |count: u64| CommitBatch {
            expected_size: 0,
            items: Vec::new(),
            nodes: (0..count).map(|index| (NodeId { level: 0, index }, [7u8; 32])).collect(),
        };
        let error = store.commit(&batch(100)).await.unwrap_err();
        assert!(error.to_string().contains("cut short"), "{error}");
        store.commit(&batch(10)).await.unwrap();
        let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_nodes").fetch_one(&store.pool).await.unwrap();
        assert_eq!(stored, 10);
    }
}
