//! Media records: by id, by content digest, and page by page.

use std::sync::Arc;

use liuhen_core::digest::sha256;
use liuhen_core::id::MediaId;
use liuhen_core::mutation::Mutation;
use liuhen_store::MetaStore;

use crate::support::{media, sorted_by, Directory, Writer};

on_every_backend!(media_round_trip_and_page_in_id_order(store));

async fn media_round_trip_and_page_in_id_order(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let mut records: Vec<_> = (0..7u8)
        .map(|number| {
            let source = if number % 2 == 0 { Some(directory.camera.id) } else { None };
            media(format!("clip {number}").as_bytes(), source)
        })
        .collect();
    // A six-hour recording: its size does not fit in 32 bits.
    records[1].size = 6 * 1024 * 1024 * 1024 + 7;
    records[2].original_name = None;
    writer.record_mutations(records[..3].iter().cloned().map(Mutation::CreateMedia)).await;
    writer.record_mutations(records[3..].iter().cloned().map(Mutation::CreateMedia)).await;

    for record in &records {
        assert_eq!(store.media(record.id).await.unwrap().as_ref(), Some(record));
        assert_eq!(store.media_by_sha256(&record.sha256).await.unwrap().as_ref(), Some(record));
    }
    assert_eq!(store.media(MediaId::new()).await.unwrap(), None);
    assert_eq!(store.media_by_sha256(&sha256(b"never stored")).await.unwrap(), None);

    let in_order = sorted_by(&records, |record| record.id);
    assert_eq!(store.media_page(None, 100).await.unwrap(), in_order);
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.media_page(after, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        pages.push(page);
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(pages.concat(), in_order);
    assert_eq!(store.media_page(Some(in_order[3].id), 2).await.unwrap(), in_order[4..6]);
    assert_eq!(store.media_page(None, 0).await.unwrap(), []);

    // The narrow read `verify` uses: the same rows, the same pages.
    let digests = |records: &[liuhen_core::entity::MediaRecord]| {
        records
            .iter()
            .map(|record| (record.id, liuhen_core::digest::ContentDigests { sha256: record.sha256, sm3: record.sm3, size: record.size }))
            .collect::<Vec<_>>()
    };
    assert_eq!(store.media_digests(None, 100).await.unwrap(), digests(&in_order));
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.media_digests(after, 3).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        pages.push(page);
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(pages.concat(), digests(&in_order));
    assert_eq!(store.media_digests(Some(in_order[3].id), 2).await.unwrap(), digests(&in_order[4..6]));
    assert_eq!(store.media_digests(None, 0).await.unwrap(), []);
}
