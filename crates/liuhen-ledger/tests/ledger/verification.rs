//! `liuhen verify`: a clean ledger verifies; each kind of damage done
//! behind the ledger's back is reported as exactly that damage.

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{MediaRecord, Role, User};
use liuhen_core::entry::{truncate_to_micros, EntryDraft};
use liuhen_core::id::{DisposalId, MediaId, UserId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::note::NoteError;
use liuhen_core::pack::RetentionKind;
use liuhen_core::retention::{DisposalApproval, DisposalList, Tombstone};
use liuhen_ledger::verify::{verify_blobs, verify_ledger, Notice, Problem, Report};
use liuhen_ledger::Ledger;
use liuhen_store::{MetaStore, StoredCheckpoint};
use liuhen_vault::{blob_key, Vault, VaultLocation};

use crate::support::{record_concurrently, record_each, signing_key, start, verifiers, verify, Database, ORIGIN};

on_every_backend!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    an_altered_action_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    an_altered_payload_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_deleted_entry_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    deleted_last_entries_are_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_forged_checkpoint_signature_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_forgery_past_a_gap_at_a_page_end_is_still_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    altered_and_missing_blobs_are_found(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    disposed_records_are_not_reported(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    media_rows_of_a_clean_ledger_verify(store),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_deleted_media_row_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_media_row_pointed_at_other_content_is_found(database),
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_media_row_added_behind_the_ledger_is_found(database),
);

/// A fresh ledger of 20 entries, checkpointed at 10 (and wherever the
/// interval fell) and at 20 when it shut down; verified clean.
async fn clean_ledger(database: &Database) -> (Ledger, Vec<StoredCheckpoint>) {
    let ledger = start(database.store.clone(), &signing_key()).await;
    record_each(&ledger, 0..10).await;
    ledger.checkpoint().await.unwrap();
    record_each(&ledger, 10..20).await;
    ledger.shutdown().await.unwrap();
    let checkpoints = database.store.checkpoints().await.unwrap();
    assert!(checkpoints.iter().any(|checkpoint| checkpoint.size == 10));
    assert_eq!(checkpoints.last().map(|checkpoint| checkpoint.size), Some(20));
    let report = verify(&database.store, &ledger).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.entries_checked, report.checkpoints_checked), (20, checkpoints.len() as u64));
    (ledger, checkpoints)
}

async fn an_altered_action_is_found(database: &Database) {
    let (ledger, checkpoints) = clean_ledger(database).await;
    assert_eq!(database.execute("UPDATE ledger_entries SET action = 'media.deleted' WHERE idx = 7").await, 1);
    let report = verify(&database.store, &ledger).await;
    // The tree rebuilt from the entries no longer matches any signed
    // checkpoint that covers the altered entry, and the entry no longer
    // hashes to its stored leaf (found when verify goes back to name it).
    let mut expected: Vec<Problem> = checkpoints
        .iter()
        .filter(|checkpoint| checkpoint.size > 7)
        .map(|checkpoint| Problem::CheckpointMismatch { size: checkpoint.size })
        .collect();
    expected.push(Problem::EntryAltered { index: 7 });
    assert_eq!(report.problems, expected);
    assert!(!report.ok());
}

async fn an_altered_payload_is_found(database: &Database) {
    let (ledger, _) = clean_ledger(database).await;
    let altered = r#"UPDATE ledger_entries SET payload = '{"number":7,"原因":"已删除"}' WHERE idx = 7"#;
    assert_eq!(database.execute(altered).await, 1);
    let report = verify(&database.store, &ledger).await;
    assert_eq!(report.problems, [Problem::PayloadAltered { index: 7 }]);
}

async fn a_deleted_entry_is_found(database: &Database) {
    let (ledger, _) = clean_ledger(database).await;
    assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 7").await, 1);
    let report = verify(&database.store, &ledger).await;
    // Its leaf survives in the tree, so the checkpoints still match.
    assert_eq!(report.problems, [Problem::EntryMissing { index: 7 }]);
    assert_eq!(report.entries_checked, 19);
}

