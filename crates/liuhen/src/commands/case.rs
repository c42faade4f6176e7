//! `liuhen case …`: open cases and move them through their stages.
//!
//! Every change is a ledger entry (`case.opened`, `case.stage`); nothing is
//! edited in place. The stage rules live in `liuhen_core::case`, and each
//! refusal names the article it enforces.

use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::case::{check_link, check_new_case, Case, Party, PartyKind, Progress, RecordedItem, RecordingLink, Stage, StageStep, Step};
use liuhen_core::entity::Officer;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::CaseId;
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::LedgerError;
use liuhen_store::StoreError;
use serde::Serialize;

use crate::cli::{CaseCommand, CaseNewArgs};
use crate::instance::{console_actor, Instance};

/// Longest free text accepted in a field (a matter, a note), in characters.
const MAX_TEXT: usize = 2000;
/// Longest name or number, in characters.
const MAX_NAME: usize = 200;

pub async fn run(instance: &Instance, command: CaseCommand) -> anyhow::Result<ExitCode> {
    match command {
        CaseCommand::New(args) => new(instance, args).await,
        CaseCommand::Stage { case, to, note, json } => stage(instance, &case, &to, note.as_deref().unwrap_or(""), json).await,
        CaseCommand::Show { case, json } => show(instance, &case, json).await,
        CaseCommand::Link { case, media, stage, item, location, label, json } => {
            link(instance, &case, &media, &stage, &item, &location, &label, json).await
        }
        CaseCommand::List { json } => list(instance, json).await,
    }
}

fn check_text(what: &str, text: &str, limit: usize) -> anyhow::Result<String> {
    let text = text.trim();
    if text.chars().count() > limit {
        bail!("{what} is longer than {limit} characters; shorten it (attach long texts as documents)");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        bail!("{what} contains control characters; remove them");
    }
    Ok(text.to_owned())
}

/// Reads `person:姓名[:证件号]` or `organisation:名称[:统一社会信用代码]`.
fn parse_party(text: &str) -> anyhow::Result<Party> {
    let mut parts = text.splitn(3, ':');
    let kind = match parts.next().unwrap_or("").trim() {
        "person" | "个人" => PartyKind::Person,
        "organisation" | "organization" | "单位" => PartyKind::Organisation,
        other => bail!("party `{text}`: `{other}` is not person or organisation; write person:姓名[:证件号] or organisation:名称[:代码]"),
    };
    let name = check_text("a party's name", parts.next().unwrap_or(""), MAX_NAME)?;
    if name.is_empty() {
        bail!("party `{text}` has no name");
    }
    let id_number = match parts.next().map(str::trim).filter(|number| !number.is_empty()) {
        Some(number) => Some(check_text("a party's ID number", number, 64)?),
        None => None,
    };
    Ok(Party { kind, name, id_number })
}

