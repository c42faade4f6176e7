//! A batch is applied whole or not at all, and only on the ledger size
//! it was built on.

use std::sync::Arc;

use liuhen_core::entity::{Officer, OfficerRole, Qualification};
use liuhen_core::id::{DeviceId, OfficerId, UnitId, UserId};
use liuhen_core::mutation::Mutation;
use liuhen_store::{MetaStore, StoreError};

use crate::support::{api_token, event, media, note, session, user, Database, Directory, Event, Writer};

on_every_backend!(
    a_batch_built_on_a_stale_size_is_refused(store),
    a_duplicate_login_refuses_the_whole_batch(store),
    a_duplicate_sha256_refuses_the_whole_batch(store),
    references_to_missing_rows_are_refused(store),
    of_two_commits_on_one_size_exactly_one_wins(database),
);

/// What must still be true after a refused batch: the ledger is as the
/// writer last committed it and none of the batch's nodes were kept.
async fn assert_nothing_kept(writer: &Writer, refused: &[Event]) {
    let store = writer.store.as_ref();
    crate::support::assert_ledger_is(store, &writer.committed).await;
    assert_eq!(store.ledger_entry(writer.size()).await.unwrap(), None);
    let would_be = writer.prepare(refused);
    let node_ids: Vec<_> = would_be.batch.nodes.iter().map(|(id, _)| *id).collect();
    assert!(store.ledger_nodes(&node_ids).await.unwrap().iter().all(Option::is_none), "a refused batch left tree nodes behind");
}

async fn a_batch_built_on_a_stale_size_is_refused(store: Arc<dyn MetaStore>) {
    let mut writer = Writer::new(store.clone());
    writer.record(&[note(0), note(1)]).await;
    let late_user = user("late");
    let events = [event(Mutation::CreateUser(late_user.clone())), note(2)];
    for wrong_size in [0, 1, 3, 100] {
        let mut prepared = writer.prepare(&events);
        prepared.batch.expected_size = wrong_size;
        match store.commit(&prepared.batch).await {
            Err(StoreError::LedgerMoved { expected, actual }) => assert_eq!((expected, actual), (wrong_size, 2)),
            other => panic!("a batch built on size {wrong_size} of a 2-entry ledger gave {other:?}"),
        }
        assert_nothing_kept(&writer, &events).await;
        assert_eq!(store.user(late_user.id).await.unwrap(), None);
    }
    // Built on the right size, the same events go in.
    writer.record(&events).await;
    assert_eq!(store.user(late_user.id).await.unwrap(), Some(late_user));
    crate::support::assert_ledger_is(store.as_ref(), &writer.committed).await;
}

async fn a_duplicate_login_refuses_the_whole_batch(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let before = store.users().await.unwrap();
    let newcomer = user("lina");
    let mut impostor = user(&directory.officer_user.login);
    impostor.display_name = "冒名者".into();
    let mut second_agency = directory.agency.clone();
    second_agency.id = liuhen_core::id::AgencyId::new();
    second_agency.code = "siming-cgj".into();
    let events = [
        event(Mutation::CreateAgency(second_agency.clone())),
        event(Mutation::CreateUser(newcomer.clone())),
        note(99),
        event(Mutation::CreateUser(impostor.clone())),
    ];
    match writer.commit(&events).await {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains("nothing was changed"), "{message}")
        }
        other => panic!("a second user with login {} gave {other:?}", directory.officer_user.login),
    }
    assert_nothing_kept(&writer, &events).await;
    assert_eq!(store.users().await.unwrap(), before);
    assert_eq!(store.user(impostor.id).await.unwrap(), None);
    assert_eq!(store.user_by_login("lina").await.unwrap(), None);
    assert_eq!(store.agencies().await.unwrap(), vec![directory.agency.clone()]);

    // The store is still usable, and the batch without the duplicate
    // goes in whole.
    writer.record(&[events[0].clone(), events[1].clone(), events[2].clone()]).await;
    assert_eq!(store.user_by_login("lina").await.unwrap(), Some(newcomer));
    assert_eq!(store.agencies().await.unwrap().len(), 2);
    crate::support::assert_ledger_is(store.as_ref(), &writer.committed).await;
}

