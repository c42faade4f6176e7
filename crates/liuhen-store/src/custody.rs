//! Custody (调阅、保存与销毁) in the store: how access requests and their
//! decisions, classification marks, legal holds and their releases,
//! disposal lists and their approvals, tombstones and export records are
//! written, and the row decoding their reads (in `impl_meta_store!`) share.
//!
//! The writes are expanded once per backend by [`custody_writes!`], which
//! `store_writes!` ([`crate::writes`]) invokes beside `apply_batch`; `apply_batch` calls them
//! inside the commit transaction, under the ledger lock. Each first checks
//! the rules its mutation's doc comment states — a request is decided once,
//! a hold is placed in force and released once, a list is proposed
//! unapproved and approved once, a record is disposed of once and only from
//! an approved list it is on — with queries, so that a refusal can say what
//! already happened. The tables' keys hold the same rules whatever the
//! caller. A refusal is a [`StoreError::Conflict`]; it fails the whole
//! batch, so nothing of it is kept.
//!
//! Two rules are kept here although no doc comment on a mutation states
//! them, because only the store can check them at the moment of writing:
//! a list is not approved by the person who proposed it (`DisposalApproval`
//! says so; the proposer is compared as a ledger actor, `user:<id>`), and a
//! record under a legal hold in force — on itself, or on a case it is linked
//! to — is not disposed of, even from an approved list (a hold may have
//! been placed after the list was approved; retention's rule is that only
//! an unheld record may be disposed of).

use liuhen_core::access::{AccessFile, Target};
use liuhen_core::retention::{DisposalList, LegalHold};
use serde::Serialize;

use crate::rows::from_json;
use crate::StoreError;

/// A target as the `(case_id, media_id, document_id)` columns of marks and
/// holds: exactly one is set.
pub(crate) fn target_columns(target: &Target) -> (Option<String>, Option<String>, Option<String>) {
    match target {
        Target::Case(id) => (Some(id.to_string()), None, None),
        Target::Media(id) => (None, Some(id.to_string()), None),
        Target::Document(id) => (None, None, Some(id.to_string())),
    }
}

/// The column that holds a target of this kind, and the target's id.
pub(crate) fn target_column(target: &Target) -> (&'static str, String) {
    match target {
        Target::Case(id) => ("case_id", id.to_string()),
        Target::Media(id) => ("media_id", id.to_string()),
        Target::Document(id) => ("document_id", id.to_string()),
    }
}

/// A target as the `(source_kind, source_id)` columns of party copies.
pub(crate) fn target_kind(target: &Target) -> (&'static str, String) {
    match target {
        Target::Case(id) => ("case", id.to_string()),
        Target::Media(id) => ("media", id.to_string()),
        Target::Document(id) => ("document", id.to_string()),
    }
}

/// The table a target of this kind lives in, and what a person calls it.
pub(crate) fn target_table(target: &Target) -> (&'static str, &'static str) {
    match target {
        Target::Case(_) => ("cases", "case"),
        Target::Media(_) => ("media", "media record"),
        Target::Document(_) => ("documents", "document"),
    }
}

/// A custody record as the JSON kept in its `details` column.
pub(crate) fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("custody records serialise")
}

/// A request and, from the LEFT JOIN, its decision.
pub(crate) fn access_file(request: &str, decision: Option<&str>) -> Result<AccessFile, StoreError> {
    Ok(AccessFile {
        request: from_json("access request", request)?,
        decision: decision.map(|decision| from_json("access decision", decision)).transpose()?,
    })
}

/// A hold (stored as placed, in force) and, from the LEFT JOIN, its release.
pub(crate) fn legal_hold(hold: &str, release: Option<&str>) -> Result<LegalHold, StoreError> {
    let mut hold: LegalHold = from_json("legal hold", hold)?;
    hold.released = release.map(|release| from_json("hold release", release)).transpose()?;
    Ok(hold)
}