async fn new(instance: &Instance, args: CaseNewArgs) -> anyhow::Result<ExitCode> {
    let officers = instance.store.officers().await?;
    let find = |badge: &str| -> anyhow::Result<Officer> {
        officers
            .iter()
            .find(|officer| officer.badge_no == badge)
            .cloned()
            .with_context(|| format!("there is no officer with badge number {badge}; `liuhen officer list` shows the officers"))
    };
    let lead = find(&args.lead)?;
    let mut handlers = vec![lead.clone()];
    for badge in &args.handlers {
        let officer = find(badge)?;
        if !handlers.iter().any(|known| known.id == officer.id) {
            handlers.push(officer);
        }
    }
    let unit_id = match &args.unit {
        Some(code) => instance.store.units().await?.into_iter().find(|unit| &unit.code == code).with_context(|| format!("there is no unit with code {code}"))?.id,
        None => lead.unit_id,
    };
    let parties = args.parties.iter().map(|party| parse_party(party)).collect::<anyhow::Result<Vec<_>>>()?;
    let matter = check_text("the matter", &args.matter, MAX_TEXT)?;
    let opened_at = Timestamp::now();
    let number = match &args.number {
        Some(number) => check_text("the case number", number, MAX_NAME)?,
        None => {
            let count = instance.store.cases().await?.len() + 1;
            format!("{}-{}-{count:04}", args.kind.label_zh(), opened_at.to_zoned(jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?)).year())
        }
    };
    if number.is_empty() {
        bail!("the case number is empty");
    }
    let agency = super::directory::the_agency(instance).await?;
    let case = Case {
        id: CaseId::new(),
        agency_id: agency.id,
        unit_id,
        number,
        act_kind: args.kind.into(),
        procedure: args.procedure.into(),
        source: args.source.into(),
        matter,
        parties,
        lead_officer: lead.id,
        handlers: handlers.iter().map(|officer| officer.id).collect(),
        opened_at,
    };
    check_new_case(&case, &handlers)?;
    let draft = EntryDraft::new(console_actor(), action::CASE_OPENED).subject(case.id.subject()).payload(serde_json::json!({
        "number": case.number, "act_kind": case.act_kind, "procedure": case.procedure, "source": case.source,
        "matter": case.matter, "lead_officer": case.lead_officer, "handlers": case.handlers, "parties": case.parties.len(),
    }));
    match instance.ledger.record(draft, vec![Mutation::CreateCase(Box::new(case.clone()))]).await {
        Ok(_) => {}
        Err(LedgerError::Store(StoreError::Conflict(_))) => bail!("a case numbered {} exists already; choose another number", case.number),
        Err(error) => return Err(error.into()),
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&case)?);
    } else {
        println!("已立案登记 opened case {} ({}, {})", case.number, case.act_kind.label_zh(), case.id);
        println!("下一环节 first stage: {}", case.act_kind.general_stages()[0].label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

async fn find_case(instance: &Instance, reference: &str) -> anyhow::Result<Case> {
    if let Ok(id) = reference.parse::<CaseId>() {
        if let Some(case) = instance.store.case(id).await? {
            return Ok(case);
        }
    }
    instance.store.case_by_number(reference).await?.with_context(|| format!("there is no case {reference}; `liuhen case list` shows the cases"))
}

async fn stage(instance: &Instance, reference: &str, to: &str, note: &str, json: bool) -> anyhow::Result<ExitCode> {
    let case = find_case(instance, reference).await?;
    let stage = Stage::parse(to).with_context(|| {
        format!(
            "`{to}` is not a stage; a {} case's stages are {}",
            case.act_kind.label_zh(),
            case.act_kind.general_stages().iter().chain(case.act_kind.special_stages()).map(|stage| stage.label_zh()).collect::<Vec<_>>().join("、")
        )
    })?;
    let note = check_text("the note", note, MAX_TEXT)?;
    let steps = instance.store.case_steps(case.id).await?;
    let progress = Progress::of(&case, &steps);
    let step = progress.check(&case, stage)?;
    let recorded = StageStep {
        case_id: case.id,
        sequence: u32::try_from(steps.len()).context("a case has too many steps")?,
        step,
        at: Timestamp::now(),
        by: console_actor(),
        note,
    };
    let draft = EntryDraft::new(recorded.by.clone(), action::CASE_STAGE).subject(case.id.subject()).payload(serde_json::json!({
        "sequence": recorded.sequence, "step": recorded.step, "note": recorded.note,
    }));
    match instance.ledger.record(draft, vec![Mutation::RecordStageStep(recorded.clone())]).await {
        Ok(_) => {}
        Err(LedgerError::Store(StoreError::Conflict(_))) => {
            bail!("someone recorded a step of case {} at the same moment; look at it again (`liuhen case show`) and retry", case.number)
        }
        Err(error) => return Err(error.into()),
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&recorded)?);
    } else {
        let verb = match recorded.step {
            Step::Enter { .. } => "进入 entered",
            Step::Resume { .. } => "恢复 resumed in",
        };
        println!("{} {verb} {}", case.number, stage.label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
async fn link(instance: &Instance, reference: &str, media: &str, stage: &str, item: &str, location: &str, label: &str, json: bool) -> anyhow::Result<ExitCode> {
    let case = find_case(instance, reference).await?;
    let stage = Stage::parse(stage).with_context(|| format!("`{stage}` is not a stage"))?;
    let item = RecordedItem::parse(item).with_context(|| {
        format!("`{item}` is not a recorded item; use one of {}", RecordedItem::ALL.map(RecordedItem::label_zh).join("、"))
    })?;
    let location = check_text("the location", location, MAX_NAME)?;
    let label = check_text("the label", label, MAX_NAME)?;
    if location.is_empty() || label.is_empty() {
        bail!("say where it was recorded (--location) and label it (--label)");
    }
    let media_record = match media.parse::<liuhen_core::id::MediaId>() {
        Ok(id) => instance.store.media(id).await?,
        Err(_) => match media.parse::<liuhen_core::digest::Sha256Digest>() {
            Ok(sha256) => instance.store.media_by_sha256(&sha256).await?,
            Err(_) => bail!("`{media}` is neither a media id nor a SHA-256"),
        },
    };
    let media_record = media_record.with_context(|| format!("no stored file is {media}"))?;
    let recording = instance
        .store
        .recording(media_record.id)
        .await?
        .with_context(|| format!("{media} is stored but was not offloaded from a device, so it is not an AV record to link"))?;
    let steps = instance.store.case_steps(case.id).await?;
    check_link(&case, &steps, stage)?;
    let link = RecordingLink {
        case_id: case.id,
        media_id: recording.media_id,
        stage,
        item,
        location,
        label,
        recording_end: recording.corrected_end.or(recording.corrected_start),
        linked_at: Timestamp::now(),
        linked_by: console_actor(),
    };
    let draft = EntryDraft::new(link.linked_by.clone(), action::RECORDING_LINKED)
        .subject(case.id.subject())
        .subject(link.media_id.subject())
        .payload(serde_json::json!({
            "stage": link.stage, "item": link.item, "location": link.location, "label": link.label, "delay_ms": link.delay_ms(),
        }));
    match instance.ledger.record(draft, vec![Mutation::LinkRecording(Box::new(link.clone()))]).await {
        Ok(_) => {}
        Err(LedgerError::Store(StoreError::Conflict(_))) => bail!("this recording is already linked to case {} at {}", case.number, stage.label_zh()),
        Err(error) => return Err(error.into()),
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&link)?);
    } else {
        let delay = link.delay_ms().map(|ms| format!("，录制结束后 {} 关联", super::ingest::human_duration(ms))).unwrap_or_default();
        println!("已关联 linked {} → {} {}{delay}", media_record.sha256, case.number, stage.label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct CaseView {
    case: Case,
    steps: Vec<StageStep>,
    links: Vec<RecordingLink>,
    current_stage: Option<Stage>,
    suspended_in: Option<Stage>,
    concluded: bool,
    /// The general stages not yet reached, in order.
    remaining_stages: Vec<Stage>,
}

async fn view(instance: &Instance, case: Case) -> anyhow::Result<CaseView> {
    let steps = instance.store.case_steps(case.id).await?;
    let progress = Progress::of(&case, &steps);
    let general = case.act_kind.general_stages();
    let reached = progress.general.and_then(|stage| general.iter().position(|candidate| *candidate == stage));
    let remaining_stages = general[reached.map_or(0, |reached| reached + 1)..].to_vec();
    let links = instance.store.case_links(case.id).await?;
    Ok(CaseView { current_stage: progress.current, suspended_in: progress.suspended_in, concluded: progress.concluded, remaining_stages, case, steps, links })
}

async fn show(instance: &Instance, reference: &str, json: bool) -> anyhow::Result<ExitCode> {
    let case = find_case(instance, reference).await?;
    let view = view(instance, case).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    let case = &view.case;
    println!("案号 {}  {}  {}", case.number, case.act_kind.label_zh(), case.matter);
    println!("当前环节 stage: {}{}", view.current_stage.map_or("（未开始 not started）", Stage::label_zh), if view.concluded { "（已终结 concluded）" } else { "" });
    for step in &view.steps {
        let (verb, stage) = match step.step {
            Step::Enter { stage } => ("进入", stage),
            Step::Resume { stage } => ("恢复", stage),
        };
        println!("  {:>3}  {}  {verb} {}  {}", step.sequence, step.at, stage.label_zh(), step.note);
    }
    for link in &view.links {
        println!("  音像 AV  {}  {}  {}  {}  {}", link.stage.label_zh(), link.item.label_zh(), link.location, link.label, link.media_id);
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(instance: &Instance, json: bool) -> anyhow::Result<ExitCode> {
    for case in instance.store.cases().await? {
        let view = view(instance, case).await?;
        if json {
            println!("{}", serde_json::to_string(&view)?);
        } else {
            println!("{}\t{}\t{}\t{}", view.case.number, view.case.act_kind.label_zh(), view.current_stage.map_or("-", Stage::label_zh), view.case.matter);
        }
    }
    Ok(ExitCode::SUCCESS)
}