async fn a_duplicate_sha256_refuses_the_whole_batch(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let first = media(b"the same recording", Some(directory.camera.id));
    writer.record_mutations([Mutation::CreateMedia(first.clone())]).await;

    let other = media(b"another recording", None);
    let copy = media(b"the same recording", None);
    let events = [event(Mutation::CreateMedia(other.clone())), event(Mutation::CreateMedia(copy.clone()))];
    assert!(matches!(writer.commit(&events).await, Err(StoreError::Conflict(_))));
    assert_nothing_kept(&writer, &events).await;
    assert_eq!(store.media_by_sha256(&first.sha256).await.unwrap(), Some(first.clone()));
    assert_eq!(store.media(copy.id).await.unwrap(), None);
    assert_eq!(store.media(other.id).await.unwrap(), None);
    assert_eq!(store.media_page(None, 10).await.unwrap(), vec![first]);
}

async fn references_to_missing_rows_are_refused(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let officer_in_no_unit = Officer {
        id: OfficerId::new(),
        agency_id: directory.agency.id,
        unit_id: UnitId::new(),
        name: "陈静".into(),
        certificate_no: Some("闽Z0203099".into()),
        badge_no: "0203099".into(),
        role: OfficerRole::FrontLine,
        qualification: Qualification::Officer,
    };
    let mut camera_of_nobody = directory.camera.clone();
    camera_of_nobody.id = DeviceId::new();
    camera_of_nobody.serial = "DSJ-Z8-20269999".into();
    camera_of_nobody.assigned_officer = Some(OfficerId::new());
    let dangling = [
        ("an officer in a unit that does not exist", Mutation::CreateOfficer(officer_in_no_unit)),
        ("a camera assigned to an officer who does not exist", Mutation::CreateDevice(camera_of_nobody)),
        ("a session of a user who does not exist", Mutation::CreateSession(session(UserId::new(), "s"))),
        ("a token for a device that does not exist", Mutation::CreateApiToken(api_token(DeviceId::new(), "t"))),
        ("media from a device that does not exist", Mutation::CreateMedia(media(b"x", Some(DeviceId::new())))),
    ];
    for (what, mutation) in dangling {
        let events = [note(1), event(mutation)];
        match writer.commit(&events).await {
            Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{what}: {message}"),
            other => panic!("{what} gave {other:?}"),
        }
        assert_nothing_kept(&writer, &events).await;
    }
    assert_eq!(store.officers().await.unwrap().len(), 2);
    assert_eq!(store.devices().await.unwrap().len(), 3);
}

/// Two writers (two processes, each with its own connection pool)
/// commit batches built on the same size at the same moment: one
/// commits, the other is told the ledger moved, and nothing collides.
async fn of_two_commits_on_one_size_exactly_one_wins(database: &Database) {
    let other_store = database.open_again().await;
    let mut writer = Writer::new(database.store.clone());
    for round in 0..10u64 {
        let two = [note(round * 10), note(round * 10 + 1)];
        let three = [note(round * 10 + 2), note(round * 10 + 3), note(round * 10 + 4)];
        let size = writer.size();
        let first = writer.prepare(&two);
        let second = writer.prepare(&three);
        let (first_result, second_result) = tokio::join!(database.store.commit(&first.batch), other_store.commit(&second.batch));
        match (first_result, second_result) {
            (Ok(()), Err(StoreError::LedgerMoved { expected, actual })) => {
                assert_eq!((expected, actual), (size, size + 2));
                writer.accept(first);
            }
            (Err(StoreError::LedgerMoved { expected, actual }), Ok(())) => {
                assert_eq!((expected, actual), (size, size + 3));
                writer.accept(second);
            }
            other => panic!("round {round}: two commits on size {size} gave {other:?}"),
        }
    }
    crate::support::assert_ledger_is(database.store.as_ref(), &writer.committed).await;
}