async fn deleted_last_entries_are_found(database: &Database) {
    let (ledger, checkpoints) = clean_ledger(database).await;
    assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx >= 17").await, 3);
    let report = verify(&database.store, &ledger).await;
    let expected: Vec<_> = checkpoints
        .iter()
        .filter(|checkpoint| checkpoint.size > 17)
        .map(|checkpoint| Problem::LedgerTruncated { checkpoint_size: checkpoint.size, ledger_size: 17 })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(report.problems, expected);
}

async fn a_forged_checkpoint_signature_is_found(database: &Database) {
    let (ledger, checkpoints) = clean_ledger(database).await;
    let target = checkpoints.iter().find(|checkpoint| checkpoint.size == 10).unwrap();
    // The last line is `— <key name> <base64 key id and signature>`;
    // one base64 character well inside the signature is changed.
    let signature_start = target.signed_note.rfind(' ').unwrap() + 1;
    let position = signature_start + 30;
    let original = &target.signed_note[position..position + 1];
    let replacement = if original == "A" { "B" } else { "A" };
    let forged = format!("{}{}{}", &target.signed_note[..position], replacement, &target.signed_note[position + 1..]);
    let sql = format!("UPDATE ledger_checkpoints SET signed_note = '{}' WHERE size = 10", forged.replace('\'', "''"));
    assert_eq!(database.execute(&sql).await, 1);
    let report = verify(&database.store, &ledger).await;
    assert_eq!(
        report.problems,
        [Problem::CheckpointInvalid { size: 10, reason: NoteError::InvalidSignature { name: ORIGIN.into() }.to_string() }]
    );
}

/// Verification reads the ledger 8192 entries at a time. A row missing
/// at the very end of a page must not stop the tree from being rebuilt
/// from the surviving leaf: an entry altered later, together with its
/// stored leaf (so that it still matches its leaf), is then still found,
/// as signed checkpoints the rebuilt tree no longer matches.
async fn a_forgery_past_a_gap_at_a_page_end_is_still_found(database: &Database) {
    let ledger = Arc::new(start(database.store.clone(), &signing_key()).await);
    let recorded = record_concurrently(&ledger, 100, 83, 0).await;
    assert_eq!(recorded.len(), 8300);
    ledger.shutdown().await.unwrap();
    let checkpoints = database.store.checkpoints().await.unwrap();

    let mut forged = database.store.ledger_entry(8200).await.unwrap().unwrap().entry;
    forged.action = "media.deleted".into();
    assert_eq!(database.execute("UPDATE ledger_entries SET action = 'media.deleted' WHERE idx = 8200").await, 1);
    let leaf = database.bytes_literal(&forged.leaf_hash());
    assert_eq!(database.execute(&format!("UPDATE ledger_nodes SET hash = {leaf} WHERE level = 0 AND idx = 8200")).await, 1);
    assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 8191").await, 1);

    let report = verify(&database.store, &ledger).await;
    let mut expected = vec![Problem::EntryMissing { index: 8191 }];
    expected.extend(
        checkpoints
            .iter()
            .filter(|checkpoint| checkpoint.size > 8200)
            .map(|checkpoint| Problem::CheckpointMismatch { size: checkpoint.size }),
    );
    assert_eq!(report.problems, expected);
}

