//! `liuhen init`: create an instance.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use liuhen_core::entity::{Agency, Role, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, UserId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::note::Ed25519NoteSigner;

use crate::cli::InitArgs;
use crate::config::{Config, CONFIG_FILE};
use crate::instance::{console_actor, create_signing_key, Instance};

/// `config_file` is `--config FILE`: its settings (database, vault, server,
/// limits, keys, pack), like those in `LIUHEN_*` variables, become the
/// instance's own.
pub async fn init(data: &Path, config_file: Option<&Path>, args: InitArgs) -> anyhow::Result<ExitCode> {
    let created = create(data, config_file, &args).await?;
    println!("已创建 Liuhen 实例 / created a Liuhen instance in {}", data.display());
    println!("  database:   {}", liuhen_store::postgres::redact_url(&created.database_url));
    println!("  vault:      {}", created.vault);
    for vkey in &created.vkeys {
        println!("  ledger key: {vkey}");
    }
    println!("  administrator login: {}", args.admin_login);
    if let Some(password) = created.generated_password {
        println!("  administrator password (shown once, write it down): {password}");
    }
    Ok(ExitCode::SUCCESS)
}

pub struct Created {
    pub database_url: String,
    pub vault: String,
    pub vkeys: Vec<String>,
    pub generated_password: Option<String>,
    pub agency_id: AgencyId,
    pub instance: Instance,
}

/// Creates the instance and leaves it open (the demo goes on using it).
/// `password`, when given, is the administrator's password (the demo's);
/// `config_file`, a settings file (`--config`) whose settings the instance
/// is to keep.
pub async fn create_open(data: &Path, config_file: Option<&Path>, args: &InitArgs, password: Option<&str>) -> anyhow::Result<Created> {
    validate_code(&args.agency_code)?;
    if data.join(CONFIG_FILE).exists() {
        bail!("{} already holds a Liuhen instance; choose another --data directory", data.display());
    }
    let (password, generated) = match password {
        Some(password) => (password.to_owned(), false),
        None => super::secret_from(args.admin_password_file.as_deref(), "LIUHEN_ADMIN_PASSWORD")?,
    };
    // The settings file (`--config`) and the environment (`LIUHEN_*`) are
    // where a site describes its instance: database, vault, server,
    // collection limits, keys, pack. The command line wins over them. What
    // they say is checked before anything is created and written into
    // liuhen.toml, so the instance keeps it without the file.
    let mut config = Config::load(data, config_file)?;
    config.database_url = args.database_url.clone().or(config.database_url.take());
    config.ledger.cosign_sm2 |= args.sm2;
    let origin = match &args.origin {
        Some(origin) => origin.clone(),
        None if config.ledger.origin != Config::defaults(data).ledger.origin => config.ledger.origin.clone(),
        None => format!("liuhen.local/{}", args.agency_code),
    };
    check_origin(&origin)?;
    config.ledger.origin = origin.clone();
    let pack_name = args.pack.clone().or_else(|| config.compliance.pack.take());
    if let Some(name) = &pack_name {
        // Checked before anything is created: a bad pack leaves no half instance.
        if liuhen_core::pack::PolicyPack::builtin(name).is_none() {
            let text = std::fs::read_to_string(name).with_context(|| format!("cannot read the policy pack {name}"))?;
            liuhen_core::pack::PolicyPack::parse(&text, name)?;
        } else {
            liuhen_core::pack::PolicyPack::builtin(name).expect("checked")?;
        }
    }
    if config.vault.url.is_some() {
        liuhen_vault::Vault::open(config.vault_location()?).await.context("cannot open the evidence vault")?;
    }
    // So is the database: a wrong URL, a server that is down or a database
    // another instance uses would otherwise stop init after the directory,
    // the keys and liuhen.toml exist, and a second run would refuse the
    // half instance.
    check_database(data, &config).await?;
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    let pack = match &pack_name {
        Some(name) => {
            let (pack, stored) = crate::config::adopt_pack(data, name)?;
            config.compliance.pack = Some(stored);
            Some(pack)
        }
        None => None,
    };
    create_signing_key(&config.signing_key_path())?;
    if config.ledger.cosign_sm2 {
        crate::instance::create_sm2_signing_key(&config.sm2_signing_key_path(), &origin)?;
    }
    // The key must name the origin exactly; check before anything is recorded.
    crate::instance::load_signer(&config)?;
    write_config_file(&config)?;

    let instance = Instance::open_with(config.clone()).await?;
    // Again, for the SQLite file that could only be opened now, and for a
    // database another init filled in the meantime.
    ensure_no_ledger(instance.store.as_ref(), &config.database_url()).await?;
    let actor = console_actor();
    let ledger = &instance.ledger;
    ledger
        .record(
            EntryDraft::new(&actor, action::INSTANCE_INITIALISED).payload(
                serde_json::json!({"origin": origin, "verifier_keys": ledger.verifier_keys(), "version": env!("CARGO_PKG_VERSION")}),
            ),
            Vec::new(),
        )
        .await?;
    let agency = Agency { id: AgencyId::new(), name: args.agency_name.clone(), code: args.agency_code.clone() };
    ledger
        .record(
            EntryDraft::new(&actor, action::AGENCY_CREATED)
                .subject(agency.id.subject())
                .payload(serde_json::json!({"name": agency.name, "code": agency.code})),
            vec![Mutation::CreateAgency(agency.clone())],
        )
        .await?;
    let admin = User {
        id: UserId::new(),
        login: args.admin_login.clone(),
        display_name: "系统管理员".into(),
        password_hash: liuhen_server::auth::hash_password(&password),
        roles: vec![Role::Administrator],
        officer_id: None,
        disabled: false,
    };
    ledger
        .record(
            EntryDraft::new(&actor, action::USER_CREATED)
                .subject(admin.id.subject())
                .payload(serde_json::json!({"login": admin.login, "roles": ["administrator"]})),
            vec![Mutation::CreateUser(admin)],
        )
        .await?;
    if let Some(pack) = &pack {
        liuhen_compliance::record_selection(ledger, pack, &actor).await?;
    }
    ledger.checkpoint().await?;
    Ok(Created {
        database_url: config.database_url(),
        vault: instance.vault.describe(),
        vkeys: ledger.verifier_keys(),
        generated_password: generated.then_some(password),
        agency_id: agency.id,
        instance,
    })
}

