//! The one typed configuration of a Liuhen instance.
//!
//! Sources, later ones winning: built-in defaults; `liuhen.toml` in the data
//! directory (written by `liuhen init`); a file given with `--config`;
//! environment variables prefixed `LIUHEN_`, with `__` between nested keys
//! (`LIUHEN_DATABASE_URL`, `LIUHEN_VAULT__URL`, `LIUHEN_SERVER__LISTEN`).
//! Secrets are read from files named in the config, never written into it,
//! and never shown by `Debug`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Name of the config file inside a data directory.
pub const CONFIG_FILE: &str = "liuhen.toml";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The instance's directory: SQLite database, local vault, signing key.
    pub data_dir: PathBuf,
    /// Metadata database. Unset: the SQLite file `liuhen.db` in the data
    /// directory. `postgres://USER@HOST:PORT/DB` selects PostgreSQL.
    pub database_url: Option<String>,
    pub vault: VaultConfig,
    pub ledger: LedgerSettings,
    pub server: ServerConfig,
    #[serde(default)]
    pub ingest: IngestSettings,
    #[serde(default)]
    pub compliance: ComplianceSettings,
}

/// What collection is held to, from the pack in force or `[ingest]`.
pub use liuhen_core::recording::CollectionLimits;

/// The policy pack in force and how often findings are brought up to date.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceSettings {
    /// The policy pack (规范包) in force: a built-in pack's id
    /// (`liuhen pack list`) or the path of a pack file (relative paths are
    /// read from the data directory). Unset: no compliance checks.
    pub pack: Option<String>,
    /// `liuhen serve` refreshes the findings soon after each change it
    /// records, and looks every so many seconds whether a refresh is due:
    /// something was written to the ledger since (by another process
    /// too), a deadline has come, or 15 minutes have passed.
    pub refresh_seconds: u64,
}

impl Default for ComplianceSettings {
    fn default() -> Self {
        Self { pack: None, refresh_seconds: 60 }
    }
}

/// Offloading devices at a collection workstation (采集站). Where the policy
/// pack in force states a limit (offload deadline, interruption window,
/// clock drift), the pack's wins: see [`Config::collection_limits`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// A recording offloaded later than this after it ended is late
    /// (丰台 第二十三条: 24 hours).
    pub offload_deadline_hours: u64,
    /// Recordings of one device separated by less than this are one
    /// activity; each gap inside is an interruption to explain (丰台 第十八条).
    pub same_activity_minutes: u64,
    /// A device clock, or a file's own times, off by more than this is
    /// flagged (汶上 第六条一; 厦门 三).
    pub clock_drift_seconds: u64,
    /// The UTC offset cameras keep their wall clocks in, e.g. `+08:00`.
    pub utc_offset: String,
    /// How many devices are offloaded at once.
    pub workers: usize,
    /// This workstation's name in the offload register. Unset: the host name.
    pub workstation: Option<String>,
    /// Against a server, keep a copy of each file in `DATA/spool` until the
    /// server confirms it (as `ingest --spool`).
    pub spool: bool,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            offload_deadline_hours: 24,
            same_activity_minutes: 10,
            clock_drift_seconds: 30,
            utc_offset: "+08:00".into(),
            workers: 2,
            workstation: None,
            spool: false,
        }
    }
}

impl IngestSettings {
    /// The cameras' UTC offset.
    pub fn offset(&self) -> anyhow::Result<jiff::tz::Offset> {
        parse_offset(&self.utc_offset)
            .with_context(|| format!("ingest.utc_offset `{}` is not a UTC offset such as +08:00", self.utc_offset))
    }

    pub fn offload_deadline(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(i64::try_from(self.offload_deadline_hours).unwrap_or(i64::MAX / 3600))
    }

    pub fn same_activity(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_mins(i64::try_from(self.same_activity_minutes).unwrap_or(i64::MAX / 60))
    }

