//! `liuhen spot-check draw|list|show|review|redraw|population`: spot
//! checks (抽检) from the console, through the same service as the API.

use std::process::ExitCode;

use anyhow::Context;
use jiff::Timestamp;
use liuhen_compliance::spot_check::{self, NewReview, NewSpotCheck};
use liuhen_core::id::SpotCheckId;
use liuhen_core::supervision::{Outcome, Population, Sampled, SpotCheck, Stratify};

use crate::cli::SpotCheckCommand;
use crate::instance::{console_actor, Instance};

pub async fn run(instance: &Instance, command: SpotCheckCommand) -> anyhow::Result<ExitCode> {
    let offset = instance.config.ingest.offset()?;
    let zone = offset.to_time_zone();
    let local = |time: Timestamp| time.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    match command {
        SpotCheckCommand::Draw { population, from, to, unit, officer, stratify, per_stratum, seed, inspector, json } => {
            let population = Population::parse(&population)
                .with_context(|| format!("--population {population}: draw from `recordings` (音像记录) or `cases` (案件)"))?;
            let stratify = Stratify::parse(&stratify)
                .with_context(|| format!("--stratify {stratify}: use none, act_kind (执法行为种类) or recorded_item (记录事项)"))?;
            let (first, last) = (super::day_arg("from", &from)?, super::day_arg("to", &to)?);
            anyhow::ensure!(first <= last, "the period ends ({last}) before it starts ({first}); give the first day with --from");
            let start = first.to_zoned(zone.clone())?.timestamp();
            let end = last.tomorrow()?.to_zoned(zone.clone())?.timestamp();
            let inspector = match inspector {
                Some(badge) => Some(super::directory::officer_by_badge(instance, badge.trim()).await?.id),
                None => None,
            };
            let request = NewSpotCheck { population, unit, officer, from: start, to: end, stratify, per_stratum, seed };
            let check = spot_check::draw_spot_check(&instance.ledger, request, inspector, &console_actor()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&check)?);
            } else {
                println!(
                    "已抽取 drew spot check {}: {} of {} {} (seed {})",
                    check.id,
                    check.items.len(),
                    check.population_size,
                    check.plan.population.label_zh(),
                    check.plan.seed
                );
                print_items(instance, &check, &local).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        SpotCheckCommand::List { json } => {
            let checks = instance.store.spot_checks().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&checks)?);
                return Ok(ExitCode::SUCCESS);
            }
            let reviewed = spot_check::reviewed(&instance.store.spot_check_reviews(None).await?);
            for check in &checks {
                println!(
                    "{}  {}  {}  {} – {}  {}/{} reviewed  (of {})",
                    check.id,
                    local(check.drawn_at),
                    check.plan.population.label_zh(),
                    local(check.plan.from),
                    local(check.plan.to),
                    reviewed.get(&check.id).copied().unwrap_or(0),
                    check.items.len(),
                    check.population_size
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SpotCheckCommand::Show { id, json } => {
            let id = parse(&id)?;
            let lines = spot_check::register(instance.store.as_ref(), Some(id)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&lines)?);
                return Ok(ExitCode::SUCCESS);
            }
            let check = spot_check::spot_check(instance.store.as_ref(), id).await?;
            println!(
                "抽检 spot check {}: {} {} – {}, {}, {} per stratum, seed {}",
                check.id,
                check.plan.population.label_zh(),
                local(check.plan.from),
                local(check.plan.to),
                check.plan.stratify.label_zh(),
                check.plan.per_stratum,
                check.plan.seed
            );
            for line in &lines {
                let verdict = match (&line.review, line.score) {
                    (Some(review), Some(score)) => {
                        let failed: Vec<&str> = review.failed().map(|mark| mark.description.as_str()).collect();
                        let failed = if failed.is_empty() { String::new() } else { format!("  不符合: {}", failed.join("；")) };
                        format!("{} 分 ({}/{}){failed}", score.percent(), score.earned, score.possible)
                    }
                    _ => "未检查 not reviewed".to_owned(),
                };
                println!("{:>3}. [{}] {}  {}", line.item, line.stratum, line.subject, verdict);
            }
            Ok(ExitCode::SUCCESS)
        }
        SpotCheckCommand::Review { id, item, marks, comment, reviewer } => {
            let pack = super::compliance::pack_in_force(instance)?;
            let judged = marks
                .iter()
                .map(|text| {
                    let (criterion, outcome) =
                        text.split_once('=').with_context(|| format!("--mark {text}: write CRITERION=OUTCOME, e.g. told-party=met"))?;
                    let outcome = Outcome::parse(outcome)
                        .with_context(|| format!("--mark {text}: `{outcome}` is not met, not_met or not_applicable"))?;
                    Ok((criterion.trim().to_owned(), outcome))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let reviewer = match reviewer {
                Some(badge) => Some(super::directory::officer_by_badge(instance, badge.trim()).await?.id),
                None => None,
            };
            let request = NewReview { check: parse(&id)?, item, judged, comment };
            let review = spot_check::review(&instance.ledger, &pack, request, reviewer, &console_actor()).await?;
            let score = review.score();
            println!(
                "已记录 reviewed item {} (review #{}): {} 分 ({}/{})",
                item,
                review.sequence + 1,
                score.percent(),
                score.earned,
                score.possible
            );
            super::compliance::refresh_quietly(instance).await;
            Ok(ExitCode::SUCCESS)
        }
        SpotCheckCommand::Redraw { id } => {
            let (check, redraw) = spot_check::redraw(instance.store.as_ref(), parse(&id)?).await?;
            println!(
                "population: {} members kept, digest {}",
                check.population_size,
                if redraw.population_matches { "matches the ledger" } else { "DOES NOT MATCH the ledger" }
            );
            println!("sample: {}", if redraw.sample_matches { "drawn again identically" } else { "DIFFERS from the recorded sample" });
            if let Some(now) = redraw.population_now {
                if now != check.population_size {
                    println!("note: the plan selects {now} members today (records offloaded or cases opened later are not in the kept population)");
                }
            }
            Ok(if redraw.population_matches && redraw.sample_matches { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        SpotCheckCommand::Population { id } => {
            let id = parse(&id)?;
            spot_check::spot_check(instance.store.as_ref(), id).await?;
            let mut members = instance.store.spot_check_population(id).await?;
            members.sort_by_key(|member| member.subject);
            for member in members {
                println!("{}\t{}", member.stratum, member.subject);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse(text: &str) -> anyhow::Result<SpotCheckId> {
    text.trim().parse().with_context(|| format!("`{text}` is not a spot check id; `liuhen spot-check list` shows them"))
}

async fn print_items(instance: &Instance, check: &SpotCheck, local: &impl Fn(Timestamp) -> String) -> anyhow::Result<()> {
    for item in &check.items {
        let name = match item.subject {
            Sampled::Recording(media) => match instance.store.recording(media).await? {
                Some(recording) => format!("{}  {}", recording.path_on_device, recording.corrected_start.map(local).unwrap_or_default()),
                None => media.to_string(),
            },
            Sampled::Case(case) => match instance.store.case(case).await? {
                Some(case) => format!("{}  {}", case.number, case.matter),
                None => case.to_string(),
            },
        };
        println!("{:>3}. [{}] {}  {}", item.position + 1, item.stratum, item.subject, name);
    }
    Ok(())
}
