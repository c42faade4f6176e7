//! One module per command family; [`run`] dispatches.

mod backup;
mod bench;
mod bench_compliance;
mod bench_generate;
mod case;
mod compliance;
mod custody;
mod demo;
mod devices;
mod directory;
mod ingest;
mod init;
mod ledger;
mod register;
mod remote;
mod report;
mod serve;
mod spool;
mod spot_check;
mod vault;
mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::instance::Instance;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data = cli.data.clone();
    let config = cli.config.clone();
    match cli.command {
        Command::Init(args) => init::init(&data, config.as_deref(), args).await,
        Command::Demo(args) => demo::demo(&data, args).await,
        Command::Bench(command) => bench::run(&data, command).await,
        Command::Ingest(args) if args.server.is_some() => {
            let config = crate::config::Config::load(&data, config.as_deref())?;
            ingest::run_remote(&config, args).await
        }
        Command::Pack(ref command) if !matches!(command, crate::cli::PackCommand::Use { .. }) => {
            compliance::pack_without_instance(&data, config.as_deref(), command)
        }
        Command::Ledger(crate::cli::LedgerCommand::VerifyProof { proof, keys, entry }) => {
            ledger::verify_proof(&proof, &keys, entry.as_deref())
        }
        Command::VerifyPackage(args) => custody::verify_package(args),
        Command::Restore(args) => backup::restore(args).await,
        command => {
            let instance = Instance::open(&data, config.as_deref()).await?;
            // Where the ledger stood, for a command that may change what a blob's lock must be.
            let lock_from = if changes_retention(&command) { Some(instance.store.ledger_size().await?) } else { None };
            let result = match command {
                Command::Serve(args) => serve::serve(&instance, args).await,
                Command::Vault(command) => vault::run(&instance, command).await,
                Command::Ledger(command) => ledger::run(&instance, command).await,
                Command::Verify(args) => verify::run(&instance, args).await,
                Command::Ingest(args) => ingest::run(&instance, args).await,
                Command::Register(command) => register::run(&instance, command).await,
                Command::Interruptions(args) => register::interruptions(&instance, args).await,
                Command::Case(command) => {
                    let changes_facts = case_changes_facts(&command);
                    let result = case::run(&instance, command).await;
                    if changes_facts && result.as_ref().is_ok_and(|code| *code == ExitCode::SUCCESS) {
                        // What was recorded is checked against the pack in force at once.
                        compliance::refresh_quietly(&instance).await;
                    }
                    result
                }
                Command::Complaint(command) => case::complaint(&instance, command).await,
                Command::Unit(command) => directory::unit(&instance, command).await,
                Command::Officer(command) => directory::officer(&instance, command).await,
                Command::Device(command) => directory::device(&instance, command).await,
                Command::User(command) => directory::user(&instance, command).await,
                Command::Pack(crate::cli::PackCommand::Use { pack }) => compliance::use_pack(&instance, &pack).await,
                Command::Pack(_) => unreachable!("handled above"),
                Command::Compliance(args) => compliance::run(&instance, args).await,
                Command::Recording(command) => compliance::recording(&instance, command).await,
                Command::DutyLog(command) => compliance::duty_log(&instance, command).await,
                Command::SpotCheck(command) => spot_check::run(&instance, command).await,
                Command::Report(command) => report::run(&instance, command).await,
                Command::Access(command) => custody::access(&instance, command).await,
                Command::Mark(args) => custody::mark(&instance, args).await,
                Command::Hold(command) => custody::hold(&instance, command).await,
                Command::Retention(command) => custody::retention(&instance, command).await,
                Command::Export(args) => custody::export(&instance, args).await,
                Command::Redact(args) => custody::redact(&instance, args).await,
                Command::Backup(args) => backup::backup(&instance, args).await,
                Command::Init(_) | Command::Demo(_) | Command::Bench(_) | Command::VerifyPackage(_) | Command::Restore(_) => {
                    unreachable!("handled above")
                }
            };
            // What was recorded may change what a blob's lock must be.
            if let Some(size) = lock_from {
                if records_facts(&instance, size).await {
                    custody::lock_quietly(&instance).await;
                }
            }
            // Whatever happened, what was recorded gets a signed checkpoint.
            let closed = instance.close().await;
            let code = result?;
            closed?;
            Ok(code)
        }
    }
}

/// Reads a secret from a file, an environment variable, or makes one up.
/// Returns the secret and whether it was generated (and so must be shown).
pub(crate) fn secret_from(file: Option<&std::path::Path>, env: &str) -> anyhow::Result<(String, bool)> {
    use anyhow::Context;
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read the password file {}", file.display()))?;
        let password = text.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(password.chars().count() >= 8, "the password in {} is shorter than 8 characters", file.display());
        return Ok((password, false));
    }
    if let Ok(password) = std::env::var(env) {
        anyhow::ensure!(password.chars().count() >= 8, "{env} is shorter than 8 characters");
        return Ok((password, false));
    }
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let password = (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    Ok((password, true))
}

/// Whether a command may record something that changes what a blob's
/// Object Lock must be: a new record, a hold, a case link or step, a
/// label, a disposal, another pack. (`serve` keeps the locks itself;
/// `retention lock` is the pass.) A lock pass reads every record's
/// retention, so commands that cannot change it do not pay for one.
fn changes_retention(command: &Command) -> bool {
    use crate::cli::{HoldCommand, RecordingCommand, RetentionCommand, VaultCommand};
    match command {
        Command::Ingest(_) | Command::Vault(VaultCommand::Put(_)) | Command::Redact(_) => true,
        Command::Hold(HoldCommand::Place { .. } | HoldCommand::Release { .. }) => true,
        Command::Recording(RecordingCommand::Label { .. }) | Command::Pack(crate::cli::PackCommand::Use { .. }) => true,
        Command::Retention(RetentionCommand::Run { dry_run, .. }) => !dry_run,
        Command::Case(case) => case_changes_facts(case),
        _ => false,
    }
}

/// Whether something other than reads, sign-ins and locks was recorded
/// since the ledger had `size` entries.
async fn records_facts(instance: &Instance, size: u64) -> bool {
    instance.store.ledger_written_since(size, "", &liuhen_core::mutation::action::NOT_FACTS).await.unwrap_or(true)
}

/// Whether a case command records something the compliance engine reads.
fn case_changes_facts(command: &crate::cli::CaseCommand) -> bool {
    use crate::cli::{CaseCommand, DocCommand};
    match command {
        CaseCommand::New(_)
        | CaseCommand::Stage { .. }
        | CaseCommand::Approve { .. }
        | CaseCommand::Link { .. }
        | CaseCommand::Archive { .. } => true,
        CaseCommand::Doc(document) => matches!(document, DocCommand::New { .. } | DocCommand::Correct { .. } | DocCommand::Sign { .. }),
        CaseCommand::Index { .. } | CaseCommand::Show { .. } | CaseCommand::List { .. } => false,
    }
}

/// A `--from`/`--to` day argument: `YYYY-MM-DD` and nothing else (jiff
/// would also read a day out of a date and time).
pub(crate) fn day_arg(name: &str, text: &str) -> anyhow::Result<jiff::civil::Date> {
    use anyhow::Context;
    let text = text.trim();
    anyhow::ensure!(text.len() == 10, "--{name} {text} is not a date written YYYY-MM-DD, such as 2026-11-01");
    text.parse().with_context(|| format!("--{name} {text} is not a date written YYYY-MM-DD, such as 2026-11-01"))
}