    pub fn clock_drift(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(i64::try_from(self.clock_drift_seconds).unwrap_or(i64::MAX))
    }

    /// The name this workstation goes by.
    pub fn workstation_name(&self) -> String {
        self.workstation.clone().filter(|name| !name.trim().is_empty()).unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::env::var("HOSTNAME").ok())
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "workstation".into())
        })
    }
}

/// A built-in pack by id, or a pack file (a relative path is read from
/// `data_dir`).
pub fn load_pack(data_dir: &Path, name: &str) -> anyhow::Result<liuhen_core::pack::PolicyPack> {
    if let Some(pack) = liuhen_core::pack::PolicyPack::builtin(name) {
        return Ok(pack?);
    }
    let path = data_dir.join(name);
    if !name.ends_with(".toml") && !path.exists() {
        let known: Vec<&str> = liuhen_core::pack::BUILTIN.iter().map(|(id, _)| *id).collect();
        bail!("there is no built-in policy pack `{name}` (they are {}), and no pack file {}", known.join(", "), path.display());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read the policy pack {}", path.display()))?;
    Ok(liuhen_core::pack::PolicyPack::parse(&text, &path.display().to_string())?)
}

/// Makes `name` (a built-in pack's id, or a pack file given on the command
/// line) ready to be put in force for `data_dir`: a file is validated and
/// copied to `DATA/packs/<id>.toml`, so the instance keeps the exact text
/// it runs under. Returns the pack and the name to write into liuhen.toml.
pub fn adopt_pack(data_dir: &Path, name: &str) -> anyhow::Result<(liuhen_core::pack::PolicyPack, String)> {
    if let Some(pack) = liuhen_core::pack::PolicyPack::builtin(name) {
        return Ok((pack?, name.to_owned()));
    }
    let source = Path::new(name);
    if !source.exists() {
        let known: Vec<&str> = liuhen_core::pack::BUILTIN.iter().map(|(id, _)| *id).collect();
        bail!("there is no built-in policy pack `{name}` (they are {}), and no pack file {name}", known.join(", "));
    }
    let text = std::fs::read_to_string(source).with_context(|| format!("cannot read the policy pack {name}"))?;
    let pack = liuhen_core::pack::PolicyPack::parse(&text, name)?;
    let stored = format!("packs/{}.toml", pack.id);
    let target = data_dir.join(&stored);
    std::fs::create_dir_all(data_dir.join("packs")).with_context(|| format!("cannot create {}", data_dir.join("packs").display()))?;
    std::fs::write(&target, &text).with_context(|| format!("cannot write {}", target.display()))?;
    Ok((pack, stored))
}

/// Reads `+08:00`, `-05:30`, `+0800` or `Z`.
fn parse_offset(text: &str) -> Option<jiff::tz::Offset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text == "UTC" {
        return Some(jiff::tz::Offset::UTC);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// Where evidence files are kept.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Unset: the folder `vault` in the data directory. `s3://BUCKET[/PREFIX]`
    /// selects S3-compatible object storage (Garage, MinIO, Ceph, OSS, OBS).
    pub url: Option<String>,
    /// S3 endpoint, e.g. `http://127.0.0.1:3900`.
    pub endpoint: Option<String>,
    /// S3 region (Garage's default is `garage`).
    pub region: Option<String>,
    /// S3 access key id.
    pub access_key_id: Option<String>,
    /// A file holding the S3 secret access key (one line).
    pub secret_access_key_file: Option<PathBuf>,
}

impl std::fmt::Debug for VaultConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultConfig")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key_file", &self.secret_access_key_file)
            .finish()
    }
}

