//! `liuhen serve` and `liuhen demo`.

use std::path::Path;
use std::process::ExitCode;

use std::time::Duration;

use anyhow::Context;
use liuhen_core::entity::{Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::id::{AgencyId, DeviceId, OfficerId, UnitId, UserId};

use crate::cli::{DemoArgs, InitArgs, ServeArgs};
use crate::config::CONFIG_FILE;
use crate::instance::Instance;

pub async fn serve(instance: &Instance, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = args.listen.unwrap_or_else(|| instance.config.server.listen.clone());
    run_server(instance, &listen, None).await
}

async fn run_server(instance: &Instance, listen: &str, banner: Option<String>) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}: is another program using that address? choose another with --listen"))?;
    let address = listener.local_addr()?;
    let state = liuhen_server::AppState {
        store: instance.store.clone(),
        ledger: instance.ledger.clone(),
        vault: instance.vault.clone(),
        settings: liuhen_server::ServerSettings {
            secure_cookies: instance.config.server.secure_cookies,
            session_ttl: Duration::from_secs(instance.config.server.session_hours.max(1) * 3600),
            uploads: Some(liuhen_server::UploadSettings::new(
                instance.config.data_dir.join("uploads"),
                liuhen_collect::CollectSettings {
                    camera_offset: instance.config.ingest.offset()?,
                    scratch: instance.config.data_dir.join("tmp"),
                },
            )),
            compliance: match instance.config.policy_pack()? {
                Some(pack) => Some(liuhen_server::ComplianceSettings::new(
                    std::sync::Arc::new(pack),
                    instance.config.ingest.offset()?,
                    Duration::from_secs(instance.config.compliance.refresh_seconds.max(1)),
                )),
                None => None,
            },
            exports: Some(instance.config.data_dir.join("exports")),
        },
    };
    if let Some(exports) = &state.settings.exports {
        std::fs::create_dir_all(exports).with_context(|| format!("cannot create {}", exports.display()))?;
    }
    let refresher = liuhen_server::spawn_compliance_refresher(&state);
    println!("留痕 Liuhen 正在运行 / serving at http://{address}/ (web: http://{address}/, health: http://{address}/healthz, API: http://{address}/api/v1/)");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("按 Ctrl-C 停止 / press Ctrl-C to stop");
    liuhen_server::serve_with(state, listener, liuhen_server::shutdown_signal(), liuhen_web::app).await.context("the server stopped with an error")?;
    if let Some(refresher) = refresher {
        refresher.abort();
    }
    Ok(ExitCode::SUCCESS)
}

/// Demo logins: (login, password, display name, roles).
const DEMO_USERS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "demo-admin-2026", "系统管理员", &[Role::Administrator]),
    ("leader", "demo-leader-2026", "王强（大队长）", &[Role::UnitLeader]),
    ("reviewer", "demo-review-2026", "赵敏（法制审核）", &[Role::LegalReviewer]),
    ("zhangwei", "demo-officer-2026", "张伟", &[Role::Officer]),
];

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
        run_server(&instance, &args.listen, Some(banner)).await?
    };
    instance.close().await?;
    Ok(code)
}

