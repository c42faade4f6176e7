//! Appends: one index each, in time order, atomically with their state
//! changes, across restarts and across processes.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::entity::{Role, User};
use liuhen_core::entry::{canonical_payload_bytes, EntryDraft};
use liuhen_core::id::UserId;
use liuhen_core::merkle::{frontier_ids, Frontier};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::proof::{verify_consistency_proof, verify_inclusion_proof, ConsistencyProof, InclusionProof};
use liuhen_ledger::LedgerError;
use liuhen_store::{CommitBatch, CommitItem, MetaStore, StoreError};

use crate::support::{
    assert_entry_matches, draft, record_concurrently, record_each, root_of, signing_key, start, verifiers, verify, Database,
};

on_every_backend!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    concurrent_records_take_each_index_once(store),
    #[tokio::test]
    a_refused_request_fails_alone(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_restarted_ledger_continues_the_tree(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    two_ledgers_on_one_database_share_the_indexes(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    entries_another_process_left_unsigned_are_covered_here(store),
);

async fn concurrent_records_take_each_index_once(store: Arc<dyn MetaStore>) {
    let ledger = Arc::new(start(store.clone(), &signing_key()).await);
    let recorded = record_concurrently(&ledger, 100, 3, 0).await;
    let indexes: Vec<u64> = recorded.iter().map(|(_, receipt)| receipt.index).collect();
    assert_eq!(indexes, (0..300).collect::<Vec<_>>());
    assert!(recorded.windows(2).all(|pair| pair[0].1.time <= pair[1].1.time), "entry times go backwards somewhere");
    for (draft, receipt) in &recorded {
        assert_entry_matches(&ledger.entry(receipt.index).await.unwrap(), draft, receipt);
    }
    assert_eq!(store.ledger_size().await.unwrap(), 300);

    // The signed tree is the tree of exactly these leaves, and every
    // entry's proof checks out against it offline.
    let leaves: Vec<_> = recorded.iter().map(|(_, receipt)| receipt.leaf_hash).collect();
    let checkpoint = ledger.checkpoint().await.unwrap().expect("a checkpoint of a non-empty ledger");
    assert_eq!((checkpoint.size, checkpoint.root), (300, root_of(&leaves)));
    let verifiers = verifiers(&ledger);
    for (index, leaf) in leaves.iter().enumerate() {
        let proof = ledger.inclusion_proof(index as u64).await.unwrap();
        let proof = InclusionProof::parse(&proof.to_text()).unwrap();
        let signed = verify_inclusion_proof(&proof, leaf, &verifiers).unwrap();
        assert_eq!((signed.size, signed.root), (300, checkpoint.root));
    }
    // Every checkpoint signed on the way, automatically or not, is a
    // prefix of the final tree.
    let earlier = store.checkpoints().await.unwrap();
    assert!(!earlier.is_empty());
    for old in earlier {
        let proof = ledger.consistency_proof(old.size).await.unwrap();
        let proof = ConsistencyProof::parse(&proof.to_text()).unwrap();
        assert_eq!((proof.old_size, proof.old_root), (old.size, old.root));
        assert_eq!(old.root, root_of(&leaves[..old.size as usize]));
        assert_eq!(verify_consistency_proof(&proof, &verifiers).unwrap().size, 300);
    }
    let report = verify(&store, &ledger).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries_checked, 300);
}

fn new_user(login: &str) -> User {
    User {
        id: UserId::new(),
        login: login.into(),
        display_name: format!("执法人员 {login}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        roles: vec![Role::Officer],
        officer_id: None,
        disabled: false,
    }
}

fn creating(user: &User) -> (EntryDraft, Vec<Mutation>) {
    let draft =
        EntryDraft::new("cli:值班员", action::USER_CREATED).subject(user.id.subject()).payload(serde_json::json!({"login": user.login}));
    (draft, vec![Mutation::CreateUser(user.clone())])
}

/// Requests waiting together are committed as one batch; when one of
/// them is refused (a login that exists), only that one fails and the
/// others are recorded with their state changes.
async fn a_refused_request_fails_alone(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    let existing = new_user("zhangwei");
    let (draft, mutations) = creating(&existing);
    ledger.record(draft, mutations).await.unwrap();

    let newcomers: Vec<User> = ["lina", "wangfang", "chenjing", "liuyang", "zhaolei"].map(new_user).to_vec();
    let impostor = new_user("zhangwei");
    let mut requests: Vec<_> = newcomers.iter().map(creating).collect();
    requests.insert(2, creating(&impostor));
    // On this single-threaded runtime every request is queued before
    // the sequencer runs, so they all arrive in one batch.
    let results = futures::future::join_all(requests.into_iter().map(|(draft, mutations)| ledger.record(draft, mutations))).await;

    match &results[2] {
        Err(LedgerError::Store(StoreError::Conflict(message))) => {
            assert!(message.contains("nothing was changed"), "{message}")
        }
        other => panic!("a second user with login zhangwei gave {other:?}"),
    }
    let mut indexes: Vec<u64> = results
        .iter()
        .enumerate()
        .filter(|(position, _)| *position != 2)
        .map(|(_, result)| result.as_ref().expect("the other requests are recorded").index)
        .collect();
    indexes.sort();
    assert_eq!(indexes, [1, 2, 3, 4, 5]);
    for newcomer in &newcomers {
        assert_eq!(store.user_by_login(&newcomer.login).await.unwrap().as_ref(), Some(newcomer));
    }
    assert_eq!(store.user(impostor.id).await.unwrap(), None);
    assert_eq!(store.user_by_login("zhangwei").await.unwrap(), Some(existing));
    assert_eq!(store.ledger_size().await.unwrap(), 6);
    ledger.checkpoint().await.unwrap();
    let report = verify(&store, &ledger).await;
    assert!(report.ok(), "{:?}", report.problems);
}

/// After a shutdown, a ledger started on the same database (a new
/// process) reloads the tree's frontier and appends where the old one
/// stopped; proofs over the whole tree still verify.
async fn a_restarted_ledger_continues_the_tree(database: &Database) {
    let key = signing_key();
    let first = start(database.store.clone(), &key).await;
    let mut receipts = record_each(&first, 0..13).await;
    first.shutdown().await.unwrap();
    let final_checkpoint = database.store.latest_checkpoint().await.unwrap().expect("shutdown signs a checkpoint");
    assert_eq!(final_checkpoint.size, 13);

    let store = database.open_again().await;
    let second = start(store.clone(), &key).await;
    let continued = record_each(&second, 13..21).await;
    assert_eq!(continued.iter().map(|receipt| receipt.index).collect::<Vec<_>>(), (13..21).collect::<Vec<_>>());
    assert!(continued[0].time >= receipts[12].time, "time went backwards across the restart");
    receipts.extend(continued);
    for receipt in &receipts {
        assert_entry_matches(&second.entry(receipt.index).await.unwrap(), &draft(receipt.index), receipt);
    }

    let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
    let checkpoint = second.checkpoint().await.unwrap().unwrap();
    assert_eq!((checkpoint.size, checkpoint.root), (21, root_of(&leaves)));
    let verifiers = verifiers(&second);
    for (index, leaf) in leaves.iter().enumerate() {
        let proof = second.inclusion_proof(index as u64).await.unwrap();
        assert_eq!(verify_inclusion_proof(&proof, leaf, &verifiers).unwrap().size, 21);
    }
    let proof = second.consistency_proof(13).await.unwrap();
    assert_eq!(proof.old_root, final_checkpoint.root);
    assert_eq!(verify_consistency_proof(&proof, &verifiers).unwrap().size, 21);
    let report = verify(&store, &second).await;
    assert!(report.ok(), "{:?}", report.problems);

    // The stopped ledger takes no more requests. (Asked last: a request
    // racing a shutdown can still be committed although it is answered
    // `Closed`, because `shutdown` aborts the sequencer task.)
    assert!(matches!(first.record(draft(99), Vec::new()).await, Err(LedgerError::Closed)));
}

/// Two servers on one database (each with its own pool and sequencer)
/// append at the same time: every entry gets its own index, no receipt
/// names an entry that is not there, and the ledger verifies.
async fn two_ledgers_on_one_database_share_the_indexes(database: &Database) {
    let key = signing_key();
    let first = Arc::new(start(database.store.clone(), &key).await);
    let second = Arc::new(start(database.open_again().await, &key).await);
    let (mut recorded, from_second) = tokio::join!(record_concurrently(&first, 25, 4, 0), record_concurrently(&second, 25, 4, 1000),);
    recorded.extend(from_second);
    recorded.sort_by_key(|(_, receipt)| receipt.index);
    let indexes: Vec<u64> = recorded.iter().map(|(_, receipt)| receipt.index).collect();
    assert_eq!(indexes, (0..200).collect::<Vec<_>>());
    assert!(recorded.windows(2).all(|pair| pair[0].1.time <= pair[1].1.time), "entry times go backwards somewhere");
    for (draft, receipt) in &recorded {
        assert_entry_matches(&database.store.ledger_entry(receipt.index).await.unwrap().unwrap(), draft, receipt);
    }

    // Either ledger proves entries the other wrote.
    let leaves: Vec<_> = recorded.iter().map(|(_, receipt)| receipt.leaf_hash).collect();
    for ledger in [&first, &second] {
        let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
        assert_eq!((checkpoint.size, checkpoint.root), (200, root_of(&leaves)));
        for index in [0, 57, 101, 199] {
            let proof = ledger.inclusion_proof(index).await.unwrap();
            verify_inclusion_proof(&proof, &leaves[index as usize], &verifiers(ledger)).unwrap();
        }
    }
    let report = verify(&database.store, &first).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries_checked, 200);
}

/// Another process (a CLI run beside the server) commits an entry and
/// stops before it signs a checkpoint. This ledger's next checkpoint
/// covers that entry, it proves it, and it appends after it.
async fn entries_another_process_left_unsigned_are_covered_here(store: Arc<dyn MetaStore>) {
    let ledger = start(store.clone(), &signing_key()).await;
    record_each(&ledger, 0..3).await;
    assert_eq!(ledger.checkpoint().await.unwrap().unwrap().size, 3);

    // The other process: it reads the frontier, commits entry 3 with
    // its nodes, and is gone.
    let stored_frontier = store.ledger_nodes(&frontier_ids(3)).await.unwrap().into_iter().map(Option::unwrap).collect();
    let mut frontier = Frontier::from_parts(3, stored_frontier).unwrap();
    let other = draft(3);
    let entry = other.sequence(3, Timestamp::now());
    let nodes = frontier.push(entry.leaf_hash());
    let payload_json = String::from_utf8(canonical_payload_bytes(&other.payload)).unwrap();
    let item = CommitItem { entry: entry.clone(), payload_json, mutations: Vec::new() };
    store.commit(&CommitBatch { expected_size: 3, items: vec![item], nodes }).await.unwrap();

    let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
    assert_eq!((checkpoint.size, checkpoint.root), (4, frontier.root()));
    let proof = ledger.inclusion_proof(3).await.unwrap();
    assert_eq!(verify_inclusion_proof(&proof, &entry.leaf_hash(), &verifiers(&ledger)).unwrap().size, 4);
    let next = ledger.record(draft(4), Vec::new()).await.unwrap();
    assert_eq!(next.index, 4);
    assert!(next.time >= entry.time, "time went backwards past the other process's entry");
    ledger.checkpoint().await.unwrap();
    let report = verify(&store, &ledger).await;
    assert!(report.ok(), "{:?}", report.problems);
}
