//! Spot checks (抽检, 叶县 第二十二条; 厦门 六（四）): `GET, POST
//! /api/v1/spot-checks`, `GET /api/v1/spot-checks/{id}`, `POST
//! …/{id}/reviews`, `GET …/{id}/redraw` and `GET …/{id}/population`.
//!
//! Inspectors, legal reviewers and unit leaders draw samples of AV records
//! or cases and review each drawn item against the rubric of the pack in
//! force; the reviews are the spot-check register (检查台账), and a low
//! score becomes a finding of the pack's `spot_check` rule. A drawn check
//! lists what was drawn (file names, case numbers, officers): it does not
//! open a record's content, which is read as any other read is — the
//! officer's own, or under an approved access request.
//!
//! `…/redraw` draws the check again from its kept population and seed and
//! says whether both still match what the ledger recorded; `…/population`
//! hands out that population, so that anyone can redraw the sample with
//! `sha256sum` (`docs/supervision.md`).

use axum::extract::State;
use axum::Json;
use jiff::Timestamp;
use liuhen_compliance::spot_check::{self, NewReview, NewSpotCheck, Redraw};
use liuhen_core::access::SPOT_CHECKERS;
use liuhen_core::id::SpotCheckId;
use liuhen_core::supervision::{Outcome, Population, Sampled, Score, SpotCheck, SpotCheckReview, Stratify};
use serde::{Deserialize, Serialize};

use super::compliance::{has_any, person, settings};
use super::names::Names;
use super::printouts::parse_date;
use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

fn checker(actor: &CurrentActor) -> Result<&SignedInUser, ApiError> {
    let signed_in = person(actor)?;
    if !has_any(signed_in, &SPOT_CHECKERS) {
        return Err(ApiError::Forbidden(
            "只有督察人员、法制审核人员或单位负责人可以进行抽检。Only inspectors, legal reviewers and unit leaders draw and review spot checks.".into(),
        ));
    }
    Ok(signed_in)
}

fn parse_check(text: &str) -> Result<SpotCheckId, ApiError> {
    text.trim().parse().map_err(|_| ApiError::NotFound(format!("`{text}` is not a spot check id; the list of spot checks gives them")))
}

/// A spot check in the list.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SpotCheckSummary {
    #[schema(value_type = String)]
    id: SpotCheckId,
    /// `recordings` or `cases`.
    population: String,
    population_label: String,
    stratify_label: String,
    unit_name: Option<String>,
    officer_name: Option<String>,
    /// The period, RFC 3339, `from` inclusive, `to` not.
    from: String,
    to: String,
    /// The period as local days, both included: `2026-11-01 至 2026-11-30`.
    period: String,
    per_stratum: u32,
    population_size: u32,
    items: u32,
    reviewed: u32,
    drawn_at: String,
    drawn_by: String,
    /// The inspector who drew it, as name and badge number.
    inspector_name: Option<String>,
}

