//! The metadata store's contract, held against every backend.
//!
//! Each scenario is written once, against `Arc<dyn MetaStore>` (or, when it
//! must reach around the store to tamper with rows or open a second
//! connection, against the test [`support::Database`]), and
//! `on_every_backend!` turns it into one test per backend: SQLite in a
//! temporary directory and PostgreSQL in a throw-away database. Writes go
//! through `MetaStore::commit` only, with batches built here the way the
//! ledger's sequencer builds them: entries from `EntryDraft::sequence`, leaf
//! and interior nodes from `Frontier::push`, payloads in canonical JSON.

/// Expands each scenario into `sqlite::<scenario>` and
/// `postgres::<scenario>` tests. A scenario marked `(store)` receives the
/// store; one marked `(database)` receives the whole test database.
macro_rules! on_every_backend {
    ($($scenario:ident($argument:ident)),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let database = crate::support::Database::sqlite().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let database = crate::support::Database::postgres().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
    };
    (@argument $database:ident store) => { $database.store.clone() };
    (@argument $database:ident database) => { &$database };
}

mod atomicity;
mod auth;
mod cases;
mod checkpoints;
mod compliance;
mod custody;
mod directory;
mod ledger_rows;
mod media;
mod opening;
mod recordings;
mod supervision;
mod support;
