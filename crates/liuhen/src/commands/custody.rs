//! `liuhen access|mark|hold|retention|export|verify-package`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::access::{AccessMode, Classification, Purpose, Target};
use liuhen_core::entity::User;
use liuhen_core::id::{AccessRequestId, DisposalId, DocumentId, HoldId, MediaId};
use liuhen_core::retention::HoldReason;
use liuhen_custody::access::{self, Decision, NewAccessRequest};
use liuhen_custody::package::{self, ExportSpec, Exporter};
use liuhen_custody::retention;
use serde_json::json;

use crate::cli::{AccessCommand, ExportArgs, HoldCommand, MarkArgs, RedactArgs, RetentionCommand, TargetArgs, VerifyPackageArgs};
use crate::commands::register::parse_bound;
use crate::instance::{console_actor, Instance};

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

async fn user(instance: &Instance, login: &str) -> anyhow::Result<User> {
    instance
        .store
        .user_by_login(login)
        .await?
        .with_context(|| format!("there is no account `{login}`; `liuhen user list` shows the accounts"))
}

/// The targets named on the command line, each checked to exist.
async fn targets(instance: &Instance, args: &TargetArgs) -> anyhow::Result<Vec<Target>> {
    let mut out = Vec::new();
    for case in &args.cases {
        out.push(Target::Case(liuhen_cases::find_case(instance.store.as_ref(), case).await?.id));
    }
    for media in &args.media {
        let id: MediaId = media.parse().with_context(|| format!("`{media}` is not a media id"))?;
        out.push(Target::Media(id));
    }
    for document in &args.documents {
        let id: DocumentId = document.parse().with_context(|| format!("`{document}` is not a document id"))?;
        out.push(Target::Document(id));
    }
    if out.is_empty() {
        bail!("name at least one record: --case NUMBER, --media MEDIA_ID or --document DOCUMENT_ID");
    }
    Ok(out)
}

fn time(instance: &Instance, text: Option<&str>, upper: bool) -> anyhow::Result<Option<Timestamp>> {
    text.map(|text| parse_bound(text, instance.config.ingest.offset()?, upper)).transpose()
}

fn china(instance: &Instance, at: Timestamp) -> String {
    let offset = instance.config.ingest.offset().unwrap_or(jiff::tz::Offset::UTC);
    at.to_zoned(jiff::tz::TimeZone::fixed(offset)).strftime("%Y-%m-%d %H:%M").to_string()
}

