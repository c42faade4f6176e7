//! Test vaults, test files, and a second view of the storage that the
//! tests use to see what the vault left behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use liuhen_vault::{S3Location, Vault, VaultLocation};
use opendal::Operator;
use tempfile::TempDir;

/// A vault plus an independent OpenDAL operator on the same storage,
/// so tests can list what is really there.
pub struct TestVault {
    pub vault: Vault,
    storage: Operator,
    /// The vault's root on the filesystem backend.
    pub root: Option<PathBuf>,
    _root_directory: Option<TempDir>,
}

impl TestVault {
    /// A filesystem vault in a fresh temporary directory.
    pub async fn filesystem() -> TestVault {
        let root_directory = tempfile::tempdir().expect("a temporary directory");
        let mut test_vault = TestVault::filesystem_at(root_directory.path()).await;
        test_vault._root_directory = Some(root_directory);
        test_vault
    }

    /// A filesystem vault rooted at an existing directory.
    pub async fn filesystem_at(root: &Path) -> TestVault {
        let vault = Vault::open(VaultLocation::Filesystem(root.to_owned())).await.expect("a filesystem vault opens");
        let storage = Operator::new(opendal::services::Fs::default().root(&root.to_string_lossy())).expect("an fs operator").finish();
        TestVault { vault, storage, root: Some(root.to_owned()), _root_directory: None }
    }

    /// An S3 vault under a prefix of its own in the test bucket, or
    /// `None` (after saying so) when no S3 test storage is configured.
    pub async fn s3(test_name: &str) -> Option<TestVault> {
        let mut s3_location = s3_location(test_name)?;
        s3_location.prefix = format!("liuhen-vault-tests/{}-{}", test_name.replace("::", "-"), uuid::Uuid::now_v7());
        let vault = Vault::open(VaultLocation::S3(s3_location.clone())).await.expect("the S3 test vault opens");
        Some(TestVault { vault, storage: s3_operator(&s3_location), root: None, _root_directory: None })
    }

    /// Every object (not directory) under `prefix`, sorted.
    pub async fn objects_under(&self, prefix: &str) -> Vec<String> {
        let entries = match self.storage.list_with(prefix).recursive(true).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == opendal::ErrorKind::NotFound => Vec::new(),
            Err(error) => panic!("listing {prefix}: {error}"),
        };
        let mut objects: Vec<String> =
            entries.into_iter().filter(|entry| !entry.metadata().is_dir()).map(|entry| entry.path().to_owned()).collect();
        objects.sort();
        objects
    }

    /// Writes an object directly, bypassing the vault.
    pub async fn write_object(&self, key: &str, content: &[u8]) {
        self.storage.write(key, content.to_vec()).await.expect("writing a test object");
    }

    /// Removes what an S3 test stored; a filesystem vault goes with its
    /// temporary directory.
    pub async fn clean_up(self) {
        if self.root.is_none() {
            if let Err(error) = self.storage.remove_all("/").await {
                note(&format!("could not clean up the S3 test prefix: {error}"));
            }
        }
    }
}

/// The S3 test storage from `LIUHEN_TEST_S3_*`, or `None` when it is not
/// configured and not required.
pub fn s3_location(test_name: &str) -> Option<S3Location> {
    let Ok(endpoint) = std::env::var("LIUHEN_TEST_S3_ENDPOINT") else {
        if std::env::var("LIUHEN_REQUIRE_S3").is_ok_and(|value| value == "1") {
            panic!(
                "LIUHEN_REQUIRE_S3=1 but LIUHEN_TEST_S3_ENDPOINT is not set: \
                 run `scripts/garage.sh start` and source the env file it prints"
            );
        }
        note(&format!("skipped {test_name}: no S3 test storage (run `scripts/garage.sh start` and source the env file it prints)"));
        return None;
    };
    let variable = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("LIUHEN_TEST_S3_ENDPOINT is set, so {name} must be too"));
    Some(S3Location {
        bucket: variable("LIUHEN_TEST_S3_BUCKET"),
        prefix: String::new(),
        endpoint,
        region: variable("LIUHEN_TEST_S3_REGION"),
        access_key_id: variable("LIUHEN_TEST_S3_ACCESS_KEY_ID"),
        secret_access_key: variable("LIUHEN_TEST_S3_SECRET_ACCESS_KEY"),
    })
}

