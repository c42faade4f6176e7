//! `liuhen case …`: open cases and move them through their stages.
//!
//! Every change is a ledger entry (`case.opened`, `case.stage`); nothing is
//! edited in place. The stage rules live in `liuhen_core::case`, and each
//! refusal names the article it enforces.

use std::process::ExitCode;

use anyhow::{bail, Context};
use liuhen_cases::{CaseView, NewCase, NewLink};
use liuhen_core::case::{Party, PartyKind, RecordedItem, Stage, Step};

use crate::cli::{CaseCommand, CaseNewArgs, ComplaintCommand, DocCommand};
use crate::instance::{console_actor, Instance};

pub async fn run(instance: &Instance, command: CaseCommand) -> anyhow::Result<ExitCode> {
    match command {
        CaseCommand::New(args) => new(instance, args).await,
        CaseCommand::Stage { case, to, note, emergency, json } => {
            stage(instance, &case, &to, note.as_deref().unwrap_or(""), emergency, json).await
        }
        CaseCommand::Approve { case, matter, role, officer, opinion, reject, json } => {
            let case = liuhen_cases::find_case(instance.store.as_ref(), &case).await?;
            let request = liuhen_cases::NewApproval { matter: matter.into(), role: role.into(), officer, opinion, approved: !reject };
            let approval = liuhen_cases::approve(&instance.ledger, &case, request, &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&approval)?);
            } else {
                let verdict = if approval.approved { "同意 agrees" } else { "不同意 disagrees" };
                println!("{} {}: {verdict} — {}", case.number, approval.role.label_zh(), approval.opinion);
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Show { case, json } => show(instance, &case, json).await,
        CaseCommand::List { json } => list(instance, json).await,
        CaseCommand::Doc(command) => doc(instance, command).await,
        CaseCommand::Index { case, out } => {
            let case = liuhen_cases::find_case(instance.store.as_ref(), &case).await?;
            let bytes = liuhen_cases::case_index_pdf(instance.store.as_ref(), &printer(instance)?, &case).await?;
            audit_print(instance, liuhen_core::access::Target::Case(case.id), bytes.len()).await?;
            write_pdf(&out, &bytes)
        }
        CaseCommand::Archive { case, note, json } => {
            let case = liuhen_cases::find_case(instance.store.as_ref(), &case).await?;
            let step = liuhen_cases::archive_case(&instance.ledger, &case, note.as_deref().unwrap_or(""), &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&step)?);
            } else {
                println!("{} 已归档 archived", case.number);
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Link { case, media, stage, item, location, label, json } => {
            link(instance, &case, NewLinkText { media, stage, item, location, label }, json).await
        }
    }
}

/// Reads `person:姓名[:证件号]` or `organisation:名称[:统一社会信用代码]`.
fn parse_party(text: &str) -> anyhow::Result<Party> {
    let mut parts = text.splitn(3, ':');
    let kind = match parts.next().unwrap_or("").trim() {
        "person" | "个人" => PartyKind::Person,
        "organisation" | "organization" | "单位" => PartyKind::Organisation,
        other => bail!("party `{text}`: `{other}` is not person or organisation; write person:姓名[:证件号] or organisation:名称[:代码]"),
    };
    let name = parts.next().unwrap_or("").to_owned();
    let id_number = parts.next().map(str::to_owned);
    Ok(Party { kind, name, id_number })
}

