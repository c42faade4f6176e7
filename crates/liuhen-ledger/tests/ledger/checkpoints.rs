//! Signed checkpoints: on request, and by themselves after appends.

use std::sync::Arc;

use liuhen_core::note::{open_note, Checkpoint, Ed25519NoteSigner, NoteError, NoteVerifier};
use liuhen_store::MetaStore;

use crate::support::{record_each, root_of, signing_key, start, wait_for_checkpoint, ORIGIN};

on_every_backend!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_checkpoint_is_a_signed_note_of_the_tree(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    checkpoints_follow_appends_by_themselves(store),
);

async fn a_checkpoint_is_a_signed_note_of_the_tree(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    assert_eq!(ledger.checkpoint().await.unwrap(), None, "an empty ledger has nothing to sign");

    let receipts = record_each(&ledger, 0..5).await;
    let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
    let checkpoint = ledger.checkpoint().await.unwrap().expect("a checkpoint");
    let verifier = NoteVerifier::from_vkey(&ledger.verifier_key()).unwrap();
    let opened = open_note(&checkpoint.signed_note, std::slice::from_ref(&verifier)).unwrap();
    assert_eq!(opened.verified_by, [ORIGIN]);
    let signed = Checkpoint::parse(&opened.text).unwrap();
    assert_eq!((signed.origin.as_str(), signed.size, signed.root), (ORIGIN, 5, root_of(&leaves)));
    assert_eq!((checkpoint.size, checkpoint.root), (5, signed.root));
    let stored = store.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!((stored.size, &stored.signed_note), (5, &checkpoint.signed_note));

    // Asking again without appends signs nothing new.
    let signed_so_far = store.checkpoints().await.unwrap();
    let again = ledger.checkpoint().await.unwrap().unwrap();
    assert_eq!(again.signed_note, checkpoint.signed_note);
    assert_eq!(store.checkpoints().await.unwrap(), signed_so_far);

    // A key of the same name that is not this ledger's verifies nothing.
    let stranger = Ed25519NoteSigner::new(ORIGIN, signing_key()).unwrap().verifier();
    assert_eq!(open_note(&checkpoint.signed_note, &[stranger]).unwrap_err(), NoteError::NoTrustedSignature { unknown: 1 });
}

async fn checkpoints_follow_appends_by_themselves(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    let mut receipts = record_each(&ledger, 0..3).await;
    let checkpoint = wait_for_checkpoint(store.as_ref(), 3).await;
    let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
    assert_eq!((checkpoint.size, checkpoint.root), (3, root_of(&leaves)));

    receipts.extend(record_each(&ledger, 3..7).await);
    let checkpoint = wait_for_checkpoint(store.as_ref(), 7).await;
    let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
    assert_eq!((checkpoint.size, checkpoint.root), (7, root_of(&leaves)));
    let verifier = NoteVerifier::from_vkey(&ledger.verifier_key()).unwrap();
    for stored in store.checkpoints().await.unwrap() {
        let signed = Checkpoint::parse(&open_note(&stored.signed_note, std::slice::from_ref(&verifier)).unwrap().text).unwrap();
        assert_eq!((signed.size, signed.root), (stored.size, root_of(&leaves[..stored.size as usize])));
    }
}
