//! Spot checks (抽检, 叶县 第二十二条; 厦门 六（四）): drawing a sample that
//! anyone can draw again, reviewing its items against the pack's rubric,
//! and the register (检查台账) the reviews form.
//!
//! A draw reads the population the plan selects (only what was offloaded
//! or opened by then), ranks it with the seed (`liuhen_core::supervision`)
//! and records the check, its population and the items drawn as
//! `spot_check.drawn`; the ledger entry carries the seed, the population's
//! size and digest and every item drawn, so a sample cannot be redrawn
//! quietly. A review is `spot_check.reviewed`; the compliance engine's
//! `spot_check` check turns a low latest score into a finding.

use jiff::Timestamp;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{OfficerId, SpotCheckId, UnitId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::pack::PolicyPack;
use liuhen_core::supervision::{
    draw, latest_reviews, mark, members, population_digest, Member, Outcome, Population, SampleItem, SamplePlan, Sampled, Score, SpotCheck,
    SpotCheckReview, Stratify, MAX_COMMENT,
};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{CandidateQuery, MetaStore, StoreError};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{check_text, find_officer, subtree, ComplianceError, Result};

/// The largest population one draw reads; narrow the plan beyond it.
pub const MAX_POPULATION: usize = 200_000;

/// A spot check to draw, as a person asks for it.
#[derive(Clone, Debug)]
pub struct NewSpotCheck {
    pub population: Population,
    /// A unit's code or id: its members and those of the units under it.
    pub unit: Option<String>,
    /// An officer's badge number.
    pub officer: Option<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub stratify: Stratify,
    pub per_stratum: u32,
    /// The seed to draw with (64 hex digits); a fresh one when not given.
    pub seed: Option<String>,
}

/// A fresh seed: 32 bytes from the operating system, hex.
pub fn fresh_seed() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Draws a spot check and records it (`spot_check.drawn`).
pub async fn draw_spot_check(ledger: &Ledger, request: NewSpotCheck, inspector: Option<OfficerId>, actor: &str) -> Result<SpotCheck> {
    let store = ledger.store();
    let units = store.units().await?;
    let unit = match request.unit.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => Some(
            units
                .iter()
                .find(|unit| unit.code == text || unit.id.to_string() == text)
                .ok_or_else(|| {
                    ComplianceError::NotFound(format!("there is no unit {text}; give a unit code (单位编号) from the directory"))
                })?
                .id,
        ),
    };
    let officer = match request.officer.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => None,
        Some(badge) => Some(find_officer(store.as_ref(), badge).await?.id),
    };
    let seed = match request.seed {
        Some(seed) => seed.trim().to_owned(),
        None => fresh_seed(),
    };
    let plan = SamplePlan {
        population: request.population,
        unit_id: unit,
        officer_id: officer,
        from: request.from,
        to: request.to,
        stratify: request.stratify,
        per_stratum: request.per_stratum,
        seed,
    };
    plan.check().map_err(|refused| ComplianceError::Invalid(refused.0))?;
    if plan.population == Population::Cases && plan.stratify == Stratify::RecordedItem {
        return Err(ComplianceError::Invalid(
            "cases are stratified by act kind (执法行为种类), not by recorded item; choose act kind or no strata".into(),
        ));
    }
    let now = Timestamp::now();
    let members = population(store.as_ref(), &plan, &units, now).await?;
    if members.is_empty() {
        return Err(ComplianceError::Invalid(format!(
            "there is no {} to draw from in this period for this unit and officer; widen the period or the unit",
            plan.population.label_zh()
        )));
    }
    let check = SpotCheck {
        id: SpotCheckId::new(),
        population_size: members.len() as u32,
        population_sha256: population_digest(&members),
        items: draw(&plan.seed, plan.per_stratum, &members),
        plan,
        drawn_at: now,
        drawn_by: actor.to_owned(),
        inspector,
    };
    let draft = EntryDraft::new(actor, action::SPOT_CHECK_DRAWN).subject(check.id.subject()).payload(serde_json::json!({
        "plan": check.plan,
        "population_size": check.population_size,
        "population_sha256": check.population_sha256,
        "items": check.items.iter().map(|item| serde_json::json!({"subject": item.subject, "stratum": item.stratum})).collect::<Vec<_>>(),
        "inspector": check.inspector,
    }));
    ledger.record(draft, vec![Mutation::DrawSpotCheck(Box::new(check.clone()), members)]).await?;
    Ok(check)
}

