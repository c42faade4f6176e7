//! Signed checkpoints: kept in size order, stored once per size.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use liuhen_core::merkle::{leaf_hash, Frontier};
use liuhen_core::note::{sign_note, Checkpoint, Ed25519NoteSigner};
use liuhen_store::{MetaStore, StoredCheckpoint};

on_every_backend!(checkpoints_keep_size_order_and_the_first_of_each_size(store));

fn signed_checkpoint(size: u64, tree_of: &str) -> StoredCheckpoint {
    let signer = Ed25519NoteSigner::new("liuhen.test/xiamen-cgj", SigningKey::from_bytes(&[7; 32])).unwrap();
    let mut frontier = Frontier::new();
    for number in 0..size {
        frontier.push(leaf_hash(format!("{tree_of} {number}").as_bytes()));
    }
    let checkpoint = Checkpoint { origin: "liuhen.test/xiamen-cgj".into(), size, root: frontier.root(), extensions: Vec::new() };
    StoredCheckpoint {
        size,
        root: checkpoint.root,
        signed_note: sign_note(&checkpoint.to_note_text(), &[&signer]).unwrap(),
        created_at: Timestamp::from_microsecond(1_795_000_000_000_000 + size as i64 * 1_000_001).unwrap(),
    }
}

async fn checkpoints_keep_size_order_and_the_first_of_each_size(store: Arc<dyn MetaStore>) {
    assert_eq!(store.checkpoints().await.unwrap(), []);
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);

    let [five, two, nine] = [5, 2, 9].map(|size| signed_checkpoint(size, "entry"));
    for checkpoint in [&five, &two, &nine] {
        store.insert_checkpoint(checkpoint).await.unwrap();
    }
    assert_eq!(store.checkpoints().await.unwrap(), [two.clone(), five.clone(), nine.clone()]);
    assert_eq!(store.latest_checkpoint().await.unwrap(), Some(nine.clone()));

    // A second checkpoint of a size already checkpointed (another
    // process signing the same tree) changes nothing.
    let mut another_five = signed_checkpoint(5, "other");
    another_five.created_at = Timestamp::from_microsecond(1_900_000_000_000_000).unwrap();
    store.insert_checkpoint(&another_five).await.unwrap();
    store.insert_checkpoint(&five).await.unwrap();
    assert_eq!(store.checkpoints().await.unwrap(), [two, five, nine.clone()]);
    assert_eq!(store.latest_checkpoint().await.unwrap(), Some(nine));
}