/// A list (stored as proposed, unapproved) and, from the LEFT JOIN, its approval.
pub(crate) fn disposal_list(list: &str, approval: Option<&str>) -> Result<DisposalList, StoreError> {
    let mut list: DisposalList = from_json("disposal list", list)?;
    list.approval = approval.map(|approval| from_json("disposal approval", approval)).transpose()?;
    Ok(list)
}

/// Whether the database refused a row because a unique key already holds it.
pub(crate) fn is_duplicate(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database_error) if database_error.is_unique_violation())
}

/// Expands the custody writes for one backend: one `async fn` per custody
/// mutation, taking the open transaction's connection. Expanded by
/// `store_writes!`, beside `apply_batch` and the `db`, `constraint_or_db`
/// helpers these use.
macro_rules! custody_writes {
    ($db:ty) => {
        /// A write the database refused: a duplicate key says `already`,
        /// anything else is as [`constraint_or_db`] says.
        fn refused_because(error: sqlx::Error, already: impl FnOnce() -> String) -> $crate::StoreError {
            if $crate::custody::is_duplicate(&error) {
                $crate::StoreError::Conflict(already())
            } else {
                constraint_or_db(error)
            }
        }

        fn conflict(sentence: String) -> $crate::Result<()> {
            Err($crate::StoreError::Conflict(sentence))
        }

        /// Whether the case, record or document a mark or hold names exists.
        async fn target_exists(
            connection: &mut <$db as sqlx::Database>::Connection,
            target: &liuhen_core::access::Target,
        ) -> $crate::Result<bool> {
            let (table, _) = $crate::custody::target_table(target);
            let (_, id) = $crate::custody::target_column(target);
            let found: Option<(i32,)> = sqlx::query_as(&format!("SELECT 1 FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            Ok(found.is_some())
        }

        async fn file_access_request(
            connection: &mut <$db as sqlx::Database>::Connection,
            request: &liuhen_core::access::AccessRequest,
        ) -> $crate::Result<()> {
            use $crate::rows::micros;
            sqlx::query(
                "INSERT INTO access_requests (id, requester, purpose, mode, from_us, until_us, requested_at_us, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(request.id.to_string())
            .bind(request.requester.to_string())
            .bind(request.purpose.as_str())
            .bind(request.mode.as_str())
            .bind(micros(request.from))
            .bind(micros(request.until))
            .bind(micros(request.requested_at))
            .bind($crate::custody::to_json(request))
            .execute(&mut *connection)
            .await
            .map_err(|error| refused_because(error, || format!("access request {} has already been filed; nothing was changed", request.id)))?;
            Ok(())
        }

        async fn decide_access(
            connection: &mut <$db as sqlx::Database>::Connection,
            decision: &liuhen_core::access::AccessDecision,
        ) -> $crate::Result<()> {
            use $crate::rows::micros;
            let filed: Option<(String,)> = sqlx::query_as("SELECT id FROM access_requests WHERE id = $1")
                .bind(decision.request.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if filed.is_none() {
                return conflict(format!(
                    "access request {} was never filed, so it cannot be decided; nothing was changed",
                    decision.request
                ));
            }
            let earlier: Option<(bool, i64)> = sqlx::query_as("SELECT approved, decided_at_us FROM access_decisions WHERE request_id = $1")
                .bind(decision.request.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if let Some((approved, at)) = earlier {
                return conflict(format!(
                    "access request {} was already decided ({} on {}), and a request is decided only once; nothing was changed. To ask again, file a new request",
                    decision.request,
                    if approved { "approved" } else { "refused" },
                    $crate::rows::time("decision time", at)?,
                ));
            }
            sqlx::query(
                "INSERT INTO access_decisions (request_id, approved, approver, granted_until_us, decided_at_us, details) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(decision.request.to_string())
            .bind(decision.approved)
            .bind(decision.approver.to_string())
            .bind(decision.granted_until.map(micros))
            .bind(micros(decision.at))
            .bind($crate::custody::to_json(decision))
            .execute(&mut *connection)
            .await
            .map_err(|error| {
                refused_because(error, || {
                    format!("access request {} was already decided, and a request is decided only once; nothing was changed", decision.request)
                })
            })?;
            Ok(())
        }

        /// Adds a mark at its place in the ledger: entry `entry_index`, the
        /// `position`-th change that entry records.
        async fn mark_classification(
            connection: &mut <$db as sqlx::Database>::Connection,
            mark: &liuhen_core::access::ClassificationMark,
            entry_index: u64,
            position: usize,
        ) -> $crate::Result<()> {
            if !target_exists(&mut *connection, &mark.target).await? {
                let (_, what) = $crate::custody::target_table(&mark.target);
                return conflict(format!("there is no {what} {} to mark {}; nothing was changed", mark.target, mark.mark.label()));
            }
            let (case_id, media_id, document_id) = $crate::custody::target_columns(&mark.target);
            sqlx::query(
                "INSERT INTO classification_marks (entry_idx, position, case_id, media_id, document_id, classification, lifted, marked_at_us, marked_by, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind($crate::rows::as_i64("ledger index", entry_index)?)
            .bind($crate::rows::as_i64("mutation position", position as u64)?)
            .bind(case_id)
            .bind(media_id)
            .bind(document_id)
            .bind(mark.mark.as_str())
            .bind(mark.lifted)
            .bind($crate::rows::micros(mark.at))
            .bind(&mark.by)
            .bind($crate::custody::to_json(mark))
            .execute(&mut *connection)
            .await
            .map_err(constraint_or_db)?;
            Ok(())
        }

        async fn place_hold(
            connection: &mut <$db as sqlx::Database>::Connection,
            hold: &liuhen_core::retention::LegalHold,
        ) -> $crate::Result<()> {
            if hold.released.is_some() {
                return conflict(format!(
                    "legal hold {} came to be placed already released; a hold is placed in force and released by an event of its own, so nothing was changed",
                    hold.id
                ));
            }
            if !target_exists(&mut *connection, &hold.target).await? {
                let (_, what) = $crate::custody::target_table(&hold.target);
                return conflict(format!("there is no {what} {} to place legal hold {} on; nothing was changed", hold.target, hold.id));
            }
            let (case_id, media_id, document_id) = $crate::custody::target_columns(&hold.target);
            sqlx::query(
                "INSERT INTO legal_holds (id, case_id, media_id, document_id, reason, placed_at_us, placed_by, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(hold.id.to_string())
            .bind(case_id)
            .bind(media_id)
            .bind(document_id)
            .bind(hold.reason.as_str())
            .bind($crate::rows::micros(hold.placed_at))
            .bind(&hold.placed_by)
            .bind($crate::custody::to_json(hold))
            .execute(&mut *connection)
            .await
            .map_err(|error| refused_because(error, || format!("legal hold {} has already been placed; nothing was changed", hold.id)))?;
            Ok(())
        }

        async fn release_hold(
            connection: &mut <$db as sqlx::Database>::Connection,
            release: &liuhen_core::retention::HoldRelease,
        ) -> $crate::Result<()> {
            let placed: Option<(String,)> = sqlx::query_as("SELECT id FROM legal_holds WHERE id = $1")
                .bind(release.hold.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if placed.is_none() {
                return conflict(format!("there is no legal hold {} to release; nothing was changed", release.hold));
            }
            let earlier: Option<(i64,)> = sqlx::query_as("SELECT released_at_us FROM hold_releases WHERE hold_id = $1")
                .bind(release.hold.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if let Some((at,)) = earlier {
                return conflict(format!(
                    "legal hold {} was already released on {}, and a hold is released only once; nothing was changed. To keep the records again, place a new hold",
                    release.hold,
                    $crate::rows::time("release time", at)?,
                ));
            }
            sqlx::query("INSERT INTO hold_releases (hold_id, released_at_us, released_by, details) VALUES ($1, $2, $3, $4)")
                .bind(release.hold.to_string())
                .bind($crate::rows::micros(release.at))
                .bind(&release.by)
                .bind($crate::custody::to_json(release))
                .execute(&mut *connection)
                .await
                .map_err(|error| {
                    refused_because(error, || {
                        format!("legal hold {} was already released, and a hold is released only once; nothing was changed", release.hold)
                    })
                })?;
            Ok(())
        }

        async fn propose_disposal(
            connection: &mut <$db as sqlx::Database>::Connection,
            list: &liuhen_core::retention::DisposalList,
        ) -> $crate::Result<()> {
            if list.approval.is_some() {
                return conflict(format!(
                    "disposal list {} came to be proposed already approved; a list is proposed unapproved and approved by an event of its own, so nothing was changed",
                    list.id
                ));
            }
            sqlx::query("INSERT INTO disposal_lists (id, proposed_at_us, proposed_by, details) VALUES ($1, $2, $3, $4)")
                .bind(list.id.to_string())
                .bind($crate::rows::micros(list.proposed_at))
                .bind(&list.proposed_by)
                .bind($crate::custody::to_json(list))
                .execute(&mut *connection)
                .await
                .map_err(|error| refused_because(error, || format!("disposal list {} has already been proposed; nothing was changed", list.id)))?;
            for media in &list.media {
                let stored: Option<(String,)> = sqlx::query_as("SELECT id FROM media WHERE id = $1")
                    .bind(media.to_string())
                    .fetch_optional(&mut *connection)
                    .await
                    .map_err(db)?;
                if stored.is_none() {
                    return conflict(format!("disposal list {} names media record {media}, which does not exist; nothing was changed", list.id));
                }
                sqlx::query("INSERT INTO disposal_list_media (list_id, media_id) VALUES ($1, $2)")
                    .bind(list.id.to_string())
                    .bind(media.to_string())
                    .execute(&mut *connection)
                    .await
                    .map_err(|error| {
                        refused_because(error, || {
                            format!("disposal list {} names media record {media} twice; name each record once. Nothing was changed", list.id)
                        })
                    })?;
            }
            Ok(())
        }

        async fn approve_disposal(
            connection: &mut <$db as sqlx::Database>::Connection,
            approval: &liuhen_core::retention::DisposalApproval,
        ) -> $crate::Result<()> {
            let proposed: Option<(String,)> = sqlx::query_as("SELECT proposed_by FROM disposal_lists WHERE id = $1")
                .bind(approval.list.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            let Some((proposed_by,)) = proposed else {
                return conflict(format!("there is no disposal list {} to approve; nothing was changed", approval.list));
            };
            let earlier: Option<(String, i64)> = sqlx::query_as("SELECT approver, approved_at_us FROM disposal_approvals WHERE list_id = $1")
                .bind(approval.list.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if let Some((approver, at)) = earlier {
                return conflict(format!(
                    "disposal list {} was already approved on {} (by user {approver}), and a list is approved only once; nothing was changed",
                    approval.list,
                    $crate::rows::time("approval time", at)?,
                ));
            }
            if proposed_by == approval.approver.subject() {
                return conflict(format!(
                    "disposal list {} was proposed by {} ({proposed_by}), who cannot also approve it; it must be approved by someone else. Nothing was changed",
                    approval.list, approval.approver_name
                ));
            }
            sqlx::query("INSERT INTO disposal_approvals (list_id, approver, approved_at_us, details) VALUES ($1, $2, $3, $4)")
                .bind(approval.list.to_string())
                .bind(approval.approver.to_string())
                .bind($crate::rows::micros(approval.at))
                .bind($crate::custody::to_json(approval))
                .execute(&mut *connection)
                .await
                .map_err(|error| {
                    refused_because(error, || {
                        format!("disposal list {} was already approved, and a list is approved only once; nothing was changed", approval.list)
                    })
                })?;
            Ok(())
        }

        async fn dispose_media(
            connection: &mut <$db as sqlx::Database>::Connection,
            tombstone: &liuhen_core::retention::Tombstone,
        ) -> $crate::Result<()> {
            let media = tombstone.media.id;
            let list = tombstone.list;
            let stored: Option<(String, String, i64)> = sqlx::query_as("SELECT sha256, sm3, size FROM media WHERE id = $1")
                .bind(media.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            let Some((sha256, sm3, size)) = stored else {
                return conflict(format!("there is no media record {media} to dispose of; nothing was changed"));
            };
            let described = sha256 == tombstone.media.sha256.to_hex()
                && sm3 == tombstone.media.sm3.to_hex()
                && size == $crate::rows::as_i64("media size", tombstone.media.size)?;
            if !described {
                return conflict(format!(
                    "the tombstone of media record {media} does not describe it: the record holds SHA-256 {sha256}, SM3 {sm3} and {size} bytes. Make the tombstone from the stored record; nothing was changed"
                ));
            }
            let earlier: Option<(String, i64)> = sqlx::query_as("SELECT list_id, disposed_at_us FROM tombstones WHERE media_id = $1")
                .bind(media.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if let Some((earlier_list, at)) = earlier {
                return conflict(format!(
                    "media record {media} was already disposed of on {} (disposal list {earlier_list}), and a record is disposed of only once; nothing was changed",
                    $crate::rows::time("disposal time", at)?,
                ));
            }
            let listed: Option<(String,)> = sqlx::query_as("SELECT media_id FROM disposal_list_media WHERE list_id = $1 AND media_id = $2")
                .bind(list.to_string())
                .bind(media.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if listed.is_none() {
                return conflict(format!(
                    "media record {media} is not on disposal list {list}; a record is disposed of only from an approved list it is on, so nothing was changed"
                ));
            }
            let approved: Option<(String,)> = sqlx::query_as("SELECT approver FROM disposal_approvals WHERE list_id = $1")
                .bind(list.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            let Some((approver,)) = approved else {
                return conflict(format!(
                    "disposal list {list} has not been approved, so media record {media} on it may not be disposed of yet; nothing was changed. Have the list approved first"
                ));
            };
            if approver != tombstone.approver.to_string() {
                return conflict(format!(
                    "the tombstone of media record {media} names user {} as approver, but disposal list {list} was approved by user {approver}; nothing was changed",
                    tombstone.approver
                ));
            }
            let held: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT h.id, h.reason, h.placed_at_us FROM legal_holds h LEFT JOIN hold_releases r ON r.hold_id = h.id \
                 WHERE r.hold_id IS NULL AND (h.media_id = $1 OR h.case_id IN (SELECT case_id FROM recording_links WHERE media_id = $2)) \
                 ORDER BY h.placed_at_us, h.id LIMIT 1",
            )
            .bind(media.to_string())
            .bind(media.to_string())
            .fetch_optional(&mut *connection)
            .await
            .map_err(db)?;
            if let Some((hold, reason, at)) = held {
                let reason = reason.parse::<liuhen_core::retention::HoldReason>().map(|reason| reason.label()).unwrap_or("hold");
                return conflict(format!(
                    "media record {media} is under legal hold {hold} ({reason}, placed on {}), and a held record is kept however old it is; nothing was changed. It may be disposed of once the hold is released",
                    $crate::rows::time("hold time", at)?,
                ));
            }
            sqlx::query("INSERT INTO tombstones (media_id, list_id, disposed_at_us, disposed_by, details) VALUES ($1, $2, $3, $4, $5)")
                .bind(media.to_string())
                .bind(list.to_string())
                .bind($crate::rows::micros(tombstone.disposed_at))
                .bind(&tombstone.disposed_by)
                .bind($crate::custody::to_json(tombstone))
                .execute(&mut *connection)
                .await
                .map_err(|error| {
                    refused_because(error, || {
                        format!("media record {media} was already disposed of, and a record is disposed of only once; nothing was changed")
                    })
                })?;
            Ok(())
        }

        async fn set_blob_lock(
            connection: &mut <$db as sqlx::Database>::Connection,
            lock: &liuhen_core::retention::BlobLock,
            entry_index: u64,
            position: usize,
        ) -> $crate::Result<()> {
            let media = lock.media;
            let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM media WHERE id = $1")
                .bind(media.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return conflict(format!("there is no media record {media} whose blob could be locked; nothing was changed"));
            }
            let disposed: Option<(i64,)> = sqlx::query_as("SELECT disposed_at_us FROM tombstones WHERE media_id = $1")
                .bind(media.to_string())
                .fetch_optional(&mut *connection)
                .await
                .map_err(db)?;
            if let Some((at,)) = disposed {
                return conflict(format!(
                    "media record {media} was disposed of on {}, so its blob has no lock to record; nothing was changed",
                    $crate::rows::time("disposal time", at)?,
                ));
            }
            let latest: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT retain_until_us FROM blob_locks WHERE media_id = $1 ORDER BY entry_idx DESC, position DESC LIMIT 1",
            )
            .bind(media.to_string())
            .fetch_optional(&mut *connection)
            .await
            .map_err(db)?;
            let until = lock.retain_until.map($crate::rows::micros);
            if let Some((Some(earlier),)) = latest {
                if until.is_none_or(|until| until < earlier) {
                    return conflict(format!(
                        "the blob of media record {media} is locked until {}, and a bucket in compliance mode never shortens that; nothing was changed",
                        $crate::rows::time("retain-until date", earlier)?,
                    ));
                }
            }
            sqlx::query(
                "INSERT INTO blob_locks (entry_idx, position, media_id, retain_until_us, legal_hold, locked_at_us, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind($crate::rows::as_i64("ledger index", entry_index)?)
            .bind($crate::rows::as_i64("mutation position", position as u64)?)
            .bind(media.to_string())
            .bind(until)
            .bind(lock.legal_hold)
            .bind($crate::rows::micros(lock.at))
            .bind($crate::custody::to_json(lock))
            .execute(&mut *connection)
            .await
            .map_err(constraint_or_db)?;
            Ok(())
        }

        async fn record_export(
            connection: &mut <$db as sqlx::Database>::Connection,
            export: &liuhen_core::access::ExportRecord,
        ) -> $crate::Result<()> {
            sqlx::query(
                "INSERT INTO exports (id, case_id, grant_id, purpose, tagmanifest_sha256, exported_at_us, exported_by, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(export.id.to_string())
            .bind(export.case.map(|id| id.to_string()))
            .bind(export.grant.map(|id| id.to_string()))
            .bind(export.purpose.as_str())
            .bind(export.tagmanifest_sha256.to_hex())
            .bind($crate::rows::micros(export.at))
            .bind(&export.by)
            .bind($crate::custody::to_json(export))
            .execute(&mut *connection)
            .await
            .map_err(|error| refused_because(error, || format!("export {} has already been recorded; nothing was changed", export.id)))?;
            Ok(())
        }

        async fn make_redaction(
            connection: &mut <$db as sqlx::Database>::Connection,
            redaction: &liuhen_core::redaction::Redaction,
        ) -> $crate::Result<()> {
            let (kind, id) = $crate::custody::target_kind(&redaction.source);
            if !target_exists(&mut *connection, &redaction.source).await? {
                let (_, what) = $crate::custody::target_table(&redaction.source);
                return conflict(format!("a party copy's source {what} {id} does not exist; nothing was changed"));
            }
            sqlx::query("INSERT INTO redactions (derived_media_id, source_kind, source_id, made_at_us, details) VALUES ($1, $2, $3, $4, $5)")
                .bind(redaction.derived.to_string())
                .bind(kind)
                .bind(&id)
                .bind($crate::rows::micros(redaction.at))
                .bind($crate::custody::to_json(redaction))
                .execute(&mut *connection)
                .await
                .map_err(|error| {
                    refused_because(error, || {
                        format!("media record {} already has a lineage, or does not exist; nothing was changed", redaction.derived)
                    })
                })?;
            Ok(())
        }
    };
}

pub(crate) use custody_writes;