/// `GET /api/v1/spot-checks`: every spot check, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/spot-checks",
    responses(
        (status = 200, description = "Spot checks, newest first.", body = Vec<SpotCheckSummary>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<SpotCheckSummary>>, ApiError> {
    checker(&actor)?;
    let checks = app.store.spot_checks().await?;
    let reviewed = spot_check::reviewed(&app.store.spot_check_reviews(None).await?);
    let names = Names::read(&app).await?;
    let offset = offset(&app);
    Ok(Json(checks.iter().map(|check| summary(check, reviewed.get(&check.id).copied().unwrap_or(0), &names, offset)).collect()))
}

/// Where local days are read: the instance's offset, China's when no pack is in force.
fn offset(app: &AppState) -> jiff::tz::Offset {
    settings(app).map_or(jiff::tz::offset(8), |compliance| compliance.offset)
}

fn summary(check: &SpotCheck, reviewed: u32, names: &Names, offset: jiff::tz::Offset) -> SpotCheckSummary {
    let day = |at: Timestamp| at.to_zoned(offset.to_time_zone()).date().to_string();
    let last = check.plan.to.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(check.plan.to);
    SpotCheckSummary {
        id: check.id,
        population: match check.plan.population {
            Population::Recordings => "recordings".into(),
            Population::Cases => "cases".into(),
        },
        population_label: check.plan.population.label_zh().into(),
        stratify_label: check.plan.stratify.label_zh().into(),
        unit_name: check.plan.unit_id.and_then(|id| names.unit(id)),
        officer_name: check.plan.officer_id.and_then(|id| names.officer(id)),
        from: check.plan.from.to_string(),
        to: check.plan.to.to_string(),
        period: format!("{} 至 {}", day(check.plan.from), day(last)),
        per_stratum: check.plan.per_stratum,
        population_size: check.population_size,
        items: check.items.len() as u32,
        reviewed,
        drawn_at: check.drawn_at.to_string(),
        drawn_by: check.drawn_by.clone(),
        inspector_name: check.inspector.and_then(|id| names.officer(id)),
    }
}

/// A spot check to draw.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DrawRequest {
    /// `recordings` (音像记录) or `cases` (案件).
    population: String,
    /// A unit's code or id: that unit and the units under it.
    #[serde(default)]
    unit: Option<String>,
    /// An officer's badge number.
    #[serde(default)]
    officer: Option<String>,
    /// First day, `YYYY-MM-DD`, local.
    from: String,
    /// Last day, inclusive.
    to: String,
    /// `none` (the default), `act_kind` or `recorded_item`.
    #[serde(default)]
    stratify: Option<String>,
    /// How many to draw from each stratum.
    per_stratum: u32,
    /// 64 hex digits to draw with; a fresh random seed when absent.
    #[serde(default)]
    seed: Option<String>,
}

/// `POST /api/v1/spot-checks`: draws a sample and records it.
#[utoipa::path(
    post,
    path = "/api/v1/spot-checks",
    request_body = DrawRequest,
    responses(
        (status = 200, description = "The drawn spot check.", body = SpotCheckView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn draw(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<DrawRequest>,
) -> Result<Json<SpotCheckView>, ApiError> {
    let compliance = settings(&app)?;
    let signed_in = checker(&actor)?;
    let population = Population::parse(&request.population).ok_or_else(|| {
        ApiError::BadRequest(format!("`{}` is not something to draw from: use recordings (音像记录) or cases (案件)", request.population))
    })?;
    let stratify = match request.stratify.as_deref() {
        None => Stratify::None,
        Some(text) => Stratify::parse(text)
            .ok_or_else(|| ApiError::BadRequest(format!("`{text}` is not a way to stratify: use none, act_kind or recorded_item")))?,
    };
    let zone = compliance.offset.to_time_zone();
    let from_day = parse_date("from", &request.from)?;
    let to_day = parse_date("to", &request.to)?;
    if to_day < from_day {
        return Err(ApiError::BadRequest(format!("the period ends ({to_day}) before it starts ({from_day}); give the first day first")));
    }
    let day_start = |day: jiff::civil::Date| -> Result<Timestamp, ApiError> {
        day.to_zoned(zone.clone()).map(|zoned| zoned.timestamp()).map_err(|error| ApiError::BadRequest(format!("{day}: {error}")))
    };
    let to_next = to_day.tomorrow().map_err(|error| ApiError::BadRequest(format!("{to_day}: {error}")))?;
    let check = spot_check::draw_spot_check(
        &app.ledger,
        NewSpotCheck {
            population,
            unit: request.unit,
            officer: request.officer,
            from: day_start(from_day)?,
            to: day_start(to_next)?,
            stratify,
            per_stratum: request.per_stratum,
            seed: request.seed,
        },
        signed_in.user.officer_id,
        &actor.ledger_actor(),
    )
    .await?;
    Ok(Json(view(&app, check).await?))
}

/// One drawn item, with what identifies it and its latest review.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ItemView {
    /// 1, 2, 3, … as the register numbers them.
    item: u32,
    /// `recording` or `case`.
    kind: String,
    /// The media id or case id.
    id: String,
    stratum: String,
    /// `SHA-256("<seed>:<id>")`.
    rank: String,
    /// The file on the device, or the case number.
    name: String,
    /// When it was recorded (corrected start) or opened, RFC 3339.
    at: Option<String>,
    officer_name: Option<String>,
    /// What the case is about (事项), for cases.
    matter: Option<String>,
    #[schema(value_type = Option<Object>)]
    review: Option<SpotCheckReview>,
    /// The latest review's score out of 100.
    score: Option<u32>,
    #[schema(value_type = Option<Object>)]
    points: Option<Score>,
    reviews: u32,
}

/// A rubric criterion as the review form lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CriterionView {
    id: String,
    description: String,
    points: u32,
    /// The article it comes from, short: `厦门 四（二）`.
    source: String,
}

/// A spot check with its items and the rubric they are reviewed against.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SpotCheckView {
    #[serde(flatten)]
    summary: SpotCheckSummary,
    seed: String,
    population_sha256: String,
    items: Vec<ItemView>,
    /// The criteria of the pack in force that apply to these items.
    rubric: Vec<CriterionView>,
    pack_id: String,
    pack_version: String,
}