/// The ledger's identity and rhythm.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// The checkpoint origin line and key name, e.g. `liuhen.example/xiamen-cgj`.
    /// Set at `liuhen init`; never change it afterwards.
    pub origin: String,
    /// The longest a new entry waits for a signed checkpoint, in milliseconds.
    pub checkpoint_interval_ms: u64,
    /// The Ed25519 signing key (PKCS#8 PEM). Unset: `keys/ledger-ed25519.pem`
    /// in the data directory.
    pub signing_key_file: Option<PathBuf>,
    /// Co-sign every checkpoint with an SM2 key (国密 GB/T 32918) as well.
    #[serde(default)]
    pub cosign_sm2: bool,
    /// The SM2 signing key (PKCS#8 PEM). Unset: `keys/ledger-sm2.pem` in the
    /// data directory.
    #[serde(default)]
    pub sm2_signing_key_file: Option<PathBuf>,
}

/// The HTTP server.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Mark cookies Secure: set this when Liuhen is served over HTTPS
    /// (directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a login lasts, in hours.
    pub session_hours: u64,
    /// Days after which an upload no workstation finished is removed (its
    /// bytes are not records), and a registration answer forgotten.
    pub abandoned_upload_days: u64,
}

/// The top-level keys the environment may set. Other `LIUHEN_` variables
/// (`LIUHEN_DATA`, `LIUHEN_CONFIG`, `LIUHEN_LOG`, `LIUHEN_ADMIN_PASSWORD`,
/// test settings) belong to the command line or to tools, not to this
/// struct, and must not make the configuration invalid. A misspelt nested
/// key (`LIUHEN_VAULT__ENDPIONT`) is still refused.
const ENV_KEYS: [&str; 6] = ["database_url", "vault", "ledger", "server", "ingest", "compliance"];

/// Whether the environment variable `LIUHEN_<key>` (prefix already removed,
/// lower-cased) is part of the configuration.
fn is_config_key(key: &str) -> bool {
    let top = key.split("__").next().unwrap_or(key);
    ENV_KEYS.iter().any(|known| top.eq_ignore_ascii_case(known))
}