/// Makes a small real recording, photo and sound file with ffmpeg.
fn make_media(directory: &Path) -> Vec<std::path::PathBuf> {
    let recipes: [(&str, &[&str]); 3] = [
        ("DSJ_20261123_083000.mp4", &["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-c:v", "mpeg4"]),
        ("现场照片.jpg", &["-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "1"]),
        ("询问录音.wav", &["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]),
    ];
    recipes
        .iter()
        .map(|(name, arguments)| {
            let path = directory.join(name);
            let status = std::process::Command::new("ffmpeg")
                .args(["-hide_banner", "-loglevel", "error", "-y"])
                .args(*arguments)
                .arg(&path)
                .status()
                .expect("ffmpeg runs (install it: apt-get install ffmpeg)");
            assert!(status.success(), "ffmpeg could not make {name}");
            path
        })
        .collect()
}

async fn check_blobs(store: &Arc<dyn MetaStore>, vault: &Vault) -> Report {
    let mut report = Report::default();
    verify_blobs(store.as_ref(), vault, &mut report).await.expect("blob verification runs to the end");
    report
}

/// Stores each of `paths` in the vault and records its media record.
async fn store_media(ledger: &Ledger, vault: &Vault, paths: Vec<std::path::PathBuf>) -> Vec<MediaRecord> {
    let mut records = Vec::new();
    for path in paths {
        let stored = vault.put_file(&path).await.unwrap();
        let record = MediaRecord {
            id: MediaId::new(),
            sha256: stored.digests.sha256,
            sm3: stored.digests.sm3,
            size: stored.digests.size,
            original_name: Some(path.file_name().unwrap().to_string_lossy().into_owned()),
            stored_at: truncate_to_micros(Timestamp::now()),
            stored_by: "cli:值班员".into(),
            source_device: None,
        };
        let draft = EntryDraft::new("cli:值班员", action::MEDIA_STORED).subject(record.id.subject()).payload(
            serde_json::json!({"sha256": record.sha256, "sm3": record.sm3, "size": record.size, "original_name": record.original_name}),
        );
        ledger.record(draft, vec![Mutation::CreateMedia(record.clone())]).await.unwrap();
        records.push(record);
    }
    records
}

async fn altered_and_missing_blobs_are_found(store: Arc<dyn MetaStore>) {
    let WithMedia { ledger, vault, records, work } = WithMedia::stored(&store).await;
    let vault_root = work.path().join("vault");
    let report = check_blobs(&store, &vault).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.blobs_checked, 3);
    assert_eq!((report.vault_files_listed, report.notices.as_slice()), (3, &[][..]));

    // What a put killed after it published and before its entry leaves
    // (the vault's own publishing, with nothing recorded), and a file
    // dropped into the blob area by hand: each named, neither a problem.
    let unrecorded_file = work.path().join("未登记.mp4");
    std::fs::write(&unrecorded_file, b"published, never recorded").unwrap();
    let unrecorded = vault.put_file(&unrecorded_file).await.unwrap().digests.sha256;
    std::fs::write(vault_root.join("blobs").join(format!("{unrecorded}.copy")), b"by hand").unwrap();
    let report = check_blobs(&store, &vault).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.vault_files_listed, 5);
    let mut notices = report.notices.clone();
    notices.sort_by_key(ToString::to_string);
    assert_eq!(notices, [Notice::StrayFile { key: format!("blobs/{unrecorded}.copy") }, Notice::BlobUnrecorded { sha256: unrecorded }]);
    assert!(notices[1].to_string().contains("run it again"), "{}", notices[1]);
    std::fs::remove_file(vault_root.join("blobs").join(format!("{unrecorded}.copy"))).unwrap();
    store_media(&ledger, &vault, vec![unrecorded_file]).await;
    let report = check_blobs(&store, &vault).await;
    assert_eq!((report.blobs_checked, report.vault_files_listed, report.notices.as_slice()), (4, 4, &[][..]));

    // One byte of the recording flipped on disk (published blobs are
    // read-only, so as an intruder would, make it writable first), and
    // the sound file deleted.
    let [recording, photo, sound] = [&records[0], &records[1], &records[2]];
    let recording_path = vault_root.join(blob_key(&recording.sha256));
    let mut permissions = std::fs::metadata(&recording_path).unwrap().permissions();
    assert!(permissions.readonly(), "published blobs are read-only");
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&recording_path, permissions).unwrap();
    let mut bytes = std::fs::read(&recording_path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&recording_path, bytes).unwrap();
    std::fs::remove_file(vault_root.join(blob_key(&sound.sha256))).unwrap();

    let report = check_blobs(&store, &vault).await;
    assert_eq!(report.blobs_checked, 4);
    match report.problems.as_slice() {
        [Problem::BlobAltered { sha256, media_id, detail }, Problem::BlobMissing { sha256: missing, media_id: missing_id }] => {
            assert_eq!((sha256, media_id), (&recording.sha256, &recording.id));
            assert!(detail.contains("SHA-256 is now") && detail.contains("SM3 is now"), "{detail}");
            assert!(!detail.contains("size"), "the size did not change: {detail}");
            assert_eq!((missing, missing_id), (&sound.sha256, &sound.id));
        }
        other => panic!("expected the recording altered and the sound missing, got {other:?}"),
    }
    assert!(!report.problems.iter().any(|problem| problem.to_string().contains(&photo.sha256.to_hex())));
    // The ledger itself is untouched.
    ledger.checkpoint().await.unwrap();
    assert!(verify(&store, &ledger).await.ok());
}

/// Records disposed of at the end of their retention, from an approved
/// list, are not reported: neither the file deleted as approved, nor the
/// one whose deletion was interrupted and is still there. A record not
/// disposed of whose file is gone is still missing.
async fn disposed_records_are_not_reported(store: Arc<dyn MetaStore>) {
    let WithMedia { ledger, vault, records, work } = WithMedia::stored(&store).await;
    let vault_root = work.path().join("vault");
    let [recording, photo, sound] = [&records[0], &records[1], &records[2]];

    let leader = User {
        id: UserId::new(),
        login: "chenjing".into(),
        display_name: "陈静（中队长）".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        roles: vec![Role::UnitLeader],
        officer_id: None,
        disabled: false,
    };
    let list = DisposalList {
        id: DisposalId::new(),
        media: vec![photo.id, sound.id],
        proposed_at: truncate_to_micros(Timestamp::now()),
        proposed_by: "system:retention".into(),
        approval: None,
    };
    let approval = DisposalApproval {
        list: list.id,
        approver: leader.id,
        approver_name: leader.display_name.clone(),
        note: "巡查记录已超过保存期限，同意销毁".into(),
        at: truncate_to_micros(Timestamp::now()),
    };
    let record = |action: &str, subject: String, mutation: Mutation| {
        let draft = EntryDraft::new("cli:值班员", action).subject(subject).payload(serde_json::json!({"备注": "保存期限届满"}));
        ledger.record(draft, vec![mutation])
    };
    record(action::USER_CREATED, leader.id.subject(), Mutation::CreateUser(leader.clone())).await.unwrap();
    record(action::DISPOSAL_PROPOSED, list.id.subject(), Mutation::ProposeDisposal(Box::new(list.clone()))).await.unwrap();
    record(action::DISPOSAL_APPROVED, list.id.subject(), Mutation::ApproveDisposal(Box::new(approval))).await.unwrap();
    for media in [photo, sound] {
        let tombstone = Tombstone {
            media: media.clone(),
            list: list.id,
            approver: leader.id,
            class: Some(RetentionKind::Patrol),
            expired_at: truncate_to_micros(Timestamp::now()),
            disposed_at: truncate_to_micros(Timestamp::now()),
            disposed_by: "system:retention".into(),
        };
        record(action::MEDIA_DISPOSED, media.id.subject(), Mutation::DisposeMedia(Box::new(tombstone))).await.unwrap();
    }
    // The sound file deleted as approved; the photo's deletion
    // interrupted, so its file is still there. The recording, never
    // disposed of, deleted behind the ledger's back.
    std::fs::remove_file(vault_root.join(blob_key(&sound.sha256))).unwrap();
    std::fs::remove_file(vault_root.join(blob_key(&recording.sha256))).unwrap();

    let report = check_blobs(&store, &vault).await;
    assert_eq!(report.problems, [Problem::BlobMissing { sha256: recording.sha256, media_id: recording.id }]);
    assert_eq!((report.blobs_checked, report.blobs_disposed), (1, 2));
    assert_eq!(report.notices, [], "the photo's file is still a record's, disposed of or not");
    ledger.checkpoint().await.unwrap();
    // A record disposed of keeps its row, as its entry created it.
    let report = verify(&store, &ledger).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.media_records_checked, 3);
}

