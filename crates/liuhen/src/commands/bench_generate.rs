//! `liuhen bench generate`: a large agency's worth of records in a new
//! instance, for measuring the pages and the API at scale (100 000 cases and
//! 1 000 000 AV records by default).
//!
//! Everything goes through the ledger as the real commands record it — the
//! same actions (`recording.ingested`, `case.opened`, `case.stage`,
//! `recording.linked`) with the same state changes — so the instance is one
//! the server reads like any other. What is made up: the AV records have no
//! files (their digests are of a generated text, so `liuhen verify --blobs`
//! reports them missing), and the case histories are dated in the past while
//! their ledger entries carry the time they were generated. The cases'
//! stages are walked in order without their approvals and documents, so the
//! compliance engine finds plenty to say about them. It is a benchmark
//! instance, never one to keep records in.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::{SignedDuration, Timestamp};
use liuhen_core::case::{ActKind, Case, CaseSource, Party, PartyKind, Procedure, RecordedItem, RecordingLink, Stage, StageStep, Step};
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{Device, DeviceKind, MediaRecord, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, CaseId, DeviceId, MediaId, OfficerId, UnitId, UserId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{MediaKind, MediaProbe, Playback, Recording};
use liuhen_ledger::Ledger;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cli::InitArgs;
use crate::instance::Instance;

/// Ledger appends waiting at once: enough for the sequencer to fill its
/// batches (group commit), few enough to keep memory small.
const IN_FLIGHT: usize = 2048;

/// Squads (中队) under the one brigade.
const SQUADS: usize = 10;

/// What to generate.
pub struct Plan<'a> {
    pub cases: usize,
    pub recordings: usize,
    pub database_url: Option<String>,
    pub password: &'a str,
    pub seed: u64,
}

/// The accounts made for signing in to the generated instance (login,
/// name); all three have the password given.
pub const ACCOUNTS: [(&str, &str); 3] = [("admin", "系统管理员"), ("leader", "大队长"), ("officer", "执法队员 000001")];

pub async fn run(data: &Path, plan: Plan<'_>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let init = InitArgs {
        agency_name: "基准测试执法局".into(),
        agency_code: "bench".into(),
        origin: None,
        database_url: plan.database_url.clone(),
        admin_login: ACCOUNTS[0].0.into(),
        admin_password_file: None,
        sm2: false,
        pack: Some("xiamen-cgj".into()),
    };
    let created = super::init::create_open(data, None, &init, Some(plan.password)).await?;
    let instance = created.instance;
    let agency = created.agency_id;
    let mut rng = StdRng::seed_from_u64(plan.seed);

    let world = directory(&instance, agency, plan.recordings, plan.password).await?;
    println!("directory: {} units, {} officers, {} cameras", world.units.len(), world.officers.len(), world.officers.len());

    let clock = Instant::now();
    let recordings = recordings(&instance.ledger, &world, plan.recordings, plan.seed, &mut rng).await?;
    let seconds = clock.elapsed().as_secs_f64();
    println!("AV records: {} in {seconds:.1} s ({:.0} /s)", recordings.len(), recordings.len() as f64 / seconds.max(1e-9));

    let clock = Instant::now();
    let planned = plan_cases(&world, &recordings, plan.cases, &mut rng);
    let linked: std::collections::HashSet<usize> = planned.iter().flat_map(|case| case.links.iter().copied()).collect();
    let entries = record_cases(&instance.ledger, &world, &recordings, planned).await?;
    let seconds = clock.elapsed().as_secs_f64();
    println!(
        "cases: {} ({entries} ledger entries: opened, steps, links) in {seconds:.1} s ({:.0} entries/s)",
        plan.cases,
        entries as f64 / seconds.max(1e-9)
    );

    let clock = Instant::now();
    let labelled = label_the_rest(&instance.ledger, &world, &recordings, &linked, &mut rng).await?;
    let seconds = clock.elapsed().as_secs_f64();
    println!("labels of AV records in no case: {labelled} in {seconds:.1} s ({:.0} /s)", labelled as f64 / seconds.max(1e-9));

    let clock = Instant::now();
    super::compliance::refresh_quietly(&instance).await;
    println!("compliance refresh: {:.1} s", clock.elapsed().as_secs_f64());
    instance.ledger.checkpoint().await?;
    let clock = Instant::now();
    instance.store.after_bulk_load().await?;
    println!("database statistics after the load: {:.1} s", clock.elapsed().as_secs_f64());
    instance.close().await?;
    println!("generated in {:.1} s: {}", started.elapsed().as_secs_f64(), data.display());
    println!("serve it with: liuhen --data {} serve", data.display());
    for (login, name) in ACCOUNTS {
        println!("  {login} / {}  ({name})", plan.password);
    }
    Ok(ExitCode::SUCCESS)
}