async fn create(data: &Path, config_file: Option<&Path>, args: &InitArgs) -> anyhow::Result<Created> {
    let created = create_open(data, config_file, args, None).await?;
    created.instance.ledger.shutdown().await?;
    Ok(created)
}

/// Opens the database the new instance is to use, bringing its schema up to
/// date, and checks that it holds no ledger. An SQLite file in a folder of
/// the data directory that init has yet to create (the default: liuhen.db
/// in the data directory) cannot be opened before; it is new, so empty,
/// and is opened with the instance.
async fn check_database(data: &Path, config: &Config) -> anyhow::Result<()> {
    let url = config.database_url();
    if let Some(folder) = sqlite_folder(&url) {
        if !folder.is_dir() && lexically_absolute(&folder).starts_with(lexically_absolute(data)) {
            return Ok(());
        }
    }
    let store = liuhen_store::open(&url).await.context(
        "the database for the new instance cannot be used, so nothing was created; correct --database-url \
         (or database_url in the --config file, or LIUHEN_DATABASE_URL) and run `liuhen init` again",
    )?;
    ensure_no_ledger(store.as_ref(), &url).await
}

async fn ensure_no_ledger(store: &dyn liuhen_store::MetaStore, url: &str) -> anyhow::Result<()> {
    if store.ledger_size().await? > 0 {
        bail!("the database {} already holds a ledger; use an empty database for a new instance", liuhen_store::postgres::redact_url(url));
    }
    Ok(())
}

/// The folder of the SQLite file `url` names, as [`liuhen_store::open`]
/// reads it; `None` for any other database.
fn sqlite_folder(url: &str) -> Option<PathBuf> {
    let path = match url.strip_prefix("sqlite://") {
        Some(path) => path,
        None if url.contains("://") => return None,
        None => url,
    };
    Path::new(path).parent().map(Path::to_owned)
}

/// `path` made absolute without touching the file system, so that
/// `./data/x` and `data/x` compare as the same place.
fn lexically_absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The origin names the ledger's signing key on every checkpoint; one that
/// cannot (empty, with spaces or `+`) is refused before a key is made for it.
fn check_origin(origin: &str) -> anyhow::Result<()> {
    let throwaway = ed25519_dalek::SigningKey::from_bytes(&[0; 32]);
    Ed25519NoteSigner::new(origin, throwaway).map(drop).with_context(|| {
        format!("the ledger origin `{origin}` cannot name a signing key; choose another with --origin, e.g. liuhen.local/xiamen-cgj")
    })
}

fn validate_code(code: &str) -> anyhow::Result<()> {
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        bail!("the agency code `{code}` must be letters, digits and dashes, e.g. xiamen-cgj");
    }
    Ok(())
}

fn write_config_file(config: &Config) -> anyhow::Result<()> {
    write_config_file_to(config, &config.data_dir.join(CONFIG_FILE))
}

/// Writes `config` (all but its data directory) as a configuration file at `path`.
pub(crate) fn write_config_file_to(config: &Config, path: &Path) -> anyhow::Result<()> {
    let mut text = String::from(
        "# Liuhen instance configuration. Environment variables LIUHEN_* override it\n\
         # (nested keys with __, e.g. LIUHEN_SERVER__LISTEN). Secrets go in files.\n\n",
    );
    text.push_str(&toml::to_string_pretty(&FileConfig::from(config)).context("cannot write the configuration")?);
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// What goes into liuhen.toml: everything but the data directory, which is
/// wherever the file is. An S3 vault given at `init` (e.g. in
/// `LIUHEN_VAULT__*`) is written too, so the instance does not later open
/// an empty vault in its data directory when the variables are gone.
#[derive(serde::Serialize)]
struct FileConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vault: Option<&'a crate::config::VaultConfig>,
    ledger: &'a crate::config::LedgerSettings,
    server: &'a crate::config::ServerConfig,
    ingest: &'a crate::config::IngestSettings,
    compliance: &'a crate::config::ComplianceSettings,
}

impl<'a> From<&'a Config> for FileConfig<'a> {
    fn from(config: &'a Config) -> Self {
        Self {
            database_url: &config.database_url,
            vault: config.vault.url.is_some().then_some(&config.vault),
            ledger: &config.ledger,
            server: &config.server,
            ingest: &config.ingest,
            compliance: &config.compliance,
        }
    }
}
