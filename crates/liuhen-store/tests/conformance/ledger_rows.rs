//! Reading the ledger back: sizes, entries, ranges with gaps, nodes,
//! leaves.

use liuhen_core::merkle::{frontier_ids, node_hash, Frontier, NodeId};

use crate::support::{assert_ledger_is, note, Database, Writer};

on_every_backend!(entries_nodes_and_leaves_read_back(database));

async fn entries_nodes_and_leaves_read_back(database: &Database) {
    let store = database.store.clone();
    assert_eq!(store.ledger_size().await.unwrap(), 0);
    assert_eq!(store.ledger_entry(0).await.unwrap(), None);
    assert_eq!(store.ledger_entries(0, 10).await.unwrap(), []);
    assert_eq!(store.ledger_leaves(0, 10).await.unwrap(), []);

    let mut writer = Writer::new(store.clone());
    let notes: Vec<_> = (0..10).map(note).collect();
    writer.record(&notes[0..3]).await;
    writer.record(&notes[3..4]).await;
    writer.record(&notes[4..10]).await;
    let committed = writer.committed.clone();
    assert_ledger_is(store.as_ref(), &committed).await;
    for stored in &committed {
        assert_eq!(store.ledger_entry(stored.entry.index).await.unwrap().as_ref(), Some(stored));
    }
    assert_eq!(store.ledger_entry(10).await.unwrap(), None);
    assert_eq!(store.ledger_entries(3, 4).await.unwrap(), committed[3..7]);
    assert_eq!(store.ledger_entries(8, 100).await.unwrap(), committed[8..]);
    assert_eq!(store.ledger_entries(10, 5).await.unwrap(), []);
    assert_eq!(store.ledger_entries(2, 0).await.unwrap(), []);
    // Indexes no database can hold are simply absent, not damage.
    assert_eq!(store.ledger_entry(u64::MAX).await.unwrap(), None);
    assert_eq!(store.ledger_entries(u64::MAX - 1, 10).await.unwrap(), []);
    assert_eq!(store.ledger_leaves(u64::MAX, 1).await.unwrap(), []);
    let leaves: Vec<_> = committed.iter().map(|stored| stored.entry.leaf_hash()).collect();
    assert_eq!(store.ledger_leaves(4, 2).await.unwrap(), [(4, leaves[4]), (5, leaves[5])]);

    // Whether anything was written since an index, leaving out one
    // actor's entries and some actions (the notes are `system`'s
    // failed logins).
    let failed = liuhen_core::mutation::action::LOGIN_FAILED;
    assert!(store.ledger_written_since(0, "someone", &[]).await.unwrap());
    assert!(store.ledger_written_since(9, "someone", &["record.read"]).await.unwrap());
    assert!(!store.ledger_written_since(10, "someone", &[]).await.unwrap(), "nothing from index 10 on");
    assert!(!store.ledger_written_since(0, "system", &[]).await.unwrap(), "all written by the actor left out");
    assert!(!store.ledger_written_since(0, "someone", &["record.read", failed]).await.unwrap(), "only actions left out");
    assert!(!store.ledger_written_since(u64::MAX, "someone", &[]).await.unwrap());
    // Bringing the planner's statistics up to date changes nothing seen.
    store.after_bulk_load().await.unwrap();
    assert_ledger_is(store.as_ref(), &committed).await;

    // Nodes come back in the order asked, duplicates included; a node
    // the tree does not have yet is `None`.
    let mut first_eight = Frontier::new();
    for leaf in &leaves[..8] {
        first_eight.push(*leaf);
    }
    let asked = [
        NodeId { level: 3, index: 0 },
        NodeId { level: 0, index: 99 },
        NodeId { level: 0, index: 0 },
        NodeId { level: 3, index: 0 },
        NodeId { level: 1, index: 4 },
        NodeId { level: 1, index: 5 },
        NodeId { level: 4, index: 0 },
    ];
    assert_eq!(
        store.ledger_nodes(&asked).await.unwrap(),
        [Some(first_eight.root()), None, Some(leaves[0]), Some(first_eight.root()), Some(node_hash(&leaves[8], &leaves[9])), None, None,]
    );
    assert_eq!(store.ledger_nodes(&[]).await.unwrap(), []);
    // The frontier of the whole tree is stored, so a sequencer can
    // resume from it.
    let mut whole = Frontier::new();
    for leaf in &leaves {
        whole.push(*leaf);
    }
    let frontier: Vec<_> = store.ledger_nodes(&frontier_ids(10)).await.unwrap().into_iter().map(Option::unwrap).collect();
    assert_eq!(frontier, whole.hashes());

    // A row removed behind the store's back leaves a visible gap; the
    // size still counts to the highest index, and the leaf stays.
    assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 4").await, 1);
    assert_eq!(store.ledger_size().await.unwrap(), 10);
    assert_eq!(store.ledger_entry(4).await.unwrap(), None);
    let indexes: Vec<_> = store.ledger_entries(0, 10).await.unwrap().into_iter().map(|stored| stored.entry.index).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert_eq!(store.ledger_entries(3, 3).await.unwrap(), [committed[3].clone(), committed[5].clone()]);
    assert_eq!(store.ledger_leaves(0, 100).await.unwrap().len(), 10);
    // Removing the last row shrinks the size.
    assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 9").await, 1);
    assert_eq!(store.ledger_size().await.unwrap(), 9);
}
