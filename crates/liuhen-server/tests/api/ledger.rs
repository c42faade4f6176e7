//! The ledger from outside: entries that can be rehashed by hand, proofs
//! and checkpoints that verify against the key the server publishes.

use liuhen_core::entry::payload_digest;
use liuhen_core::merkle::leaf_hash;
use liuhen_core::mutation::action;
use liuhen_core::note::{open_note, Checkpoint, NoteVerifier};
use liuhen_core::proof::{verify_consistency_proof, verify_inclusion_proof, ConsistencyProof, InclusionProof};
use reqwest::{Response, StatusCode};

use crate::support::{error_of, on_both_backends, Credentials, TestServer, ORIGIN};

on_both_backends!(
    a_sign_in_is_proven_in_the_ledger_under_the_published_key,
    later_checkpoints_are_proven_consistent_with_earlier_ones,
    bad_ledger_queries_get_a_sentence,
);

async fn published_verifier(server: &TestServer) -> NoteVerifier {
    let response = server.get("/api/v1/ledger/public-key", Credentials::Nobody).await;
    assert_eq!(response.status(), StatusCode::OK);
    NoteVerifier::from_vkey(response.text().await.unwrap().trim()).expect("the published key is a verifier key")
}

async fn plain_text(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

async fn a_sign_in_is_proven_in_the_ledger_under_the_published_key(server: TestServer) {
    let verifier = published_verifier(&server).await;
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let index = server.entries_for(action::SESSION_STARTED).await[0].entry.index;

    let response = server.get(&format!("/api/v1/ledger/entries/{index}"), Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let entry: serde_json::Value = response.json().await.unwrap();
    assert_eq!(entry["index"], index);
    assert_eq!(entry["action"], action::SESSION_STARTED);
    assert_eq!(entry["actor"], server.fixture.archivist.id.subject());
    assert_eq!(entry["payload"]["login"], server.fixture.archivist.login);
    // Everything the entry claims can be recomputed from what it shows.
    let canonical = entry["canonical"].as_str().unwrap();
    let leaf = leaf_hash(canonical.as_bytes());
    assert_eq!(entry["leaf_hash"], hex::encode(leaf));
    assert_eq!(entry["payload_sha256"], payload_digest(&entry["payload"]).to_hex());
    assert!(canonical.contains(&format!("\"payload_sha256\":\"{}\"", entry["payload_sha256"].as_str().unwrap())));

    let text = plain_text(server.get(&format!("/api/v1/ledger/proof?index={index}"), Credentials::Cookie(&archivist)).await).await;
    let proof = InclusionProof::parse(&text).unwrap();
    let checkpoint = verify_inclusion_proof(&proof, &leaf, &[verifier]).expect("the proof verifies under the published key");
    assert_eq!(checkpoint.origin, ORIGIN);
    assert!(checkpoint.size > index);
}

async fn later_checkpoints_are_proven_consistent_with_earlier_ones(server: TestServer) {
    let verifier = published_verifier(&server).await;
    let token = Credentials::Bearer(&server.fixture.workstation_token);
    let signed = plain_text(server.get("/api/v1/ledger/checkpoint", token).await).await;
    let earlier = Checkpoint::parse(&open_note(&signed, std::slice::from_ref(&verifier)).unwrap().text).unwrap();
    assert_eq!(earlier.size, server.store.ledger_size().await.unwrap());

    // The ledger grows (a failed sign-in is recorded too), and a client
    // fetches the newer checkpoint.
    server.sign_in_attempt("nobody.here", "guess").await;
    let signed = plain_text(server.get("/api/v1/ledger/checkpoint", token).await).await;
    let newer = Checkpoint::parse(&open_note(&signed, std::slice::from_ref(&verifier)).unwrap().text).unwrap();
    assert_eq!(newer.size, earlier.size + 1);

    let text = plain_text(server.get(&format!("/api/v1/ledger/consistency?from={}", earlier.size), token).await).await;
    let proof = ConsistencyProof::parse(&text).unwrap();
    assert_eq!((proof.old_size, proof.old_root), (earlier.size, earlier.root));
    let later = verify_consistency_proof(&proof, &[verifier]).expect("the proof verifies under the published key");
    assert_eq!((later.size, later.root), (newer.size, newer.root));
}

async fn bad_ledger_queries_get_a_sentence(server: TestServer) {
    let token = Credentials::Bearer(&server.fixture.workstation_token);
    let size = server.store.ledger_size().await.unwrap();
    for (path, status, words) in [
        ("/api/v1/ledger/proof".to_owned(), StatusCode::BAD_REQUEST, "`index` is missing"),
        ("/api/v1/ledger/proof?index=-1".to_owned(), StatusCode::BAD_REQUEST, "not a whole number"),
        (format!("/api/v1/ledger/proof?index={}", size + 100), StatusCode::NOT_FOUND, "does not exist"),
        ("/api/v1/ledger/entries/first".to_owned(), StatusCode::BAD_REQUEST, "not a whole number"),
        (format!("/api/v1/ledger/entries/{}", size + 100), StatusCode::NOT_FOUND, "does not exist"),
        ("/api/v1/ledger/consistency".to_owned(), StatusCode::BAD_REQUEST, "`from` is missing"),
        ("/api/v1/ledger/consistency?from=0".to_owned(), StatusCode::BAD_REQUEST, "between 1 and"),
        (format!("/api/v1/ledger/consistency?from={}", size + 1), StatusCode::BAD_REQUEST, "between 1 and"),
    ] {
        let response = server.get(&path, token).await;
        assert_eq!(response.status(), status, "{path}");
        let message = error_of(response).await;
        assert!(message.contains(words), "{path}: {message}");
    }
}