fn s3_operator(s3_location: &S3Location) -> Operator {
    let builder = opendal::services::S3::default()
        .bucket(&s3_location.bucket)
        .root(&format!("/{}", s3_location.prefix))
        .endpoint(&s3_location.endpoint)
        .region(&s3_location.region)
        .access_key_id(&s3_location.access_key_id)
        .secret_access_key(&s3_location.secret_access_key)
        .disable_config_load()
        .disable_ec2_metadata();
    Operator::new(builder).expect("an S3 operator").finish()
}

/// The one runtime every S3 test runs on.
///
/// OpenDAL sends all HTTP through one process-wide reqwest client, whose
/// pooled connections are driven by tasks on the runtime that opened
/// them. With a runtime per test (`#[tokio::test]`), a test that reuses
/// a connection opened by a finished test fails with "runtime dropped
/// the dispatch task". One long-lived runtime avoids that; Liuhen itself
/// runs one runtime per process.
pub fn s3_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime"))
}

/// Prints a line that shows even when the test passes: libtest captures
/// `print!` and `eprint!`, not writes to the stderr handle.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "note: {message}");
}

/// Deterministic bytes that do not compress (splitmix64), so large
/// files are not all one repeated pattern.
pub fn pseudo_random_bytes(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed;
    let mut bytes = Vec::with_capacity(length + 8);
    while bytes.len() < length {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        bytes.extend_from_slice(&(mixed ^ (mixed >> 31)).to_le_bytes());
    }
    bytes.truncate(length);
    bytes
}

/// An error and all its sources, one per line.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(error) = source {
        chain.push_str(&format!("\n  caused by: {error}"));
        source = error.source();
    }
    chain
}

pub fn running_as_root() -> bool {
    let output = std::process::Command::new("id").arg("-u").output().expect("`id -u` runs");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// Root reads a mode-000 file all the same (`CAP_DAC_OVERRIDE`). Linux
/// capabilities belong to threads: while this lives, the calling thread
/// works without the two that override file modes, so the
/// unreadable-file checks run as root too. `None` where they cannot be
/// dropped (no capabilities to begin with, or a sandbox that refuses).
pub struct WithoutFileOverride {
    saved: rustix::thread::CapabilitySets,
}

impl WithoutFileOverride {
    pub fn enter() -> Option<Self> {
        use rustix::thread::CapabilitySet;
        let saved = rustix::thread::capabilities(None).ok()?;
        let mut reduced = saved;
        reduced.effective -= CapabilitySet::DAC_OVERRIDE | CapabilitySet::DAC_READ_SEARCH;
        rustix::thread::set_capabilities(None, reduced).ok()?;
        Some(Self { saved })
    }
}

impl Drop for WithoutFileOverride {
    fn drop(&mut self) {
        rustix::thread::set_capabilities(None, self.saved).expect("a thread can take back the capabilities it put aside");
    }
}

/// Makes a named pipe with mkfifo(1) (the crate forbids unsafe code,
/// so no libc call).
pub fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {} failed", path.display());
}

/// A small tmpfs mounted on a directory, unmounted when dropped (also
/// when the test fails).
pub struct TmpfsMount {
    pub directory: TempDir,
}

impl TmpfsMount {
    /// `None` when this machine does not let us mount (not root, or in
    /// a container without CAP_SYS_ADMIN).
    /// With `LIUHEN_REQUIRE_MOUNT=1` (CI, which runs as root) a mount
    /// that fails fails the test instead.
    pub fn new(size: &str) -> Option<TmpfsMount> {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let output = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(directory.path())
            .output();
        let problem = match output {
            Ok(output) if output.status.success() => return Some(TmpfsMount { directory }),
            Ok(output) => format!("mount -t tmpfs failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
            Err(error) => format!("could not run mount: {error}"),
        };
        assert!(std::env::var("LIUHEN_REQUIRE_MOUNT").as_deref() != Ok("1"), "LIUHEN_REQUIRE_MOUNT=1, but {problem}");
        note(&problem);
        None
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let status = std::process::Command::new("umount").arg(self.directory.path()).status();
        if !status.is_ok_and(|status| status.success()) {
            note(&format!("could not unmount the tmpfs at {}", self.directory.path().display()));
        }
    }
}
