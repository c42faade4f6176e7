//! `liuhen demo`: an instance of one agency (厦门 思明区 城管, the
//! `xiamen-cgj` pack) in the middle of its work, served with its logins
//! printed.
//!
//! Everything is recorded through the same services as real work: the
//! directory through `liuhen unit|officer|device|user`'s functions, the
//! footage through `liuhen ingest` (clips made with ffmpeg, in folders laid
//! out like cameras), the cases through `liuhen_cases`, explanations and
//! labels through `liuhen_compliance`, the access request and the hold
//! through `liuhen_custody`. Nothing is written to the database directly,
//! so the ledger verifies and every time is the time it was recorded:
//! cases and their steps are all of today (the services stamp them now;
//! none takes an earlier time), while the footage carries the times the
//! cameras recorded it, over the last four days. So deadlines that run from
//! a case event (an AV record within 48 h of a questioning, an emergency
//! start's approval within 24 h) are still running when the demo starts.
//!
//! What the demo is for decides what it holds: each role has cases waiting
//! on it (filing and decision approvals half-done for the leader and the
//! legal reviewer, concluded cases for the archivist, findings for the
//! inspector): open findings (a late offload, recordings never linked, a
//! camera clock off), explained ones, an interruption to explain, and
//! deadlines running.

mod cases;
mod media;

use std::path::Path;
use std::process::ExitCode;

use liuhen_core::compliance::Subject;
use liuhen_core::entity::{Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::id::{AgencyId, DeviceId, MediaId, OfficerId, UnitId, UserId};
use liuhen_store::FindingQuery;

use crate::cli::{DemoArgs, InitArgs};
use crate::config::CONFIG_FILE;
use crate::instance::{console_actor, Instance};

use media::Footage;

/// Demo logins: (login, password, display name, roles). An account whose
/// display name starts with an officer's name is that officer's.
const DEMO_USERS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "demo-admin-2026", "系统管理员", &[Role::Administrator]),
    ("leader", "demo-leader-2026", "王强（大队长）", &[Role::UnitLeader]),
    ("reviewer", "demo-review-2026", "赵敏（法制审核）", &[Role::LegalReviewer]),
    ("zhangwei", "demo-officer-2026", "张伟", &[Role::Officer]),
    ("lina", "demo-lina-2026", "李娜", &[Role::Officer]),
    ("archivist", "demo-archive-2026", "黄丽（档案管理员）", &[Role::Archivist]),
    ("inspector", "demo-inspect-2026", "郑磊（督察人员）", &[Role::Inspector]),
];

/// The leader's badge: he reviews and approves, and accepts explanations.
const LEADER: &str = "35020001";

pub async fn demo(data: &Path, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let instance = if data.join(CONFIG_FILE).exists() {
        println!("使用已有的演示实例 / reusing the instance in {}", data.display());
        Instance::open(data, None).await?
    } else {
        populate(data).await?
    };
    let mut banner = format!("演示数据目录 demo data: {}\n演示账号 demo logins:", data.display());
    for (login, password, name, _) in DEMO_USERS {
        banner.push_str(&format!("\n  {login} / {password}  ({name})"));
    }
    let code = if args.no_serve {
        println!("{banner}");
        ExitCode::SUCCESS
    } else {
        super::serve::run_server(&instance, &args.listen, Some(banner)).await?
    };
    instance.close().await?;
    Ok(code)
}

