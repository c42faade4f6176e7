//! Databases for the workspace's tests (feature `testing`): SQLite in a
//! temporary directory or PostgreSQL in a throw-away database, each living
//! as long as one test, with a way around the store to the same rows.

use std::sync::Arc;

use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::postgres::testing::TestDatabase;
use crate::{Backend, MetaStore};

/// A database that lives as long as one test, its store, and a way
/// around the store to the same rows.
pub struct Database {
    pub store: Arc<dyn MetaStore>,
    /// What [`crate::open`] was given: a file path or a URL.
    pub url: String,
    _lifetime: Lifetime,
}

enum Lifetime {
    Directory(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] TestDatabase),
}

impl Database {
    /// A new SQLite store in a temporary directory.
    pub async fn sqlite() -> Database {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let url = directory.path().join("liuhen.db").display().to_string();
        let store = crate::open(&url).await.expect("an SQLite store opens in a fresh directory");
        Database { store, url, _lifetime: Lifetime::Directory(directory) }
    }

    /// A new PostgreSQL store in a database created for it (see
    /// [`TestDatabase`]).
    pub async fn postgres() -> Database {
        let database = TestDatabase::create()
            .await
            .expect("a throw-away PostgreSQL database (is PostgreSQL running at 127.0.0.1:5432, or LIUHEN_TEST_POSTGRES set?)");
        let url = database.url.clone();
        let store = crate::open(&url).await.expect("a PostgreSQL store opens on a fresh database");
        Database { store, url, _lifetime: Lifetime::Postgres(database) }
    }

    /// A second store on the same database, as another process opens it.
    pub async fn open_again(&self) -> Arc<dyn MetaStore> {
        crate::open(&self.url).await.expect("the same database opens a second time")
    }

    /// Runs one statement on a connection of its own, behind the store's
    /// back (this is how the tests tamper), and returns the number of rows
    /// it touched.
    pub async fn execute(&self, sql: &str) -> u64 {
        match self.store.backend() {
            Backend::Sqlite => {
                let mut connection = SqliteConnection::connect(&format!("sqlite://{}", self.url)).await.expect("a raw SQLite connection");
                sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
            }
            Backend::Postgres => {
                let mut connection = PgConnection::connect(&self.url).await.expect("a raw PostgreSQL connection");
                sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
            }
        }
    }

    /// `bytes` as an SQL literal of this backend's byte-array type.
    pub fn bytes_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        match self.store.backend() {
            Backend::Sqlite => format!("X'{hex}'"),
            Backend::Postgres => format!("'\\x{hex}'::bytea"),
        }
    }
}