/// The members a plan selects now, among what was registered by `by`.
async fn population(store: &dyn MetaStore, plan: &SamplePlan, units: &[liuhen_core::entity::Unit], by: Timestamp) -> Result<Vec<Member>> {
    let query = CandidateQuery {
        population: plan.population,
        from: plan.from,
        until: plan.to,
        units: plan.unit_id.map(|root| subtree(units, root).into_iter().collect::<Vec<UnitId>>()),
        officer: plan.officer_id,
        recorded_by: Some(by),
    };
    let candidates = store.sample_candidates(&query).await?;
    if candidates.len() > MAX_POPULATION {
        return Err(ComplianceError::Invalid(format!(
            "the plan selects {} {}, more than the {MAX_POPULATION} one draw reads; narrow the period, unit or officer",
            candidates.len(),
            plan.population.label_zh()
        )));
    }
    Ok(members(&candidates, plan.stratify))
}

/// What drawing a recorded check again from its kept population gives.
#[derive(Clone, Debug, Serialize)]
pub struct Redraw {
    /// The kept population hashes to the digest recorded with the draw.
    pub population_matches: bool,
    /// Drawing again with the seed gives the same items.
    pub sample_matches: bool,
    pub items: Vec<SampleItem>,
    /// How many members the plan selects today (late offloads and later
    /// cases in the period are not in the kept population); `None` when
    /// there are now more than one draw reads.
    pub population_now: Option<u32>,
}

/// Draws a recorded check again from its kept population and seed.
pub async fn redraw(store: &dyn MetaStore, id: SpotCheckId) -> Result<(SpotCheck, Redraw)> {
    let check = spot_check(store, id).await?;
    let kept = store.spot_check_population(id).await?;
    let items = draw(&check.plan.seed, check.plan.per_stratum, &kept);
    let units = store.units().await?;
    let now = match population(store, &check.plan, &units, Timestamp::now()).await {
        Ok(members) => Some(members.len() as u32),
        Err(ComplianceError::Invalid(_)) => None,
        Err(other) => return Err(other),
    };
    let redraw = Redraw {
        population_matches: kept.len() as u32 == check.population_size && population_digest(&kept) == check.population_sha256,
        sample_matches: items == check.items,
        items,
        population_now: now,
    };
    Ok((check, redraw))
}

pub async fn spot_check(store: &dyn MetaStore, id: SpotCheckId) -> Result<SpotCheck> {
    store.spot_check(id).await?.ok_or_else(|| ComplianceError::NotFound(format!("there is no spot check {id}")))
}

/// A review to record, as the reviewer gives it.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub check: SpotCheckId,
    /// The item's position in the sample, counted from 1 as the register prints it.
    pub item: u32,
    pub judged: Vec<(String, Outcome)>,
    pub comment: String,
}

