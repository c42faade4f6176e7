//! `sqlx::migrate!` embeds the migration files at compile time; this tells
//! cargo to rebuild the crate when one is added or changed, which it would
//! not notice on its own.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
