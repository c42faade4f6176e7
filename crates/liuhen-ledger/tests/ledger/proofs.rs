//! Inclusion and consistency proofs at every size, in their text form,
//! and requests that cannot be answered.

use std::sync::Arc;

use liuhen_core::merkle::MerkleError;
use liuhen_core::note::{Ed25519NoteSigner, NoteError};
use liuhen_core::proof::{verify_consistency_proof, verify_inclusion_proof, ConsistencyProof, InclusionProof, ProofError};
use liuhen_ledger::LedgerError;
use liuhen_store::MetaStore;

use crate::support::{draft, record_each, root_of, signing_key, start, verifiers, Database, ORIGIN};

on_every_backend!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    every_proof_verifies_at_every_size(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    unanswerable_requests_are_refused_clearly(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_damaged_node_table_gives_no_proof(database),
);

/// The ledger grows one entry at a time to 40; at every size, the
/// inclusion proof of every entry and the consistency proof from every
/// earlier size verify offline, after a round trip through their text.
async fn every_proof_verifies_at_every_size(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    let verifiers = verifiers(&ledger);
    let mut leaves = Vec::new();
    // roots[n] is the signed root at size n.
    let mut roots = vec![liuhen_core::merkle::empty_root()];
    for size in 1..=40u64 {
        let receipt = ledger.record(draft(size - 1), Vec::new()).await.unwrap();
        assert_eq!(receipt.index, size - 1);
        leaves.push(receipt.leaf_hash);
        let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
        assert_eq!((checkpoint.size, checkpoint.root), (size, root_of(&leaves)));
        roots.push(checkpoint.root);

        for index in 0..size {
            let proof = ledger.inclusion_proof(index).await.unwrap();
            assert_eq!(proof.index, index);
            let text = proof.to_text();
            assert!(text.starts_with("c2sp.org/tlog-proof@v1\n"), "{text}");
            let parsed = InclusionProof::parse(&text).unwrap();
            assert_eq!(parsed, proof);
            let signed = verify_inclusion_proof(&parsed, &leaves[index as usize], &verifiers).unwrap();
            assert_eq!((signed.origin.as_str(), signed.size, signed.root), (ORIGIN, size, checkpoint.root));
        }
        for old_size in 1..=size {
            let proof = ledger.consistency_proof(old_size).await.unwrap();
            let parsed = ConsistencyProof::parse(&proof.to_text()).unwrap();
            assert_eq!(parsed, proof);
            assert_eq!((parsed.old_size, parsed.old_root), (old_size, roots[old_size as usize]));
            let signed = verify_consistency_proof(&parsed, &verifiers).unwrap();
            assert_eq!((signed.size, signed.root), (size, checkpoint.root));
        }
    }

    // The checks are not vacuous: another leaf, another old root or
    // another key fails.
    let proof = ledger.inclusion_proof(3).await.unwrap();
    assert_eq!(verify_inclusion_proof(&proof, &leaves[4], &verifiers).unwrap_err(), ProofError::Merkle(MerkleError::RootMismatch));
    let stranger = [Ed25519NoteSigner::new(ORIGIN, signing_key()).unwrap().verifier()];
    assert!(matches!(verify_inclusion_proof(&proof, &leaves[3], &stranger), Err(ProofError::Note(NoteError::NoTrustedSignature { .. }))));
    let mut proof = ledger.consistency_proof(17).await.unwrap();
    proof.old_root = roots[16];
    assert!(matches!(verify_consistency_proof(&proof, &verifiers), Err(ProofError::Merkle(_))));
}

async fn unanswerable_requests_are_refused_clearly(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    assert!(matches!(ledger.inclusion_proof(0).await, Err(LedgerError::NoSuchEntry { index: 0, size: 0 })));
    assert!(matches!(ledger.entry(0).await, Err(LedgerError::NoSuchEntry { index: 0, size: 0 })));
    assert!(ledger.consistency_proof(1).await.is_err(), "an empty ledger has no size to be consistent with");

    record_each(&ledger, 0..5).await;
    for index in [5, 6, 1000, u64::MAX] {
        match ledger.inclusion_proof(index).await {
            Err(error @ LedgerError::NoSuchEntry { index: reported, size: 5 }) => {
                assert_eq!(reported, index);
                assert_eq!(error.to_string(), format!("entry {index} does not exist: the ledger has 5 entries"));
            }
            other => panic!("an inclusion proof of entry {index} of 5 gave {other:?}"),
        }
        assert!(matches!(ledger.entry(index).await, Err(LedgerError::NoSuchEntry { size: 5, .. })));
    }
    for old_size in [0, 6, 1000] {
        match ledger.consistency_proof(old_size).await {
            Err(error @ LedgerError::BadOldSize { old_size: reported, size: 5 }) => {
                assert_eq!(reported, old_size);
                assert!(error.to_string().contains("between 1 and 5"), "{error}");
            }
            other => panic!("a consistency proof from size {old_size} to 5 gave {other:?}"),
        }
    }
    // The refusals changed nothing.
    assert_eq!(store.ledger_size().await.unwrap(), 5);
    assert_eq!(store.checkpoints().await.unwrap().last().map(|checkpoint| checkpoint.size), Some(5));
}

/// A stored hash changed behind the ledger's back is found when a proof is
/// made from it: the ledger checks every proof against the signed root
/// before it hands it out, and says the ledger is damaged.
async fn a_damaged_node_table_gives_no_proof(database: &Database) {
    let key = signing_key();
    let ledger = start(database.store.clone(), &key).await;
    record_each(&ledger, 0..16).await;
    ledger.checkpoint().await.unwrap();
    ledger.inclusion_proof(5).await.expect("an intact table proves entry 5");
    ledger.shutdown().await.unwrap();

    // Entry 4's leaf hash, the first step of entry 5's proof.
    let zeros = database.bytes_literal(&[0; 32]);
    assert_eq!(database.execute(&format!("UPDATE ledger_nodes SET hash = {zeros} WHERE level = 0 AND idx = 4")).await, 1);
    let ledger = start(database.open_again().await, &key).await;
    match ledger.inclusion_proof(5).await {
        Err(LedgerError::Damaged(detail)) => assert!(detail.contains("entry 5"), "{detail}"),
        other => panic!("a proof from a damaged table: {other:?}"),
    }
}
