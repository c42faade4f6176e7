//! The ledger, read from outside (审计日志): checkpoints, entries and proofs.
//!
//! Proofs and checkpoints are served as text in their C2SP forms, exactly
//! as `liuhen verify` and other tlog tools read them. Only the public key
//! is served without credentials: it is what anyone checking a court
//! package needs, and it is public by nature.

use axum::extract::State;
use axum::Json;
use liuhen_core::entry::format_time;
use serde::{Deserialize, Serialize};

use crate::access::Permission;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// `GET /api/v1/ledger/checkpoint`: the latest signed checkpoint (one is
/// signed first if the ledger grew since the last).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/checkpoint",
    responses(
        (status = 200, description = "The latest signed checkpoint (C2SP tlog-checkpoint signed note).", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn checkpoint(State(app): State<AppState>, actor: CurrentActor) -> Result<String, ApiError> {
    actor.require(Permission::ReadLedger)?;
    match app.ledger.checkpoint().await? {
        Some(checkpoint) => Ok(checkpoint.signed_note),
        None => Err(ApiError::NotFound("the ledger is empty, so no checkpoint has been signed yet; run `liuhen init` first".to_owned())),
    }
}

/// One ledger entry with everything needed to check it by hand: the
/// canonical leaf bytes, their leaf hash, and the payload they commit to.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct EntryView {
    index: u64,
    time: String,
    actor: String,
    action: String,
    subjects: Vec<String>,
    payload_sha256: String,
    /// The payload the entry commits to.
    payload: serde_json::Value,
    /// Hex RFC 6962 leaf hash of `canonical`.
    leaf_hash: String,
    /// The exact bytes hashed into the leaf.
    canonical: String,
}

/// `GET /api/v1/ledger/entries/{index}`.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/entries/{index}",
    params(
        ("index" = String, Path, description = "The entry index, a whole number from 0."),
    ),
    responses(
        (status = 200, description = "The entry, its leaf bytes and leaf hash.", body = EntryView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn entry(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(index): ApiPath<String>,
) -> Result<Json<EntryView>, ApiError> {
    actor.require(Permission::ReadLedger)?;
    let index = parse_count("the entry index", &index)?;
    let stored = app.ledger.entry(index).await?;
    let payload = serde_json::from_str(&stored.payload_json)
        .map_err(|error| ApiError::internal(format!("the payload of ledger entry {index} is not JSON: {error}")))?;
    let entry = stored.entry;
    let canonical = String::from_utf8(entry.canonical_bytes()).expect("canonical entries are JSON, hence UTF-8");
    Ok(Json(EntryView {
        index: entry.index,
        time: format_time(entry.time),
        leaf_hash: hex::encode(entry.leaf_hash()),
        payload_sha256: entry.payload_sha256.to_hex(),
        actor: entry.actor,
        action: entry.action,
        subjects: entry.subjects,
        payload,
        canonical,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ProofQuery {
    /// The entry index to prove (required), a whole number from 0.
    index: Option<String>,
}

/// `GET /api/v1/ledger/proof?index=N`: a C2SP tlog-proof of entry N.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/proof",
    params(
        ProofQuery,
    ),
    responses(
        (status = 200, description = "A C2SP tlog-proof of the entry against the latest checkpoint.", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn inclusion_proof(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ProofQuery>,
) -> Result<String, ApiError> {
    actor.require(Permission::ReadLedger)?;
    let index = required("index", query.index.as_deref(), "the entry index to prove, e.g. ?index=0")?;
    let index = parse_count("index", index)?;
    Ok(app.ledger.inclusion_proof(index).await?.to_text())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ConsistencyQuery {
    /// The size of the checkpoint you trust (required), a whole number.
    from: Option<String>,
}

/// `GET /api/v1/ledger/consistency?from=SIZE`: a proof that the latest
/// checkpoint's tree extends the tree of SIZE entries.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/consistency",
    params(
        ConsistencyQuery,
    ),
    responses(
        (status = 200, description = "A `liuhen/consistency-proof@v1` text.", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn consistency_proof(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> Result<String, ApiError> {
    actor.require(Permission::ReadLedger)?;
    let from = required("from", query.from.as_deref(), "the size of the checkpoint you trust, e.g. ?from=42")?;
    let from = parse_count("from", from)?;
    Ok(app.ledger.consistency_proof(from).await?.to_text())
}

/// `GET /api/v1/ledger/public-key`: the verifier key of the checkpoint
/// signatures (`name+keyid+base64`), one line.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/public-key",
    security(()),
    responses(
        (status = 200, description = "The checkpoint verifier key, `name+keyid+base64`, one line.", body = String, content_type = "text/plain; charset=utf-8"),
    ),
)]
pub(super) async fn public_key(State(app): State<AppState>) -> String {
    format!("{}\n", app.ledger.verifier_key())
}

fn required<'a>(name: &str, value: Option<&'a str>, hint: &str) -> Result<&'a str, ApiError> {
    value
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::BadRequest(format!("the query parameter `{name}` is missing: give {hint}")))
}

fn parse_count(name: &str, text: &str) -> Result<u64, ApiError> {
    text.trim().parse().map_err(|_| ApiError::BadRequest(format!("{name} `{text}` is not a whole number; give a number from 0 upwards")))
}
