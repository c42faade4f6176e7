//! The filesystem backend: the shared behaviour, and what only a local
//! disk can show (file modes, a full disk).

use std::os::unix::fs::PermissionsExt;

use liuhen_core::digest::ContentDigests;
use liuhen_vault::VaultError;

use crate::behaviour;
use crate::support::{note, pseudo_random_bytes, TestVault, TmpfsMount};

#[tokio::test]
async fn stores_files_once_under_their_digests() {
    behaviour::stores_files_once_under_their_digests(&TestVault::filesystem().await).await;
}

#[tokio::test]
async fn refuses_what_is_not_a_readable_file() {
    behaviour::refuses_what_is_not_a_readable_file(&TestVault::filesystem().await).await;
}

#[tokio::test]
async fn refuses_a_file_that_grows_while_it_is_read() {
    behaviour::refuses_a_file_that_grows_while_it_is_read(&TestVault::filesystem().await).await;
}

#[tokio::test]
async fn refuses_a_file_rewritten_in_place_while_it_is_read() {
    behaviour::refuses_a_file_rewritten_in_place_while_it_is_read(&TestVault::filesystem().await).await;
}

#[tokio::test]
async fn sweep_removes_interrupted_puts_and_nothing_else() {
    behaviour::sweep_removes_interrupted_puts_and_nothing_else(&TestVault::filesystem().await).await;
}

/// A blob is a read-only file at blobs/<2 hex>/<2 hex>/<sha256>, so a
/// stray `cp` or editor cannot change evidence in place.
#[tokio::test]
async fn publishes_a_read_only_file_at_its_content_address() {
    let test_vault = TestVault::filesystem().await;
    let root = test_vault.root.clone().unwrap();
    let files = tempfile::tempdir().unwrap();
    let evidence = files.path().join("statement.pdf");
    let content = pseudo_random_bytes(3, 2 * 1024 * 1024 + 1);
    std::fs::write(&evidence, &content).unwrap();

    let outcome = test_vault.vault.put_file(&evidence).await.unwrap();
    let hex = ContentDigests::of_bytes(&content).sha256.to_hex();
    let published = root.join("blobs").join(&hex[0..2]).join(&hex[2..4]).join(&hex);
    assert_eq!(outcome.digests.sha256.to_hex(), hex);
    assert!(std::fs::read(&published).unwrap() == content, "the published file holds the content");
    let mode = std::fs::metadata(&published).unwrap().permissions().mode();
    assert_eq!(mode & 0o222, 0, "the published file is read-only (mode {mode:o})");
    assert_eq!(std::fs::read_dir(root.join("tmp")).unwrap().count(), 0, "tmp/ is empty");
}

/// An upload hashed as it arrived is moved in, not copied; the same
/// content a second time is recognised and the extra file removed.
#[tokio::test]
async fn adopts_a_file_hashed_by_its_writer() {
    let test_vault = TestVault::filesystem().await;
    let root = test_vault.root.clone().unwrap();
    let uploads = root.join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    let content = pseudo_random_bytes(9, 1024 * 1024 + 3);
    let digests = ContentDigests::of_bytes(&content);
    let upload = uploads.join("one.part");
    std::fs::write(&upload, &content).unwrap();

    let wrong_size = ContentDigests { size: digests.size + 1, ..digests };
    assert!(test_vault.vault.adopt_file(&upload, wrong_size).await.unwrap().is_none(), "a size that does not match is not adopted");
    assert!(upload.exists());

    let outcome = test_vault.vault.adopt_file(&upload, digests).await.unwrap().expect("adopted on the same filesystem");
    assert!(outcome.newly_stored);
    assert!(!upload.exists(), "moved, not copied");
    assert_eq!(test_vault.vault.rehash(&digests.sha256).await.unwrap(), digests);

    let again = uploads.join("two.part");
    std::fs::write(&again, &content).unwrap();
    let outcome = test_vault.vault.adopt_file(&again, digests).await.unwrap().unwrap();
    assert!(!outcome.newly_stored);
    assert!(!again.exists());
    assert_eq!(std::fs::read_dir(root.join("tmp")).unwrap().count(), 0, "tmp/ is empty");
}

/// A full disk is reported as such, and the partial copy is removed.
#[tokio::test]
async fn a_full_disk_stores_nothing() {
    let Some(tmpfs) = TmpfsMount::new("2m") else {
        note("the disk-full test could not run here: mounting a tmpfs is not permitted");
        return;
    };
    let test_vault = TestVault::filesystem_at(tmpfs.directory.path()).await;
    let files = tempfile::tempdir().unwrap();
    let evidence = files.path().join("interview.wav");
    std::fs::write(&evidence, pseudo_random_bytes(5, 5 * 1024 * 1024)).unwrap();

    let error = test_vault.vault.put_file(&evidence).await.unwrap_err();
    assert!(matches!(error, VaultError::StorageFull { .. }), "5 MiB into 2 MiB: {error:?}");
    assert_eq!(test_vault.objects_under("tmp/").await, Vec::<String>::new(), "the partial copy is removed");
    assert_eq!(test_vault.objects_under("blobs/").await, Vec::<String>::new(), "nothing was published");
    drop(test_vault);
    drop(tmpfs);
}
