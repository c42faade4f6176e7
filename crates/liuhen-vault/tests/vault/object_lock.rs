//! Object Lock against a server that keeps it (moto's S3 server; see
//! `liuhen_vault::object_lock::testing`).

use jiff::{SignedDuration, Timestamp};
use liuhen_vault::object_lock::testing::LockingServer;
use liuhen_vault::object_lock::ObjectLockSupport;
use liuhen_vault::{Vault, VaultLocation};

use crate::support::{pseudo_random_bytes, s3_runtime};

/// A bucket created with Object Lock is reported as such; a blob's
/// retain-until date (compliance mode) and legal hold are set on the
/// object itself, and the server then refuses to delete the stored
/// version — while the hold is on, and after it is lifted, until the
/// date. A bucket without Object Lock is reported as such, and a lock
/// asked of it is an error.
#[test]
fn retention_and_legal_holds_are_kept_by_the_server() {
    s3_runtime().block_on(async {
        let Some(server) = LockingServer::start("object_lock::retention_and_legal_holds_are_kept_by_the_server").await else {
            return;
        };
        let locked = server.create_bucket("evidence", true).await;
        let vault = Vault::open(VaultLocation::S3(locked.clone())).await.expect("a vault opens on the locked bucket");
        let support = vault.object_lock_support().await.unwrap();
        assert_eq!(support, ObjectLockSupport::Enabled { default_retention: None });
        assert!(support.describe().starts_with("object lock: enabled"), "{}", support.describe());

        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("clip.bin");
        std::fs::write(&path, pseudo_random_bytes(11, 100_000)).unwrap();
        let outcome = vault.put_file(&path).await.expect("a put into a locked bucket");
        let sha256 = outcome.digests.sha256;
        let before = server.lock_state(&locked, &sha256).await;
        assert_eq!(before.mode, None, "nothing is locked before Liuhen asks: {before:?}");

        let until = Timestamp::now() + SignedDuration::from_hours(24 * 30);
        assert!(vault.lock_blob(&sha256, Some(until), Some(true)).await.expect("the lock is set"), "the blob is there");
        let state = server.lock_state(&locked, &sha256).await;
        assert_eq!(state.mode.as_deref(), Some("COMPLIANCE"), "{state:?}");
        let kept_until = state.retain_until.clone().expect("a retain-until date");
        assert!(kept_until.starts_with(&until.strftime("%Y-%m-%d").to_string()), "{kept_until} vs {until}");
        assert_eq!(state.legal_hold.as_deref(), Some("ON"), "{state:?}");
        let version = state.version_id.expect("a versioned bucket names the version");
        assert_eq!(server.delete_version(&locked, &sha256, &version).await, 403, "a held object cannot be deleted");

        // The hold lifted, the date still holds it.
        assert!(vault.lock_blob(&sha256, None, Some(false)).await.expect("the hold is lifted"));
        assert_eq!(server.lock_state(&locked, &sha256).await.legal_hold.as_deref(), Some("OFF"));
        assert_eq!(server.delete_version(&locked, &sha256, &version).await, 403, "an object before its date cannot be deleted");
        assert_eq!(vault.rehash(&sha256).await.unwrap(), outcome.digests, "the blob is intact");
        // A blob the bucket does not have is said so, not an error: the
        // lock pass goes on with the others (`verify` names it).
        let absent = liuhen_core::digest::sha256(b"never stored");
        assert!(!vault.lock_blob(&absent, Some(until), Some(true)).await.expect("an answer"), "no such blob");

        // A default retention rule is reported with what it does to uploads.
        let ruled = server.create_bucket("ruled", true).await;
        server.set_default_retention(&ruled, 1).await;
        let vault = Vault::open(VaultLocation::S3(ruled)).await.expect("a vault opens on the ruled bucket");
        let support = vault.object_lock_support().await.unwrap();
        assert_eq!(support, ObjectLockSupport::Enabled { default_retention: Some("COMPLIANCE 1 days".into()) });
        assert!(support.describe().contains("remove the default rule"), "{}", support.describe());
        assert!(vault.put_file(&path).await.is_err(), "the store refuses uploads without a checksum, as the message says");

        let plain = server.create_bucket("plain", false).await;
        let vault = Vault::open(VaultLocation::S3(plain)).await.expect("a vault opens on the plain bucket");
        assert_eq!(vault.object_lock_support().await.unwrap(), ObjectLockSupport::NotEnabled);
        let outcome = vault.put_file(&path).await.unwrap();
        assert!(
            vault.lock_blob(&outcome.digests.sha256, Some(until), Some(true)).await.is_err(),
            "a lock the bucket cannot keep is an error"
        );
    })
}
