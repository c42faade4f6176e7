//! The scale-out backend: PostgreSQL, chosen by a `postgres://` URL.
//!
//! Several `liuhen serve` processes may share one database. The ledger has
//! one sequencer at a time: every commit takes a transaction-scoped advisory
//! lock before it checks the ledger size and appends, so two processes can
//! never write the same index; the loser sees [`StoreError::LedgerMoved`]
//! and its sequencer reloads the tree and retries.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use crate::common::impl_meta_store;
use crate::{Backend, CommitBatch, Result, StoreError};

/// The advisory lock key that serialises ledger appends ("liuhen" in ASCII).
const LEDGER_LOCK_KEY: i64 = 0x6c69_7568_656e;

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and migrates.
    pub async fn open(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| connect_error(url, source))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        index_cases(&pool).await?;
        Ok(Self { pool })
    }
}

/// Why a connection failed, with what to do: a server that answered and
/// refused says which part of the URL to correct; anything else is a server
/// that could not be reached.
pub(crate) fn connect_error(url: &str, source: sqlx::Error) -> StoreError {
    let code = match &source {
        sqlx::Error::Database(error) => error.code().map(|code| code.into_owned()),
        _ => None,
    };
    let advice = match code.as_deref() {
        Some("28P01") => "Check the user name and password in the database URL (database_url)",
        Some("28000") => "Check the user name in the database URL (database_url) and that the server's pg_hba.conf lets it in from here",
        Some("3D000") => {
            "That database does not exist on the server: create it (`createdb NAME` as a PostgreSQL administrator) or correct its name in the database URL (database_url)"
        }
        _ => return StoreError::Unreachable { target: redact_url(url), source },
    };
    StoreError::Refused { target: redact_url(url), advice, source }
}

/// The URL without its password, for messages and logs. The password may
/// be in the user part (`postgres://user:password@host/db`) or a query
/// parameter (`postgres://user@host/db?password=…`, which libpq and sqlx
/// both accept).
pub fn redact_url(url: &str) -> String {
    let url = match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _password)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    };
    let Some((base, query)) = url.split_once('?') else { return url };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _password)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

impl_meta_store!(PgStore, Postgres, pool, {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    // VACUUM sets the visibility map, which lets counts read an index
    // alone; ANALYZE gives the planner the tables' sizes and spreads.
    async fn after_bulk_load(&self) -> Result<()> {
        sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn ledger_entries(&self, start: u64, limit: u32) -> Result<Vec<crate::StoredEntry>> {
        let sql = format!("SELECT {} FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx", crate::rows::ENTRY_COLUMNS);
        let Ok(start) = i64::try_from(start) else { return Ok(Vec::new()) };
        let rows: Vec<crate::rows::EntryRow> =
            sqlx::query_as(&sql).bind(start).bind(start.saturating_add(i64::from(limit))).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(crate::rows::entry).collect()
    }

    async fn media_digests(
        &self,
        after: Option<liuhen_core::id::MediaId>,
        limit: u32,
    ) -> Result<Vec<(liuhen_core::id::MediaId, liuhen_core::digest::ContentDigests)>> {
        let sql = format!("SELECT {} FROM media WHERE id > $1 ORDER BY id LIMIT $2", crate::rows::MEDIA_DIGEST_COLUMNS);
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let rows: Vec<crate::rows::MediaDigestsRow> =
            sqlx::query_as(&sql).bind(after).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(crate::rows::media_digests).collect()
    }

    async fn commit(&self, batch: &CommitBatch) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LEDGER_LOCK_KEY).execute(&mut *transaction).await.map_err(db)?;
        apply_batch(&mut transaction, batch).await?;
        transaction.commit().await.map_err(db)?;
        Ok(())
    }
});

/// Throw-away databases for tests, in the PostgreSQL named by
/// `LIUHEN_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`).
pub mod testing {
    use sqlx::{Connection, PgConnection};

    /// A database created for one test and dropped when this is dropped.
    pub struct TestDatabase {
        pub url: String,
        admin_url: String,
        name: String,
    }

    impl TestDatabase {
        pub async fn create() -> Result<Self, sqlx::Error> {
            let admin_url = std::env::var("LIUHEN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
            let name = format!("liuhen_test_{}", uuid::Uuid::now_v7().simple());
            let mut connection = PgConnection::connect(&admin_url).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut connection).await?;
            connection.close().await?;
            let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
            Ok(Self { url: format!("{base}/{name}"), admin_url, name })
        }
    }

    impl Drop for TestDatabase {
        fn drop(&mut self) {
            let admin_url = self.admin_url.clone();
            let name = self.name.clone();
            // Drop may run inside a runtime; a separate thread with its own
            // runtime can block safely.
            let dropper = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime
                    .block_on(async {
                        let mut connection = PgConnection::connect(&admin_url).await?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut connection).await?;
                        Ok::<_, sqlx::Error>(())
                    })
                    .map_err(std::io::Error::other)
            });
            let _ = dropper.join();
        }
    }
}
