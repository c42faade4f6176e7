//! The S3 backend (Garage in CI): the shared behaviour, and the ways a
//! misconfigured object store shows itself.

use std::time::Duration;

use liuhen_vault::{Vault, VaultError, VaultLocation};

use crate::behaviour;
use crate::support::{s3_location, s3_runtime, TestVault};

#[test]
fn stores_files_once_under_their_digests() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::stores_files_once_under_their_digests").await else { return };
        behaviour::stores_files_once_under_their_digests(&test_vault).await;
        test_vault.clean_up().await;
    })
}

#[test]
fn refuses_what_is_not_a_readable_file() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::refuses_what_is_not_a_readable_file").await else { return };
        behaviour::refuses_what_is_not_a_readable_file(&test_vault).await;
        test_vault.clean_up().await;
    })
}

#[test]
fn refuses_a_file_that_grows_while_it_is_read() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::refuses_a_file_that_grows_while_it_is_read").await else {
            return;
        };
        behaviour::refuses_a_file_that_grows_while_it_is_read(&test_vault).await;
        test_vault.clean_up().await;
    })
}

#[test]
fn refuses_a_file_rewritten_in_place_while_it_is_read() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::refuses_a_file_rewritten_in_place_while_it_is_read").await else {
            return;
        };
        behaviour::refuses_a_file_rewritten_in_place_while_it_is_read(&test_vault).await;
        test_vault.clean_up().await;
    })
}

#[test]
fn sweep_removes_interrupted_puts_and_nothing_else() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::sweep_removes_interrupted_puts_and_nothing_else").await else {
            return;
        };
        behaviour::sweep_removes_interrupted_puts_and_nothing_else(&test_vault).await;
        test_vault.clean_up().await;
    })
}

/// Object Lock is asked of the bucket with a signed request, and what
/// the server can do is reported; Garage does not implement it, and a
/// lock asked of it is refused with the server's answer, not ignored.
#[test]
fn object_lock_support_is_detected() {
    s3_runtime().block_on(async {
        let Some(test_vault) = TestVault::s3("s3::object_lock_support_is_detected").await else { return };
        let support = test_vault.vault.object_lock_support().await.expect("the question is answered");
        match &support {
            liuhen_vault::object_lock::ObjectLockSupport::Unsupported { detail } => {
                assert!(detail.contains("GetObjectLockConfiguration answered"), "{detail}");
            }
            liuhen_vault::object_lock::ObjectLockSupport::Enabled { .. } | liuhen_vault::object_lock::ObjectLockSupport::NotEnabled => {
                // Another S3 server than Garage: its answer is believed.
            }
            liuhen_vault::object_lock::ObjectLockSupport::NotApplicable => panic!("an S3 vault is asked"),
        }
        assert!(support.describe().starts_with("object lock: "));
        if !support.enabled() {
            let directory = tempfile::tempdir().unwrap();
            let path = directory.path().join("locked.bin");
            std::fs::write(&path, crate::support::pseudo_random_bytes(7, 4096)).unwrap();
            let outcome = test_vault.vault.put_file(&path).await.unwrap();
            let refused = test_vault.vault.lock_blob(&outcome.digests.sha256, None, Some(true)).await;
            assert!(refused.is_err(), "a lock the bucket cannot keep is an error");
        }
        test_vault.clean_up().await;
    })
}

/// A wrong secret key is caught when the vault opens, as a credentials
/// problem the operator can act on.
#[test]
fn wrong_credentials_are_refused_when_the_vault_opens() {
    s3_runtime().block_on(async {
        let Some(mut s3_location) = s3_location("s3::wrong_credentials_are_refused_when_the_vault_opens") else {
            return;
        };
        s3_location.secret_access_key = "0".repeat(64);
        let error = Vault::open(VaultLocation::S3(s3_location.clone())).await.unwrap_err();
        assert!(matches!(error, VaultError::AccessDenied { .. }), "wrong secret key: {error:?}");
        assert!(error.to_string().contains("secret_access_key"), "the message names the setting to fix: {error}");

        s3_location.access_key_id = "GK000000000000000000000000".to_owned();
        let error = Vault::open(VaultLocation::S3(s3_location)).await.unwrap_err();
        assert!(matches!(error, VaultError::AccessDenied { .. }), "unknown access key: {error:?}");
    })
}

/// A misspelt bucket is caught when the vault opens, rather than making
/// every blob look missing.
#[test]
fn a_missing_bucket_is_reported_when_the_vault_opens() {
    s3_runtime().block_on(async {
        let Some(mut s3_location) = s3_location("s3::a_missing_bucket_is_reported_when_the_vault_opens") else {
            return;
        };
        s3_location.bucket = format!("{}-misspelt", s3_location.bucket);
        let error = Vault::open(VaultLocation::S3(s3_location.clone())).await.unwrap_err();
        assert!(matches!(error, VaultError::Storage { .. }), "missing bucket: {error:?}");
        assert!(error.to_string().contains("NoSuchBucket"), "the message says the bucket is missing: {error}");
        assert!(error.to_string().contains(&s3_location.bucket), "the message names the bucket: {error}");
    })
}

/// Nothing listening at the endpoint is a prompt storage error, not a
/// hang.
#[test]
fn an_unreachable_endpoint_fails_promptly() {
    s3_runtime().block_on(async {
        let Some(mut s3_location) = s3_location("s3::an_unreachable_endpoint_fails_promptly") else { return };
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        s3_location.endpoint = format!("http://127.0.0.1:{port}");
        let error = tokio::time::timeout(Duration::from_secs(60), Vault::open(VaultLocation::S3(s3_location)))
            .await
            .expect("opening a vault at a closed port returns within a minute")
            .unwrap_err();
        assert!(matches!(error, VaultError::Storage { .. }), "closed port: {error:?}");
        assert!(error.to_string().contains(&format!("127.0.0.1:{port}")), "the message names the endpoint: {error}");
    })
}