/// Runs `liuhen verify` as the binary does: the ledger (with the media
/// rows), then the blobs, into one report.
async fn verify_all(store: &Arc<dyn MetaStore>, ledger: &Ledger, vault: &Vault) -> Report {
    let mut report = Report::default();
    verify_ledger(store, &verifiers(ledger), ORIGIN, &mut report).await.expect("verification runs to the end");
    verify_blobs(store.as_ref(), vault, &mut report).await.expect("blob verification runs to the end");
    report
}

/// The index of the entry that created `media`.
async fn created_by(store: &dyn MetaStore, media: &MediaRecord) -> u64 {
    let entries = store.ledger_entries_about(&media.id.subject()).await.unwrap();
    entries.first().expect("an entry names the record").entry.index
}

/// A ledger with three stored files (a recording, a photo, a sound file)
/// in a vault of its own, verified clean.
struct WithMedia {
    ledger: Ledger,
    vault: Vault,
    records: Vec<MediaRecord>,
    work: tempfile::TempDir,
}

impl WithMedia {
    /// The ledger and vault, the three files stored and recorded.
    async fn stored(store: &Arc<dyn MetaStore>) -> WithMedia {
        let ledger = start(store.clone(), &signing_key()).await;
        let work = tempfile::tempdir().unwrap();
        let vault = Vault::open(VaultLocation::Filesystem(work.path().join("vault"))).await.unwrap();
        let originals = work.path().join("camera");
        std::fs::create_dir(&originals).unwrap();
        let records = store_media(&ledger, &vault, make_media(&originals)).await;
        WithMedia { ledger, vault, records, work }
    }
}