async fn view(app: &AppState, check: SpotCheck) -> Result<SpotCheckView, ApiError> {
    let compliance = settings(app)?;
    let names = Names::read(app).await?;
    let lines = spot_check::register(app.store.as_ref(), Some(check.id)).await?;
    let reviewed = lines.iter().filter(|line| line.review.is_some()).count() as u32;
    let mut items = Vec::new();
    for line in lines {
        let (kind, name, at, officer, matter) = match line.subject {
            Sampled::Recording(media) => match app.store.recording(media).await? {
                Some(recording) => (
                    "recording",
                    recording.path_on_device.clone(),
                    recording.corrected_start.map(|at| at.to_string()),
                    recording.officer_id.and_then(|id| names.officer(id)),
                    None,
                ),
                None => ("recording", media.to_string(), None, None, None),
            },
            Sampled::Case(case) => match app.store.case(case).await? {
                Some(case) => (
                    "case",
                    case.number.clone(),
                    Some(case.opened_at.to_string()),
                    names.officer(case.lead_officer),
                    Some(case.matter.clone()),
                ),
                None => ("case", case.to_string(), None, None, None),
            },
        };
        items.push(ItemView {
            item: line.item,
            kind: kind.into(),
            id: line.subject.id_text(),
            stratum: line.stratum,
            rank: line.rank,
            name,
            at,
            officer_name: officer,
            matter,
            score: line.score.map(|score| score.percent()),
            points: line.score,
            review: line.review,
            reviews: line.reviews,
        });
    }
    let pack = &compliance.pack;
    let rubric = pack
        .rubric
        .iter()
        .filter(|criterion| criterion.applies_to(check.plan.population.scope()))
        .map(|criterion| CriterionView {
            id: criterion.id.clone(),
            description: criterion.description.clone(),
            points: criterion.points,
            source: criterion.source.short_zh(),
        })
        .collect();
    Ok(SpotCheckView {
        summary: summary(&check, reviewed, &names, offset(app)),
        seed: check.plan.seed.clone(),
        population_sha256: check.population_sha256.clone(),
        items,
        rubric,
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
    })
}

/// `GET /api/v1/spot-checks/{id}`: a check, its items and the rubric.
#[utoipa::path(
    get,
    path = "/api/v1/spot-checks/{id}",
    params(("id" = String, Path, description = "The spot check id.")),
    responses(
        (status = 200, description = "The spot check.", body = SpotCheckView),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn show(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SpotCheckView>, ApiError> {
    settings(&app)?;
    checker(&actor)?;
    let check = spot_check::spot_check(app.store.as_ref(), parse_check(&id)?).await?;
    Ok(Json(view(&app, check).await?))
}

/// A review of one item.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReviewRequest {
    /// The item's number in the check, from 1.
    item: u32,
    /// Each criterion of the rubric that applies, by id: `met`,
    /// `not_met` or `not_applicable`.
    #[schema(value_type = Object)]
    marks: std::collections::BTreeMap<String, String>,
    /// 检查意见: what was found; needed when a criterion is not met.
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/spot-checks/{id}/reviews`: records a review of one item.
#[utoipa::path(
    post,
    path = "/api/v1/spot-checks/{id}/reviews",
    params(("id" = String, Path, description = "The spot check id.")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The review as recorded.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn review(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<SpotCheckReview>, ApiError> {
    let compliance = settings(&app)?;
    let signed_in = checker(&actor)?;
    let check = parse_check(&id)?;
    let judged = request
        .marks
        .iter()
        .map(|(criterion, outcome)| {
            Outcome::parse(outcome).map(|outcome| (criterion.clone(), outcome)).ok_or_else(|| {
                ApiError::BadRequest(format!("`{outcome}` for `{criterion}` is not a judgement: use met, not_met or not_applicable"))
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let recorded = spot_check::review(
        &app.ledger,
        &compliance.pack,
        NewReview { check, item: request.item, judged, comment: request.comment },
        signed_in.user.officer_id,
        &actor.ledger_actor(),
    )
    .await?;
    app.facts_changed();
    Ok(Json(recorded))
}

/// `GET /api/v1/spot-checks/{id}/redraw`: the check drawn again from its
/// kept population and seed, and whether both match the record.
#[utoipa::path(
    get,
    path = "/api/v1/spot-checks/{id}/redraw",
    params(("id" = String, Path, description = "The spot check id.")),
    responses(
        (status = 200, description = "What drawing again gives.", body = Object),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn redraw(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Redraw>, ApiError> {
    checker(&actor)?;
    let (_, redraw) = spot_check::redraw(app.store.as_ref(), parse_check(&id)?).await?;
    Ok(Json(redraw))
}

/// One member of a kept population.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MemberView {
    id: String,
    stratum: String,
}

/// `GET /api/v1/spot-checks/{id}/population`: the population the check
/// was drawn from, sorted by id.
#[utoipa::path(
    get,
    path = "/api/v1/spot-checks/{id}/population",
    params(("id" = String, Path, description = "The spot check id.")),
    responses(
        (status = 200, description = "Every member, with its stratum.", body = Vec<MemberView>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn population(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    checker(&actor)?;
    let check = spot_check::spot_check(app.store.as_ref(), parse_check(&id)?).await?;
    let members = app.store.spot_check_population(check.id).await?;
    Ok(Json(members.into_iter().map(|member| MemberView { id: member.subject.id_text(), stratum: member.stratum }).collect()))
}
