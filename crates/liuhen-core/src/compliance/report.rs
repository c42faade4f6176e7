//! What the regulations ask to be printed from the facts: the AV record
//! checklist of a case (行政执法音像记录事项清单, 厦门 五 and 附件2) and the
//! misconduct findings report (执法过错情况) of a unit for a period.
//! Pure: the caller renders them (XLSX, PDF) and supplies the local offset.

use std::collections::BTreeMap;

use jiff::tz::Offset;
use jiff::Timestamp;
use serde::Serialize;

use crate::compliance::{CaseFacts, StoredFinding};
use crate::entity::{Officer, Unit};
use crate::pack::{fill, PolicyPack};
use crate::recording::{Playback, Recording};
use crate::regulation::Citation;

/// The checklist's columns, as 附件2 prints them, with the file name the
/// pack's naming rule gives each record (附件2 填表说明4).
pub const CHECKLIST_COLUMNS: [&str; 11] = [
    "序号",
    "执法类别",
    "执法事项",
    "记录事项",
    "执法部门",
    "记录人员",
    "记录地点",
    "开始记录时间",
    "结束记录时间",
    "记录保存情况",
    "文件名称",
];

/// One AV record of a case, numbered in case order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChecklistRow {
    pub seq: u32,
    /// 执法类别, e.g. 行政处罚.
    pub act_kind: String,
    /// 执法事项: the case's matter.
    pub matter: String,
    /// 记录事项: what the record shows (现场检查, 询问, 送达, …).
    pub item: String,
    /// 执法部门: the unit that recorded it.
    pub department: String,
    /// 记录人员.
    pub recorder: String,
    /// 记录地点.
    pub location: String,
    /// Local times, `YYYY-MM-DD HH:MM`.
    pub start: String,
    pub end: String,
    /// 记录保存情况: 完整, or 无法播放.
    pub preservation: String,
    /// The name the pack's naming rule gives the file, with its extension.
    pub file_name: String,
    /// The AV record itself.
    pub media_id: String,
    pub sha256: Option<String>,
}

/// The AV record checklist of one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AvChecklist {
    pub agency: String,
    pub case_number: String,
    pub matter: String,
    /// The rule the naming follows, if the pack has one.
    pub naming_source: Option<Citation>,
    pub rows: Vec<ChecklistRow>,
}

/// What the checklist needs besides the case.
#[derive(Clone, Copy, Debug)]
pub struct ChecklistContext<'a> {
    pub agency: &'a str,
    pub units: &'a [Unit],
    pub officers: &'a [Officer],
    pub recordings: &'a [Recording],
    /// SHA-256 (hex) of each recording's media, where known.
    pub sha256: &'a BTreeMap<String, String>,
    /// Where local times are shown.
    pub offset: Offset,
}

/// Numbers a case's linked AV records in case order (by recording start,
/// then by when they were linked) and names each as the pack says.
pub fn av_checklist(pack: &PolicyPack, case: &CaseFacts, context: &ChecklistContext<'_>) -> AvChecklist {
    let recording = |media| context.recordings.iter().find(|recording| recording.media_id == media);
    let mut links: Vec<_> = case.links.iter().collect();
    links.sort_by_key(|link| (recording(link.media_id).and_then(|recording| recording.corrected_start), link.linked_at));
    // A record linked at two stages is listed once, where it first appears.
    let mut seen = std::collections::BTreeSet::new();
    links.retain(|link| seen.insert(link.media_id));
    let local = |time: Option<Timestamp>| {
        time.map(|time| time.to_zoned(context.offset.to_time_zone()).strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let party = case.case.parties.first().map(|party| party.name.clone()).unwrap_or_default();
    let rows = links
        .iter()
        .enumerate()
        .map(|(position, link)| {
            let seq = position as u32 + 1;
            let recording = recording(link.media_id);
            let officer = recording
                .and_then(|recording| recording.officer_id)
                .and_then(|id| context.officers.iter().find(|officer| officer.id == id));
            let unit_id = recording.and_then(|recording| recording.unit_id).unwrap_or(case.case.unit_id);
            let department = context.units.iter().find(|unit| unit.id == unit_id).map(|unit| unit.name.clone()).unwrap_or_default();
            let start = recording.and_then(|recording| recording.corrected_start);
            let end = recording.and_then(|recording| recording.corrected_end);
            let preservation = match recording.map(|recording| &recording.playback) {
                Some(Playback::Failed { .. }) => "无法播放",
                Some(_) => "完整",
                None => "未采集",
            };
            let extension = recording
                .and_then(|recording| recording.path_on_device.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()))
                .unwrap_or_default();
            let date = start.map(|time| time.to_zoned(context.offset.to_time_zone()).strftime("%Y%m%d").to_string()).unwrap_or_default();
            let values: BTreeMap<&str, String> = [
                ("seq", format!("{seq:02}")),
                ("unit", department.clone()),
                ("party", party.clone()),
                ("date", date),
                ("item", link.item.label_zh().to_owned()),
                ("case_number", case.case.number.clone()),
                ("agency", context.agency.to_owned()),
                ("officer", officer.map(|officer| officer.name.clone()).unwrap_or_default()),
            ]
            .into_iter()
            .collect();
            let stem = match &pack.naming {
                Some(naming) => fill(&naming.template, &values),
                None => format!("{seq:02}-{}", link.item.label_zh()),
            };
            let file_name = if extension.is_empty() { stem } else { format!("{stem}.{extension}") };
            ChecklistRow {
                seq,
                act_kind: case.case.act_kind.label_zh().to_owned(),
                matter: case.case.matter.clone(),
                item: link.item.label_zh().to_owned(),
                department,
                recorder: officer.map(|officer| officer.name.clone()).unwrap_or_default(),
                location: link.location.clone(),
                start: local(start),
                end: local(end),
                preservation: preservation.to_owned(),
                file_name: sanitise_file_name(&file_name),
                media_id: link.media_id.to_string(),
                sha256: context.sha256.get(&link.media_id.to_string()).cloned(),
            }
        })
        .collect();
    AvChecklist {
        agency: context.agency.to_owned(),
        case_number: case.case.number.clone(),
        matter: case.case.matter.clone(),
        naming_source: pack.naming.as_ref().map(|naming| naming.source.clone()),
        rows,
    }
}

/// Characters no file system takes are replaced, so a name from party
/// names and locations can always be written.
fn sanitise_file_name(name: &str) -> String {
    name.chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() { '_' } else { c })
        .collect()
}