async fn with_media(store: &Arc<dyn MetaStore>) -> WithMedia {
    let with = WithMedia::stored(store).await;
    let report = verify_all(store, &with.ledger, &with.vault).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.media_records_checked, report.blobs_checked, report.notices.as_slice()), (3, 3, &[][..]));
    with
}

/// Puts a file into the vault the way a put does before it records it.
async fn put_unrecorded(with: &WithMedia, name: &str, bytes: &[u8]) -> ContentDigests {
    let path = with.work.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    with.vault.put_file(&path).await.unwrap().digests
}

/// Rows whose content a later entry states again (a file put in the vault,
/// then ingested), and a party copy whose entry names its source too,
/// all check out against the entries that created them.
async fn media_rows_of_a_clean_ledger_verify(store: Arc<dyn MetaStore>) {
    let with = with_media(&store).await;
    let recording = &with.records[0];
    let again = EntryDraft::new("cli:值班员", action::RECORDING_INGESTED).subject(recording.id.subject()).payload(
        serde_json::json!({"sha256": recording.sha256, "sm3": recording.sm3, "size": recording.size, "path_on_device": "DCIM/DSJ.mp4"}),
    );
    with.ledger.record(again, Vec::new()).await.unwrap();
    let copy_digests = put_unrecorded(&with, "当事人查阅副本.mp4", "已打码的副本".as_bytes()).await;
    let copy = MediaRecord {
        id: MediaId::new(),
        sha256: copy_digests.sha256,
        sm3: copy_digests.sm3,
        size: copy_digests.size,
        original_name: Some("当事人查阅副本.mp4".into()),
        stored_at: truncate_to_micros(Timestamp::now()),
        stored_by: "cli:法制员".into(),
        source_device: None,
    };
    let made = EntryDraft::new("cli:法制员", action::REDACTION_MADE).subject(copy.id.subject()).subject(recording.id.subject()).payload(
        serde_json::json!({"sha256": copy.sha256, "sm3": copy.sm3, "size": copy.size, "source": recording.id, "source_sha256": recording.sha256}),
    );
    with.ledger.record(made, vec![Mutation::CreateMedia(copy)]).await.unwrap();

    let report = verify_all(&store, &with.ledger, &with.vault).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.media_records_checked, report.blobs_checked, report.notices.as_slice()), (4, 4, &[][..]));
}

