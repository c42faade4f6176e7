//! End-to-end tests of the `liuhen` binary: real processes, real files, a
//! real SQLite file and a real PostgreSQL database.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{random_bytes, text, Instance};

on_both_backends!(
    put_prove_and_verify,
    verify_finds_a_flipped_byte_in_a_blob,
    verify_finds_a_deleted_blob,
    verify_finds_an_edited_ledger_row,
    verify_finds_a_deleted_ledger_row,
    bad_input_is_refused_and_loses_nothing,
    killed_put_leaves_nothing_published_and_rerun_completes,
);

async fn put_prove_and_verify(postgres: bool) {
    let instance = Instance::new(postgres).await;
    let contents = random_bytes(3 << 20, 1);
    let file = instance.file("DSJ_A8001_35020011_20261120_093000.mp4", &contents);
    let first = instance.put(&file);
    assert_eq!(first["status"], "stored");
    let expected = liuhen_core::digest::ContentDigests::of_bytes(&contents);
    assert_eq!(first["sha256"], expected.sha256.to_hex());
    assert_eq!(first["sm3"], expected.sm3.to_hex());
    assert_eq!(first["size"], contents.len() as u64);
    assert!(instance.blob_path(&expected.sha256.to_hex()).exists());

    // Same content under another name: stored once, reported as present.
    let copy = instance.file("copy.mp4", &contents);
    let second = instance.put(&copy);
    assert_eq!(second["status"], "present");
    assert_eq!(second["media_id"], first["media_id"]);

    // A link named at the console is resolved (the vault itself never
    // follows one): the file it points to is read.
    let link = instance.dir.path().join("link.mp4");
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    let linked = instance.put(&link);
    assert_eq!((linked["status"].as_str(), &linked["media_id"]), (Some("present"), &first["media_id"]), "{linked}");

    // The entry that recorded it can be proved offline with the public key.
    let index = first["ledger_index"].as_u64().unwrap().to_string();
    let proof = instance.run(&["ledger", "proof", "--index", &index]);
    assert!(proof.status.success(), "{}", text(&proof));
    let entry = instance.run(&["ledger", "entry", "--index", &index]);
    assert!(entry.status.success());
    let entry_text = String::from_utf8(entry.stdout.clone()).unwrap();
    assert!(entry_text.contains("\"action\":\"media.stored\""), "{entry_text}");
    let key = instance.run(&["ledger", "public-key"]);
    let key = String::from_utf8(key.stdout).unwrap();
    let proof_file = instance.file("proof.txt", &proof.stdout);
    let entry_file = instance.file("entry.bin", &entry.stdout);
    let checked = instance.run(&[
        "ledger",
        "verify-proof",
        proof_file.to_str().unwrap(),
        "--key",
        key.trim(),
        "--entry",
        entry_file.to_str().unwrap(),
    ]);
    assert!(checked.status.success(), "{}", text(&checked));

    // A different entry's bytes do not pass with this proof.
    let other = instance.run(&["ledger", "entry", "--index", "0"]);
    let other_file = instance.file("other.bin", &other.stdout);
    let refused = instance.run(&[
        "ledger",
        "verify-proof",
        proof_file.to_str().unwrap(),
        "--key",
        key.trim(),
        "--entry",
        other_file.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));

    // Consistency from the first entry to now.
    let consistency = instance.run(&["ledger", "consistency", "--from", "1"]);
    assert!(consistency.status.success(), "{}", text(&consistency));
    let consistency_file = instance.file("consistency.txt", &consistency.stdout);
    let checked = instance.run(&["ledger", "verify-proof", consistency_file.to_str().unwrap(), "--key", key.trim()]);
    assert!(checked.status.success(), "{}", text(&checked));

    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

async fn stored_instance(postgres: bool) -> (Instance, String, String) {
    let instance = Instance::new(postgres).await;
    for seed in 0..3 {
        let file = instance.file(&format!("clip{seed}.mp4"), &random_bytes(200_000, seed));
        instance.put(&file);
    }
    let target = instance.file("target.mp4", &random_bytes(500_000, 99));
    let stored = instance.put(&target);
    let (ok, report) = instance.verify();
    assert!(ok, "a fresh instance verifies: {report}");
    (instance, stored["sha256"].as_str().unwrap().to_owned(), stored["media_id"].as_str().unwrap().to_owned())
}

async fn verify_finds_a_flipped_byte_in_a_blob(postgres: bool) {
    let (instance, sha256, media_id) = stored_instance(postgres).await;
    let path = instance.blob_path(&sha256);
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[1234] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let (ok, report) = instance.verify();
    assert!(!ok);
    assert!(report.contains(&sha256) && report.contains(&media_id) && report.contains("altered"), "{report}");
}

async fn verify_finds_a_deleted_blob(postgres: bool) {
    let (instance, sha256, media_id) = stored_instance(postgres).await;
    std::fs::remove_file(instance.blob_path(&sha256)).unwrap();
    let (ok, report) = instance.verify();
    assert!(!ok);
    assert!(report.contains(&sha256) && report.contains(&media_id) && report.contains("missing"), "{report}");
}

async fn verify_finds_an_edited_ledger_row(postgres: bool) {
    let (instance, _, _) = stored_instance(postgres).await;
    instance.tamper("UPDATE ledger_entries SET actor = 'cli:someone-else' WHERE idx = 4").await;
    let (ok, report) = instance.verify();
    assert!(!ok);
    assert!(report.contains("ledger entry 4 was altered"), "{report}");
}

async fn verify_finds_a_deleted_ledger_row(postgres: bool) {
    let (instance, _, _) = stored_instance(postgres).await;
    instance.tamper("DELETE FROM ledger_entries WHERE idx = 3").await;
    let (ok, report) = instance.verify();
    assert!(!ok);
    assert!(report.contains("ledger entry 3 is missing"), "{report}");
}

async fn bad_input_is_refused_and_loses_nothing(postgres: bool) {
    let instance = Instance::new(postgres).await;
    let good = instance.file("good.mp4", &random_bytes(10_000, 5));
    let missing = instance.dir.path().join("no-such-file.mp4");
    let output = instance.run(&["vault", "put", good.to_str().unwrap(), missing.to_str().unwrap(), instance.dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let message = text(&output);
    assert!(message.contains("no such file"), "{message}");
    assert!(message.contains("is a directory"), "{message}");
    assert!(message.contains("2 of 3 file(s) were not stored"), "{message}");
    // The good file in the same command was stored.
    let again = instance.put(&good);
    assert_eq!(again["status"], "present");
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");

    // A file this user may not read (as the tests run as root, without
    // root's power to read it anyway): refused with what to check, and
    // nothing of it is kept.
    let unreadable = instance.file("locked.mp4", &random_bytes(20_000, 6));
    std::fs::set_permissions(&unreadable, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let blobs_before = walk(&instance.data().join("vault/blobs")).len();
    let output = instance.run_unprivileged(&["vault", "put", unreadable.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let message = text(&output);
    assert!(message.contains("cannot read") && message.contains("permission") && message.contains("locked.mp4"), "{message}");
    assert_eq!(walk(&instance.data().join("vault/blobs")).len(), blobs_before, "nothing stored");
    assert!(walk(&instance.data().join("vault/tmp")).is_empty(), "nothing left half-written");
    let (ok, report) = instance.verify();
    assert!(ok && !report.contains("NOTICE"), "{report}");

    // A database that cannot be reached gets a sentence, not a panic.
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["verify"])
        .env("LIUHEN_DATA", instance.data())
        .env("LIUHEN_DATABASE_URL", "postgres://postgres:secret@127.0.0.1:1/liuhen")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output);
    assert!(message.contains("cannot reach the database") && !message.contains("secret"), "{message}");

    // A directory without an instance.
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", instance.dir.path().join("nothing").to_str().unwrap(), "verify"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("liuhen init"), "{}", text(&output));
}

async fn killed_put_leaves_nothing_published_and_rerun_completes(postgres: bool) {
    let instance = Instance::new(postgres).await;
    let size = 384 << 20;
    let big = instance.file("big.mp4", &random_bytes(size, 7));
    let tmp = instance.data().join("vault/tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["vault", "put", "--json", big.to_str().unwrap()])
        .env("LIUHEN_DATA", instance.data())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it as soon as the copy has started.
    let started = std::time::Instant::now();
    loop {
        let copying =
            std::fs::read_dir(&tmp).unwrap().filter_map(Result::ok).any(|entry| entry.metadata().map(|m| m.len() > 0).unwrap_or(false));
        if copying || started.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let blobs = instance.data().join("vault/blobs");
    let published: Vec<_> = walk(&blobs);
    assert!(published.is_empty(), "a killed put published {published:?}");
    let entries = instance.run(&["ledger", "entry", "--index", "3"]);
    assert!(!entries.status.success(), "a killed put recorded an entry: {}", text(&entries));

    // Running it again completes the job.
    let stored = instance.put(&big);
    assert_eq!(stored["status"], "stored");
    assert_eq!(walk(&blobs).len(), 1);
    let swept = instance.run(&["vault", "sweep", "--older-than-hours", "0"]);
    assert!(swept.status.success());
    assert!(walk(&tmp).is_empty(), "sweep removes the killed put's leftovers");
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
    assert!(!report.contains("NOTICE"), "{report}");

    // Killed after it published, before its entry was committed: the
    // vault's own publishing with nothing recorded, as such a kill leaves
    // it. Verify names the file without failing; running the put again
    // records it (stored, not "present").
    let second = instance.file("second.mp4", &random_bytes(1 << 20, 8));
    let vault = liuhen_vault::Vault::open(liuhen_vault::VaultLocation::Filesystem(instance.data().join("vault"))).await.unwrap();
    let published = vault.put_file(&second).await.unwrap().digests.sha256;
    let (ok, report) = instance.verify();
    assert!(ok, "a blob without a record alters no evidence: {report}");
    assert!(report.contains(&format!("提示 NOTICE: blob {published} is in the vault but no record names it")), "{report}");
    let stored = instance.put(&second);
    assert_eq!((stored["status"].as_str(), stored["sha256"].as_str()), (Some("stored"), Some(published.to_hex().as_str())));
    assert!(stored["ledger_index"].as_u64().is_some(), "{stored}");
    let (ok, report) = instance.verify();
    assert!(ok && !report.contains("NOTICE"), "{report}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// `liuhen init` with an S3 vault named in `LIUHEN_VAULT__*` that cannot
/// be reached fails before it creates anything, so the same command can
/// simply be run again once the store is right.
#[test]
fn init_checks_the_vault_it_is_given_before_creating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "secret\n").unwrap();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", data.to_str().unwrap(), "init", "--agency-name", "测试局", "--agency-code", "test"])
        .env("LIUHEN_VAULT__URL", "s3://evidence")
        .env("LIUHEN_VAULT__ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("LIUHEN_VAULT__REGION", "garage")
        .env("LIUHEN_VAULT__ACCESS_KEY_ID", "GK0000")
        .env("LIUHEN_VAULT__SECRET_ACCESS_KEY_FILE", &secret)
        .env_remove("LIUHEN_DATABASE_URL")
        .env_remove("LIUHEN_DATA")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("evidence vault"), "the message says what could not be opened: {}", text(&output));
    assert!(!data.exists(), "nothing was created");
}

/// `liuhen init` opens the database it is given before it creates
/// anything: a server that is not there, or a database the server does not
/// have, stops it with a sentence saying what to correct (without the
/// password), and leaves the data directory as it was, so the same command
/// with the setting corrected then succeeds. So does an origin that cannot
/// name the ledger's key.
#[tokio::test(flavor = "multi_thread")]
async fn init_checks_the_database_it_is_given_before_creating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["--data", data.to_str().unwrap(), "init", "--agency-name", "测试局", "--agency-code", "test"])
            .args(extra)
            .env_remove("LIUHEN_DATABASE_URL")
            .env_remove("LIUHEN_DATA")
            .env_remove("LIUHEN_ADMIN_PASSWORD")
            .output()
            .unwrap()
    };

    // Nothing listens on port 1.
    let output = init(&["--database-url", "postgres://postgres:secret@127.0.0.1:1/x"]);
    let message = text(&output);
    assert!(!output.status.success(), "{message}");
    assert!(message.contains("cannot reach the database at postgres://postgres:***@127.0.0.1:1/x"), "{message}");
    assert!(message.contains("nothing was created") && message.contains("--database-url"), "{message}");
    assert!(!message.contains("secret"), "the password is not printed: {message}");
    assert!(!data.exists(), "nothing was created");

    // The server answers but has no such database; the data directory was
    // made beforehand (by whoever set up the machine) and stays empty.
    std::fs::create_dir(&data).unwrap();
    let admin = std::env::var("LIUHEN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let (server, _) = admin.rsplit_once('/').expect("the test URL names a database");
    let server = server.replacen("://postgres@", "://postgres:secret@", 1);
    let output = init(&["--database-url", &format!("{server}/liuhen_no_such_database")]);
    let message = text(&output);
    assert!(!output.status.success(), "{message}");
    assert!(message.contains("does not exist") && message.contains("createdb"), "{message}");
    assert!(message.contains("nothing was created") && message.contains("--database-url"), "{message}");
    assert!(!message.contains("secret"), "the password is not printed: {message}");
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0, "nothing was created in {}", data.display());

    // An origin with a space cannot name the signing key.
    let database = liuhen_store::postgres::testing::TestDatabase::create().await.unwrap();
    let output = init(&["--database-url", &database.url, "--origin", "liuhen local"]);
    let message = text(&output);
    assert!(!output.status.success(), "{message}");
    assert!(message.contains("origin `liuhen local`") && message.contains("--origin"), "{message}");
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0, "nothing was created in {}", data.display());

    // The same command with a database that is there.
    let output = init(&["--database-url", &database.url]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(data.join("liuhen.toml").exists() && data.join("keys/ledger-ed25519.pem").exists());
    let verified = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", data.to_str().unwrap(), "verify"])
        .env_remove("LIUHEN_DATABASE_URL")
        .env_remove("LIUHEN_DATA")
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", text(&verified));
}

/// `liuhen ledger checkpoint` prints a signed checkpoint of the whole
/// ledger: the C2SP tlog-checkpoint body (origin, size, base64 root), a
/// blank line and the signature of the key `ledger public-key` prints,
/// which verifies it. Its size is the ledger's, and its root the Merkle
/// root of the entries `ledger entry` prints.
#[tokio::test(flavor = "multi_thread")]
async fn ledger_checkpoint_prints_the_signed_head_of_the_whole_ledger() {
    let instance = Instance::new(false).await;
    let stored = instance.put(&instance.file("clip.mp4", &random_bytes(50_000, 11)));
    let output = instance.run(&["ledger", "checkpoint"]);
    assert!(output.status.success(), "{}", text(&output));
    let note = String::from_utf8(output.stdout).unwrap();

    let (body, signatures) = note.split_once("\n\n").unwrap_or_else(|| panic!("no blank line before the signatures: {note:?}"));
    let lines: Vec<&str> = body.split('\n').collect();
    let [origin, size, root] = lines.as_slice() else { panic!("the body is origin, size, root: {note:?}") };
    assert_eq!(*origin, "liuhen.local/xiamen-cgj");
    assert!(size.parse::<u64>().is_ok_and(|number| number.to_string() == *size), "the size in decimal: {note:?}");
    assert!(root.len() == 44 && root.ends_with('='), "a 32-byte root in base64: {note:?}");
    let signatures: Vec<&str> = signatures.lines().collect();
    assert_eq!(signatures.len(), 1, "one key signs: {note:?}");
    assert!(signatures[0].starts_with("\u{2014} liuhen.local/xiamen-cgj "), "{note:?}");

    let key = instance.run(&["ledger", "public-key"]);
    assert!(key.status.success(), "{}", text(&key));
    let verifier = liuhen_core::note::NoteVerifier::from_vkey(String::from_utf8(key.stdout).unwrap().trim()).unwrap();
    let opened = liuhen_core::note::open_note(&note, &[verifier]).unwrap_or_else(|error| panic!("{error}: {note:?}"));
    assert_eq!((opened.verified_by, opened.unknown_signatures), (vec![origin.to_string()], 0));
    let checkpoint = liuhen_core::note::Checkpoint::parse(&opened.text).unwrap();

    let store = liuhen_store::open(&instance.data().join("liuhen.db").display().to_string()).await.unwrap();
    let ledger_size = store.ledger_size().await.unwrap();
    assert_eq!(checkpoint.size, ledger_size, "{note:?}");
    assert!(ledger_size > stored["ledger_index"].as_u64().unwrap(), "the put's entry is covered");
    let mut tree = liuhen_core::merkle::Frontier::new();
    for index in 0..ledger_size {
        let entry = instance.run(&["ledger", "entry", "--index", &index.to_string()]);
        assert!(entry.status.success(), "{}", text(&entry));
        tree.push(liuhen_core::merkle::leaf_hash(&entry.stdout));
    }
    assert_eq!(checkpoint.root, tree.root(), "{note:?}");
}

/// `liuhen --config FILE init` takes the instance's settings from the
/// file: the instance records them in its own liuhen.toml and keeps its
/// database, its blobs, its pack and its address afterwards, without the
/// file.
#[tokio::test(flavor = "multi_thread")]
async fn init_takes_its_settings_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let evidence = dir.path().join("evidence");
    let database = liuhen_store::postgres::testing::TestDatabase::create().await.unwrap();
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        format!(
            "database_url = \"{}\"\n[vault]\nurl = \"file://{}\"\n[server]\nlisten = \"0.0.0.0:18080\"\n\
             secure_cookies = true\nsession_hours = 8\n[compliance]\npack = \"xiamen-cgj\"\n",
            database.url,
            evidence.display()
        ),
    )
    .unwrap();
    let liuhen = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(args)
            .env("LIUHEN_ADMIN_PASSWORD", "correct horse battery")
            .env_remove("LIUHEN_DATABASE_URL")
            .env_remove("LIUHEN_DATA")
            .env_remove("LIUHEN_VAULT__URL")
            .output()
            .unwrap()
    };
    let data_arg = data.to_str().unwrap();
    let init =
        liuhen(&["--data", data_arg, "--config", site.to_str().unwrap(), "init", "--agency-name", "测试局", "--agency-code", "test"]);
    assert!(init.status.success(), "{}", text(&init));
    assert!(text(&init).contains(&evidence.display().to_string()), "init names the vault it set up: {}", text(&init));
    assert!(text(&init).contains("postgres://"), "and the database: {}", text(&init));
    let recorded = std::fs::read_to_string(data.join("liuhen.toml")).unwrap();
    assert!(recorded.contains(&format!("file://{}", evidence.display())), "{recorded}");
    assert!(recorded.contains(&database.url) && recorded.contains("0.0.0.0:18080"), "{recorded}");
    assert!(!data.join("liuhen.db").exists(), "no SQLite database beside the one the file names");
    let packs = liuhen(&["--data", data_arg, "pack", "list"]);
    assert!(packs.status.success(), "{}", text(&packs));
    let in_force = text(&packs).lines().find(|line| line.contains("当前 in force")).map(str::to_owned);
    assert!(in_force.as_deref().is_some_and(|line| line.starts_with("xiamen-cgj")), "the file's pack is in force: {}", text(&packs));

    let clip = dir.path().join("clip.bin");
    std::fs::write(&clip, random_bytes(4096, 7)).unwrap();
    let put = liuhen(&["--data", data_arg, "vault", "put", "--json", clip.to_str().unwrap()]);
    assert!(put.status.success(), "{}", text(&put));
    let stored: serde_json::Value = serde_json::from_slice(&put.stdout).unwrap();
    let sha256 = stored["sha256"].as_str().or(stored[0]["sha256"].as_str()).unwrap_or_else(|| panic!("{stored}")).to_owned();
    assert!(evidence.join("blobs").join(&sha256[0..2]).join(&sha256[2..4]).join(&sha256).exists(), "the blob is in the file's vault");
    assert!(!data.join("vault/blobs").exists(), "and not in the data directory");
}