struct World {
    agency: AgencyId,
    units: Vec<Unit>,
    /// Front-line officers, each with the camera at the same position.
    officers: Vec<Officer>,
    cameras: Vec<Device>,
}

/// A brigade with its squads, one officer per 500 AV records (10 to 2000),
/// a camera each, and the accounts.
async fn directory(instance: &Instance, agency: AgencyId, recordings: usize, password: &str) -> anyhow::Result<World> {
    let brigade = Unit { id: UnitId::new(), agency_id: agency, parent_id: None, name: "基准大队".into(), code: "B".into() };
    let mut units = vec![brigade.clone()];
    for n in 1..=SQUADS {
        units.push(Unit {
            id: UnitId::new(),
            agency_id: agency,
            parent_id: Some(brigade.id),
            name: format!("基准大队{n}中队"),
            code: format!("B{n:02}"),
        });
    }
    for unit in &units {
        super::directory::record_unit(instance, unit).await?;
    }
    let leader = Officer {
        id: OfficerId::new(),
        agency_id: agency,
        unit_id: brigade.id,
        name: "大队长".into(),
        certificate_no: Some("执 000000".into()),
        badge_no: "000000".into(),
        role: OfficerRole::Leader,
        qualification: Qualification::Officer,
    };
    super::directory::record_officer(instance, &leader).await?;
    let count = (recordings / 500).clamp(10, 2000);
    let officers: Vec<Officer> = (1..=count)
        .map(|n| Officer {
            id: OfficerId::new(),
            agency_id: agency,
            unit_id: units[1 + n % SQUADS].id,
            name: format!("队员{n:06}"),
            certificate_no: Some(format!("执 {n:06}")),
            badge_no: format!("{n:06}"),
            role: OfficerRole::FrontLine,
            // One in ten an assistant (协管员): never a case's lead.
            qualification: if n % 10 == 0 { Qualification::Assistant } else { Qualification::Officer },
        })
        .collect();
    futures::stream::iter(&officers)
        .map(|officer| super::directory::record_officer(instance, officer))
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<()>>()?;
    let cameras: Vec<Device> = officers
        .iter()
        .map(|officer| Device {
            id: DeviceId::new(),
            agency_id: agency,
            serial: format!("DSJ-B-{}", officer.badge_no),
            kind: DeviceKind::BodyCamera,
            model: Some("DSJ-B".into()),
            assigned_officer: Some(officer.id),
            unit_id: Some(officer.unit_id),
        })
        .collect();
    futures::stream::iter(&cameras)
        .map(|camera| super::directory::record_device(instance, camera))
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<()>>()?;
    let people = [(ACCOUNTS[1], Role::UnitLeader, leader.id), (ACCOUNTS[2], Role::Officer, officers[0].id)];
    for ((login, name), role, officer) in people {
        let user = User {
            id: UserId::new(),
            login: login.into(),
            display_name: name.into(),
            password_hash: liuhen_server::auth::hash_password(password),
            roles: vec![role],
            officer_id: Some(officer),
            disabled: false,
        };
        super::directory::record_user(instance, &user).await?;
    }
    Ok(World { agency, units, officers, cameras })
}

/// An AV record as the generator made it: enough to link it to a case.
struct Made {
    media: MediaId,
    /// The officer (by position) who recorded it.
    owner: usize,
    end: Timestamp,
}

/// The first day of the generated history: midnight (China time) two
/// years before today.
fn history_start() -> Timestamp {
    let china = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    let today = Timestamp::now().to_zoned(china.clone()).date();
    let midnight = today.to_zoned(china).map(|zoned| zoned.timestamp()).unwrap_or_else(|_| Timestamp::now());
    midnight - SignedDuration::from_hours(2 * 365 * 24)
}