/// A media row deleted behind the store's back: the entry that created
/// the record names it, so it is a problem, and its file, which no row
/// names now, is not passed off as a put that stopped half way.
async fn a_deleted_media_row_is_found(database: &Database) {
    let with = with_media(&database.store).await;
    let photo = &with.records[1];
    let index = created_by(database.store.as_ref(), photo).await;
    assert_eq!(database.execute(&format!("DELETE FROM media WHERE id = '{}'", photo.id)).await, 1);

    let report = verify_all(&database.store, &with.ledger, &with.vault).await;
    assert_eq!(report.problems, [Problem::MediaRecordMissing { media_id: photo.id, sha256: photo.sha256, index }]);
    let said = report.problems[0].to_string();
    assert!(
        said.contains(&photo.id.to_string()) && said.contains(&photo.sha256.to_hex()) && said.contains(&format!("entry {index}")),
        "{said}"
    );
    assert_eq!((report.media_records_checked, report.blobs_checked), (2, 2));
    assert_eq!(report.notices, []);
    // Metadata only: checked with the ledger, so without the blobs too.
    assert_eq!(verify(&database.store, &with.ledger).await.problems, report.problems);
}

/// The coordinated swap: other content put in the vault, and a row
/// pointed at it (digests and size). Every blob still hashes to its row,
/// so only the entry that created the record shows the swap.
async fn a_media_row_pointed_at_other_content_is_found(database: &Database) {
    let with = with_media(&database.store).await;
    let recording = &with.records[0];
    let index = created_by(database.store.as_ref(), recording).await;
    let substitute = put_unrecorded(&with, "替换.mp4", "另一段视频，长度也不同".as_bytes()).await;
    let swap = format!(
        "UPDATE media SET sha256 = '{}', sm3 = '{}', size = {} WHERE id = '{}'",
        substitute.sha256.to_hex(),
        substitute.sm3.to_hex(),
        substitute.size,
        recording.id
    );
    assert_eq!(database.execute(&swap).await, 1);

    let report = verify_all(&database.store, &with.ledger, &with.vault).await;
    match report.problems.as_slice() {
        [Problem::MediaRecordAltered { media_id, sha256, index: found_index, detail }] => {
            assert_eq!((media_id, sha256, *found_index), (&recording.id, &recording.sha256, index));
            for part in [format!("SHA-256 {}", substitute.sha256), format!("SM3 {}", substitute.sm3), format!("size {}", substitute.size)] {
                assert!(detail.contains(&part), "{detail} should give {part}");
            }
        }
        other => panic!("expected the recording's row altered, got {other:?}"),
    }
    let said = report.problems[0].to_string();
    assert!(said.contains(&recording.id.to_string()) && said.contains(&recording.sha256.to_hex()), "{said}");
    assert_eq!(report.blobs_checked, 3, "the substitute hashes to the row that names it now");
    assert_eq!(report.notices, [], "the recording's own file is named by the problem, not a notice");

    // Only the SM3 changed: still the row against its entry.
    assert_eq!(
        database
            .execute(&format!(
                "UPDATE media SET sha256 = '{}', size = {} WHERE id = '{}'",
                recording.sha256.to_hex(),
                recording.size,
                recording.id
            ))
            .await,
        1
    );
    let report = verify(&database.store, &with.ledger).await;
    match report.problems.as_slice() {
        [Problem::MediaRecordAltered { detail, .. }] => assert_eq!(detail, &format!("SM3 {}", substitute.sm3)),
        other => panic!("expected the recording's SM3 altered, got {other:?}"),
    }
}

/// A row inserted behind the store's back, for a file in the vault: no
/// entry created it.
async fn a_media_row_added_behind_the_ledger_is_found(database: &Database) {
    let with = with_media(&database.store).await;
    let smuggled = put_unrecorded(&with, "夹带.mp4", "没有登记的文件".as_bytes()).await;
    let media_id = MediaId::new();
    let insert = format!(
        "INSERT INTO media (id, sha256, sm3, size, original_name, stored_at_us, stored_by) VALUES ('{media_id}', '{}', '{}', {}, '夹带.mp4', 0, 'cli:someone')",
        smuggled.sha256.to_hex(),
        smuggled.sm3.to_hex(),
        smuggled.size
    );
    assert_eq!(database.execute(&insert).await, 1);

    let report = verify_all(&database.store, &with.ledger, &with.vault).await;
    assert_eq!(report.problems, [Problem::MediaRecordUnrecorded { media_id, sha256: smuggled.sha256 }]);
    assert_eq!((report.media_records_checked, report.blobs_checked, report.notices.as_slice()), (4, 4, &[][..]));
}
