//! The case list (案件列表): `GET /api/v1/cases` with its filters and pages.
//!
//! Every parameter is optional; without any, the answer is every case the
//! person may read, oldest first, as it always was. Empty values count as
//! absent, so a search form can send its blank fields as they are.
//!
//! | Parameter | Meaning |
//! |---|---|
//! | `unit` | a unit id or code: cases of that unit and the units under it |
//! | `officer` | an officer id or badge number: cases they lead or handle |
//! | `act_kind` | `penalty` or 行政处罚, … |
//! | `stage` | the current stage, `investigation` or 调查取证, … |
//! | `from`, `to` | opened on or after / on or before a day (`2026-12-01`, China time) or an instant (RFC 3339) |
//! | `party` | a party's name contains this |
//! | `matter` | the matter contains this |
//! | `q` | the number, the matter or a party's name contains this |
//! | `order` | `oldest` (default) or `newest` first, by opening time |
//! | `limit`, `offset` | a page: at most `limit` (1–1000) cases after skipping `offset` |
//!
//! The answer is the page's cases; `X-Total-Count` says how many match in
//! all. A bad value answers 400 with a sentence naming it.

use std::collections::{BTreeSet, HashSet};

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use liuhen_core::case::{ActKind, Stage};
use liuhen_core::id::{CaseId, OfficerId, UnitId};
use liuhen_store::CaseSearch;
use serde::Deserialize;

use super::person;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::AppState;

/// The most cases one page holds.
const MAX_LIMIT: usize = 1000;

/// The header that says how many cases match in all.
pub(crate) const TOTAL_COUNT: &str = "x-total-count";

/// The query string as sent: text, read by [`CaseQuery::parse`] so that a
/// bad value gets a sentence naming it rather than a parser's message.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CaseQuery {
    /// A unit id or code: cases of that unit and the units under it.
    unit: Option<String>,
    /// An officer's id or badge number: cases that officer handles.
    officer: Option<String>,
    /// The kind of enforcement act, by name (English or Chinese).
    act_kind: Option<String>,
    /// The stage a case stands at, by name (`investigation`, `调查取证`, …).
    stage: Option<String>,
    /// Opened from this day (`YYYY-MM-DD`, local) or RFC 3339 instant.
    from: Option<String>,
    /// Opened up to this day (taken in whole) or instant.
    to: Option<String>,
    /// Part of a party's name.
    party: Option<String>,
    /// Part of the matter.
    matter: Option<String>,
    /// Part of the number, matter or a party's name.
    q: Option<String>,
    /// `oldest` (the default) or `newest` first.
    order: Option<String>,
    /// How many cases, 1 to 1000; all if absent.
    limit: Option<String>,
    /// How many matching cases to skip first.
    offset: Option<String>,
}

/// What the list is narrowed to, checked.
#[derive(Debug, Default)]
struct CaseFilter {
    units: Option<BTreeSet<UnitId>>,
    officer: Option<OfficerId>,
    act_kind: Option<ActKind>,
    stage: Option<Stage>,
    /// Opened at or after.
    from: Option<Timestamp>,
    /// Opened before.
    until: Option<Timestamp>,
    party: Option<String>,
    matter: Option<String>,
    text: Option<String>,
    newest_first: bool,
    limit: Option<usize>,
    offset: usize,
}

/// `GET /api/v1/cases`.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    params(
        CaseQuery,
    ),
    responses(
        (status = 200, description = "The cases the person may read; `X-Total-Count` says how many match in all.", body = Vec<super::ListedCase>, headers(("x-total-count" = u64, description = "How many cases match, before `limit` and `offset`."))),
        (status = 400, response = crate::routes::openapi::BadRequest),
        (status = 401, response = crate::routes::openapi::Unauthenticated),
        (status = 403, response = crate::routes::openapi::Forbidden),
    ),
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<CaseQuery>,
) -> Result<Response, ApiError> {
    let signed_in = person(&actor)?;
    let filter = query.parse(&app).await?;
    let reads_every_case = super::CASE_READERS.iter().any(|role| signed_in.user.has_role(*role));
    let handled_by = match (reads_every_case, signed_in.user.officer_id) {
        (true, _) => None,
        (false, Some(officer)) => Some(officer),
        // Neither a reader of every case nor an officer: there is nothing
        // this person may read.
        (false, None) => {
            let mut response = Json(Vec::<super::ListedCase>::new()).into_response();
            response.headers_mut().insert(TOTAL_COUNT, HeaderValue::from(0));
            return Ok(response);
        }
    };
    let page = app.store.case_page(&filter.search(handled_by)).await?;
    let held = held_cases(&app).await?;
    let views: Vec<super::ListedCase> = liuhen_cases::views(app.store.as_ref(), page.cases)
        .await?
        .into_iter()
        .map(|view| super::ListedCase { held: held.contains(&view.case.id), view })
        .collect();
    let total = page.total;
    let mut response = Json(views).into_response();
    response.headers_mut().insert(TOTAL_COUNT, HeaderValue::from(total));
    Ok(response)
}

/// The cases under a legal hold in force (冻结).
pub(crate) async fn held_cases(app: &AppState) -> Result<HashSet<CaseId>, ApiError> {
    Ok(app
        .store
        .legal_holds()
        .await?
        .into_iter()
        .filter(|hold| hold.in_force())
        .filter_map(|hold| match hold.target {
            liuhen_core::access::Target::Case(case) => Some(case),
            _ => None,
        })
        .collect())
}

