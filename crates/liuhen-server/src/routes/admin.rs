//! `GET /api/v1/status` (运行状态): what this server knows about its own
//! storage and ledger, for administrators checking an instance at 3 a.m.
//!
//! It reports the metadata backend, where the vault keeps its blobs (never
//! credentials: a URL's user, password and query are left out), whether the
//! bucket has S3 Object Lock, the ledger's size and its latest signed
//! checkpoint, and the policy pack in force. `liuhen verify` writes no
//! ledger entry, so the server cannot know when it last ran or what it
//! found; `last_verify` is always `null` and the answer says so.

use axum::extract::State;
use axum::Json;
use liuhen_core::entity::Role;
use liuhen_store::Backend;
use liuhen_vault::VaultLocation;
use serde_json::{json, Value};

use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::AppState;

const ONLY_ADMINISTRATORS: &str = "只有系统管理员可以查看运行状态。Only administrators read the server's status.";

const VERIFY_NOT_RECORDED: &str = "完整性校验（liuhen verify）在服务器上运行，结果不写入审计日志，请在服务器上运行并查看其输出。\
`liuhen verify` runs on the server and does not record its result in the ledger; run it there and read its output.";

/// `GET /api/v1/status`: administrators only.
#[utoipa::path(
    get,
    path = "/api/v1/status",
    responses(
        (status = 200, description = "Storage, object lock, ledger and pack in force; `last_verify` is always null.", body = Object),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn status(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Value>, ApiError> {
    let signed_in = actor.person(ONLY_ADMINISTRATORS)?;
    if !signed_in.user.has_role(Role::Administrator) {
        return Err(ApiError::Forbidden(ONLY_ADMINISTRATORS.into()));
    }
    let backend = match app.store.backend() {
        Backend::Sqlite => json!({ "kind": "sqlite", "name": "SQLite" }),
        Backend::Postgres => json!({ "kind": "postgres", "name": "PostgreSQL" }),
    };
    let vault = match app.vault.location() {
        VaultLocation::Filesystem(path) => json!({ "kind": "filesystem", "path": path.display().to_string() }),
        VaultLocation::S3(s3) => json!({
            "kind": "s3",
            "bucket": s3.bucket,
            "prefix": s3.prefix,
            "endpoint": without_credentials(&s3.endpoint),
            "region": s3.region,
        }),
    };
    let object_lock = match app.vault.object_lock_support().await {
        Ok(support) => {
            let mut value = serde_json::to_value(&support).map_err(ApiError::internal)?;
            value["enabled"] = support.enabled().into();
            value["describe"] = support.describe().into();
            value
        }
        Err(error) => {
            tracing::warn!(%error, "status: the vault's Object Lock state could not be read");
            json!({ "status": "unknown", "enabled": false, "describe": "object lock: could not be checked; see the server log" })
        }
    };
    let checkpoint = app.store.latest_checkpoint().await?.map(|checkpoint| {
        json!({
            "size": checkpoint.size,
            "root": hex::encode(checkpoint.root),
            "created_at": checkpoint.created_at,
            "signed_note": checkpoint.signed_note,
        })
    });
    let pack = app.settings.compliance.as_ref().map(|compliance| {
        let pack = &compliance.pack;
        json!({ "id": pack.id, "version": pack.version, "name": pack.name, "sha256": pack.sha256, "rules": pack.rules.len() })
    });
    Ok(Json(json!({
        "store": backend,
        "vault": vault,
        "object_lock": object_lock,
        "ledger": {
            "size": app.store.ledger_size().await?,
            "origin": app.ledger.origin(),
            "verifier_key": app.ledger.verifier_key(),
            "checkpoint": checkpoint,
        },
        "pack": pack,
        "last_verify": Value::Null,
        "last_verify_note": VERIFY_NOT_RECORDED,
    })))
}

/// `endpoint` without a user, password, query or fragment.
fn without_credentials(endpoint: &str) -> String {
    let endpoint = endpoint.split(['?', '#']).next().unwrap_or_default();
    match endpoint.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(authority, path)| (authority, path));
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => endpoint.rsplit_once('@').map_or(endpoint, |(_, host)| host).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_shown_without_credentials() {
        assert_eq!(without_credentials("https://s3.example.com"), "https://s3.example.com");
        assert_eq!(without_credentials("http://key:secret@127.0.0.1:3900/"), "http://127.0.0.1:3900");
        assert_eq!(without_credentials("https://s3.example.com/base?X-Amz-Signature=abc"), "https://s3.example.com/base");
        assert_eq!(without_credentials("user@minio:9000"), "minio:9000");
    }
}