/// Records a review of one item against the rubric of the pack in force
/// (`spot_check.reviewed`). A second review of an item is added after the
/// first; both stay, and the latest counts.
pub async fn review(
    ledger: &Ledger,
    pack: &PolicyPack,
    request: NewReview,
    reviewer: Option<OfficerId>,
    actor: &str,
) -> Result<SpotCheckReview> {
    let store = ledger.store();
    let check = spot_check(store.as_ref(), request.check).await?;
    let position = request.item.checked_sub(1).ok_or_else(|| ComplianceError::Invalid("items are numbered from 1".into()))?;
    let item = check.items.iter().find(|item| item.position == position).ok_or_else(|| {
        ComplianceError::NotFound(format!("spot check {} has {} items; there is no item {}", check.id, check.items.len(), request.item))
    })?;
    let marks = mark(&pack.rubric, check.plan.population, &request.judged).map_err(|refused| ComplianceError::Invalid(refused.0))?;
    let comment = check_text("the comment", &request.comment)?;
    if comment.chars().count() > MAX_COMMENT {
        return Err(ComplianceError::Invalid(format!("the comment is longer than {MAX_COMMENT} characters")));
    }
    if marks.iter().any(|mark| mark.outcome == Outcome::NotMet) && comment.is_empty() {
        return Err(ComplianceError::Invalid("say what was wrong (检查意见) when a criterion is not met".into()));
    }
    let sequence = store.spot_check_reviews(Some(check.id)).await?.iter().filter(|review| review.position == position).count() as u32;
    let recorded = SpotCheckReview {
        check_id: check.id,
        position,
        subject: item.subject,
        sequence,
        marks,
        comment,
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
        reviewed_at: Timestamp::now(),
        reviewed_by: actor.to_owned(),
        reviewer,
    };
    let score = recorded.score();
    let subject = match recorded.subject {
        Sampled::Recording(media) => media.subject(),
        Sampled::Case(case) => case.subject(),
    };
    let draft = EntryDraft::new(actor, action::SPOT_CHECK_REVIEWED).subject(check.id.subject()).subject(subject).payload(serde_json::json!({
        "position": recorded.position,
        "sequence": recorded.sequence,
        "item": recorded.subject,
        "marks": recorded.marks.iter().map(|mark| serde_json::json!({"criterion": mark.criterion, "points": mark.points, "outcome": mark.outcome})).collect::<Vec<_>>(),
        "score": score,
        "pack": {"id": recorded.pack_id, "version": recorded.pack_version},
        "comment_sha256": hex::encode(Sha256::digest(recorded.comment.as_bytes())),
    }));
    ledger.record(draft, vec![Mutation::ReviewSpotCheck(Box::new(recorded.clone()))]).await.map_err(|error| match error {
        LedgerError::Store(StoreError::Conflict(_)) => {
            ComplianceError::Invalid("this item was reviewed by someone else meanwhile; read its reviews and review it again".into())
        }
        other => other.into(),
    })?;
    Ok(recorded)
}

/// One line of the spot-check register (检查台账): an item and its latest review.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterLine {
    pub check: SpotCheckId,
    pub drawn_at: Timestamp,
    pub item: u32,
    pub subject: Sampled,
    pub stratum: String,
    /// `SHA-256("<seed>:<id>")`: why it was drawn.
    pub rank: String,
    pub review: Option<SpotCheckReview>,
    pub score: Option<Score>,
    pub reviews: u32,
}

/// How many items of each check have been reviewed (a second review of
/// an item does not count twice).
pub fn reviewed(reviews: &[SpotCheckReview]) -> std::collections::HashMap<SpotCheckId, u32> {
    let items: std::collections::BTreeSet<(SpotCheckId, u32)> = reviews.iter().map(|review| (review.check_id, review.position)).collect();
    let mut counts = std::collections::HashMap::new();
    for (check, _) in items {
        *counts.entry(check).or_insert(0) += 1;
    }
    counts
}

/// The register of one check or of all: every drawn item with its latest
/// review, newest check first, items in sample order.
pub async fn register(store: &dyn MetaStore, check: Option<SpotCheckId>) -> Result<Vec<RegisterLine>> {
    let checks = match check {
        Some(id) => vec![spot_check(store, id).await?],
        None => store.spot_checks().await?,
    };
    let reviews = store.spot_check_reviews(check).await?;
    let mut lines = Vec::new();
    for check in &checks {
        let of_check: Vec<SpotCheckReview> = reviews.iter().filter(|review| review.check_id == check.id).cloned().collect();
        for item in &check.items {
            let of_item: Vec<SpotCheckReview> = of_check.iter().filter(|review| review.position == item.position).cloned().collect();
            let latest = latest_reviews(&of_item).into_values().next().cloned();
            lines.push(RegisterLine {
                check: check.id,
                drawn_at: check.drawn_at,
                item: item.position + 1,
                subject: item.subject,
                stratum: item.stratum.clone(),
                rank: item.rank.clone(),
                score: latest.as_ref().map(SpotCheckReview::score),
                review: latest,
                reviews: of_item.len() as u32,
            });
        }
    }
    Ok(lines)
}