/// `liuhen bench vault` runs a warm round and a cold round on the file it
/// is given, stores what it read (the digests it prints are the file's),
/// and leaves no scratch files behind. Its timings are not checked.
#[test]
fn bench_vault_measures_both_rounds_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.bin");
    let contents = random_bytes(3 << 20, 7);
    std::fs::write(&file, &contents).unwrap();
    let expected = liuhen_core::digest::ContentDigests::of_bytes(&contents);
    let scratch = dir.path().join("scratch");
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", dir.path().join("data").to_str().unwrap(), "bench", "vault"])
        .arg(&file)
        .arg("--scratch")
        .arg(&scratch)
        .output()
        .unwrap();
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    for line in ["source warm", "source cold", "SM3 alone", "ratio put / cp"] {
        assert!(report.contains(line), "{line} is missing from: {report}");
    }
    let digests = format!("sha256 {}  sm3 {}", expected.sha256.to_hex(), expected.sm3.to_hex());
    assert_eq!(report.matches(&digests).count(), 2, "one put per round: {report}");
    assert!(!scratch.exists(), "the scratch directory is removed");

    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["bench", "vault", "--cache", "cold", "--scratch"])
        .arg(&scratch)
        .arg(dir.path().join("missing.bin"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("missing.bin"), "{}", text(&output));
}