impl Config {
    /// Defaults for a data directory.
    pub fn defaults(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            database_url: None,
            vault: VaultConfig::default(),
            ledger: LedgerSettings {
                origin: "liuhen.local/instance".into(),
                checkpoint_interval_ms: 500,
                signing_key_file: None,
                cosign_sm2: false,
                sm2_signing_key_file: None,
            },
            server: ServerConfig { listen: "127.0.0.1:8080".into(), secure_cookies: false, session_hours: 12, abandoned_upload_days: 7 },
            ingest: IngestSettings::default(),
            compliance: ComplianceSettings::default(),
        }
    }

    /// The limits collection works to (offload deadline, one activity's
    /// window, clock drift): the pack's where the pack in force states
    /// them — packs take over from `[ingest]` — else `[ingest]`'s.
    pub fn collection_limits(&self) -> anyhow::Result<CollectionLimits> {
        let limits = CollectionLimits {
            offload_deadline: self.ingest.offload_deadline(),
            same_activity: self.ingest.same_activity(),
            clock_drift: self.ingest.clock_drift(),
        };
        Ok(match self.policy_pack()? {
            Some(pack) => limits.under(&pack),
            None => limits,
        })
    }

    /// The policy pack in force, loaded and validated; `None` when no pack
    /// is chosen.
    pub fn policy_pack(&self) -> anyhow::Result<Option<liuhen_core::pack::PolicyPack>> {
        let Some(name) = self.compliance.pack.as_deref().map(str::trim).filter(|name| !name.is_empty()) else {
            return Ok(None);
        };
        load_pack(&self.data_dir, name).map(Some)
    }

    /// Loads the configuration for a data directory.
    pub fn load(data_dir: &Path, extra_file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Self::defaults(data_dir)));
        let instance_file = data_dir.join(CONFIG_FILE);
        if instance_file.exists() {
            figment = figment.merge(Toml::file(&instance_file));
        }
        if let Some(file) = extra_file {
            if !file.exists() {
                bail!("the config file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("LIUHEN_").filter(|key| is_config_key(key.as_str())).split("__"));
        let mut config: Config = figment.extract().context("the configuration is not valid")?;
        // The data directory given on the command line always wins.
        config.data_dir = data_dir.to_owned();
        Ok(config)
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("liuhen.db").display()),
        }
    }

    pub fn sm2_signing_key_path(&self) -> PathBuf {
        self.ledger.sm2_signing_key_file.clone().unwrap_or_else(|| self.data_dir.join("keys").join("ledger-sm2.pem"))
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.ledger.signing_key_file.clone().unwrap_or_else(|| self.data_dir.join("keys").join("ledger-ed25519.pem"))
    }

    /// Where the vault is, with its secret read from its file.
    pub fn vault_location(&self) -> anyhow::Result<liuhen_vault::VaultLocation> {
        let Some(url) = self.vault.url.as_deref().filter(|url| !url.trim().is_empty()) else {
            return Ok(liuhen_vault::VaultLocation::Filesystem(self.data_dir.join("vault")));
        };
        if let Some(path) = url.strip_prefix("file://") {
            return Ok(liuhen_vault::VaultLocation::Filesystem(PathBuf::from(path)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            bail!(
                "vault.url `{url}` is not understood: use s3://BUCKET[/PREFIX] or file:///PATH, or leave it unset for the data directory"
            );
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("vault.url `{url}` names no bucket: use s3://BUCKET[/PREFIX]");
        }
        let missing = |what: &str| {
            anyhow::anyhow!("vault.url is an S3 bucket, so vault.{what} must be set too (or LIUHEN_VAULT__{})", what.to_uppercase())
        };
        let endpoint = self.vault.endpoint.clone().ok_or_else(|| missing("endpoint"))?;
        let access_key_id = self.vault.access_key_id.clone().ok_or_else(|| missing("access_key_id"))?;
        let secret_file = self.vault.secret_access_key_file.clone().ok_or_else(|| missing("secret_access_key_file"))?;
        let secret_access_key = std::fs::read_to_string(&secret_file)
            .with_context(|| format!("cannot read the S3 secret key file {}", secret_file.display()))?
            .trim()
            .to_owned();
        Ok(liuhen_vault::VaultLocation::S3(liuhen_vault::S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint,
            region: self.vault.region.clone().unwrap_or_else(|| "us-east-1".into()),
            access_key_id,
            secret_access_key,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_an_embedded_instance() {
        let config = Config::defaults(Path::new("/srv/liuhen"));
        assert_eq!(config.database_url(), "sqlite:///srv/liuhen/liuhen.db");
        assert!(
            matches!(config.vault_location().unwrap(), liuhen_vault::VaultLocation::Filesystem(path) if path == Path::new("/srv/liuhen/vault"))
        );
    }

    #[test]
    fn only_configuration_variables_are_read_from_the_environment() {
        for key in ["database_url", "vault__url", "SERVER__LISTEN", "ledger__checkpoint_interval_ms", "vault__endpiont"] {
            assert!(is_config_key(key), "{key}");
        }
        for key in ["data", "config", "log", "admin_password", "require_s3", "test_s3_endpoint", "vaults__url"] {
            assert!(!is_config_key(key), "{key}");
        }
    }

    #[test]
    fn utc_offsets_are_read_strictly() {
        assert_eq!(parse_offset("+08:00").map(|offset| offset.seconds()), Some(8 * 3600));
        assert_eq!(parse_offset("-0530").map(|offset| offset.seconds()), Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(parse_offset("Z").map(|offset| offset.seconds()), Some(0));
        for bad in ["8", "+8:00", "+15:00", "+08:60", "Asia/Shanghai", ""] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_s3_vault_needs_its_endpoint() {
        let mut config = Config::defaults(Path::new("/srv/liuhen"));
        config.vault.url = Some("s3://evidence/xiamen".into());
        let error = config.vault_location().unwrap_err().to_string();
        assert!(error.contains("vault.endpoint"), "{error}");
    }
}