/// One item of the misconduct catalogue with the findings under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportSection {
    /// Empty for findings under no item of the catalogue.
    pub item_id: String,
    pub source: Option<Citation>,
    pub description: String,
    pub rows: Vec<ReportRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub finding_id: String,
    pub rule_id: String,
    /// `厦门 五`.
    pub source: String,
    pub severity: String,
    pub message: String,
    pub officer: String,
    pub raised_at: String,
    /// 未整改, 已整改 or 已说明.
    pub status: String,
}

/// The misconduct findings of a unit over a period (执法过错情况报告).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MisconductReport {
    pub agency: String,
    pub unit: String,
    pub pack: String,
    pub pack_version: String,
    /// Local dates, inclusive.
    pub from: String,
    pub to: String,
    pub total: usize,
    pub open: usize,
    pub sections: Vec<ReportSection>,
}

/// Groups `findings` (already chosen for the unit and period) by the
/// misconduct item each falls under; a finding under two items is listed
/// under both, one under none goes into a last section.
#[allow(clippy::too_many_arguments)]
pub fn misconduct_report(
    pack: &PolicyPack,
    agency: &str,
    unit: &str,
    from: &str,
    to: &str,
    findings: &[StoredFinding],
    officers: &[Officer],
    offset: Offset,
) -> MisconductReport {
    let row = |stored: &StoredFinding| ReportRow {
        finding_id: stored.id.to_string(),
        rule_id: stored.finding.rule_id.clone(),
        source: stored.finding.source.short_zh(),
        severity: stored.finding.severity.label_zh().to_owned(),
        message: stored.finding.message.clone(),
        officer: stored
            .finding
            .officer_id
            .and_then(|id| officers.iter().find(|officer| officer.id == id))
            .map(|officer| officer.name.clone())
            .unwrap_or_default(),
        raised_at: stored.raised_at.to_zoned(offset.to_time_zone()).strftime("%Y-%m-%d %H:%M").to_string(),
        status: stored.resolution.as_ref().map_or("未整改", |resolution| resolution.kind.label_zh()).to_owned(),
    };
    let mut sections: Vec<ReportSection> = pack
        .misconduct
        .iter()
        .map(|item| ReportSection {
            item_id: item.id.clone(),
            source: Some(item.source.clone()),
            description: item.description.clone(),
            rows: findings.iter().filter(|stored| stored.finding.misconduct.iter().any(|found| found.id == item.id)).map(row).collect(),
        })
        .collect();
    let unlisted: Vec<ReportRow> = findings.iter().filter(|stored| stored.finding.misconduct.is_empty()).map(row).collect();
    if !unlisted.is_empty() {
        sections.push(ReportSection {
            item_id: String::new(), source: None, description: "其他不符合规定的情形".into(), rows: unlisted
        });
    }
    MisconductReport {
        agency: agency.to_owned(),
        unit: unit.to_owned(),
        pack: pack.name.clone(),
        pack_version: pack.version.clone(),
        from: from.to_owned(),
        to: to.to_owned(),
        total: findings.len(),
        open: findings.iter().filter(|stored| stored.resolution.is_none()).count(),
        sections,
    }
}