async fn new(instance: &Instance, args: CaseNewArgs) -> anyhow::Result<ExitCode> {
    let request = NewCase {
        act_kind: args.kind.into(),
        procedure: args.procedure.into(),
        source: args.source.into(),
        matter: args.matter,
        number: args.number,
        unit_code: args.unit,
        lead: args.lead,
        handlers: args.handlers,
        parties: args.parties.iter().map(|party| parse_party(party)).collect::<anyhow::Result<_>>()?,
    };
    let agency = super::directory::the_agency(instance).await?;
    let year = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?)).year();
    let case = liuhen_cases::open_case(&instance.ledger, request, &console_actor(), agency.id, year).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&case)?);
    } else {
        println!("已立案登记 opened case {} ({}, {})", case.number, case.act_kind.label_zh(), case.id);
        println!("下一环节 first stage: {}", case.act_kind.general_stages()[0].label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

async fn stage(instance: &Instance, reference: &str, to: &str, note: &str, emergency: bool, json: bool) -> anyhow::Result<ExitCode> {
    let case = liuhen_cases::find_case(instance.store.as_ref(), reference).await?;
    let stage = Stage::parse(to).with_context(|| {
        format!(
            "`{to}` is not a stage; a {} case's stages are {}",
            case.act_kind.label_zh(),
            case.act_kind
                .general_stages()
                .iter()
                .chain(case.act_kind.special_stages())
                .map(|stage| stage.label_zh())
                .collect::<Vec<_>>()
                .join("、")
        )
    })?;
    let recorded = liuhen_cases::enter_stage(&instance.ledger, &case, stage, note, emergency, &console_actor()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&recorded)?);
    } else {
        let verb = match recorded.step {
            Step::Enter { .. } => "进入 entered",
            Step::Resume { .. } => "恢复 resumed in",
            Step::Archive => "归档 archived",
        };
        println!("{} {verb} {}", case.number, stage.label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

/// A link as typed on the command line, before its names are read.
struct NewLinkText {
    media: String,
    stage: String,
    item: String,
    location: String,
    label: String,
}

async fn link(instance: &Instance, reference: &str, text: NewLinkText, json: bool) -> anyhow::Result<ExitCode> {
    let case = liuhen_cases::find_case(instance.store.as_ref(), reference).await?;
    let stage = Stage::parse(&text.stage).with_context(|| format!("`{}` is not a stage", text.stage))?;
    let item = RecordedItem::parse(&text.item).with_context(|| {
        format!("`{}` is not a recorded item; use one of {}", text.item, RecordedItem::ALL.map(RecordedItem::label_zh).join("、"))
    })?;
    let request = NewLink { media: text.media, stage, item, location: text.location, label: text.label };
    let link = liuhen_cases::link_recording(&instance.ledger, &case, request, &console_actor()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&link)?);
    } else {
        let delay = link.delay_ms().map(|ms| format!("，录制结束后 {} 关联", super::ingest::human_duration(ms))).unwrap_or_default();
        println!("已关联 linked {} → {} {}{delay}", link.media_id, case.number, stage.label_zh());
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(instance: &Instance, reference: &str, json: bool) -> anyhow::Result<ExitCode> {
    let case = liuhen_cases::find_case(instance.store.as_ref(), reference).await?;
    let view = liuhen_cases::view(instance.store.as_ref(), case).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_view(&view, jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?));
    Ok(ExitCode::SUCCESS)
}

fn print_view(view: &CaseView, zone: jiff::tz::TimeZone) {
    let local = |at: jiff::Timestamp| at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
    let case = &view.case;
    println!("案号 {}  {}  {}", case.number, case.act_kind.label_zh(), case.matter);
    println!(
        "当前环节 stage: {}{}",
        view.current_stage.map_or("（未开始 not started）", Stage::label_zh),
        if view.concluded { "（已终结 concluded）" } else { "" }
    );
    for step in &view.steps {
        let (verb, stage) = match step.step {
            Step::Enter { stage } => ("进入", stage.label_zh()),
            Step::Resume { stage } => ("恢复", stage.label_zh()),
            Step::Archive => ("归档", ""),
        };
        println!("  {:>3}  {}  {verb} {stage}  {}", step.sequence, local(step.at), step.note);
    }
    for link in &view.links {
        println!("  音像 AV  {}  {}  {}  {}  {}", link.stage.label_zh(), link.item.label_zh(), link.location, link.label, link.media_id);
    }
}

async fn list(instance: &Instance, json: bool) -> anyhow::Result<ExitCode> {
    for case in instance.store.cases().await? {
        let view = liuhen_cases::view(instance.store.as_ref(), case).await?;
        if json {
            println!("{}", serde_json::to_string(&view)?);
        } else {
            println!(
                "{}\t{}\t{}\t{}",
                view.case.number,
                view.case.act_kind.label_zh(),
                view.current_stage.map_or("-", Stage::label_zh),
                view.case.matter
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `name=value` fields.
fn parse_fields(fields: &[String]) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    fields
        .iter()
        .map(|field| {
            let (name, value) = field.split_once('=').with_context(|| format!("the field `{field}` is not name=value"))?;
            Ok((name.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

async fn doc(instance: &Instance, command: DocCommand) -> anyhow::Result<ExitCode> {
    let print = |json: bool, value: &dyn erased::Show| -> anyhow::Result<()> {
        if json {
            println!("{}", value.json()?);
        } else {
            println!("{}", value.line());
        }
        Ok(())
    };
    match command {
        DocCommand::New { case, kind, stage, fields, legal_basis, maker, json } => {
            let case = liuhen_cases::find_case(instance.store.as_ref(), &case).await?;
            let kind = liuhen_core::document::DocumentKind::parse(&kind).with_context(|| {
                format!(
                    "`{kind}` is not a document kind; the kinds are {}",
                    liuhen_core::document::DocumentKind::ALL.map(liuhen_core::document::DocumentKind::label_zh).join("、")
                )
            })?;
            let stage = Stage::parse(&stage).with_context(|| format!("`{stage}` is not a stage"))?;
            let request = liuhen_cases::NewDocument {
                kind,
                stage,
                fields: parse_fields(&fields)?,
                legal_basis: Some(legal_basis),
                made_by: maker,
                touches_rights: false,
            };
            let document = liuhen_cases::make_document(&instance.ledger, &case, request, None, &console_actor()).await?;
            print(json, &document)?;
        }
        DocCommand::Correct { document, reason, fields, legal_basis, touches_rights, maker, json } => {
            let id: liuhen_core::id::DocumentId = document.parse()?;
            let old = instance.store.document(id).await?.with_context(|| format!("there is no document {id}"))?;
            let case = liuhen_cases::find_case(instance.store.as_ref(), &old.case_id.to_string()).await?;
            let request = liuhen_cases::NewDocument {
                kind: old.kind,
                stage: old.stage,
                fields: parse_fields(&fields)?,
                legal_basis,
                made_by: maker,
                touches_rights,
            };
            let document = liuhen_cases::make_document(&instance.ledger, &case, request, Some((id, reason)), &console_actor()).await?;
            print(json, &document)?;
        }
        DocCommand::Sign {
            document,
            officer,
            certificate_shown,
            party,
            witness,
            legal_reviewer,
            leader,
            refused,
            refusal_witness,
            json,
        } => {
            use liuhen_cases::SignerRequest;
            let id: liuhen_core::id::DocumentId = document.parse()?;
            let signer = match (officer, party, witness, legal_reviewer, leader) {
                (Some(badge), ..) => SignerRequest::Officer { badge, certificate_shown },
                (_, Some(name), ..) => SignerRequest::Party { name },
                (_, _, Some(name), ..) => SignerRequest::Witness { name },
                (_, _, _, Some(badge), _) => SignerRequest::LegalReviewer { badge },
                (_, _, _, _, Some(badge)) => SignerRequest::Leader { badge },
                _ => bail!("say who signs: --officer, --party, --witness, --legal-reviewer or --leader"),
            };
            let refusal = refused.map(|reason| liuhen_core::document::Refusal { reason, witness: refusal_witness.unwrap_or_default() });
            let signature =
                liuhen_cases::sign_document(&instance.ledger, id, liuhen_cases::NewSignature { signer, refusal }, &console_actor()).await?;
            print(json, &signature)?;
        }
        DocCommand::Pdf { document, out } => {
            let id: liuhen_core::id::DocumentId = document.parse()?;
            let found = instance.store.document(id).await?.with_context(|| format!("there is no document {id}"))?;
            let case = liuhen_cases::find_case(instance.store.as_ref(), &found.case_id.to_string()).await?;
            let bytes = liuhen_cases::document_pdf(instance.store.as_ref(), &printer(instance)?, &case, id).await?;
            audit_print(instance, liuhen_core::access::Target::Document(id), bytes.len()).await?;
            return write_pdf(&out, &bytes);
        }
        DocCommand::List { case, json } => {
            let case = liuhen_cases::find_case(instance.store.as_ref(), &case).await?;
            for view in liuhen_cases::documents(instance.store.as_ref(), &case).await? {
                if json {
                    println!("{}", serde_json::to_string(&view)?);
                } else {
                    let corrected = if view.superseded_by.is_some() { "（已更正 corrected）" } else { "" };
                    println!(
                        "{}  v{}  {}  {}  {} 签名 signatures{corrected}",
                        view.document.id,
                        view.document.version,
                        view.document.kind.label_zh(),
                        view.document.stage.label_zh(),
                        view.signatures.len()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Printing a document or a signature either way.
mod erased {
    pub trait Show {
        fn json(&self) -> serde_json::Result<String>;
        fn line(&self) -> String;
    }

    impl Show for liuhen_core::document::Document {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string_pretty(self)
        }
        fn line(&self) -> String {
            format!("已制作 made {} v{} ({})", self.kind.label_zh(), self.version, self.id)
        }
    }

    impl Show for liuhen_core::document::Signature {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string_pretty(self)
        }
        fn line(&self) -> String {
            match &self.refusal {
                Some(refusal) => format!("已记录拒签 refusal recorded: {} (见证 witness {})", refusal.reason, refusal.witness),
                None => format!("已签名 signed ({})", self.sequence),
            }
        }
    }
}

pub async fn complaint(instance: &Instance, command: ComplaintCommand) -> anyhow::Result<ExitCode> {
    use liuhen_core::complaint::{Complainant, ComplaintDecision, Notice};
    match command {
        ComplaintCommand::New { channel, content, location, name, phone, id_number, json } => {
            let agency = super::directory::the_agency(instance).await?;
            let request = liuhen_cases::NewComplaint {
                channel: channel.into(),
                complainant: name.map(|name| Complainant { name, phone, id_number }),
                content,
                location,
            };
            let complaint = liuhen_cases::receive_complaint(&instance.ledger, agency.id, request, &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&complaint)?);
            } else {
                println!("已登记投诉举报 complaint registered: {}", complaint.id);
            }
        }
        ComplaintCommand::Decide { complaint, case, no_case, notice, json } => {
            let id: liuhen_core::id::ComplaintId = complaint.parse()?;
            let decision = match (case, no_case) {
                (Some(case), _) => {
                    ComplaintDecision::CaseOpened { case_id: liuhen_cases::find_case(instance.store.as_ref(), &case).await?.id }
                }
                (None, Some(reason)) => ComplaintDecision::NoCase {
                    reason,
                    notice: notice.map(|method| Notice { method, notified_at: jiff::Timestamp::now() }),
                },
                (None, None) => {
                    bail!("say what became of it: --case NUMBER, or --no-case REASON (with --notice METHOD for a named complainant)")
                }
            };
            let outcome = liuhen_cases::decide_complaint(&instance.ledger, id, decision, &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&outcome)?);
            } else {
                println!("已记录处理结果 outcome recorded for {id}");
            }
        }
        ComplaintCommand::List { json } => {
            for (complaint, outcome) in instance.store.complaints().await? {
                if json {
                    println!("{}", serde_json::json!({ "complaint": complaint, "outcome": outcome }));
                } else {
                    let state = match outcome.as_ref().map(|outcome| &outcome.decision) {
                        None => "待处理 pending".to_owned(),
                        Some(ComplaintDecision::CaseOpened { case_id }) => format!("已立案 case {case_id}"),
                        Some(ComplaintDecision::NoCase { reason, .. }) => format!("不立案 no case: {reason}"),
                    };
                    println!("{}  {}  {}  {state}", complaint.id, complaint.received_at, complaint.content);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A printed copy made at the console is a read of the record (`record.read`, kind download).
async fn audit_print(instance: &Instance, target: liuhen_core::access::Target, bytes: usize) -> anyhow::Result<()> {
    let actor = crate::instance::console_actor();
    let kind = liuhen_core::access::ReadKind::Download;
    liuhen_custody::access::audit_read(&instance.ledger, &actor, target, kind, None, Some(bytes as u64), None).await?;
    Ok(())
}

pub(crate) fn printer(instance: &Instance) -> anyhow::Result<liuhen_print::Printer> {
    Ok(liuhen_print::Printer::new(&[], jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?))?)
}

fn write_pdf(out: &std::path::Path, bytes: &[u8]) -> anyhow::Result<ExitCode> {
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!("已生成 written {} ({} bytes)", out.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}