/// Creates the demonstration agency: units, officers, devices, accounts,
/// footage (when ffmpeg is installed), the cases, and findings brought up
/// to date with all of it.
async fn populate(data: &Path) -> anyhow::Result<Instance> {
    let started = std::time::Instant::now();
    let init = InitArgs {
        agency_name: "厦门市城市管理行政执法局（演示）".into(),
        agency_code: "xiamen-cgj-demo".into(),
        origin: None,
        database_url: None,
        admin_login: "admin".into(),
        admin_password_file: None,
        sm2: true,
        pack: Some("xiamen-cgj".into()),
    };
    let created = super::init::create_open(data, None, &init, Some(DEMO_USERS[0].1)).await?;
    let instance = created.instance;
    let agency_id = created.agency_id;

    let brigade = unit(&instance, agency_id, None, "思明区大队", "SM").await?;
    let squad_one = unit(&instance, agency_id, Some(brigade), "思明区大队一中队", "SM01").await?;
    let squad_two = unit(&instance, agency_id, Some(brigade), "思明区大队二中队", "SM02").await?;
    let people = [
        ("王强", LEADER, Some("闽执 350200001"), brigade, OfficerRole::Leader, Qualification::Officer),
        ("张伟", "35020011", Some("闽执 350200011"), squad_one, OfficerRole::FrontLine, Qualification::Officer),
        ("李娜", "35020012", Some("闽执 350200012"), squad_one, OfficerRole::FrontLine, Qualification::Officer),
        ("陈静", "35020013", None, squad_one, OfficerRole::FrontLine, Qualification::Assistant),
        ("刘洋", "35020021", Some("闽执 350200021"), squad_two, OfficerRole::FrontLine, Qualification::Officer),
        ("赵敏", "35020002", Some("闽执 350200002"), brigade, OfficerRole::LegalReviewer, Qualification::Officer),
        ("林峰", "35020014", Some("闽执 350200014"), squad_one, OfficerRole::FrontLine, Qualification::Officer),
        ("吴昊", "35020022", Some("闽执 350200022"), squad_two, OfficerRole::FrontLine, Qualification::Officer),
        ("郑磊", "35020003", Some("闽执 350200003"), brigade, OfficerRole::Inspector, Qualification::Officer),
    ];
    let mut officers = Vec::new();
    for (name, badge, certificate, unit_id, role, qualification) in people {
        let officer = Officer {
            id: OfficerId::new(),
            agency_id,
            unit_id,
            name: name.into(),
            certificate_no: certificate.map(Into::into),
            badge_no: badge.into(),
            role,
            qualification,
        };
        super::directory::record_officer(&instance, &officer).await?;
        officers.push(officer);
    }
    let mut cameras = Vec::new();
    for (serial, holder) in [("DSJ-A8-0001", 1usize), ("DSJ-A8-0002", 2), ("DSJ-A8-0003", 4)] {
        let device = Device {
            id: DeviceId::new(),
            agency_id,
            serial: serial.into(),
            kind: DeviceKind::BodyCamera,
            model: Some("DSJ-A8".into()),
            assigned_officer: Some(officers[holder].id),
            unit_id: Some(officers[holder].unit_id),
        };
        super::directory::record_device(&instance, &device).await?;
        cameras.push(device);
    }
    let workstation = Device {
        id: DeviceId::new(),
        agency_id,
        serial: "CJZ-SM01-01".into(),
        kind: DeviceKind::Workstation,
        model: Some("采集站".into()),
        assigned_officer: None,
        unit_id: Some(squad_one),
    };
    super::directory::record_device(&instance, &workstation).await?;

    for (login, password, name, roles) in &DEMO_USERS[1..] {
        let officer_id = officers.iter().find(|officer| name.starts_with(officer.name.as_str())).map(|officer| officer.id);
        let user = User {
            id: UserId::new(),
            login: (*login).into(),
            display_name: (*name).into(),
            password_hash: liuhen_server::auth::hash_password(password),
            roles: roles.to_vec(),
            officer_id,
            disabled: false,
        };
        super::directory::record_user(&instance, &user).await?;
    }

    let footage = media::offload(&instance, &media::cameras(&cameras)).await?;
    explain_late_offloads(&instance, &footage).await?;
    demo_case(&instance, agency_id, footage.get(media::FIRST_CASE_CLIP)).await?;
    let opened = cases::open_all(&instance, agency_id, &footage).await?;
    label_patrol(&instance, &footage).await?;
    if footage.len() > 0 {
        demo_spot_check(&instance, &officers[8]).await?;
    }
    // Findings as they stand once everything is recorded, so the server
    // starts with them (it refreshes again at start and every minute).
    super::compliance::refresh_quietly(&instance).await;
    instance.ledger.checkpoint().await?;
    println!(
        "演示数据 demo data: {} 件案件 cases, {} 条录像 recordings, {:.1} s",
        opened + 1,
        footage.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(instance)
}

/// A penalty case in investigation, started from a complaint, with its
/// filing approved, an inquiry record signed and refused, and a recording
/// of 张伟's linked, so every part of case work has something to show.
async fn demo_case(instance: &Instance, agency_id: AgencyId, recording: Option<MediaId>) -> anyhow::Result<()> {
    use liuhen_core::case::{ActKind, ApprovalMatter, ApprovalRole, CaseSource, Party, PartyKind, Procedure, RecordedItem, Stage};
    use liuhen_core::complaint::{Channel, Complainant, ComplaintDecision};
    let actor = console_actor();
    let ledger = &instance.ledger;
    let complaint = liuhen_cases::NewComplaint {
        channel: Channel::Phone,
        complainant: Some(Complainant { name: "市民赵先生".into(), phone: Some("13800000000".into()), id_number: None }),
        content: "中山路人行道上有人摆摊，影响通行".into(),
        location: "思明区中山路 12 号".into(),
    };
    let complaint = liuhen_cases::receive_complaint(ledger, agency_id, complaint, &actor).await?;
    let year = cases::year(instance)?;
    let request = liuhen_cases::NewCase {
        act_kind: ActKind::Penalty,
        procedure: Procedure::General,
        source: CaseSource::Complaint,
        matter: "擅自占用人行道摆摊经营".into(),
        number: Some(format!("思城管罚〔{year}〕1号")),
        unit_code: None,
        lead: "35020011".into(),
        handlers: vec!["35020012".into()],
        parties: vec![Party { kind: PartyKind::Person, name: "王五".into(), id_number: Some("350203199001011234".into()) }],
    };
    let case = liuhen_cases::open_case(ledger, request, &actor, agency_id, year).await?;
    liuhen_cases::decide_complaint(ledger, complaint.id, ComplaintDecision::CaseOpened { case_id: case.id }, &actor).await?;
    liuhen_cases::enter_stage(ledger, &case, Stage::Intake, "投诉转来", false, &actor).await?;
    for (role, badge, opinion) in [
        (ApprovalRole::Handler, "35020011", "拟立案调查"),
        (ApprovalRole::Reviewer, LEADER, "同意"),
        (ApprovalRole::Approver, LEADER, "同意立案"),
    ] {
        let request = liuhen_cases::NewApproval {
            matter: ApprovalMatter::Start,
            role,
            officer: Some(badge.into()),
            opinion: opinion.into(),
            approved: true,
        };
        liuhen_cases::approve(ledger, &case, request, &actor).await?;
    }
    liuhen_cases::enter_stage(ledger, &case, Stage::Filing, "", false, &actor).await?;
    liuhen_cases::enter_stage(ledger, &case, Stage::Investigation, "现场检查、询问当事人", false, &actor).await?;
    let fields = [
        ("place", "思明区中山路 12 号"),
        ("started_at", "09:30"),
        ("ended_at", "09:50"),
        ("questions_and_answers", "问：你是否在此摆摊经营？\n答：是。"),
    ];
    let inquiry = liuhen_cases::NewDocument {
        kind: liuhen_core::document::DocumentKind::InquiryRecord,
        stage: Stage::Investigation,
        fields: fields.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
        legal_basis: Some("《中华人民共和国行政处罚法》第五十五条".into()),
        made_by: "35020011".into(),
        touches_rights: false,
    };
    let document = liuhen_cases::make_document(ledger, &case, inquiry, None, &actor).await?;
    for (signer, refusal) in [
        (liuhen_cases::SignerRequest::Officer { badge: "35020011".into(), certificate_shown: true }, None),
        (liuhen_cases::SignerRequest::Officer { badge: "35020012".into(), certificate_shown: true }, None),
        (
            liuhen_cases::SignerRequest::Party { name: "王五".into() },
            Some(liuhen_core::document::Refusal { reason: "不认可违法事实".into(), witness: "社区工作人员孙某".into() }),
        ),
    ] {
        liuhen_cases::sign_document(ledger, document.id, liuhen_cases::NewSignature { signer, refusal }, &actor).await?;
    }
    if let Some(recording) = recording {
        let link = liuhen_cases::NewLink {
            media: recording.to_string(),
            stage: Stage::Investigation,
            item: RecordedItem::OnSiteInspection,
            location: "思明区中山路 12 号".into(),
            label: "现场检查：人行道摆摊".into(),
        };
        liuhen_cases::link_recording(ledger, &case, link, &actor).await?;
    }
    demo_access(instance, &case).await?;
    println!("演示案件 demo case: {}", case.number);
    Ok(())
}

/// The legal reviewer asks to see the case's footage for a reconsideration
/// and the leader approves (调阅申请), so the reviewer's account shows a
/// grant in force; the case is held for the dispute (冻结).
async fn demo_access(instance: &Instance, case: &liuhen_core::case::Case) -> anyhow::Result<()> {
    use liuhen_core::access::{AccessMode, Purpose, Target};
    let now = jiff::Timestamp::now();
    let store = instance.store.as_ref();
    let (Some(reviewer), Some(leader)) = (store.user_by_login("reviewer").await?, store.user_by_login("leader").await?) else {
        return Ok(());
    };
    let request = liuhen_custody::access::NewAccessRequest {
        targets: vec![Target::Case(case.id)],
        purpose: Purpose::Reconsideration,
        mode: AccessMode::View,
        reason: "当事人申请行政复议，调阅现场检查录像".into(),
        on_behalf_of: Some("思明区人民政府行政复议办公室".into()),
        from: None,
        until: None,
    };
    let filed = liuhen_custody::access::file_request(&instance.ledger, &reviewer, request, now).await?;
    let decision = liuhen_custody::access::Decision { approved: true, reason: "同意调阅".into(), granted_until: None };
    liuhen_custody::access::decide(&instance.ledger, &leader, filed.id, decision, now).await?;
    let actor = console_actor();
    let reason = liuhen_core::retention::HoldReason::Dispute;
    liuhen_custody::retention::place_hold(&instance.ledger, Target::Case(case.id), reason, "当事人不认可违法事实", &actor, now).await?;
    Ok(())
}

/// Late offloads the leader has accepted an explanation for (情况说明), so
/// the compliance view shows explained findings beside 张伟's open one.
async fn explain_late_offloads(instance: &Instance, footage: &Footage) -> anyhow::Result<()> {
    let explained: Vec<(MediaId, &str)> =
        media::EXPLAINED_LATE.iter().filter_map(|(key, explanation)| Some((footage.get(key)?, *explanation))).collect();
    let open = instance.store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await?;
    for stored in open.iter().filter(|stored| stored.finding.rule_id == "upload-24h") {
        let Subject::Recording { media_id } = stored.finding.subject else { continue };
        if let Some((_, explanation)) = explained.iter().find(|(media, _)| *media == media_id) {
            liuhen_compliance::waive(&instance.ledger, stored.id, LEADER, explanation, &console_actor()).await?;
        }
    }
    Ok(())
}

/// A spot check (抽检) the inspector drew over the last 60 days of footage,
/// by recorded item, with its first item reviewed and passing.
async fn demo_spot_check(instance: &Instance, inspector: &Officer) -> anyhow::Result<()> {
    use liuhen_compliance::spot_check::{self, NewReview, NewSpotCheck};
    use liuhen_core::supervision::{Outcome, Population, Stratify};
    let pack = super::compliance::pack_in_force(instance)?;
    let now = jiff::Timestamp::now();
    // 刘洋's recordings only: what a spot check draws, inspectors, legal
    // reviewers and leaders may play back, and the rest of the demo (and
    // its tests) shows who may not see whose footage.
    let request = NewSpotCheck {
        population: Population::Recordings,
        unit: None,
        officer: Some("35020021".into()),
        from: now - jiff::SignedDuration::from_hours(60 * 24),
        to: now,
        stratify: Stratify::RecordedItem,
        per_stratum: 2,
        seed: None,
    };
    let actor = console_actor();
    let check = spot_check::draw_spot_check(&instance.ledger, request, Some(inspector.id), &actor).await?;
    let judged = pack
        .rubric
        .iter()
        .filter(|criterion| criterion.applies_to(Population::Recordings.scope()))
        .map(|criterion| (criterion.id.clone(), Outcome::Met))
        .collect();
    let review = NewReview { check: check.id, item: 1, judged, comment: "回放检查：拍摄规范，用语文明".into() };
    spot_check::review(&instance.ledger, &pack, review, Some(inspector.id), &actor).await?;
    Ok(())
}

/// Patrol footage that belongs to no case, labelled (信息标注, 厦门 五).
async fn label_patrol(instance: &Instance, footage: &Footage) -> anyhow::Result<()> {
    let Some(media) = footage.get(media::PATROL_CLIP) else { return Ok(()) };
    let label = liuhen_compliance::NewLabel {
        media: media.to_string(),
        item: liuhen_core::case::RecordedItem::OnSiteInspection,
        location: "思明区鹭江道轮渡码头周边".into(),
        label: "日常巡查：轮渡码头周边市容秩序，未发现违法行为".into(),
        officer: Some("35020021".into()),
    };
    liuhen_compliance::label_recording(&instance.ledger, label, &console_actor()).await?;
    Ok(())
}

async fn unit(instance: &Instance, agency_id: AgencyId, parent_id: Option<UnitId>, name: &str, code: &str) -> anyhow::Result<UnitId> {
    let unit = Unit { id: UnitId::new(), agency_id, parent_id, name: name.into(), code: code.into() };
    super::directory::record_unit(instance, &unit).await?;
    Ok(unit.id)
}