impl CaseQuery {
    async fn parse(self, app: &AppState) -> Result<CaseFilter, ApiError> {
        let given = |text: Option<String>| text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
        let mut filter = CaseFilter::default();
        if let Some(unit) = given(self.unit) {
            let units = app.store.units().await?;
            let found = units.iter().find(|known| known.id.to_string() == unit || known.code == unit).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "没有单位“{unit}”。There is no unit `{unit}`; give a unit id or code (GET /api/v1/directory lists them)."
                ))
            })?;
            filter.units = Some(liuhen_compliance::subtree(&units, found.id));
        }
        if let Some(officer) = given(self.officer) {
            let officers = app.store.officers().await?;
            let found = officers.iter().find(|known| known.id.to_string() == officer || known.badge_no == officer).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "没有执法人员“{officer}”。There is no officer `{officer}`; give an officer id or badge number (GET /api/v1/directory lists them)."
                ))
            })?;
            filter.officer = Some(found.id);
        }
        if let Some(kind) = given(self.act_kind) {
            filter.act_kind = Some(ActKind::parse(&kind).ok_or_else(|| {
                let known: Vec<String> = ActKind::ALL.iter().map(|kind| format!("{}（{}）", snake(kind), kind.label_zh())).collect();
                ApiError::BadRequest(format!("“{kind}”不是执法行为种类。`{kind}` is not a kind of act; use one of {}.", known.join(", ")))
            })?);
        }
        if let Some(stage) = given(self.stage) {
            filter.stage = Some(Stage::parse(&stage).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "“{stage}”不是程序环节。`{stage}` is not a stage; use its name, such as investigation or 调查取证."
                ))
            })?);
        }
        (filter.from, filter.until) = period(app, given(self.from).as_deref(), given(self.to).as_deref())?;
        filter.party = given(self.party).map(|text| text.to_lowercase());
        filter.matter = given(self.matter).map(|text| text.to_lowercase());
        filter.text = given(self.q).map(|text| text.to_lowercase());
        filter.newest_first = match given(self.order).as_deref() {
            None | Some("oldest") => false,
            Some("newest") => true,
            Some(other) => {
                return Err(ApiError::BadRequest(format!("“{other}”不是排序方式。`order` is `oldest` or `newest`, not `{other}`.")))
            }
        };
        if let Some(limit) = given(self.limit) {
            filter.limit = Some(match limit.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "每页条数应为 1 至 {MAX_LIMIT}。`limit` is a whole number from 1 to {MAX_LIMIT}, not `{limit}`."
                    )))
                }
            });
        }
        if let Some(offset) = given(self.offset) {
            filter.offset = offset.parse::<usize>().map_err(|_| {
                ApiError::BadRequest(format!("“{offset}”不是有效的起始位置。`offset` is a whole number (0 or more), not `{offset}`."))
            })?;
        }
        Ok(filter)
    }
}

impl CaseFilter {
    /// The store's search for this filter, for a reader who may read only
    /// the cases `handled_by` handles (or every case, without it).
    fn search(self, handled_by: Option<OfficerId>) -> CaseSearch {
        CaseSearch {
            units: self.units.map(|units| units.into_iter().collect()),
            officer: self.officer,
            handled_by,
            act_kind: self.act_kind,
            stage: self.stage,
            from: self.from,
            until: self.until,
            party: self.party,
            matter: self.matter,
            text: self.text,
            newest_first: self.newest_first,
            limit: self.limit.map(|limit| limit as u32),
            offset: self.offset as u64,
        }
    }
}

fn snake(kind: &ActKind) -> String {
    serde_json::to_value(kind).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The offset dates in a query are read at: the cameras' (China time
/// unless uploads are configured otherwise).
pub(crate) fn local_offset(app: &AppState) -> jiff::tz::Offset {
    app.settings.uploads.as_ref().map_or(jiff::tz::offset(8), |uploads| uploads.collect.camera_offset)
}

/// Reads `2026-12-01` (that day in `offset`; with `end`, the day after it,
/// so the bound includes the whole day) or an RFC 3339 instant, as the
/// offload register reads its bounds.
pub(crate) fn day_or_instant(name: &str, text: &str, offset: jiff::tz::Offset, end: bool) -> Result<Timestamp, ApiError> {
    liuhen_collect::offload_register::parse_bound(text, offset, end).map_err(|_| {
        ApiError::BadRequest(format!(
            "“{text}”不是有效日期，请写成 2026-12-01。`{name}` is a day such as 2026-12-01 or an instant such as 2026-12-01T09:00:00+08:00, not `{text}`."
        ))
    })
}

/// The `from` and `to` of a query, each read by [`day_or_instant`] (`to`
/// includes its whole day); refused when `from` is not before `to`.
pub(crate) fn period(app: &AppState, from: Option<&str>, to: Option<&str>) -> Result<(Option<Timestamp>, Option<Timestamp>), ApiError> {
    let offset = local_offset(app);
    let from = from.map(|text| day_or_instant("from", text, offset, false)).transpose()?;
    let to = to.map(|text| day_or_instant("to", text, offset, true)).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            return Err(ApiError::BadRequest("开始日期晚于结束日期。`from` is after `to`; swap them.".into()));
        }
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_in_the_agencys_time_and_include_the_whole_day() {
        let offset = jiff::tz::offset(8);
        assert_eq!(day_or_instant("from", "2026-12-01", offset, false).unwrap().to_string(), "2026-11-30T16:00:00Z");
        assert_eq!(day_or_instant("to", "2026-12-01", offset, true).unwrap().to_string(), "2026-12-01T16:00:00Z");
        assert_eq!(day_or_instant("to", "2026-12-01T09:00:00+08:00", offset, true).unwrap().to_string(), "2026-12-01T01:00:00Z");
        assert!(day_or_instant("from", "2026-13-01", offset, false).is_err());
        assert!(day_or_instant("from", "yesterday", offset, false).is_err());
    }
}
