//! Opening a store: backends chosen by URL, errors that say what to do.

use std::time::Duration;

use liuhen_store::{Backend, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::support::{Database, Directory, Writer};

on_every_backend!(reopening_keeps_everything(database));

/// A store opened again (a restart, or a second process) finds
/// everything, and running the migrations again is harmless.
async fn reopening_keeps_everything(database: &Database) {
    let directory = Directory::new();
    let mut writer = Writer::new(database.store.clone());
    writer.record_mutations(directory.mutations()).await;
    let reopened = database.open_again().await;
    assert_eq!(reopened.backend(), database.store.backend());
    assert_eq!(reopened.agencies().await.unwrap(), vec![directory.agency]);
    assert_eq!(reopened.users().await.unwrap().len(), 3);
    crate::support::assert_ledger_is(reopened.as_ref(), &writer.committed).await;
}

#[tokio::test]
async fn an_unknown_scheme_is_a_bad_url() {
    match liuhen_store::open("mysql://x").await {
        Err(StoreError::BadUrl(url)) => assert_eq!(url, "mysql://x"),
        Err(other) => panic!("mysql://x gave {other}"),
        Ok(_) => panic!("mysql://x opened a store"),
    }
    let message = liuhen_store::open("mysql://x").await.err().unwrap().to_string();
    assert!(message.contains("postgres://"), "{message}");
}

#[tokio::test]
async fn an_unreachable_postgres_is_named_without_its_password() {
    // Nothing listens on port 1. The password is in the user part of one
    // URL and in a query parameter of the other; both are tried at once.
    let in_user_part = "postgres://u:secret@127.0.0.1:1/db";
    let in_query = "postgres://u@127.0.0.1:1/db?sslmode=disable&password=secret";
    let (first, second) = tokio::time::timeout(Duration::from_secs(60), async {
        tokio::join!(liuhen_store::open(in_user_part), liuhen_store::open(in_query))
    })
    .await
    .expect("opening an unreachable database gives up by itself");
    for (url, result) in [(in_user_part, first), (in_query, second)] {
        let error = match result {
            Err(error) => error,
            Ok(_) => panic!("a store opened on port 1 ({url})"),
        };
        assert!(matches!(error, StoreError::Unreachable { .. }), "{url}: {error:?}");
        let message = error.to_string();
        assert!(message.contains("127.0.0.1:1/db"), "{message}");
        assert!(message.contains("Check that the database server is running"), "{message}");
        let mut everything = format!("{message}\n{error:?}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            everything.push_str(&format!("\n{cause}"));
            source = cause.source();
        }
        assert!(!everything.contains("secret"), "{url} leaked its password: {everything}");
    }
}

/// A server that answers but refuses says what to correct, not that
/// it may be down: a database it does not have, a user it does not know.
#[tokio::test]
async fn a_postgres_that_refuses_says_what_to_correct() {
    let admin = std::env::var("LIUHEN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let (server, _) = admin.rsplit_once('/').expect("the test URL names a database");
    let no_database = format!("{server}/liuhen_no_such_database");
    let no_user = admin.replacen("://postgres", "://liuhen_no_such_user:secret", 1);
    for (url, expected) in [(no_database.as_str(), "createdb"), (no_user.as_str(), "user name")] {
        let error = match liuhen_store::open(url).await {
            Err(error) => error,
            Ok(_) => panic!("a store opened on {url}"),
        };
        let message = error.to_string();
        assert!(matches!(error, StoreError::Refused { .. }), "{url}: {error:?}");
        assert!(message.contains(expected) && message.contains("database_url"), "{message}");
        assert!(!message.contains("is running") && !message.contains("secret"), "{message}");
    }
}

#[tokio::test]
async fn sqlite_in_a_missing_folder_says_so() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("no-such-folder").join("liuhen.db");
    let error = match liuhen_store::open(&path.display().to_string()).await {
        Err(error) => error,
        Ok(_) => panic!("a store opened in a folder that does not exist"),
    };
    let message = error.to_string();
    assert!(matches!(error, StoreError::BadUrl(_)), "{error:?}");
    assert!(message.contains("does not exist") && message.contains("liuhen init"), "{message}");
    assert!(!directory.path().join("no-such-folder").exists(), "opening must not create the folder");
}

/// SQLite keeps its file in WAL mode, so readers do not wait for the
/// writer and a commit is one append to the log. The mode is stored in the
/// file, so a connection of this test's own, opened after the store and
/// asking for no mode, reads it back (sqlx sets no `journal_mode` unless
/// asked). `synchronous = FULL`, the other half of a durable commit, is a
/// setting of each connection, held only by the store's own connections,
/// which the store does not lend out: a unit test in `src/sqlite.rs` reads
/// it from them.
#[tokio::test]
async fn sqlite_keeps_its_file_in_wal_mode() {
    let database = Database::sqlite().await;
    let options = SqliteConnectOptions::new().filename(&database.url).read_only(true);
    let mut connection = SqliteConnection::connect_with(&options).await.expect("a connection of the test's own");
    let (journal_mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut connection).await.unwrap();
    assert_eq!(journal_mode, "wal");
}

#[tokio::test]
async fn a_sqlite_url_and_a_plain_path_open_the_same_file() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("liuhen.db");
    let plain = liuhen_store::open(&path.display().to_string()).await.unwrap();
    assert_eq!(plain.backend(), Backend::Sqlite);
    let agency = Directory::new().agency;
    Writer::new(plain.clone()).record_mutations([liuhen_core::mutation::Mutation::CreateAgency(agency.clone())]).await;
    let by_url = liuhen_store::open(&format!("sqlite://{}", path.display())).await.unwrap();
    assert_eq!(by_url.backend(), Backend::Sqlite);
    assert_eq!(by_url.agencies().await.unwrap(), vec![agency]);
}
