//! Opening an instance: configuration → database, vault, ledger.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use liuhen_core::note::{Ed25519NoteSigner, NoteSigner, Sm2NoteSigner};
use liuhen_ledger::{Ledger, LedgerConfig};
use liuhen_store::MetaStore;
use liuhen_vault::Vault;

use crate::config::{Config, CONFIG_FILE};

/// An open instance.
pub struct Instance {
    pub config: Config,
    pub store: Arc<dyn MetaStore>,
    pub vault: Vault,
    pub ledger: Arc<Ledger>,
}

impl Instance {
    /// Opens the instance in `data_dir`; it must have been initialised.
    pub async fn open(data_dir: &Path, extra_config: Option<&Path>) -> anyhow::Result<Self> {
        if !data_dir.join(CONFIG_FILE).exists() {
            bail!(
                "there is no Liuhen instance in {}: create one with `liuhen init --data {} --agency-name … --agency-code …`, or point --data (LIUHEN_DATA) at an existing one",
                data_dir.display(),
                data_dir.display()
            );
        }
        let config = Config::load(data_dir, extra_config)?;
        Self::open_with(config).await
    }

    pub async fn open_with(config: Config) -> anyhow::Result<Self> {
        let url = config.database_url();
        let store = liuhen_store::open(&url)
            .await
            .with_context(|| format!("cannot open the metadata database ({})", liuhen_store::postgres::redact_url(&url)))?;
        let vault = Vault::open(config.vault_location()?).await.context("cannot open the evidence vault")?;
        let signer = load_signer(&config)?;
        let ledger_config = LedgerConfig {
            origin: config.ledger.origin.clone(),
            checkpoint_interval: Duration::from_millis(config.ledger.checkpoint_interval_ms.max(10)),
            max_batch: 4096,
            additional_signers: load_additional_signers(&config)?,
        };
        let ledger = Arc::new(Ledger::start(store.clone(), signer, ledger_config).await.context("cannot start the ledger")?);
        Ok(Self { config, store, vault, ledger })
    }

    /// Commits what is pending and signs a final checkpoint.
    pub async fn close(self) -> anyhow::Result<()> {
        self.ledger.shutdown().await.context("could not sign the final checkpoint")
    }
}

/// Reads the ledger signing key.
pub fn load_signer(config: &Config) -> anyhow::Result<Arc<dyn NoteSigner>> {
    let path = config.signing_key_path();
    let pem = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the ledger signing key {}; it is created by `liuhen init`", path.display()))?;
    let key = SigningKey::from_pkcs8_pem(&pem).with_context(|| format!("{} is not an Ed25519 PKCS#8 PEM key", path.display()))?;
    Ok(Arc::new(Ed25519NoteSigner::new(&config.ledger.origin, key).context("the ledger origin cannot name a key")?))
}

/// The co-signing keys the configuration asks for (SM2).
pub fn load_additional_signers(config: &Config) -> anyhow::Result<Vec<Arc<dyn NoteSigner>>> {
    if !config.ledger.cosign_sm2 {
        return Ok(Vec::new());
    }
    let path = config.sm2_signing_key_path();
    let pem = std::fs::read_to_string(&path).with_context(|| {
        format!("cannot read the SM2 signing key {} (ledger.cosign_sm2 is on); create instances with `liuhen init --sm2`", path.display())
    })?;
    let signer = Sm2NoteSigner::from_pkcs8_pem(&config.ledger.origin, &pem)
        .with_context(|| format!("{} is not an SM2 PKCS#8 PEM key", path.display()))?;
    Ok(vec![Arc::new(signer)])
}

/// Generates an SM2 signing key and writes it readable by the owner only.
pub fn create_sm2_signing_key(path: &Path, origin: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} already exists; refusing to replace a ledger signing key", path.display());
    }
    let signer = Sm2NoteSigner::generate(origin, &mut rand::rngs::OsRng).context("cannot make an SM2 key")?;
    let pem = signer.to_pkcs8_pem();
    write_private(path, pem.as_bytes())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
        set_mode(parent, 0o700)?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    set_mode(path, 0o600)
}

/// Generates a signing key and writes it readable by the owner only.
pub fn create_signing_key(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} already exists; refusing to replace a ledger signing key", path.display());
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|error| anyhow::anyhow!("cannot encode the signing key: {error}"))?;
    write_private(path, pem.as_bytes())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(|| format!("cannot restrict {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

/// The ledger actor for commands run at the console: `cli:<OS user>`.
pub fn console_actor() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}
