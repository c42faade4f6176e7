//! Compliance (合规检查): `/api/v1/compliance`. The work is
//! `liuhen_compliance`'s, the same service the CLI uses; this module
//! decides who may ask and who sees which findings. The checklist and the
//! report are in [`super::printouts`].
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/compliance/pack` | any authenticated actor |
//! | GET | `/api/v1/compliance/findings` | leaders, legal reviewers, inspectors, administrators: all; other people: their own |
//! | GET | `/api/v1/compliance/findings/{id}` | as findings (a finding one may not see is not found) |
//! | POST | `/api/v1/compliance/refresh` | unit leaders, inspectors, administrators |
//! | POST | `/api/v1/compliance/findings/{id}/waiver` | a person whose officer is a leader, legal reviewer or inspector |
//! | GET | `/api/v1/compliance/deadlines` | as findings |
//!
//! "Their own" findings (and deadlines) are those about the person's
//! officer or about a case that officer handles. Devices read the pack but
//! no findings. Without a pack in force every endpoint answers 503.
//!
//! [`crate::spawn_compliance_refresher`] keeps the stored findings up to date in
//! the background: at start, shortly after a handler reports changed facts
//! ([`AppState::facts_changed`]), and whenever a look every
//! `refresh_interval` finds a refresh due.

use std::collections::{BTreeSet, HashSet};

use axum::extract::State;
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use liuhen_compliance::{ComplianceError, Refresh};
use liuhen_core::compliance::{ResolutionKind, StoredFinding, Upcoming};
use liuhen_core::entity::{Officer, OfficerRole, Role};
use liuhen_core::id::{CaseId, FindingId, OfficerId, UnitId};
use liuhen_core::pack::PolicyPack;
use liuhen_core::regulation::Citation;
use liuhen_store::FindingQuery;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::cases::readable_case;
use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::refresher::off_the_workers;
use crate::{AppState, ComplianceSettings};

/// The longest horizon a deadlines request may ask for: a year, in hours.
const MAX_HORIZON_HOURS: i64 = 366 * 24;

/// Roles that see every finding and deadline.
const FINDING_READERS: [Role; 4] = [Role::UnitLeader, Role::LegalReviewer, Role::Inspector, Role::Administrator];

/// Roles that may ask for a refresh now.
const REFRESHERS: [Role; 3] = [Role::UnitLeader, Role::Inspector, Role::Administrator];

const NO_PACK: &str =
    "未启用执法规范包，合规检查不可用。No policy pack is in force; choose one with `liuhen pack use NAME` and restart the server.";

impl From<ComplianceError> for ApiError {
    fn from(error: ComplianceError) -> Self {
        match error {
            ComplianceError::NotFound(message) => ApiError::NotFound(message),
            ComplianceError::Invalid(message) => ApiError::BadRequest(message),
            ComplianceError::Refused(message) => ApiError::Forbidden(message),
            ComplianceError::Store(error) => error.into(),
            ComplianceError::Ledger(error) => error.into(),
        }
    }
}

pub(super) fn settings(app: &AppState) -> Result<&ComplianceSettings, ApiError> {
    app.settings.compliance.as_ref().ok_or_else(|| ApiError::Unavailable(NO_PACK.into()))
}

pub(super) fn person(actor: &CurrentActor) -> Result<&SignedInUser, ApiError> {
    match actor {
        CurrentActor::User(signed_in) => Ok(signed_in),
        CurrentActor::Device(_) => {
            Err(ApiError::Forbidden("合规检查结果只向人员提供。Findings are for people; a device token may not read them.".into()))
        }
    }
}

pub(super) fn has_any(signed_in: &SignedInUser, roles: &[Role]) -> bool {
    roles.iter().any(|role| signed_in.user.has_role(*role))
}

/// Which findings and deadlines a person sees.
enum Sight {
    All,
    /// Those about this officer, or about a case the officer handles.
    Own {
        officer: Option<OfficerId>,
        cases: HashSet<CaseId>,
    },
}

impl Sight {
    async fn of(app: &AppState, signed_in: &SignedInUser) -> Result<Sight, ApiError> {
        if has_any(signed_in, &FINDING_READERS) {
            return Ok(Sight::All);
        }
        let officer = signed_in.user.officer_id;
        let cases = match officer {
            Some(officer) => {
                let handled = liuhen_store::CaseSearch { handled_by: Some(officer), ..Default::default() };
                app.store.case_page(&handled).await?.cases.into_iter().map(|case| case.id).collect()
            }
            None => HashSet::new(),
        };
        Ok(Sight::Own { officer, cases })
    }

    fn sees(&self, officer_id: Option<OfficerId>, case_id: Option<CaseId>) -> bool {
        match self {
            Sight::All => true,
            Sight::Own { officer, cases } => {
                (officer.is_some() && officer_id == *officer) || case_id.is_some_and(|case| cases.contains(&case))
            }
        }
    }
}

/// A finding as the API shows it: as stored, with its state.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct FindingView {
    /// A liuhen-core `StoredFinding`: the finding (rule, pack, article, subject, times) and its resolution.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    stored: StoredFinding,
    /// `open`, `resolved` (new facts answer it) or `waived` (an explanation was accepted).
    status: &'static str,
    /// 未整改, 已整改 or 已说明.
    status_zh: &'static str,
    /// The article as people read it: `厦门 五`.
    source_zh: String,
}

impl From<StoredFinding> for FindingView {
    fn from(stored: StoredFinding) -> Self {
        let status = match stored.resolution.as_ref().map(|resolution| resolution.kind) {
            None => "open",
            Some(ResolutionKind::Facts) => "resolved",
            Some(ResolutionKind::Waiver) => "waived",
        };
        FindingView { status, status_zh: liuhen_compliance::status_zh(&stored), source_zh: stored.finding.source.short_zh(), stored }
    }
}

/// A deadline as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UpcomingView {
    /// A liuhen-core `Upcoming`: the rule, what falls due and when.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    upcoming: Upcoming,
    /// The article as people read it: `厦门 五`.
    source_zh: String,
}

fn citation(source: &Citation) -> Value {
    json!({ "file": source.file, "article": source.article, "short_zh": source.short_zh() })
}

/// `GET /api/v1/compliance/pack`: the pack in force, its rules and its
/// misconduct catalogue, each citing its source.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/pack",
    responses(
        (status = 200, description = "The pack in force: `id`, `version`, `name`, `rules` (each citing its article), `misconduct`, `naming`.", body = Object),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn pack(State(app): State<AppState>, _actor: CurrentActor) -> Result<Json<Value>, ApiError> {
    let pack = &settings(&app)?.pack;
    let mut rules = Vec::new();
    for rule in &pack.rules {
        // The check's parameters, without its name (given on its own).
        let mut parameters = serde_json::to_value(&rule.check).map_err(ApiError::internal)?;
        if let Some(parameters) = parameters.as_object_mut() {
            parameters.remove("check");
        }
        rules.push(json!({
            "id": rule.id,
            "check": rule.check.name(),
            "parameters": parameters,
            "source": citation(&rule.source),
            "description": rule.description,
            "severity": rule.severity,
            "severity_zh": rule.severity.label_zh(),
        }));
    }
    let misconduct: Vec<Value> = pack
        .misconduct
        .iter()
        .map(|item| json!({ "id": item.id, "source": citation(&item.source), "description": item.description, "rules": item.rules }))
        .collect();
    let naming = pack
        .naming
        .as_ref()
        .map(|naming| json!({ "template": naming.template, "source": citation(&naming.source), "description": naming.description }));
    Ok(Json(json!({
        "id": pack.id,
        "version": pack.version,
        "name": pack.name,
        "agency": pack.agency,
        "sha256": pack.sha256,
        "rules": rules,
        "misconduct": misconduct,
        "naming": naming,
    })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct FindingsQuery {
    /// `true`: only open findings; `false`: only resolved ones; absent: all.
    #[serde(default)]
    open: Option<bool>,
    /// A case id or number.
    #[serde(default)]
    case: Option<String>,
    /// A unit id: findings of that unit and the units under it.
    #[serde(default)]
    unit: Option<String>,
    /// An officer's id or badge number: findings about that officer.
    #[serde(default)]
    officer: Option<String>,
    /// A rule id of the pack in force, e.g. `upload-24h`.
    #[serde(default)]
    rule: Option<String>,
}

/// `GET /api/v1/compliance/findings`: stored findings, newest state.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/findings",
    params(
        FindingsQuery,
    ),
    responses(
        (status = 200, description = "The findings the person may see.", body = Vec<FindingView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn findings(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<FindingsQuery>,
) -> Result<Json<Vec<FindingView>>, ApiError> {
    let compliance = settings(&app)?;
    let signed_in = person(&actor)?;
    let case = match &query.case {
        Some(reference) => Some(readable_case(&app, signed_in, reference).await?.id),
        None => None,
    };
    let units = unit_filter(&app, query.unit.as_deref()).await?;
    let officer = officer_filter(&app, query.officer.as_deref()).await?;
    let rule = rule_filter(&compliance.pack, query.rule.as_deref())?;
    let sight = Sight::of(&app, signed_in).await?;
    let stored = liuhen_compliance::findings(
        app.store.as_ref(),
        &FindingQuery { open_only: query.open == Some(true), case, ..FindingQuery::default() },
    )
    .await?;
    let views = stored
        .into_iter()
        .filter(|stored| query.open != Some(false) || stored.resolution.is_some())
        .filter(|stored| units.as_ref().is_none_or(|units| stored.finding.unit_id.is_some_and(|unit| units.contains(&unit))))
        .filter(|stored| officer.is_none_or(|officer| stored.finding.officer_id == Some(officer)))
        .filter(|stored| rule.is_none_or(|rule| stored.finding.rule_id == rule))
        .filter(|stored| sight.sees(stored.finding.officer_id, stored.finding.case_id))
        .map(FindingView::from)
        .collect();
    Ok(Json(views))
}

/// A finding with what the page about it needs besides.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct FindingDetail {
    #[serde(flatten)]
    view: FindingView,
    /// Whether the person asking may accept an explanation of it now.
    may_waive: bool,
}

/// `GET /api/v1/compliance/findings/{id}`: one finding, as the list shows
/// it, and whether the person asking may accept an explanation of it.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/findings/{id}",
    params(
        ("id" = String, Path, description = "The finding id."),
    ),
    responses(
        (status = 200, description = "The finding, and whether the person may accept an explanation of it.", body = FindingDetail),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn finding(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<FindingDetail>, ApiError> {
    settings(&app)?;
    let signed_in = person(&actor)?;
    let finding = parse_finding(&id)?;
    let sight = Sight::of(&app, signed_in).await?;
    let stored = app
        .store
        .finding(finding)
        .await?
        .filter(|stored| sight.sees(stored.finding.officer_id, stored.finding.case_id))
        .ok_or_else(|| no_such_finding(finding))?;
    let may_waive = stored.resolution.is_none() && waiving_officer(&app, signed_in).await?.is_some();
    Ok(Json(FindingDetail { view: stored.into(), may_waive }))
}

fn parse_finding(id: &str) -> Result<FindingId, ApiError> {
    id.trim().parse().map_err(|_| ApiError::BadRequest(format!("`{id}` is not a finding id; GET /api/v1/compliance/findings lists them")))
}

fn no_such_finding(finding: FindingId) -> ApiError {
    ApiError::NotFound(format!("没有这项合规问题。There is no finding {finding} you may see; GET /api/v1/compliance/findings lists them."))
}

/// The officer whose id or badge number is `text`; `None` for all.
async fn officer_filter(app: &AppState, officer: Option<&str>) -> Result<Option<OfficerId>, ApiError> {
    let Some(text) = officer.map(str::trim) else { return Ok(None) };
    if text.is_empty() {
        return Err(ApiError::BadRequest("`officer` is empty; give an officer's id or badge number, or leave it out".into()));
    }
    let officers = app.store.officers().await?;
    Ok(Some(crate::directory::find_officer(&officers, text)?.id))
}

/// The rule id `text` of the pack in force; `None` for all.
fn rule_filter<'a>(pack: &PolicyPack, rule: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(text) = rule.map(str::trim) else { return Ok(None) };
    if pack.rules.iter().any(|known| known.id == text) {
        return Ok(Some(text));
    }
    let known: Vec<&str> = pack.rules.iter().map(|known| known.id.as_str()).collect();
    Err(ApiError::BadRequest(format!(
        "规范包 {} 没有规则 `{text}`。The pack in force has no rule `{text}`; its rules are {}",
        pack.id,
        known.join(", ")
    )))
}

/// The signed-in person's officer, if it is one who accepts explanations:
/// a leader, legal reviewer or inspector.
async fn waiving_officer(app: &AppState, signed_in: &SignedInUser) -> Result<Option<Officer>, ApiError> {
    let Some(id) = signed_in.user.officer_id else { return Ok(None) };
    let officers = app.store.officers().await?;
    Ok(officers
        .into_iter()
        .find(|officer| officer.id == id)
        .filter(|officer| matches!(officer.role, OfficerRole::Leader | OfficerRole::LegalReviewer | OfficerRole::Inspector)))
}

pub(super) fn parse_unit(text: &str) -> Result<UnitId, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("`{text}` is not a unit id; `liuhen unit list` shows the units and their ids")))
}

/// The unit asked for and every unit under it; `None` for all units.
async fn unit_filter(app: &AppState, unit: Option<&str>) -> Result<Option<BTreeSet<UnitId>>, ApiError> {
    let Some(text) = unit else { return Ok(None) };
    let unit = parse_unit(text)?;
    let units = app.store.units().await?;
    if !units.iter().any(|known| known.id == unit) {
        return Err(ApiError::NotFound(format!("there is no unit {unit}; `liuhen unit list` shows the units")));
    }
    Ok(Some(liuhen_compliance::subtree(&units, unit)))
}

/// `POST /api/v1/compliance/refresh`: brings the findings up to date now.
#[utoipa::path(
    post,
    path = "/api/v1/compliance/refresh",
    responses(
        (status = 200, description = "What the refresh raised and resolved (a liuhen-compliance `Refresh`).", body = Object),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn refresh(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Refresh>, ApiError> {
    let compliance = settings(&app)?;
    let signed_in = person(&actor)?;
    if !has_any(signed_in, &REFRESHERS) {
        return Err(ApiError::Forbidden(
            "只有单位负责人、督察人员或系统管理员可以立即执行合规检查。Only unit leaders, inspectors and administrators run a compliance check on demand; findings are also refreshed on their own.".into(),
        ));
    }
    let (ledger, pack, actor) = (app.ledger.clone(), compliance.pack.clone(), actor.ledger_actor());
    let refresh = off_the_workers(async move { liuhen_compliance::refresh(&ledger, &pack, Timestamp::now(), &actor).await })
        .await
        .ok_or_else(|| ApiError::Internal("the compliance check stopped unexpectedly".into()))??;
    Ok(Json(refresh))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WaiverRequest {
    /// The explanation (情况说明) accepted.
    explanation: String,
}

/// `POST /api/v1/compliance/findings/{id}/waiver`: a leader, legal
/// reviewer or inspector accepts an explanation; the breach is not raised
/// again. Recorded as accepted by the signed-in person's officer.
#[utoipa::path(
    post,
    path = "/api/v1/compliance/findings/{id}/waiver",
    params(
        ("id" = String, Path, description = "The finding id."),
    ),
    request_body = WaiverRequest,
    responses(
        (status = 200, description = "The finding, now waived.", body = FindingView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn waive(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<WaiverRequest>,
) -> Result<Json<FindingView>, ApiError> {
    settings(&app)?;
    let signed_in = person(&actor)?;
    let Some(officer) = waiving_officer(&app, signed_in).await? else {
        return Err(ApiError::Forbidden(
            "只有负责人、法制审核人员或督察人员可以认可情况说明。Only a leader, legal reviewer or inspector (as recorded for your officer) accepts explanations of findings.".into(),
        ));
    };
    let finding = parse_finding(&id)?;
    let stored = app.store.finding(finding).await?.ok_or_else(|| no_such_finding(finding))?;
    if let Some(resolution) = &stored.resolution {
        return Err(resolved_already(finding, resolution.kind, resolution.at));
    }
    match liuhen_compliance::waive(&app.ledger, finding, &officer.badge_no, &request.explanation, &actor.ledger_actor()).await {
        Ok(waived) => Ok(Json(waived.into())),
        Err(ComplianceError::Invalid(message)) => {
            // Resolved by someone else meanwhile, or an explanation the service refused.
            match app.store.finding(finding).await?.and_then(|stored| stored.resolution) {
                Some(resolution) => Err(resolved_already(finding, resolution.kind, resolution.at)),
                None => Err(ApiError::BadRequest(message)),
            }
        }
        Err(error) => Err(error.into()),
    }
}

fn resolved_already(finding: FindingId, kind: ResolutionKind, at: Timestamp) -> ApiError {
    ApiError::Conflict(format!("finding {finding} was resolved already ({}, {at}); nothing more is needed", kind.label_zh()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct DeadlinesQuery {
    /// How far ahead: `48h` (the default), `24h`, any whole number of hours.
    #[serde(default)]
    within: Option<String>,
}

/// `GET /api/v1/compliance/deadlines`: what falls due soon.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/deadlines",
    params(
        DeadlinesQuery,
    ),
    responses(
        (status = 200, description = "What falls due within the horizon, soonest first.", body = Vec<UpcomingView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn deadlines(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<DeadlinesQuery>,
) -> Result<Json<Vec<UpcomingView>>, ApiError> {
    let compliance = settings(&app)?;
    let signed_in = person(&actor)?;
    let horizon = match &query.within {
        Some(text) => parse_hours(text)?,
        None => SignedDuration::from_hours(48),
    };
    let sight = Sight::of(&app, signed_in).await?;
    let upcoming = liuhen_compliance::deadlines(app.store.as_ref(), &compliance.pack, Timestamp::now(), horizon).await?;
    let views = upcoming
        .into_iter()
        .filter(|upcoming| sight.sees(upcoming.officer_id, upcoming.case_id))
        .map(|upcoming| UpcomingView { source_zh: upcoming.source.short_zh(), upcoming })
        .collect();
    Ok(Json(views))
}

/// `48h` → 48 hours.
fn parse_hours(text: &str) -> Result<SignedDuration, ApiError> {
    let refuse = || {
        ApiError::BadRequest(format!(
            "`within` must be a whole number of hours from 1 to {MAX_HORIZON_HOURS} followed by h, such as 24h or 48h, not `{text}`"
        ))
    };
    let hours: i64 = text.trim().strip_suffix(['h', 'H']).and_then(|hours| hours.parse().ok()).ok_or_else(refuse)?;
    if !(1..=MAX_HORIZON_HOURS).contains(&hours) {
        return Err(refuse());
    }
    Ok(SignedDuration::from_hours(hours))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[test]
    fn horizons_are_whole_hours() {
        assert_eq!(parse_hours("48h").unwrap(), SignedDuration::from_hours(48));
        assert_eq!(parse_hours("24H").unwrap(), SignedDuration::from_hours(24));
        for bad in ["", "h", "48", "0h", "-1h", "1.5h", "2d", "99999999999999999999h", "9000h"] {
            assert_eq!(parse_hours(bad).unwrap_err().status(), StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