/// Creates a demonstration agency with units, officers, devices, accounts
/// and a few recordings (generated with ffmpeg when it is installed).
async fn populate(data: &Path) -> anyhow::Result<Instance> {
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
    let created = super::init::create_open(data, &init, Some(DEMO_USERS[0].1)).await?;
    let instance = created.instance;
    let agency_id = created.agency_id;

    let brigade = unit(&instance, agency_id, None, "思明区大队", "SM").await?;
    let squad_one = unit(&instance, agency_id, Some(brigade), "思明区大队一中队", "SM01").await?;
    let squad_two = unit(&instance, agency_id, Some(brigade), "思明区大队二中队", "SM02").await?;
    let people = [
        ("王强", "35020001", Some("闽执 350200001"), brigade, OfficerRole::Leader, Qualification::Officer),
        ("张伟", "35020011", Some("闽执 350200011"), squad_one, OfficerRole::FrontLine, Qualification::Officer),
        ("李娜", "35020012", Some("闽执 350200012"), squad_one, OfficerRole::FrontLine, Qualification::Officer),
        ("陈静", "35020013", None, squad_one, OfficerRole::FrontLine, Qualification::Assistant),
        ("刘洋", "35020021", Some("闽执 350200021"), squad_two, OfficerRole::FrontLine, Qualification::Officer),
        ("赵敏", "35020002", Some("闽执 350200002"), brigade, OfficerRole::LegalReviewer, Qualification::Officer),
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
    let cameras = [("DSJ-A8-0001", 1usize), ("DSJ-A8-0002", 2), ("DSJ-A8-0003", 4)];
    let mut first_camera = None;
    for (serial, holder) in cameras {
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
        first_camera.get_or_insert(device);
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

    if let Some(camera) = first_camera {
        store_demo_recordings(&instance, &camera).await?;
    }
    demo_case(&instance, agency_id).await?;
    instance.ledger.checkpoint().await?;
    Ok(instance)
}

/// A penalty case in investigation, started from a complaint, with its
/// filing approved, an inquiry record signed and refused, and the first
/// demo recording linked, so every part of case work has something to show.
async fn demo_case(instance: &Instance, agency_id: AgencyId) -> anyhow::Result<()> {
    use liuhen_core::case::{ActKind, ApprovalMatter, ApprovalRole, CaseSource, Party, PartyKind, Procedure, RecordedItem, Stage};
    use liuhen_core::complaint::{Channel, Complainant, ComplaintDecision};
    let actor = crate::instance::console_actor();
    let ledger = &instance.ledger;
    let complaint = liuhen_cases::NewComplaint {
        channel: Channel::Phone,
        complainant: Some(Complainant { name: "市民赵先生".into(), phone: Some("13800000000".into()), id_number: None }),
        content: "中山路人行道上有人摆摊，影响通行".into(),
        location: "思明区中山路 12 号".into(),
    };
    let complaint = liuhen_cases::receive_complaint(ledger, agency_id, complaint, &actor).await?;
    let year = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?)).year();
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
        (ApprovalRole::Reviewer, "35020001", "同意"),
        (ApprovalRole::Approver, "35020001", "同意立案"),
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
    if let Some(recording) = instance.store.recordings(&Default::default()).await?.first() {
        let link = liuhen_cases::NewLink {
            media: recording.media_id.to_string(),
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
    let actor = crate::instance::console_actor();
    let reason = liuhen_core::retention::HoldReason::Dispute;
    liuhen_custody::retention::place_hold(&instance.ledger, Target::Case(case.id), reason, "当事人不认可违法事实", &actor, now).await?;
    Ok(())
}

async fn unit(instance: &Instance, agency_id: AgencyId, parent_id: Option<UnitId>, name: &str, code: &str) -> anyhow::Result<UnitId> {
    let unit = Unit { id: UnitId::new(), agency_id, parent_id, name: name.into(), code: code.into() };
    super::directory::record_unit(instance, &unit).await?;
    Ok(unit.id)
}

/// Four short clips in the camera's naming scheme, made with ffmpeg, in a
/// folder laid out like a camera, offloaded with `liuhen ingest` like any
/// other camera. The first was recorded three days ago, so the compliance
/// view has a late offload and a late link to show (厦门 五); the last two
/// are one activity with a gap, so there is an interruption to explain.
/// Without ffmpeg the demo has no recordings and says so.
async fn store_demo_recordings(instance: &Instance, camera: &Device) -> anyhow::Result<()> {
    let scratch = tempfile_dir()?;
    let folder = scratch.join("DCIM");
    std::fs::create_dir_all(&folder)?;
    let china = jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?);
    let now = jiff::Timestamp::now();
    let mut made = 0;
    for (index, minutes_ago) in [3 * 24 * 60 + 30, 180, 65, 60].into_iter().enumerate() {
        let start = (now - jiff::SignedDuration::from_mins(minutes_ago)).to_zoned(china.clone());
        let file = folder.join(format!("DSJ_{}_35020011_{}.MP4", camera.serial, start.strftime("%Y%m%d_%H%M%S")));
        let status = tokio::process::Command::new("ffmpeg")
            .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc2=size=640x360:rate=25:duration={}", 3 + index))
            .args([
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=3",
                "-shortest",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
            ])
            .arg(&file)
            .status()
            .await;
        match status {
            Ok(status) if status.success() => made += 1,
            _ => {
                println!("未找到 ffmpeg，演示实例没有录像 / ffmpeg not found: the demo has no recordings (apt-get install ffmpeg)");
                break;
            }
        }
    }
    if made > 0 {
        let args = crate::cli::IngestArgs {
            dirs: vec![scratch.clone()],
            device: Some(camera.serial.clone()),
            register_device: false,
            clear_device: true,
            json: false,
            jobs: None,
            server: None,
            token: None,
            token_file: None,
        };
        super::ingest::run(instance, args).await?;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("liuhen-demo-{}", uuid_like()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn uuid_like() -> String {
    liuhen_core::id::MediaId::new().to_string()
}