/// Ten-minute clips through the working day, spread over two years, each
/// officer's in a block of their own (officer k holds `per * k ..`).
async fn recordings(ledger: &Ledger, world: &World, count: usize, seed: u64, rng: &mut StdRng) -> anyhow::Result<Vec<Made>> {
    let per = count.div_ceil(world.officers.len());
    let start = history_start();
    let days = 2 * 365;
    let mut plans = Vec::with_capacity(count);
    for n in 0..count {
        let owner = n / per;
        let within = n % per;
        // Spread the officer's clips evenly over the days, in order.
        let day = (within * days / per) as i64;
        let minute = 8 * 60 + rng.gen_range(0..9 * 60);
        let begin = start + SignedDuration::from_mins(day * 24 * 60 + minute);
        let length = SignedDuration::from_secs(rng.gen_range(60..1200));
        // Most reach the workstation the same evening; one in 40 late.
        let offload = SignedDuration::from_mins(if rng.gen_ratio(1, 40) { 30 * 60 } else { rng.gen_range(60..600) });
        plans.push((owner, within, begin, length, offload, rng.gen_range(20_000_000u64..800_000_000)));
    }
    let progress = bar(count as u64, "AV records");
    let made: Vec<anyhow::Result<Made>> = futures::stream::iter(plans)
        .map(|(owner, within, begin, length, offload, size)| {
            let progress = progress.clone();
            async move {
                let officer = &world.officers[owner];
                let camera = &world.cameras[owner];
                let end = begin + length;
                let digests = ContentDigests::of_bytes(format!("liuhen bench generate {seed} {owner} {within}").as_bytes());
                let name = format!("DSJ_B{}_{}_{}.MP4", officer.badge_no, begin.strftime("%Y%m%d"), begin.strftime("%H%M%S"));
                let ingested_at = end + offload;
                let media = MediaRecord {
                    id: MediaId::new(),
                    sha256: digests.sha256,
                    sm3: digests.sm3,
                    size,
                    original_name: Some(name.clone()),
                    stored_at: ingested_at,
                    stored_by: "bench:generate".into(),
                    source_device: Some(camera.id),
                };
                let recording = Recording {
                    media_id: media.id,
                    device_id: camera.id,
                    officer_id: Some(officer.id),
                    unit_id: Some(officer.unit_id),
                    path_on_device: format!("DCIM/{name}"),
                    kind: MediaKind::Video,
                    important: within % 50 == 0,
                    probe: MediaProbe {
                        container: Some("mov,mp4,m4a,3gp,3g2,mj2".into()),
                        video_codec: Some("h264".into()),
                        audio_codec: Some("aac".into()),
                        width: Some(1920),
                        height: Some(1080),
                        duration_ms: Some(length.as_millis() as u64),
                        embedded_start: Some(begin),
                        error: None,
                    },
                    named_start: Some(begin),
                    raw_start: Some(begin),
                    start_source: None,
                    clock_offset: None,
                    corrected_start: Some(begin),
                    corrected_end: Some(end),
                    playback: Playback::Ok,
                    workstation: "基准采集站".into(),
                    ingested_at,
                    ingested_by: "bench:generate".into(),
                };
                let draft = EntryDraft::new("bench:generate", action::RECORDING_INGESTED)
                    .subject(media.id.subject())
                    .subject(camera.id.subject())
                    .payload(serde_json::json!({
                        "sha256": media.sha256, "sm3": media.sm3, "size": media.size,
                        "path_on_device": recording.path_on_device, "kind": recording.kind,
                        "officer": recording.officer_id, "raw_start": recording.raw_start, "corrected_start": recording.corrected_start,
                        "clock_offset": recording.clock_offset, "playback": recording.playback, "workstation": recording.workstation,
                        "generated": true,
                    }));
                let id = media.id;
                ledger.record(draft, vec![Mutation::CreateMedia(media), Mutation::CreateRecording(Box::new(recording))]).await?;
                progress.inc(1);
                Ok(Made { media: id, owner, end })
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    progress.finish_and_clear();
    made.into_iter().collect()
}

const MATTERS: [&str; 12] = [
    "占道经营",
    "违法建设",
    "乱堆乱放",
    "未按规定设置户外广告",
    "擅自挖掘城市道路",
    "运输渣土未密闭",
    "损坏城市绿地",
    "擅自张贴小广告",
    "违规排放餐饮油烟",
    "施工噪声扰民",
    "未履行门前三包责任",
    "违规设置摊点",
];
const SURNAMES: [&str; 16] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "林"];
const GIVEN: [&str; 16] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"];
const PLACES: [&str; 6] = ["中山路", "厦禾路", "湖滨南路", "莲前西路", "嘉禾路", "思明南路"];

/// Cases across the act kinds, each led by an officer and opened after one
/// of that officer's recordings, walked some way through its stages (a
/// third concluded and archived), with recordings linked at the stages it
/// reached.
fn plan_cases(world: &World, recordings: &[Made], count: usize, rng: &mut StdRng) -> Vec<CasePlan> {
    let leads: Vec<usize> = (0..world.officers.len()).filter(|n| world.officers[*n].qualification == Qualification::Officer).collect();
    let per = recordings.len().div_ceil(world.officers.len()).max(1);
    let mut plans = Vec::with_capacity(count);
    let mut numbers = std::collections::HashMap::<i16, u32>::new();
    for _ in 0..count {
        let lead = leads[rng.gen_range(0..leads.len())];
        let partner = (lead + 1 + rng.gen_range(0..world.officers.len() - 1)) % world.officers.len();
        let block = lead * per..((lead + 1) * per).min(recordings.len());
        let (first_clip, opened_at) = if block.is_empty() {
            (None, history_start() + SignedDuration::from_hours(rng.gen_range(0..2 * 365 * 24)))
        } else {
            let clip = rng.gen_range(block.clone());
            (Some(clip), recordings[clip].end + SignedDuration::from_mins(rng.gen_range(5..240)))
        };
        let kind = match rng.gen_range(0..100) {
            0..=69 => ActKind::Penalty,
            70..=79 => ActKind::Inspection,
            80..=87 => ActKind::Coercion,
            88..=93 => ActKind::Licensing,
            _ => ActKind::ALL[rng.gen_range(0..ActKind::ALL.len())],
        };
        let stages = kind.general_stages();
        let reached = rng.gen_range(0..=stages.len());
        let archived = reached == stages.len() && rng.gen_ratio(2, 3);
        let year = opened_at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).year();
        let serial = numbers.entry(year).or_default();
        *serial += 1;
        let party = format!(
            "{}{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        );
        let links: Vec<usize> = match first_clip {
            Some(clip) if reached > 0 => (clip..block.end).take(rng.gen_range(1..=4)).collect(),
            _ => Vec::new(),
        };
        plans.push(CasePlan {
            lead,
            partner,
            unit: world.officers[lead].unit_id,
            number: format!("基准{}〔{year}〕{:06}号", if kind == ActKind::Penalty { "罚" } else { "案" }, serial),
            kind,
            matter: MATTERS[rng.gen_range(0..MATTERS.len())],
            party,
            place: PLACES[rng.gen_range(0..PLACES.len())],
            opened_at,
            reached,
            archived,
            links,
            days_per_stage: rng.gen_range(1..10),
        });
    }
    plans
}

/// Records the planned cases, many at once; returns the ledger entries written.
async fn record_cases(ledger: &Ledger, world: &World, recordings: &[Made], plans: Vec<CasePlan>) -> anyhow::Result<usize> {
    let count = plans.len();
    let entries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let progress = bar(count as u64, "cases");
    let done: Vec<anyhow::Result<()>> = futures::stream::iter(plans)
        .map(|plan| {
            let progress = progress.clone();
            let entries = entries.clone();
            async move {
                let written = record_case(ledger, world, recordings, plan).await?;
                entries.fetch_add(written, std::sync::atomic::Ordering::Relaxed);
                progress.inc(1);
                Ok(())
            }
        })
        .buffer_unordered(IN_FLIGHT / 4)
        .collect()
        .await;
    progress.finish_and_clear();
    done.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(entries.load(std::sync::atomic::Ordering::Relaxed))
}

struct CasePlan {
    lead: usize,
    partner: usize,
    unit: UnitId,
    number: String,
    kind: ActKind,
    matter: &'static str,
    party: String,
    place: &'static str,
    opened_at: Timestamp,
    /// How many of the kind's general stages it has entered.
    reached: usize,
    archived: bool,
    /// Recordings (by position) to link.
    links: Vec<usize>,
    days_per_stage: i64,
}

/// Records one planned case, its steps and its links, in that order, as
/// the case commands do; returns the entries written.
async fn record_case(ledger: &Ledger, world: &World, recordings: &[Made], plan: CasePlan) -> anyhow::Result<usize> {
    const ACTOR: &str = "bench:generate";
    let lead = &world.officers[plan.lead];
    let partner = &world.officers[plan.partner];
    let case = Case {
        id: CaseId::new(),
        agency_id: world.agency,
        unit_id: plan.unit,
        number: plan.number,
        act_kind: plan.kind,
        procedure: Procedure::General,
        source: if plan.kind == ActKind::Licensing { CaseSource::Application } else { CaseSource::Patrol },
        matter: plan.matter.into(),
        parties: vec![Party { kind: PartyKind::Person, name: plan.party, id_number: None }],
        lead_officer: lead.id,
        handlers: vec![lead.id, partner.id],
        opened_at: plan.opened_at,
    };
    let draft = EntryDraft::new(ACTOR, action::CASE_OPENED).subject(case.id.subject()).payload(serde_json::json!({
        "number": case.number, "act_kind": case.act_kind, "procedure": case.procedure, "source": case.source,
        "matter": case.matter, "lead_officer": case.lead_officer, "handlers": case.handlers, "parties": case.parties.len(),
    }));
    ledger.record(draft, vec![Mutation::CreateCase(Box::new(case.clone()))]).await.with_context(|| format!("case {}", case.number))?;
    let mut written = 1;
    let stages = plan.kind.general_stages();
    let mut steps: Vec<Step> = stages[..plan.reached].iter().map(|stage| Step::Enter { stage: *stage }).collect();
    if plan.archived {
        steps.push(Step::Archive);
    }
    for (sequence, step) in steps.into_iter().enumerate() {
        let recorded = StageStep {
            case_id: case.id,
            sequence: sequence as u32,
            step,
            at: case.opened_at + SignedDuration::from_hours(24 * plan.days_per_stage * sequence as i64),
            by: ACTOR.into(),
            note: String::new(),
            emergency: false,
        };
        let draft = EntryDraft::new(ACTOR, action::CASE_STAGE).subject(case.id.subject()).payload(serde_json::json!({
            "sequence": recorded.sequence, "step": recorded.step, "note": recorded.note, "emergency": recorded.emergency,
        }));
        ledger.record(draft, vec![Mutation::RecordStageStep(recorded)]).await?;
        written += 1;
    }
    // Spread over the stages reached, the last one at the stage the case
    // stands at (an execution, say, is where an AV record is asked for).
    let links = plan.links.len();
    for (n, clip) in plan.links.into_iter().enumerate() {
        let stage = stages[if n + 1 == links { plan.reached - 1 } else { n * plan.reached / links }];
        let item = match stage {
            Stage::OnSiteCheck | Stage::Intake => RecordedItem::OnSiteInspection,
            Stage::Service => RecordedItem::Service,
            Stage::Execution | Stage::Implementation => RecordedItem::Coercion,
            _ => RecordedItem::EvidenceGathering,
        };
        let made = &recordings[clip];
        let link = RecordingLink {
            case_id: case.id,
            media_id: made.media,
            stage,
            item,
            location: plan.place.into(),
            label: format!("现场记录{}", n + 1),
            recording_end: Some(made.end),
            linked_at: made.end.max(case.opened_at) + SignedDuration::from_hours(2),
            linked_by: ACTOR.into(),
        };
        let draft = EntryDraft::new(ACTOR, action::RECORDING_LINKED).subject(case.id.subject()).subject(link.media_id.subject()).payload(
            serde_json::json!({
                "stage": link.stage, "item": link.item, "location": link.location, "label": link.label, "delay_ms": link.delay_ms(),
            }),
        );
        ledger.record(draft, vec![Mutation::LinkRecording(Box::new(link))]).await?;
        written += 1;
    }
    Ok(written)
}

/// Labels (信息标注, 厦门 五) of the AV records linked to no case, as
/// officers label their patrols: most the same day, one in a hundred
/// never (so the 48-hour rule has something to find). Returns how many.
async fn label_the_rest(
    ledger: &Ledger,
    world: &World,
    recordings: &[Made],
    linked: &std::collections::HashSet<usize>,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    let mut chosen: Vec<(usize, SignedDuration, &'static str)> = Vec::new();
    for position in (0..recordings.len()).filter(|position| !linked.contains(position)) {
        if !rng.gen_ratio(1, 100) {
            chosen.push((position, SignedDuration::from_mins(rng.gen_range(30..12 * 60)), PLACES[rng.gen_range(0..PLACES.len())]));
        }
    }
    let progress = bar(chosen.len() as u64, "labels");
    let done: Vec<anyhow::Result<()>> = futures::stream::iter(chosen)
        .map(|(position, after, place)| {
            let progress = progress.clone();
            async move {
                let made = &recordings[position];
                let officer = &world.officers[made.owner];
                let label = liuhen_core::recording::RecordingLabel {
                    media_id: made.media,
                    sequence: 0,
                    item: RecordedItem::Other,
                    location: place.into(),
                    label: "日常巡查，未发现违法行为".into(),
                    officer_id: Some(officer.id),
                    labeled_at: made.end + after,
                    labeled_by: "bench:generate".into(),
                };
                let draft =
                    EntryDraft::new("bench:generate", action::RECORDING_LABELED).subject(made.media.subject()).payload(serde_json::json!({
                        "sequence": label.sequence, "item": label.item, "officer_id": label.officer_id, "generated": true,
                    }));
                ledger.record(draft, vec![Mutation::LabelRecording(Box::new(label))]).await?;
                progress.inc(1);
                Ok(())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    progress.finish_and_clear();
    let count = done.len();
    done.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(count)
}

fn bar(length: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} {wide_bar} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what);
    bar
}