pub async fn access(instance: &Instance, command: AccessCommand) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let store = instance.store.as_ref();
    match command {
        AccessCommand::Request { user: login, targets: wanted, purpose, mode, reason, on_behalf_of, from, until, json } => {
            let requester = user(instance, &login).await?;
            let request = NewAccessRequest {
                targets: targets(instance, &wanted).await?,
                purpose: purpose.parse::<Purpose>()?,
                mode: mode.parse::<AccessMode>()?,
                reason,
                on_behalf_of,
                from: time(instance, from.as_deref(), false)?,
                until: time(instance, until.as_deref(), true)?,
            };
            let filed = access::file_request(&instance.ledger, &requester, request, now).await?;
            if json {
                print_json(&filed)?;
            } else {
                println!(
                    "已提交调阅申请 filed access request {} ({} {}), awaiting approval",
                    filed.id,
                    filed.purpose.label(),
                    filed.mode.label()
                );
                println!("  approve: liuhen access approve {} --user LEADER", filed.id);
            }
        }
        AccessCommand::Approve { id, user: login, opinion, until, json } => {
            let approver = user(instance, &login).await?;
            let id: AccessRequestId = id.parse().with_context(|| format!("`{id}` is not an access request id"))?;
            let decision = Decision { approved: true, reason: opinion, granted_until: time(instance, until.as_deref(), true)? };
            let file = access::decide(&instance.ledger, &approver, id, decision, now).await?;
            if json {
                print_json(&file)?;
            } else {
                let until = file.decision.as_ref().and_then(|d| d.granted_until).unwrap_or(file.request.until);
                println!(
                    "已批准 approved {id}: {} may {} until {}",
                    file.request.requester_name,
                    file.request.mode.label(),
                    china(instance, until)
                );
            }
        }
        AccessCommand::Refuse { id, user: login, opinion, json } => {
            let approver = user(instance, &login).await?;
            let id: AccessRequestId = id.parse().with_context(|| format!("`{id}` is not an access request id"))?;
            let file =
                access::decide(&instance.ledger, &approver, id, Decision { approved: false, reason: opinion, granted_until: None }, now)
                    .await?;
            if json {
                print_json(&file)?;
            } else {
                println!("未批准 refused {id}");
            }
        }
        AccessCommand::List { user: login, json } => {
            let requester = match login {
                Some(login) => Some(user(instance, &login).await?.id),
                None => None,
            };
            let files = store.access_files(requester).await?;
            if json {
                let rows: Vec<_> = files.iter().map(|file| json!({ "file": file, "state": file.state(now) })).collect();
                print_json(&rows)?;
            } else if files.is_empty() {
                println!("没有调阅申请 no access requests");
            } else {
                for file in &files {
                    println!(
                        "{}  {}  {} {}  {}  {} – {}  {}",
                        file.request.id,
                        file.state(now).label(),
                        file.request.purpose.label(),
                        file.request.mode.label(),
                        file.request.requester_name,
                        china(instance, file.request.from),
                        china(instance, file.request.until),
                        file.request.reason
                    );
                }
            }
        }
        AccessCommand::Form { id, out } => {
            let id: AccessRequestId = id.parse().with_context(|| format!("`{id}` is not an access request id"))?;
            let file = access::request(store, id).await?;
            let printer = crate::commands::case::printer(instance)?;
            let pdf = liuhen_custody::access::requisition_pdf(store, &printer, &file).await?;
            std::fs::write(&out, &pdf).with_context(|| format!("cannot write {}", out.display()))?;
            println!("已生成调用单 written {} ({} bytes)", out.display(), pdf.len());
        }
        AccessCommand::Check { user: login, targets: wanted, copy } => {
            let reader = user(instance, &login).await?;
            let mode = if copy { AccessMode::Copy } else { AccessMode::View };
            let mut refused = false;
            for target in targets(instance, &wanted).await? {
                match access::authorize(store, &reader, target, mode, now).await {
                    Ok(basis) => println!("{target}: 可以 allowed ({})", serde_json::to_string(&basis)?),
                    Err(error) => {
                        refused = true;
                        println!("{target}: 不可以 refused: {error}");
                    }
                }
            }
            if refused {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn mark(instance: &Instance, args: MarkArgs) -> anyhow::Result<ExitCode> {
    let mark: Classification = args.mark.parse()?;
    for target in targets(instance, &args.targets).await? {
        access::mark(&instance.ledger, target, mark, args.lift, &args.note, &console_actor(), Timestamp::now()).await?;
        println!("{} {target}: {} ({mark})", if args.lift { "已解除 lifted" } else { "已标记 marked" }, mark.label());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn hold(instance: &Instance, command: HoldCommand) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    match command {
        HoldCommand::Place { targets: wanted, reason, note, json } => {
            let reason: HoldReason = reason.parse()?;
            let mut placed = Vec::new();
            for target in targets(instance, &wanted).await? {
                placed.push(retention::place_hold(&instance.ledger, target, reason, &note, &console_actor(), now).await?);
            }
            if json {
                print_json(&placed)?;
            } else {
                for hold in &placed {
                    println!("已冻结 hold {} placed on {} ({})", hold.id, hold.target, hold.reason.label());
                }
            }
        }
        HoldCommand::Release { id, note } => {
            let id: HoldId = id.parse().with_context(|| format!("`{id}` is not a hold id"))?;
            let hold = retention::release_hold(&instance.ledger, id, &note, &console_actor(), now).await?;
            println!("已解除冻结 hold {} on {} released", hold.id, hold.target);
        }
        HoldCommand::List { json } => {
            let holds = instance.store.legal_holds().await?;
            if json {
                print_json(&holds)?;
            } else if holds.is_empty() {
                println!("没有冻结 no holds");
            } else {
                for hold in &holds {
                    let state = if hold.in_force() { "冻结中 in force" } else { "已解除 released" };
                    println!(
                        "{}  {state}  {}  {}  {}  {}",
                        hold.id,
                        hold.target,
                        hold.reason.label(),
                        china(instance, hold.placed_at),
                        hold.note
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn pack(instance: &Instance) -> anyhow::Result<liuhen_core::pack::PolicyPack> {
    instance
        .config
        .policy_pack()?
        .context("no policy pack is in force, so no retention periods are known: choose one with `liuhen pack use ID`")
}

pub async fn retention(instance: &Instance, command: RetentionCommand) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let store = instance.store.as_ref();
    match command {
        RetentionCommand::List { expired, json } => {
            let pack = pack(instance)?;
            let records =
                if expired { retention::expired(store, &pack, now).await? } else { retention::retention_of_all(store, &pack).await? };
            if json {
                print_json(&records)?;
            } else {
                for record in &records {
                    let class = record.expiry.class.map(|c| format!("{c:?}").to_lowercase()).unwrap_or_else(|| "—".into());
                    let until = match (record.disposed_at, record.expiry.expires_at) {
                        (Some(at), _) => format!("已销毁 disposed {}", china(instance, at)),
                        (None, Some(at)) => china(instance, at),
                        (None, None) => record.expiry.kept_because.clone().unwrap_or_default(),
                    };
                    let held = if record.expiry.holds.is_empty() { "" } else { "  冻结 held" };
                    println!("{}  {}  {class}  {until}{held}", record.media.id, record.media.original_name.as_deref().unwrap_or("—"));
                }
            }
        }
        RetentionCommand::Run { dry_run, json } => {
            let pack = pack(instance)?;
            if dry_run {
                let expired = retention::expired(store, &pack, now).await?;
                let approved = retention::approved_pending(store).await?;
                let waiting = retention::awaiting_approval(store).await?;
                if json {
                    print_json(&json!({ "expired": expired, "approved_lists": approved, "lists_awaiting_approval": waiting }))?;
                } else {
                    println!("已到期 expired and not on a list: {}", expired.len());
                    for record in &expired {
                        println!(
                            "  {}  {}  sha256 {}",
                            record.media.id,
                            record.media.original_name.as_deref().unwrap_or("—"),
                            record.media.sha256
                        );
                    }
                    println!("待执行 approved lists to carry out: {}; 待审批 lists awaiting approval: {}", approved.len(), waiting.len());
                    println!("(dry run: nothing was changed)");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let mut reports = Vec::new();
            for list in retention::approved_pending(store).await? {
                reports.push(retention::dispose(&instance.ledger, &instance.vault, &pack, list.id, &console_actor(), now).await?);
            }
            let proposed = retention::propose(&instance.ledger, &pack, &console_actor(), now).await?;
            if json {
                print_json(&json!({ "carried_out": reports, "proposed": proposed }))?;
            } else {
                for report in &reports {
                    println!(
                        "销毁清单 list {}: {} disposed, {} finished, {} kept",
                        report.list.map(|l| l.to_string()).unwrap_or_default(),
                        report.disposed.len(),
                        report.finished.len(),
                        report.kept.len()
                    );
                    for (media, why) in &report.kept {
                        println!("  kept {media}: {why}");
                    }
                }
                match &proposed {
                    Some(list) => println!(
                        "已提出销毁清单 proposed disposal list {} of {} expired record(s); it needs approval: liuhen retention approve {} --user LEADER --opinion …",
                        list.id,
                        list.media.len(),
                        list.id
                    ),
                    None => println!("没有新到期的记录 nothing else has expired"),
                }
            }
        }
        RetentionCommand::Lock { all, json } => {
            let support = instance.vault.object_lock_support().await?;
            if !support.enabled() {
                if json {
                    print_json(&json!({ "object_lock": support.describe(), "locked": null }))?;
                } else {
                    println!("{}", support.describe());
                }
                return Ok(ExitCode::from(1));
            }
            let pack = pack(instance)?;
            let report = retention::lock_blobs(&instance.ledger, &instance.vault, &pack, &console_actor(), now, all).await?;
            if json {
                print_json(&json!({ "object_lock": support.describe(), "locked": report, "complete": report.complete() }))?;
            } else {
                println!("{}", support.describe());
                println!(
                    "已锁定 {} record(s) looked at: retain-until set on {}, legal hold put on {} and taken off {}, {} already as needed",
                    report.records, report.dated, report.held, report.released, report.unchanged
                );
                if let Some(problems) = report.problems() {
                    println!("未完成 not complete: {problems}");
                }
            }
            if !report.complete() {
                return Ok(ExitCode::from(1));
            }
        }
        RetentionCommand::Approve { id, user: login, opinion } => {
            let approver = user(instance, &login).await?;
            let id: DisposalId = id.parse().with_context(|| format!("`{id}` is not a disposal list id"))?;
            let list = retention::approve(&instance.ledger, &approver, id, &opinion, now).await?;
            println!("已批准 approved disposal list {} ({} records); `liuhen retention run` carries it out", list.id, list.media.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Brings the Object Lock of the vault's blobs up to date after a command
/// recorded something, when the vault is a bucket with Object Lock and a
/// pack is in force; a failure is reported, never fatal to what was recorded.
pub async fn lock_quietly(instance: &Instance) {
    if !matches!(instance.vault.location(), liuhen_vault::VaultLocation::S3(_)) {
        return;
    }
    let Ok(Some(pack)) = instance.config.policy_pack() else { return };
    match instance.vault.object_lock_support().await {
        Ok(support) if support.enabled() => {}
        Ok(_) => return,
        Err(error) => {
            eprintln!("注意 note: the bucket's Object Lock could not be checked, so no blob was locked: {error}. `liuhen retention lock` does it later");
            return;
        }
    }
    match retention::lock_blobs(&instance.ledger, &instance.vault, &pack, retention::LOCKER_ACTOR, Timestamp::now(), false).await {
        Ok(report) => {
            if report.changed() {
                eprintln!(
                    "对象锁定 object lock: retain-until set on {} blob(s), legal hold put on {} and taken off {}",
                    report.dated, report.held, report.released
                );
            }
            if let Some(problems) = report.problems() {
                eprintln!("注意 note: the blobs' Object Lock is not all up to date: {problems}. `liuhen retention lock` tries again");
            }
        }
        Err(error) => eprintln!(
            "注意 note: the blobs' Object Lock was not brought up to date: {error}. Run `liuhen retention lock` once the bucket answers"
        ),
    }
}

pub async fn export(instance: &Instance, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let case = liuhen_cases::find_case(instance.store.as_ref(), &args.case).await?;
    let mut records = Vec::new();
    for record in &args.records {
        records.push(record.parse::<MediaId>().with_context(|| format!("`{record}` is not a media id"))?);
    }
    let grant = args
        .grant
        .as_deref()
        .map(|g| g.parse::<AccessRequestId>().with_context(|| format!("`{g}` is not an access request id")))
        .transpose()?;
    let pack = pack(instance)?;
    let printer = crate::commands::case::printer(instance)?;
    let exporter = Exporter {
        ledger: &instance.ledger,
        vault: &instance.vault,
        printer: &printer,
        pack: &pack,
        zone: jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?),
    };
    let spec =
        ExportSpec { case: case.id, records, purpose: args.purpose.parse()?, grant, recipient: args.recipient, out: args.out.clone() };
    let summary = package::export(&exporter, spec, &console_actor(), Timestamp::now()).await?;
    let check = package::verify_package(&args.out, &instance.ledger.verifier_keys())?;
    if !check.ok() {
        bail!("the package just made does not verify: {}", check.problems.join("; "));
    }
    if let Some(iso) = &args.iso {
        package::write_iso(&args.out, iso, &case.number).context("leave out --iso to make the package without an image")?;
    }
    if args.json {
        print_json(&json!({ "summary": summary, "check": check, "iso": args.iso }))?;
    } else {
        println!(
            "已生成证据包 package {} written to {}: {} files, {} ledger entries with proofs against checkpoint {}",
            summary.record.id,
            summary.out.display(),
            summary.files,
            summary.entries,
            summary.record.checkpoint_size
        );
        println!("  tagmanifest sha256 {}", summary.record.tagmanifest_sha256);
        if let Some(iso) = &args.iso {
            println!("  光盘镜像 ISO image {}", iso.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify_package(args: VerifyPackageArgs) -> anyhow::Result<ExitCode> {
    let check = package::verify_package(&args.dir, &args.keys)?;
    if args.json {
        print_json(&check)?;
    } else {
        if check.ok() {
            println!(
                "证据包完好 package verified: {} files match both manifests, {} ledger entries proven in the checkpoint of {} (size {}), signature good",
                check.files_checked,
                check.proofs_checked,
                check.origin.as_deref().unwrap_or("?"),
                check.checkpoint_size.unwrap_or(0)
            );
        } else {
            println!("证据包有问题 the package does NOT verify:");
            for problem in &check.problems {
                println!("  - {problem}");
            }
        }
        if check.key_source == "package" {
            println!("注意 note: the key was taken from the package itself; pass --key with the agency's published key to rule out a forged package");
        }
    }
    Ok(if check.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub async fn redact(instance: &Instance, args: RedactArgs) -> anyhow::Result<ExitCode> {
    let reviewer = user(instance, &args.reviewer).await?;
    let source = match (&args.media, &args.document) {
        (Some(media), None) => Target::Media(media.parse().with_context(|| format!("`{media}` is not a media id"))?),
        (None, Some(document)) => Target::Document(document.parse().with_context(|| format!("`{document}` is not a document id"))?),
        _ => bail!("name the record to copy: --media MEDIA_ID or --document DOCUMENT_ID"),
    };
    let mut operations = Vec::new();
    for text in &args.operations {
        operations.push(text.parse::<liuhen_core::redaction::RedactOp>()?);
    }
    let request = args
        .request
        .as_deref()
        .map(|r| r.parse::<AccessRequestId>().with_context(|| format!("`{r}` is not an access request id")))
        .transpose()?;
    let printer = crate::commands::case::printer(instance)?;
    let scratch = instance.config.data_dir.join("tmp");
    let (media, redaction) = liuhen_custody::redaction::make_party_copy(
        &instance.ledger,
        &instance.vault,
        &printer,
        &reviewer,
        liuhen_custody::redaction::NewPartyCopy { source, operations, reason: args.reason, request },
        &scratch,
        Timestamp::now(),
    )
    .await?;
    if args.json {
        print_json(&json!({ "media": media, "redaction": redaction }))?;
    } else {
        println!(
            "已生成当事人查阅副本 party copy {} ({}, sha256 {}) of {}; the original is unchanged",
            media.id,
            media.original_name.as_deref().unwrap_or("—"),
            media.sha256,
            redaction.source
        );
    }
    Ok(ExitCode::SUCCESS)
}
