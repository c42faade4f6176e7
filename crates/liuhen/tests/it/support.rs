//! What the binary's end-to-end tests share: an initialised instance in a
//! temporary directory, run as a real process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liuhen_store::postgres::testing::TestDatabase;

/// An initialised instance in a temporary directory.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    _database: Option<TestDatabase>,
}

impl Instance {
    pub async fn new(postgres: bool) -> Self {
        Self::new_with(postgres, &[]).await
    }

    /// An instance initialised with extra `LIUHEN_` settings in the
    /// environment (which `init` writes into its liuhen.toml).
    pub async fn new_with(postgres: bool, settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = if postgres { Some(TestDatabase::create().await.unwrap()) } else { None };
        let database_url = database.as_ref().map(|database| database.url.clone());
        let instance = Self { dir, database_url, _database: database };
        let mut args = vec!["init", "--agency-name", "厦门市城市管理行政执法局", "--agency-code", "xiamen-cgj"];
        if let Some(url) = &instance.database_url {
            args.extend(["--database-url", url]);
        }
        let output = instance.command(&args).envs(settings.iter().copied()).output().unwrap();
        assert!(output.status.success(), "init failed: {}", text(&output));
        assert!(text(&output).contains("administrator password"), "a generated password is shown once");
        instance
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// [`Instance::run`] without root's power to read and write any file
    /// whatever its mode (the capabilities `CAP_DAC_OVERRIDE` and
    /// `CAP_DAC_READ_SEARCH`, dropped with util-linux's `setpriv`), so that
    /// a file of mode 000 is as unreadable as on an officer's workstation.
    /// Tests run as root in CI.
    pub fn run_unprivileged(&self, args: &[&str]) -> Output {
        let mut command = unprivileged(env!("CARGO_BIN_EXE_liuhen"));
        self.configure(&mut command, args);
        command.output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_liuhen"));
        self.configure(&mut command, args);
        command
    }

    fn configure(&self, command: &mut Command, args: &[&str]) {
        command
            .args(args)
            .env("LIUHEN_DATA", self.data())
            // Other tools' variables share the prefix (CI sets this one);
            // the configuration must not trip over them.
            .env("LIUHEN_REQUIRE_S3", "1")
            .env_remove("LIUHEN_ADMIN_PASSWORD")
            .env_remove("LIUHEN_DATABASE_URL");
    }

    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn put(&self, path: &Path) -> serde_json::Value {
        let output = self.run(&["vault", "put", "--json", path.to_str().unwrap()]);
        assert!(output.status.success(), "put failed: {}", text(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Runs SQL against the instance's database, as an intruder would.
    pub async fn tamper(&self, sql: &str) {
        match &self.database_url {
            Some(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
            None => {
                let url = format!("sqlite://{}", self.data().join("liuhen.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }

    /// The actions of the ledger entries about `subject` (`media:<id>`), in order.
    pub async fn actions_about(&self, subject: &str) -> Vec<String> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data().join("liuhen.db").display()),
        };
        let store = liuhen_store::open(&url).await.unwrap();
        store.ledger_entries_about(subject).await.unwrap().into_iter().map(|stored| stored.entry.action).collect()
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.data().join("vault/blobs").join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
    }

    /// Flips one byte in the middle of a stored blob (blobs are read-only:
    /// made writable first), as a failing disk or a hand behind the
    /// system's back would.
    pub fn damage_blob(&self, sha256: &str) {
        let path = self.blob_path(sha256);
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&path, permissions).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
    }

    pub fn verify(&self) -> (bool, String) {
        let output = self.run(&["verify"]);
        let code = output.status.code();
        assert!(matches!(code, Some(0) | Some(1)), "verify exits 0 or 1, got {code:?}: {}", text(&output));
        (code == Some(0), text(&output))
    }
}

/// A command for `program` that, when the tests run as root, runs it
/// without the capabilities that let root ignore file modes.
pub fn unprivileged(program: &str) -> Command {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").map(|metadata| metadata.uid() == 0).unwrap_or(false);
    if !root {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command.args(["--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--", program]);
    command
}

/// Whether the tests that mount something (a tmpfs, a disk image) must
/// run rather than pass with a note when they cannot: `LIUHEN_REQUIRE_MOUNT=1`
/// (CI, which runs as root).
pub fn mount_required() -> bool {
    std::env::var("LIUHEN_REQUIRE_MOUNT").as_deref() == Ok("1")
}

pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread")] async fn $name() { super::$name(false).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread")] async fn $name() { super::$name(true).await })*
        }
    };
}

/// A one-second H.264 clip made by ffmpeg, its container dated `at`.
pub fn video_clip(at: jiff::Timestamp, target: &Path) {
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let creation = format!("creation_time={}", at.strftime("%Y-%m-%dT%H:%M:%SZ"));
    let output = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-metadata", &creation, "-f", "mp4"])
        .arg(target)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// A tmpfs mounted for one test, unmounted after it.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` when this machine does not let us mount; with
    /// `LIUHEN_REQUIRE_MOUNT=1` (CI, which runs as root) that fails instead.
    pub fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let output = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(at).output();
        let mounted = output.as_ref().is_ok_and(|output| output.status.success());
        assert!(mounted || !mount_required(), "LIUHEN_REQUIRE_MOUNT=1, but mounting a tmpfs failed: {output:?}");
        mounted.then(|| Tmpfs(at.to_owned()))
    }

    /// Gives the mounted tmpfs another size, keeping what it holds: room
    /// made on a full disk.
    pub fn resize(&self, size: &str) {
        let output = Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(&self.0).output().unwrap();
        assert!(output.status.success(), "remounting {} failed: {output:?}", self.0.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}
