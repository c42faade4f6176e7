//! `liuhen pack …`, `liuhen compliance …` and `liuhen recording label`:
//! policy packs and the findings checked against the one in force.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::{SignedDuration, Timestamp};
use liuhen_core::case::RecordedItem;
use liuhen_core::compliance::StoredFinding;
use liuhen_core::id::{FindingId, OfficerId, UnitId};
use liuhen_core::pack::{Check, PolicyPack, BUILTIN};
use liuhen_store::FindingQuery;

use crate::cli::{ComplianceArgs, ComplianceCommand, DutyLogCommand, PackCommand, RecordingCommand};
use crate::config::{load_pack, Config, CONFIG_FILE};
use crate::instance::{console_actor, Instance};

/// `liuhen pack list|show|validate`: no instance needed (the one in force
/// is shown when there is one).
pub fn pack_without_instance(data: &Path, config: Option<&Path>, command: &PackCommand) -> anyhow::Result<ExitCode> {
    let in_force = if data.join(CONFIG_FILE).exists() { Config::load(data, config)?.compliance.pack } else { None };
    match command {
        PackCommand::List => {
            println!("{:<16} {:<12} {:>5}  名称 name", "id", "version", "rules");
            for (id, _) in BUILTIN {
                let pack = PolicyPack::builtin(id).expect("listed")?;
                let mark = if in_force.as_deref() == Some(id) { "  ← 当前 in force" } else { "" };
                println!("{:<16} {:<12} {:>5}  {}{mark}", pack.id, pack.version, pack.rules.len(), pack.name);
            }
            if let Some(file) = in_force.filter(|name| PolicyPack::builtin(name).is_none()) {
                println!("当前 in force: {file}");
            }
            Ok(ExitCode::SUCCESS)
        }
        PackCommand::Show { pack, json } => {
            let name = match pack.as_deref().or(in_force.as_deref()) {
                Some(name) => name.to_owned(),
                None => bail!("no policy pack is in force here; name one: `liuhen pack show xiamen-cgj` (`liuhen pack list` lists them)"),
            };
            let pack = load_pack(data, &name)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&pack)?);
            } else {
                print_pack(&pack);
            }
            Ok(ExitCode::SUCCESS)
        }
        PackCommand::Validate { file } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            match PolicyPack::parse(&text, &file.display().to_string()) {
                Ok(pack) => {
                    println!(
                        "有效 valid: {} {} ({}), {} rules, {} retention classes, {} misconduct items",
                        pack.id,
                        pack.version,
                        pack.name,
                        pack.rules.len(),
                        pack.retention.len(),
                        pack.misconduct.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("无效 invalid: {error}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        PackCommand::Use { .. } => unreachable!("needs the instance"),
    }
}

fn print_pack(pack: &PolicyPack) {
    println!("{} {}（{}）", pack.name, pack.version, pack.id);
    println!("执法部门 agency: {}", pack.agency);
    println!("sha256: {}", pack.sha256);
    println!();
    println!("规则 rules:");
    for rule in &pack.rules {
        let parameters = match &rule.check {
            Check::OffloadDeadline { within }
            | Check::LinkDeadline { within }
            | Check::EmergencyApproval { within }
            | Check::ArchiveDeadline { within }
            | Check::CorrectionPending { within } => format!(" ≤ {}", liuhen_core::compliance::duration_zh(*within)),
            Check::InterruptionExplained { window } => format!(" 窗口 {}", liuhen_core::compliance::duration_zh(*window)),
            Check::ClockDrift { threshold } => format!(" 阈值 {}", liuhen_core::compliance::duration_zh(*threshold)),
            Check::MinDevices { min, .. } => format!(" ≥ {min} 部"),
            _ => String::new(),
        };
        println!("  {:<32} [{}] {}{} — {}", rule.id, rule.source.short_zh(), rule.check.name(), parameters, rule.description);
    }
    if !pack.retention.is_empty() {
        println!("保存期限 retention:");
        for class in &pack.retention {
            println!("  {:?} [{}] {}", class.class, class.source.short_zh(), class.description);
        }
    }
    if let Some(naming) = &pack.naming {
        println!("文件命名 naming: {} [{}]", naming.template, naming.source.short_zh());
    }
    if !pack.misconduct.is_empty() {
        println!("执法过错 misconduct:");
        for item in &pack.misconduct {
            println!("  [{}] {} ← {}", item.source.short_zh(), item.description, item.rules.join(", "));
        }
    }
}

/// `liuhen pack use NAME|FILE`.
pub async fn use_pack(instance: &Instance, name: &str) -> anyhow::Result<ExitCode> {
    let (pack, name) = crate::config::adopt_pack(&instance.config.data_dir, name)?;
    let name = name.as_str();
    let path = instance.config.data_dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut table: toml::Table = text.parse().with_context(|| format!("{} is not valid TOML", path.display()))?;
    let section = table.entry("compliance").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(section) = section.as_table_mut() else {
        bail!("[compliance] in {} is not a table; fix the file by hand", path.display());
    };
    section.insert("pack".into(), toml::Value::String(name.to_owned()));
    liuhen_compliance::record_selection(&instance.ledger, &pack, &console_actor()).await?;
    let header: String = text.lines().take_while(|line| line.starts_with('#')).map(|line| format!("{line}\n")).collect();
    std::fs::write(&path, format!("{header}\n{}", toml::to_string_pretty(&table)?))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("现行规范包 pack in force: {} {}（{}）", pack.name, pack.version, pack.id);
    Ok(ExitCode::SUCCESS)
}

pub(super) fn pack_in_force(instance: &Instance) -> anyhow::Result<PolicyPack> {
    instance
        .config
        .policy_pack()?
        .context("no policy pack is in force here; choose one with `liuhen pack use NAME` (`liuhen pack list` lists them)")
}

/// `liuhen compliance …`.
pub async fn run(instance: &Instance, args: ComplianceArgs) -> anyhow::Result<ExitCode> {
    let pack = pack_in_force(instance)?;
    let offset = instance.config.ingest.offset()?;
    let store = instance.store.as_ref();
    match args.command {
        None => {
            let refresh = liuhen_compliance::refresh(&instance.ledger, &pack, Timestamp::now(), &console_actor()).await?;
            let mut query = FindingQuery { open_only: !args.all, ..FindingQuery::default() };
            if let Some(case) = &args.case {
                query.case = Some(liuhen_cases::find_case(store, case).await?.id);
            }
            let units = match &args.unit {
                Some(code) => Some(unit_subtree(instance, code).await?),
                None => None,
            };
            let findings: Vec<StoredFinding> = store
                .findings(&query)
                .await?
                .into_iter()
                .filter(|stored| units.as_ref().is_none_or(|units| stored.finding.unit_id.is_some_and(|unit| units.contains(&unit))))
                .collect();
            if args.json {
                println!("{}", serde_json::to_string_pretty(&findings)?);
            } else {
                println!(
                    "{}（{}）：新发现 {} 项，已整改 {} 项，未整改 {} 项 / raised {}, resolved {}, open {}",
                    pack.name,
                    pack.version,
                    refresh.raised.len(),
                    refresh.resolved.len(),
                    refresh.open,
                    refresh.raised.len(),
                    refresh.resolved.len(),
                    refresh.open
                );
                for stored in &findings {
                    println!(
                        "{}  {}  {}  [{}] {}",
                        stored.id,
                        stored.finding.severity.label_zh(),
                        liuhen_compliance::status_zh(stored),
                        stored.finding.source.short_zh(),
                        stored.finding.message
                    );
                }
            }
            // Exit 1 when something is open, like a linter: scripts can gate on it.
            Ok(if findings.iter().any(|stored| stored.resolution.is_none()) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Some(ComplianceCommand::Deadlines { within, officer, unit, json }) => {
            let horizon = parse_hours(&within)?;
            let mut upcoming = liuhen_compliance::deadlines(store, &pack, Timestamp::now(), horizon).await?;
            if let Some(badge) = officer {
                let officer = officer_by_badge(instance, &badge).await?;
                upcoming.retain(|item| item.officer_id == Some(officer));
            }
            if let Some(code) = unit {
                let units = unit_subtree(instance, &code).await?;
                upcoming.retain(|item| item.unit_id.is_some_and(|unit| units.contains(&unit)));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&upcoming)?);
                return Ok(ExitCode::SUCCESS);
            }
            let officers = store.officers().await?;
            if upcoming.is_empty() {
                println!("{} 内没有到期事项 / nothing falls due within {within}", liuhen_core::compliance::duration_zh(horizon));
            }
            for item in &upcoming {
                let name = item
                    .officer_id
                    .and_then(|id| officers.iter().find(|officer| officer.id == id))
                    .map_or("—", |officer| officer.name.as_str());
                println!(
                    "{}  {}  [{}] {}",
                    item.due.to_zoned(offset.to_time_zone()).strftime("%Y-%m-%d %H:%M"),
                    name,
                    item.source.short_zh(),
                    item.message
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(ComplianceCommand::Waive { finding, officer, explanation }) => {
            let id: FindingId = finding.parse()?;
            let waived = liuhen_compliance::waive(&instance.ledger, id, &officer, &explanation, &console_actor()).await?;
            println!("已说明 waived: [{}] {}", waived.finding.source.short_zh(), waived.finding.message);
            Ok(ExitCode::SUCCESS)
        }
        Some(ComplianceCommand::Checklist { case, xlsx, pdf, json }) => {
            let case = liuhen_cases::find_case(store, &case).await?;
            let checklist = liuhen_compliance::av_checklist(store, &pack, case, offset).await?;
            if let Some(path) = &xlsx {
                let bytes = liuhen_print::av_checklist_xlsx(&checklist)?;
                write_file(path, &bytes)?;
            }
            if let Some(path) = &pdf {
                let bytes = super::case::printer(instance)?.av_checklist_pdf(&checklist)?;
                write_file(path, &bytes)?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&checklist)?);
            } else if xlsx.is_none() && pdf.is_none() {
                println!("行政执法音像记录事项清单  {}  {}", checklist.case_number, checklist.matter);
                println!("{}", liuhen_core::compliance::report::CHECKLIST_COLUMNS.join("\t"));
                for row in &checklist.rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        row.seq,
                        row.act_kind,
                        row.matter,
                        row.item,
                        row.department,
                        row.recorder,
                        row.location,
                        row.start,
                        row.end,
                        row.preservation,
                        row.file_name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(ComplianceCommand::Report { unit, from, to, pdf, xlsx, json }) => {
            let unit = match unit {
                Some(code) => Some(unit_by_code(instance, &code).await?),
                None => None,
            };
            let from: jiff::civil::Date = from.parse().with_context(|| format!("--from {from} is not a date such as 2026-11-01"))?;
            let to: jiff::civil::Date = to.parse().with_context(|| format!("--to {to} is not a date such as 2026-11-30"))?;
            let report = liuhen_compliance::misconduct_report(store, &pack, unit, from, to, offset).await?;
            if let Some(path) = &pdf {
                write_file(path, &super::case::printer(instance)?.misconduct_report_pdf(&report)?)?;
            }
            if let Some(path) = &xlsx {
                write_file(path, &liuhen_print::misconduct_report_xlsx(&report)?)?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if pdf.is_none() && xlsx.is_none() {
                println!("执法过错情况报告  {}  {}  {} 至 {}", report.agency, report.unit, report.from, report.to);
                println!("共 {} 项，未整改 {} 项（{} {}）", report.total, report.open, report.pack, report.pack_version);
                for section in &report.sections {
                    let source = section.source.as_ref().map(|source| source.short_zh()).unwrap_or_default();
                    println!("[{source}] {}：{} 项", section.description, section.rows.len());
                    for row in &section.rows {
                        println!("    {}  {}  {}  {}", row.raised_at, row.status, row.officer, row.message);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(ComplianceCommand::Statement { case, item, place, document }) => {
            let item = RecordedItem::parse(&item)
                .with_context(|| format!("`{item}` is not a recorded item: 现场检查, 询问, 送达, 行政强制, …"))?;
            let case = liuhen_cases::find_case(store, &case).await?;
            let agency = store
                .agencies()
                .await?
                .into_iter()
                .find(|agency| agency.id == case.agency_id)
                .map(|agency| agency.name)
                .unwrap_or_default();
            let officers = store.officers().await?;
            let Some((title, script)) = liuhen_compliance::opening_statement(
                &pack,
                item,
                &case,
                &liuhen_compliance::Occasion {
                    officers: &officers,
                    agency: &agency,
                    place: &place,
                    document: &document,
                    when: Timestamp::now(),
                    offset,
                },
            ) else {
                bail!("the pack in force ({}) gives no opening statement for {}", pack.id, item.label_zh());
            };
            println!("{title}\n{script}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `liuhen recording label`.
pub async fn recording(instance: &Instance, command: RecordingCommand) -> anyhow::Result<ExitCode> {
    match command {
        RecordingCommand::Label { media, item, location, label, officer, json } => {
            let item = RecordedItem::parse(&item).with_context(|| {
                format!("`{item}` is not a recorded item: 现场检查, 调查取证, 证据保全, 询问, 听证, 送达, 行政强制, 其他")
            })?;
            let request = liuhen_compliance::NewLabel { media, item, location, label, officer };
            let labelled = liuhen_compliance::label_recording(&instance.ledger, request, &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string(&labelled)?);
            } else {
                println!("已标注 labelled {} #{}: {} {}", labelled.media_id, labelled.sequence, labelled.item.label_zh(), labelled.label);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `liuhen duty-log add|list`.
pub async fn duty_log(instance: &Instance, command: DutyLogCommand) -> anyhow::Result<ExitCode> {
    let offset = instance.config.ingest.offset()?;
    match command {
        DutyLogCommand::Add { officer, from, to, reason, case, reported_to } => {
            let case = match case {
                Some(reference) => Some(liuhen_cases::find_case(instance.store.as_ref(), &reference).await?.id),
                None => None,
            };
            let request = liuhen_compliance::NewDutyLog {
                officer,
                from: local_time(&from, offset).with_context(|| format!("--from {from} is not a time such as 2026-11-20 09:30"))?,
                to: local_time(&to, offset).with_context(|| format!("--to {to} is not a time such as 2026-11-20 11:00"))?,
                reason,
                case,
                reported_to,
            };
            let entry = liuhen_compliance::log_duty(&instance.ledger, request, &console_actor()).await?;
            println!("已记录执勤日志 logged #{}: {} – {} {}", entry.sequence, entry.from, entry.to, entry.reason);
            super::compliance::refresh_quietly(instance).await;
            Ok(ExitCode::SUCCESS)
        }
        DutyLogCommand::List { officer, json } => {
            let officer = match officer {
                Some(badge) => Some(officer_by_badge(instance, &badge).await?),
                None => None,
            };
            let entries = instance.store.duty_log(officer).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
                return Ok(ExitCode::SUCCESS);
            }
            let officers = instance.store.officers().await?;
            for entry in &entries {
                let name = officers.iter().find(|officer| officer.id == entry.officer_id).map_or("—", |officer| officer.name.as_str());
                let zone = offset.to_time_zone();
                println!(
                    "{}  {} – {}  {}",
                    name,
                    entry.from.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M"),
                    entry.to.to_zoned(zone).strftime("%Y-%m-%d %H:%M"),
                    entry.reason
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `2026-11-20 09:30` (local, at `offset`), `2026-11-20T09:30`, or RFC 3339.
pub(super) fn local_time(text: &str, offset: jiff::tz::Offset) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp);
    }
    let civil: jiff::civil::DateTime = text.replacen(' ', "T", 1).parse()?;
    Ok(offset.to_timestamp(civil)?)
}

/// Brings findings up to date after something was recorded, when a pack
/// is in force; a failure is reported, never fatal to what was recorded.
pub async fn refresh_quietly(instance: &Instance) {
    let pack = match instance.config.policy_pack() {
        Ok(Some(pack)) => pack,
        Ok(None) => return,
        Err(error) => {
            eprintln!("注意 note: the policy pack could not be loaded, findings were not updated: {error:#}");
            return;
        }
    };
    match liuhen_compliance::refresh(&instance.ledger, &pack, Timestamp::now(), &console_actor()).await {
        Ok(refresh) if !refresh.raised.is_empty() => {
            eprintln!(
                "合规检查 compliance: {} new finding(s), {} open; `liuhen compliance` lists them",
                refresh.raised.len(),
                refresh.open
            );
        }
        Ok(_) => {}
        Err(error) => eprintln!("注意 note: findings were not updated: {error}"),
    }
}

fn parse_hours(text: &str) -> anyhow::Result<SignedDuration> {
    let span: jiff::Span = text.trim().parse().with_context(|| format!("`{text}` is not a length of time such as 24h or 48h"))?;
    let duration = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .with_context(|| format!("`{text}` is not a length of time such as 24h"))?;
    if duration <= SignedDuration::ZERO {
        bail!("`{text}` is not a positive length of time");
    }
    Ok(duration)
}

pub(super) async fn unit_by_code(instance: &Instance, code: &str) -> anyhow::Result<UnitId> {
    Ok(super::directory::unit_by_code(instance, code.trim()).await?.id)
}

async fn unit_subtree(instance: &Instance, code: &str) -> anyhow::Result<BTreeSet<UnitId>> {
    let root = unit_by_code(instance, code).await?;
    Ok(liuhen_compliance::subtree(&instance.store.units().await?, root))
}

async fn officer_by_badge(instance: &Instance, badge: &str) -> anyhow::Result<OfficerId> {
    Ok(super::directory::officer_by_badge(instance, badge.trim()).await?.id)
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    println!("已生成 written {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
