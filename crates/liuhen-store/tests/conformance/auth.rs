//! Sessions and API tokens, found by the hash of their secret.

use std::sync::Arc;

use liuhen_core::mutation::Mutation;
use liuhen_store::MetaStore;

use crate::support::{api_token, digest_of, session, Directory, Writer};

on_every_backend!(ended_sessions_are_not_found(store), revoked_tokens_are_found_marked_revoked(store));

async fn ended_sessions_are_not_found(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let morning = session(directory.officer_user.id, "morning secret");
    let evening = session(directory.officer_user.id, "evening secret");
    writer.record_mutations([Mutation::CreateSession(morning.clone()), Mutation::CreateSession(evening.clone())]).await;
    assert_eq!(store.session_by_secret(&morning.secret_sha256).await.unwrap().as_ref(), Some(&morning));
    assert_eq!(store.session_by_secret(&evening.secret_sha256).await.unwrap().as_ref(), Some(&evening));
    assert_eq!(store.session_by_secret(&digest_of("a guessed secret")).await.unwrap(), None);

    writer.record_mutations([Mutation::EndSession(morning.id)]).await;
    assert_eq!(store.session_by_secret(&morning.secret_sha256).await.unwrap(), None);
    assert_eq!(store.session_by_secret(&evening.secret_sha256).await.unwrap().as_ref(), Some(&evening));
}

async fn revoked_tokens_are_found_marked_revoked(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let token = api_token(directory.workstation.id, "workstation token");
    let mut issued_revoked = api_token(directory.camera.id, "camera token");
    issued_revoked.revoked = true;
    writer.record_mutations([Mutation::CreateApiToken(token.clone()), Mutation::CreateApiToken(issued_revoked.clone())]).await;
    assert_eq!(store.api_token_by_secret(&token.secret_sha256).await.unwrap().as_ref(), Some(&token));
    assert_eq!(store.api_token_by_secret(&issued_revoked.secret_sha256).await.unwrap().as_ref(), Some(&issued_revoked));
    assert_eq!(store.api_token_by_secret(&digest_of("a guessed token")).await.unwrap(), None);

    writer.record_mutations([Mutation::RevokeApiToken(token.id)]).await;
    let revoked = store.api_token_by_secret(&token.secret_sha256).await.unwrap().expect("a revoked token is still found");
    assert!(revoked.revoked);
    assert_eq!(revoked.id, token.id);

    let second = api_token(directory.workstation.id, "second workstation token");
    writer.record_mutations([Mutation::CreateApiToken(second.clone())]).await;
    assert_eq!(store.api_tokens_of_device(directory.workstation.id).await.unwrap(), [revoked, second], "oldest first, revoked too");
    assert_eq!(store.api_tokens_of_device(directory.camera.id).await.unwrap(), [issued_revoked]);
    assert_eq!(store.api_tokens_of_device(directory.spare_camera.id).await.unwrap(), []);
}
