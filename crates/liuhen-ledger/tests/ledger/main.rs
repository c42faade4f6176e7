//! The ledger's contract, on every backend: appends under concurrency,
//! signed checkpoints, proofs that verify offline, restarts, refused
//! requests, two writers on one database, and verification that names the
//! exact damage done behind its back.
//!
//! Each scenario is written once and `on_every_backend!` turns it into one
//! test per backend (SQLite in a temporary directory, PostgreSQL in a
//! throw-away database). Ledgers check in every 50 ms, so the automatic
//! checkpoints run during the tests too.

/// Expands each scenario into `sqlite::<scenario>` and
/// `postgres::<scenario>` tests, each under the given test attribute. A
/// scenario marked `(store)` receives the store; one marked `(database)`
/// receives the whole test database (to open it again or tamper with it).
macro_rules! on_every_backend {
    ($(#[$runtime:meta] $scenario:ident($argument:ident)),* $(,)?) => {
        mod sqlite {
            $(
                #[$runtime]
                async fn $scenario() {
                    let database = crate::support::Database::sqlite().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[$runtime]
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

mod appending;
mod checkpoints;
mod proofs;
mod support;
mod verification;
