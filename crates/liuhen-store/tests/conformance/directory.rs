//! Agencies, the unit tree, officers, devices and user accounts.

use std::sync::Arc;

use liuhen_core::id::UserId;
use liuhen_store::MetaStore;

use crate::support::{sorted_by, Directory, Writer};

on_every_backend!(directory_round_trips_through_every_read(store));

/// Everything written comes back equal, through every read that
/// can return it; the Chinese names (one with a four-byte character)
/// survive unchanged.
async fn directory_round_trips_through_every_read(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    // One batch per kind of entity, so later batches refer to rows that
    // earlier commits made; the unit tree's parent precedes its child.
    let mutations = directory.mutations();
    writer.record_mutations(mutations[0..1].to_vec()).await;
    writer.record_mutations(mutations[1..3].to_vec()).await;
    writer.record_mutations(mutations[3..5].to_vec()).await;
    writer.record_mutations(mutations[5..8].to_vec()).await;
    writer.record_mutations(mutations[8..11].to_vec()).await;
    assert_eq!(store.ledger_size().await.unwrap(), 11);

    assert_eq!(store.agencies().await.unwrap(), vec![directory.agency.clone()]);
    let units = store.units().await.unwrap();
    assert_eq!(units, sorted_by(&[directory.brigade.clone(), directory.squad.clone()], |unit| unit.id));
    let squad = units.iter().find(|unit| unit.id == directory.squad.id).unwrap();
    assert_eq!(squad.parent_id, Some(directory.brigade.id));
    assert_eq!(store.officers().await.unwrap(), sorted_by(&[directory.officer.clone(), directory.assistant.clone()], |officer| officer.id));
    let devices = [directory.camera.clone(), directory.workstation.clone(), directory.spare_camera.clone()];
    assert_eq!(store.devices().await.unwrap(), sorted_by(&devices, |device| device.id));
    for device in &devices {
        assert_eq!(store.device_by_serial(&device.serial).await.unwrap().as_ref(), Some(device));
    }
    assert_eq!(store.device_by_serial("DSJ-Z8-99999999").await.unwrap(), None);

    let users = [directory.administrator.clone(), directory.officer_user.clone(), directory.disabled_user.clone()];
    // Listed by login in byte order: admin, zhangwei, 王芳.
    assert_eq!(store.users().await.unwrap(), sorted_by(&users, |user| user.login.clone()));
    for user in &users {
        assert_eq!(store.user(user.id).await.unwrap().as_ref(), Some(user));
        assert_eq!(store.user_by_login(&user.login).await.unwrap().as_ref(), Some(user));
    }
    let disabled = store.user_by_login("王芳").await.unwrap().unwrap();
    assert!(disabled.disabled && disabled.roles.is_empty());
    assert_eq!(store.user(UserId::new()).await.unwrap(), None);
    assert_eq!(store.user_by_login("nobody").await.unwrap(), None);
    // A login differing only in case or trailing space is another login.
    assert_eq!(store.user_by_login("Admin").await.unwrap(), None);
    assert_eq!(store.user_by_login("admin ").await.unwrap(), None);
}