/// An instance made with SM2 co-signing (`init --sm2`, here through its
/// setting) signs every checkpoint with both keys; a proof verifies
/// offline with either, and `liuhen verify` finds a stored checkpoint
/// whose SM2 signature was taken away.
#[tokio::test(flavor = "multi_thread")]
async fn sm2_cosigned_checkpoints_verify_with_either_key_and_lack_neither() {
    use base64::Engine;
    let instance = Instance::new_with(false, &[("LIUHEN_LEDGER__COSIGN_SM2", "true")]).await;
    let stored = instance.put(&instance.file("clip.mp4", &random_bytes(40_000, 12)));

    let keys = String::from_utf8(instance.run(&["ledger", "public-key"]).stdout).unwrap();
    let keys: Vec<&str> = keys.lines().collect();
    assert_eq!(keys.len(), 2, "an Ed25519 and an SM2 verifier key: {keys:?}");
    // `<name>+<key id>+<base64>`, and base64 may hold `+` itself.
    let decoded = |vkey: &str| base64::engine::general_purpose::STANDARD.decode(vkey.splitn(3, '+').nth(2).unwrap()).unwrap();
    let (sm2, ed25519): (Vec<&str>, Vec<&str>) = keys.iter().partition(|vkey| decoded(vkey)[0] == 0xff);
    assert_eq!((sm2.len(), ed25519.len()), (1, 1), "{keys:?}");
    let sm2_key_id = u32::from_str_radix(sm2[0].split('+').nth(1).unwrap(), 16).unwrap().to_be_bytes();

    let checkpoint = String::from_utf8(instance.run(&["ledger", "checkpoint"]).stdout).unwrap();
    let signatures = checkpoint.split_once("\n\n").unwrap().1.lines().count();
    assert_eq!(signatures, 2, "{checkpoint}");

    let index = stored["ledger_index"].as_u64().unwrap().to_string();
    let proof = instance.file("proof.txt", &instance.run(&["ledger", "proof", "--index", &index]).stdout);
    let entry = instance.file("entry.bin", &instance.run(&["ledger", "entry", "--index", &index]).stdout);
    for key in [sm2[0], ed25519[0]] {
        let checked = instance.run(&["ledger", "verify-proof", proof.to_str().unwrap(), "--key", key, "--entry", entry.to_str().unwrap()]);
        assert!(checked.status.success(), "{key}: {}", text(&checked));
    }
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");

    // Every stored checkpoint loses its SM2 signature line.
    let url = format!("sqlite://{}", instance.data().join("liuhen.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let notes: Vec<(i64, String)> = sqlx::query_as("SELECT size, signed_note FROM ledger_checkpoints").fetch_all(&pool).await.unwrap();
    assert!(!notes.is_empty());
    for (size, note) in notes {
        let (body, lines) = note.split_once("\n\n").unwrap();
        let kept: Vec<&str> = lines
            .lines()
            .filter(|line| {
                let signature = base64::engine::general_purpose::STANDARD.decode(line.rsplit(' ').next().unwrap()).unwrap();
                signature[..4] != sm2_key_id
            })
            .collect();
        assert_eq!(kept.len(), 1, "{note}");
        let stripped = format!("{body}\n\n{}\n", kept[0]);
        sqlx::query("UPDATE ledger_checkpoints SET signed_note = ? WHERE size = ?").bind(stripped).bind(size).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let (ok, report) = instance.verify();
    assert!(!ok && report.contains("SM2"), "{report}");
}
