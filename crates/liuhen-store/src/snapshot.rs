//! A consistent copy of the whole metadata database, for backups, and
//! bringing one back. SQLite copies itself (`VACUUM INTO`, a transaction-
//! consistent file); PostgreSQL is dumped and restored with its own tools
//! (`pg_dump`/`pg_restore`, custom format), so the copy is one that any
//! PostgreSQL administrator can read without Liuhen.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::{Result, StoreError};

/// Which kind of copy a snapshot file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// An SQLite database file.
    Sqlite,
    /// A `pg_dump --format=custom` archive.
    PgDump,
}

impl SnapshotKind {
    /// The file name a backup gives the snapshot.
    pub fn file_name(self) -> &'static str {
        match self {
            SnapshotKind::Sqlite => "metadata.sqlite",
            SnapshotKind::PgDump => "metadata.pgdump",
        }
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn sqlite_path(url: &str) -> Result<PathBuf> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(PathBuf::from(path))
    } else if url.contains("://") {
        Err(StoreError::BadUrl(url.to_owned()))
    } else {
        Ok(PathBuf::from(url))
    }
}

fn tool(name: &str, args: &mut Command) -> Result<()> {
    let output = args.output().map_err(|error| {
        StoreError::Conflict(format!(
            "cannot run {name} ({error}); install the PostgreSQL client tools (Debian: `apt-get install postgresql-client`)"
        ))
    })?;
    if !output.status.success() {
        return Err(StoreError::Conflict(format!("{name} failed: {}", String::from_utf8_lossy(&output.stderr).trim())));
    }
    Ok(())
}

/// Writes a consistent copy of the database at `url` to `target` (which
/// must not exist) while the instance may keep running.
pub async fn snapshot(url: &str, target: &Path) -> Result<SnapshotKind> {
    if target.exists() {
        return Err(StoreError::Conflict(format!("{} already exists; a snapshot is never written over another", target.display())));
    }
    if is_postgres(url) {
        tool("pg_dump", Command::new("pg_dump").args(["--format=custom", "--no-owner", "--file"]).arg(target).arg(url))?;
        return Ok(SnapshotKind::PgDump);
    }
    let path = sqlite_path(url)?;
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(|error| StoreError::Unreachable { target: path.display().to_string(), source: error })?
        .read_only(true);
    let mut connection =
        options.connect().await.map_err(|error| StoreError::Unreachable { target: path.display().to_string(), source: error })?;
    sqlx::query("VACUUM INTO ?").bind(target.display().to_string()).execute(&mut connection).await.map_err(StoreError::Database)?;
    connection.close().await.map_err(StoreError::Database)?;
    Ok(SnapshotKind::Sqlite)
}

/// Brings a snapshot back: into the SQLite file `url` names (which must not
/// exist yet), or into the PostgreSQL database `url` names (which must
/// exist and be empty). Open the store afterwards as usual; its migrations
/// then bring the schema up to date if the snapshot is older.
pub async fn restore(snapshot: &Path, kind: SnapshotKind, url: &str) -> Result<()> {
    match kind {
        SnapshotKind::PgDump => {
            if !is_postgres(url) {
                return Err(StoreError::Conflict(
                    "this backup was taken from PostgreSQL; restore it with --database-url postgres://… naming an empty database".into(),
                ));
            }
            let mut connection = sqlx::PgConnection::connect(url).await.map_err(|error| crate::postgres::connect_error(url, error))?;
            let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                .fetch_one(&mut connection)
                .await
                .map_err(StoreError::Database)?;
            connection.close().await.map_err(StoreError::Database)?;
            if tables > 0 {
                return Err(StoreError::Conflict(format!(
                    "the database {} is not empty ({tables} tables); restore into a new, empty database",
                    crate::postgres::redact_url(url)
                )));
            }
            tool("pg_restore", Command::new("pg_restore").args(["--no-owner", "--exit-on-error", "--dbname"]).arg(url).arg(snapshot))
        }
        SnapshotKind::Sqlite => {
            if is_postgres(url) {
                return Err(StoreError::Conflict("this backup was taken from SQLite; restore it without --database-url".into()));
            }
            let path = sqlite_path(url)?;
            if path.exists() {
                return Err(StoreError::Conflict(format!("{} already exists; restore into a new instance directory", path.display())));
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|error| StoreError::Conflict(format!("cannot create {}: {error}", parent.display())))?;
            }
            std::fs::copy(snapshot, &path)
                .map_err(|error| StoreError::Conflict(format!("cannot copy {} to {}: {error}", snapshot.display(), path.display())))?;
            Ok(())
        }
    }
}
