//! What both backends share: the queries written once (row types and
//! their decoding are in [`crate::rows`]).
//!
//! Both schemas use the same table and column names, SQL with `$N`
//! placeholders (which SQLite also accepts), TEXT ids, 64-bit integers for
//! sizes and microsecond times, and byte arrays for hashes. That lets the
//! query code be written once, in [`impl_meta_store!`], and expanded for each
//! backend's pool and connection types. What really differs — opening,
//! migrations, and how a writer takes the ledger lock — stays in each
//! backend's module. The writes (how a commit batch is applied) and the
//! helpers of the reads are in [`crate::writes`], custody's writes and the
//! rules they check before they write in [`crate::custody`]; both are
//! expanded from here too.

macro_rules! impl_meta_store {
    ($store:ty, $db:ty, $writer:ident, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::MetaStore for $store {
            $($specific)*

            async fn agencies(&self) -> $crate::Result<Vec<liuhen_core::entity::Agency>> {
                let sql = format!("SELECT {} FROM agencies ORDER BY id", $crate::rows::AGENCY_COLUMNS);
                let rows: Vec<$crate::rows::AgencyRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::agency).collect()
            }

            async fn units(&self) -> $crate::Result<Vec<liuhen_core::entity::Unit>> {
                let sql = format!("SELECT {} FROM units ORDER BY id", $crate::rows::UNIT_COLUMNS);
                let rows: Vec<$crate::rows::UnitRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::unit).collect()
            }

            async fn officers(&self) -> $crate::Result<Vec<liuhen_core::entity::Officer>> {
                let sql = format!("SELECT {} FROM officers ORDER BY id", $crate::rows::OFFICER_COLUMNS);
                let rows: Vec<$crate::rows::OfficerRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::officer).collect()
            }

            async fn devices(&self) -> $crate::Result<Vec<liuhen_core::entity::Device>> {
                let sql = format!("SELECT {} FROM devices ORDER BY id", $crate::rows::DEVICE_COLUMNS);
                let rows: Vec<$crate::rows::DeviceRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::device).collect()
            }

            async fn device_by_serial(&self, serial: &str) -> $crate::Result<Option<liuhen_core::entity::Device>> {
                let sql = format!("SELECT {} FROM devices WHERE serial = $1", $crate::rows::DEVICE_COLUMNS);
                let row: Option<$crate::rows::DeviceRow> = sqlx::query_as(&sql).bind(serial).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::device).transpose()
            }

            async fn users(&self) -> $crate::Result<Vec<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users ORDER BY login", $crate::rows::USER_COLUMNS);
                let rows: Vec<$crate::rows::UserRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::user).collect()
            }

            async fn user(&self, id: liuhen_core::id::UserId) -> $crate::Result<Option<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users WHERE id = $1", $crate::rows::USER_COLUMNS);
                let row: Option<$crate::rows::UserRow> = sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::user).transpose()
            }

            async fn user_by_login(&self, login: &str) -> $crate::Result<Option<liuhen_core::entity::User>> {
                let sql = format!("SELECT {} FROM users WHERE login = $1", $crate::rows::USER_COLUMNS);
                let row: Option<$crate::rows::UserRow> = sqlx::query_as(&sql).bind(login).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::user).transpose()
            }

            async fn session_by_secret(&self, secret: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::Session>> {
                let row: Option<$crate::rows::SessionRow> = sqlx::query_as(
                    "SELECT id, user_id, secret_sha256, created_at_us, expires_at_us FROM sessions WHERE secret_sha256 = $1 AND NOT ended",
                ).bind(secret.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::session).transpose()
            }

            async fn api_token_by_secret(&self, secret: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::ApiToken>> {
                let row: Option<$crate::rows::TokenRow> = sqlx::query_as(
                    "SELECT id, device_id, secret_sha256, created_at_us, revoked FROM api_tokens WHERE secret_sha256 = $1",
                ).bind(secret.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::token).transpose()
            }

            async fn api_tokens_of_device(&self, device: liuhen_core::id::DeviceId) -> $crate::Result<Vec<liuhen_core::entity::ApiToken>> {
                let rows: Vec<$crate::rows::TokenRow> = sqlx::query_as(
                    "SELECT id, device_id, secret_sha256, created_at_us, revoked FROM api_tokens WHERE device_id = $1 ORDER BY id",
                ).bind(device.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::token).collect()
            }

            async fn media(&self, id: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE id = $1", $crate::rows::MEDIA_COLUMNS);
                let row: Option<$crate::rows::MediaRow> = sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::media).transpose()
            }

            async fn media_by_sha256(&self, sha256: &liuhen_core::digest::Sha256Digest) -> $crate::Result<Option<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE sha256 = $1", $crate::rows::MEDIA_COLUMNS);
                let row: Option<$crate::rows::MediaRow> = sqlx::query_as(&sql).bind(sha256.to_hex()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::media).transpose()
            }

            async fn media_page(&self, after: Option<liuhen_core::id::MediaId>, limit: u32) -> $crate::Result<Vec<liuhen_core::entity::MediaRecord>> {
                let sql = format!("SELECT {} FROM media WHERE id > $1 ORDER BY id LIMIT $2", $crate::rows::MEDIA_COLUMNS);
                let after = after.map(|id| id.to_string()).unwrap_or_default();
                let rows: Vec<$crate::rows::MediaRow> = sqlx::query_as(&sql).bind(after).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::media).collect()
            }

            async fn recording(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::recording::Recording>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM recordings WHERE media_id = $1")
                    .bind(media.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("recording", &details)).transpose()
            }

            async fn recordings(&self, query: &$crate::RecordingQuery) -> $crate::Result<Vec<liuhen_core::recording::Recording>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT details FROM recordings WHERE 1 = 1");
                if let Some(device) = query.device {
                    builder.push(" AND device_id = ").push_bind(device.to_string());
                }
                if let Some(officer) = query.officer {
                    builder.push(" AND officer_id = ").push_bind(officer.to_string());
                }
                if let Some(from) = query.from {
                    builder.push(" AND COALESCE(start_us, ingested_at_us) >= ").push_bind($crate::rows::micros(from));
                }
                if let Some(to) = query.to {
                    builder.push(" AND COALESCE(start_us, ingested_at_us) < ").push_bind($crate::rows::micros(to));
                }
                // All of them (the compliance refresh, a million rows at
                // scale) are sorted here, on the refresh's lowered-priority
                // thread: the database would sort a million rows of JSON on
                // its own CPU time (about a second on PostgreSQL).
                let everything = *query == $crate::RecordingQuery::default();
                if !everything {
                    builder.push(" ORDER BY COALESCE(start_us, ingested_at_us), media_id");
                }
                let rows: Vec<(String,)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let mut recordings = rows
                    .iter()
                    .map(|(details,)| $crate::rows::from_json::<liuhen_core::recording::Recording>("recording", details))
                    .collect::<$crate::Result<Vec<_>>>()?;
                if everything {
                    recordings.sort_unstable_by_key(|recording| (recording.corrected_start.unwrap_or(recording.ingested_at), recording.media_id));
                }
                Ok(recordings)
            }

            async fn interruption_notes(&self, device: Option<liuhen_core::id::DeviceId>) -> $crate::Result<Vec<liuhen_core::recording::InterruptionNote>> {
                let rows: Vec<(String,)> = match device {
                    Some(device) => sqlx::query_as("SELECT details FROM interruption_notes WHERE device_id = $1 ORDER BY noted_at_us")
                        .bind(device.to_string()).fetch_all(&self.pool).await,
                    None => sqlx::query_as("SELECT details FROM interruption_notes ORDER BY noted_at_us").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("interruption note", details)).collect()
            }

            async fn recording_labels(&self, media: Option<liuhen_core::id::MediaId>) -> $crate::Result<Vec<liuhen_core::recording::RecordingLabel>> {
                let rows: Vec<$crate::rows::LabelRow> = match media {
                    Some(media) => {
                        let sql = format!("SELECT {} FROM recording_labels WHERE media_id = $1 ORDER BY sequence", $crate::rows::LABEL_COLUMNS);
                        sqlx::query_as(&sql).bind(media.to_string()).fetch_all(&self.pool).await
                    }
                    None => {
                        let sql = format!("SELECT {} FROM recording_labels ORDER BY media_id, sequence", $crate::rows::LABEL_COLUMNS);
                        sqlx::query_as(&sql).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.into_iter().map($crate::rows::recording_label).collect()
            }

            async fn duty_log(&self, officer: Option<liuhen_core::id::OfficerId>) -> $crate::Result<Vec<liuhen_core::recording::DutyLogEntry>> {
                let rows: Vec<$crate::rows::DutyRow> = match officer {
                    Some(officer) => {
                        let sql = format!("SELECT {} FROM duty_log WHERE officer_id = $1 ORDER BY sequence", $crate::rows::DUTY_COLUMNS);
                        sqlx::query_as(&sql).bind(officer.to_string()).fetch_all(&self.pool).await
                    }
                    None => {
                        let sql = format!("SELECT {} FROM duty_log ORDER BY officer_id, sequence", $crate::rows::DUTY_COLUMNS);
                        sqlx::query_as(&sql).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.into_iter().map($crate::rows::duty_log_entry).collect()
            }

            async fn spot_checks(&self) -> $crate::Result<Vec<liuhen_core::supervision::SpotCheck>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT details FROM spot_checks ORDER BY drawn_at_us DESC, id DESC").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("spot check", details)).collect()
            }

            async fn spot_check(&self, id: liuhen_core::id::SpotCheckId) -> $crate::Result<Option<liuhen_core::supervision::SpotCheck>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM spot_checks WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("spot check", &details)).transpose()
            }

            async fn spot_check_population(&self, id: liuhen_core::id::SpotCheckId) -> $crate::Result<Vec<liuhen_core::supervision::Member>> {
                let Some(check) = self.spot_check(id).await? else { return Ok(Vec::new()) };
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT subject_id, stratum FROM spot_check_population WHERE check_id = $1 ORDER BY subject_id")
                        .bind(id.to_string())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                rows.into_iter()
                    .map(|(subject, stratum)| {
                        let subject = $crate::rows::sampled(check.plan.population, &subject)?;
                        Ok(liuhen_core::supervision::Member { subject, stratum })
                    })
                    .collect()
            }

            async fn spot_check_reviews(
                &self,
                check: Option<liuhen_core::id::SpotCheckId>,
            ) -> $crate::Result<Vec<liuhen_core::supervision::SpotCheckReview>> {
                let rows: Vec<(String,)> = match check {
                    Some(check) => sqlx::query_as("SELECT details FROM spot_check_reviews WHERE check_id = $1 ORDER BY position, sequence")
                        .bind(check.to_string())
                        .fetch_all(&self.pool)
                        .await,
                    None => sqlx::query_as("SELECT details FROM spot_check_reviews ORDER BY check_id, position, sequence").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("spot check review", details)).collect()
            }

            async fn spot_checks_drawing(&self, subjects: &[String]) -> $crate::Result<Vec<liuhen_core::id::SpotCheckId>> {
                if subjects.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT s.id FROM spot_checks s WHERE s.id IN (SELECT i.check_id FROM spot_check_items i WHERE i.subject_id IN (",
                );
                let mut separated = builder.separated(", ");
                for subject in subjects {
                    separated.push_bind(subject.clone());
                }
                builder.push(")) ORDER BY s.drawn_at_us DESC, s.id DESC");
                let rows: Vec<(String,)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(id,)| $crate::rows::parse("spot check", id)).collect()
            }

            async fn sample_candidates(&self, query: &$crate::CandidateQuery) -> $crate::Result<Vec<liuhen_core::supervision::Candidate>> {
                use liuhen_core::supervision::{Candidate, Population, Sampled};
                use $crate::rows::micros;
                let push_units = |builder: &mut sqlx::QueryBuilder<'_, $db>, column: &str| {
                    if let Some(units) = &query.units {
                        if units.is_empty() {
                            builder.push(" AND 1 = 0");
                        } else {
                            builder.push(format!(" AND {column} IN ("));
                            let mut separated = builder.separated(", ");
                            for unit in units {
                                separated.push_bind(unit.to_string());
                            }
                            builder.push(")");
                        }
                    }
                };
                match query.population {
                    Population::Recordings => {
                        // A record's act kind is its first link's case's;
                        // its item the first link's, else its latest label's.
                        let mut builder = sqlx::QueryBuilder::<$db>::new(
                            "SELECT r.media_id, \
                             (SELECT c.act_kind FROM recording_links l JOIN cases c ON c.id = l.case_id WHERE l.media_id = r.media_id ORDER BY l.linked_at_us, l.case_id LIMIT 1), \
                             (SELECT l.details FROM recording_links l WHERE l.media_id = r.media_id ORDER BY l.linked_at_us, l.case_id LIMIT 1), \
                             (SELECT b.item FROM recording_labels b WHERE b.media_id = r.media_id ORDER BY b.sequence DESC LIMIT 1) \
                             FROM recordings r LEFT JOIN officers o ON o.id = r.officer_id LEFT JOIN devices d ON d.id = r.device_id \
                             WHERE r.start_us >= ",
                        );
                        builder.push_bind(micros(query.from)).push(" AND r.start_us < ").push_bind(micros(query.until));
                        if let Some(by) = query.recorded_by {
                            builder.push(" AND r.ingested_at_us <= ").push_bind(micros(by));
                        }
                        if let Some(officer) = query.officer {
                            builder.push(" AND r.officer_id = ").push_bind(officer.to_string());
                        }
                        push_units(&mut builder, "COALESCE(o.unit_id, d.unit_id)");
                        let rows: Vec<(String, Option<String>, Option<String>, Option<String>)> =
                            builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                        rows.into_iter()
                            .map(|(media, act_kind, link, label_item)| {
                                let item = match link {
                                    Some(link) => Some($crate::rows::from_json::<liuhen_core::case::RecordingLink>("recording link", &link)?.item),
                                    None => label_item.map(|item| $crate::rows::named("recorded item", &item)).transpose()?,
                                };
                                Ok(Candidate {
                                    subject: Sampled::Recording($crate::rows::parse("recording", &media)?),
                                    act_kind: act_kind.map(|kind| $crate::rows::named("act kind", &kind)).transpose()?,
                                    item,
                                })
                            })
                            .collect()
                    }
                    Population::Cases => {
                        let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT id, act_kind FROM cases WHERE opened_at_us >= ");
                        builder.push_bind(micros(query.from)).push(" AND opened_at_us < ").push_bind(micros(query.until));
                        if let Some(officer) = query.officer {
                            builder.push(" AND id IN (SELECT case_id FROM case_officers WHERE officer_id = ").push_bind(officer.to_string()).push(")");
                        }
                        push_units(&mut builder, "unit_id");
                        let rows: Vec<(String, String)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                        rows.into_iter()
                            .map(|(id, act_kind)| {
                                Ok(Candidate {
                                    subject: Sampled::Case($crate::rows::parse("case", &id)?),
                                    act_kind: Some($crate::rows::named("act kind", &act_kind)?),
                                    item: None,
                                })
                            })
                            .collect()
                    }
                }
            }

            async fn device_events(&self, device: Option<liuhen_core::id::DeviceId>) -> $crate::Result<Vec<liuhen_core::device::DeviceEvent>> {
                let rows: Vec<(String,)> = match device {
                    Some(device) => sqlx::query_as("SELECT details FROM device_events WHERE device_id = $1 ORDER BY sequence")
                        .bind(device.to_string())
                        .fetch_all(&self.pool)
                        .await,
                    None => sqlx::query_as("SELECT details FROM device_events ORDER BY device_id, sequence").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("device event", details)).collect()
            }

            async fn findings(&self, query: &$crate::FindingQuery) -> $crate::Result<Vec<liuhen_core::compliance::StoredFinding>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM findings f LEFT JOIN finding_resolutions r ON r.finding_id = f.id WHERE 1 = 1",
                    $crate::rows::FINDING_COLUMNS
                ));
                if query.open_only {
                    builder.push(" AND r.finding_id IS NULL");
                }
                if let Some(case) = query.case {
                    builder.push(" AND f.case_id = ").push_bind(case.to_string());
                }
                if let Some(unit) = query.unit {
                    builder.push(" AND f.unit_id = ").push_bind(unit.to_string());
                }
                if let Some(from) = query.raised_from {
                    builder.push(" AND f.raised_at_us >= ").push_bind($crate::rows::micros(from));
                }
                if let Some(to) = query.raised_to {
                    builder.push(" AND f.raised_at_us < ").push_bind($crate::rows::micros(to));
                }
                builder.push(" ORDER BY f.raised_at_us, f.id");
                let rows: Vec<$crate::rows::FindingRow> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::stored_finding).collect()
            }

            async fn finding(&self, id: liuhen_core::id::FindingId) -> $crate::Result<Option<liuhen_core::compliance::StoredFinding>> {
                let sql = format!(
                    "SELECT {} FROM findings f LEFT JOIN finding_resolutions r ON r.finding_id = f.id WHERE f.id = $1",
                    $crate::rows::FINDING_COLUMNS
                );
                let row: Option<$crate::rows::FindingRow> =
                    sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::stored_finding).transpose()
            }

            async fn access_files(&self, requester: Option<liuhen_core::id::UserId>) -> $crate::Result<Vec<liuhen_core::access::AccessFile>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.details, d.details FROM access_requests r LEFT JOIN access_decisions d ON d.request_id = r.id",
                );
                if let Some(requester) = requester {
                    builder.push(" WHERE r.requester = ").push_bind(requester.to_string());
                }
                builder.push(" ORDER BY r.requested_at_us, r.id");
                let rows: Vec<(String, Option<String>)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(request, decision)| $crate::custody::access_file(request, decision.as_deref())).collect()
            }

            async fn access_file(&self, id: liuhen_core::id::AccessRequestId) -> $crate::Result<Option<liuhen_core::access::AccessFile>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT r.details, d.details FROM access_requests r LEFT JOIN access_decisions d ON d.request_id = r.id WHERE r.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(request, decision)| $crate::custody::access_file(&request, decision.as_deref())).transpose()
            }

            async fn classification_marks(&self, target: Option<liuhen_core::access::Target>) -> $crate::Result<Vec<liuhen_core::access::ClassificationMark>> {
                let rows: Vec<(String,)> = match target {
                    Some(target) => {
                        let (column, id) = $crate::custody::target_column(&target);
                        let sql = format!("SELECT details FROM classification_marks WHERE {column} = $1 ORDER BY entry_idx, position");
                        sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await
                    }
                    None => sqlx::query_as("SELECT details FROM classification_marks ORDER BY entry_idx, position").fetch_all(&self.pool).await,
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("classification mark", details)).collect()
            }

            async fn legal_holds(&self) -> $crate::Result<Vec<liuhen_core::retention::LegalHold>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT h.details, r.details FROM legal_holds h LEFT JOIN hold_releases r ON r.hold_id = h.id ORDER BY h.placed_at_us, h.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(hold, release)| $crate::custody::legal_hold(hold, release.as_deref())).collect()
            }

            async fn legal_hold(&self, id: liuhen_core::id::HoldId) -> $crate::Result<Option<liuhen_core::retention::LegalHold>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT h.details, r.details FROM legal_holds h LEFT JOIN hold_releases r ON r.hold_id = h.id WHERE h.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(hold, release)| $crate::custody::legal_hold(&hold, release.as_deref())).transpose()
            }

            async fn disposal_lists(&self) -> $crate::Result<Vec<liuhen_core::retention::DisposalList>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT l.details, a.details FROM disposal_lists l LEFT JOIN disposal_approvals a ON a.list_id = l.id ORDER BY l.proposed_at_us, l.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(list, approval)| $crate::custody::disposal_list(list, approval.as_deref())).collect()
            }

            async fn disposal_list(&self, id: liuhen_core::id::DisposalId) -> $crate::Result<Option<liuhen_core::retention::DisposalList>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT l.details, a.details FROM disposal_lists l LEFT JOIN disposal_approvals a ON a.list_id = l.id WHERE l.id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|(list, approval)| $crate::custody::disposal_list(&list, approval.as_deref())).transpose()
            }

            async fn blob_locks(&self) -> $crate::Result<Vec<liuhen_core::retention::BlobLock>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT details FROM blob_locks b WHERE NOT EXISTS (SELECT 1 FROM blob_locks later \
                     WHERE later.media_id = b.media_id AND (later.entry_idx > b.entry_idx OR (later.entry_idx = b.entry_idx AND later.position > b.position))) \
                     ORDER BY b.media_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("blob lock", details)).collect()
            }

            async fn tombstones(&self) -> $crate::Result<Vec<liuhen_core::retention::Tombstone>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM tombstones ORDER BY disposed_at_us, media_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("tombstone", details)).collect()
            }

            async fn tombstone(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::retention::Tombstone>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM tombstones WHERE media_id = $1")
                    .bind(media.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("tombstone", &details)).transpose()
            }

            async fn redactions(&self, source: Option<liuhen_core::access::Target>) -> $crate::Result<Vec<liuhen_core::redaction::Redaction>> {
                let rows: Vec<(String,)> = match source {
                    None => sqlx::query_as("SELECT details FROM redactions ORDER BY made_at_us, derived_media_id").fetch_all(&self.pool).await,
                    Some(target) => {
                        let (kind, id) = $crate::custody::target_kind(&target);
                        sqlx::query_as("SELECT details FROM redactions WHERE source_kind = $1 AND source_id = $2 ORDER BY made_at_us, derived_media_id")
                            .bind(kind).bind(id).fetch_all(&self.pool).await
                    }
                }
                .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("party copy", details)).collect()
            }

            async fn redaction(&self, derived: liuhen_core::id::MediaId) -> $crate::Result<Option<liuhen_core::redaction::Redaction>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM redactions WHERE derived_media_id = $1")
                    .bind(derived.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("party copy", &details)).transpose()
            }

            async fn exports(&self) -> $crate::Result<Vec<liuhen_core::access::ExportRecord>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM exports ORDER BY exported_at_us, id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("export record", details)).collect()
            }

            async fn case(&self, id: liuhen_core::id::CaseId) -> $crate::Result<Option<liuhen_core::case::Case>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM cases WHERE id = $1")
                    .bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("case", &details)).transpose()
            }

            async fn case_by_number(&self, number: &str) -> $crate::Result<Option<liuhen_core::case::Case>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM cases WHERE number = $1 ORDER BY id LIMIT 1")
                    .bind(number).fetch_optional(&self.pool).await.map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("case", &details)).transpose()
            }

            async fn cases(&self) -> $crate::Result<Vec<liuhen_core::case::Case>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM cases ORDER BY opened_at_us, id").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("case", details)).collect()
            }

            async fn case_page(&self, search: &$crate::CaseSearch) -> $crate::Result<$crate::CasePage> {
                let (total,): (i64,) = if search.selects_every_case() {
                    // Kept by every insert: no count of every case each time.
                    sqlx::query_as("SELECT total FROM case_count").fetch_one(&self.pool).await.map_err(db)?
                } else {
                    let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM cases WHERE 1 = 1");
                    push_case_conditions(&mut count, search);
                    count.build_query_as().fetch_one(&self.pool).await.map_err(db)?
                };
                // The page's ids first, then their rows: a deep page is
                // skipped through the index alone, not row by row through
                // the table. One direction for both columns, so the index
                // is read forwards or backwards, not sorted.
                let order = if search.newest_first { " ORDER BY opened_at_us DESC, id DESC" } else { " ORDER BY opened_at_us, id" };
                let mut select = sqlx::QueryBuilder::<$db>::new("SELECT details FROM cases WHERE id IN (SELECT id FROM cases WHERE 1 = 1");
                push_case_conditions(&mut select, search);
                select.push(order);
                select.push(" LIMIT ").push_bind(search.limit.map_or(i64::MAX, i64::from));
                select.push(" OFFSET ").push_bind($crate::rows::as_i64("case list offset", search.offset)?);
                select.push(")").push(order);
                let rows: Vec<(String,)> = select.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let cases = rows.iter().map(|(details,)| $crate::rows::from_json("case", details)).collect::<$crate::Result<Vec<_>>>()?;
                Ok($crate::CasePage { total: total as u64, cases })
            }

            async fn case_files(
                &self,
                cases: &[liuhen_core::id::CaseId],
            ) -> $crate::Result<std::collections::HashMap<liuhen_core::id::CaseId, $crate::CaseFile>> {
                let mut files: std::collections::HashMap<liuhen_core::id::CaseId, $crate::CaseFile> =
                    cases.iter().map(|case| (*case, $crate::CaseFile::default())).collect();
                for chunk in cases.chunks(1000) {
                    let ids: Vec<String> = chunk.iter().map(|case| case.to_string()).collect();
                    let read = |sql: &'static str, order: &'static str| {
                        let mut builder = sqlx::QueryBuilder::<$db>::new(sql);
                        builder.push(" WHERE case_id IN (");
                        let mut separated = builder.separated(", ");
                        for id in &ids {
                            separated.push_bind(id.clone());
                        }
                        builder.push(") ORDER BY ").push(order);
                        builder
                    };
                    let mut steps = read("SELECT details FROM case_steps", "case_id, sequence");
                    let rows: Vec<(String,)> = steps.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let step: liuhen_core::case::StageStep = $crate::rows::from_json("case step", details)?;
                        files.entry(step.case_id).or_default().steps.push(step);
                    }
                    let mut approvals = read("SELECT details FROM case_approvals", "case_id, sequence");
                    let rows: Vec<(String,)> = approvals.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let approval: liuhen_core::case::Approval = $crate::rows::from_json("case approval", details)?;
                        files.entry(approval.case_id).or_default().approvals.push(approval);
                    }
                    let mut links = read("SELECT details FROM recording_links", "case_id, linked_at_us, media_id");
                    let rows: Vec<(String,)> = links.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let link: liuhen_core::case::RecordingLink = $crate::rows::from_json("recording link", details)?;
                        files.entry(link.case_id).or_default().links.push(link);
                    }
                    let mut documents = read("SELECT details FROM documents", "case_id, made_at_us, id");
                    let rows: Vec<(String,)> = documents.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    for (details,) in &rows {
                        let document: liuhen_core::document::Document = $crate::rows::from_json("document", details)?;
                        files.entry(document.case_id).or_default().documents.push(document);
                    }
                    let mut signatures = read(
                        "SELECT s.details FROM document_signatures s JOIN documents d ON d.id = s.document_id",
                        "s.document_id, s.sequence",
                    );
                    let rows: Vec<(String,)> = signatures.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                    let mut by_document: std::collections::HashMap<liuhen_core::id::DocumentId, Vec<liuhen_core::document::Signature>> =
                        std::collections::HashMap::new();
                    for (details,) in &rows {
                        let signature: liuhen_core::document::Signature = $crate::rows::from_json("document signature", details)?;
                        by_document.entry(signature.document_id).or_default().push(signature);
                    }
                    for file in files.values_mut() {
                        for document in &file.documents {
                            if let Some(signed) = by_document.remove(&document.id) {
                                file.signatures.extend(signed);
                            }
                        }
                    }
                }
                Ok(files)
            }

            async fn case_steps(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::StageStep>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_steps WHERE case_id = $1 ORDER BY sequence")
                    .bind(case.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("case step", details)).collect()
            }

            async fn case_approvals(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::Approval>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_approvals WHERE case_id = $1 ORDER BY sequence")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("case approval", details)).collect()
            }

            async fn complaints(
                &self,
            ) -> $crate::Result<Vec<(liuhen_core::complaint::Complaint, Option<liuhen_core::complaint::ComplaintOutcome>)>> {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT c.details, o.details FROM complaints c LEFT JOIN complaint_outcomes o ON o.complaint_id = c.id ORDER BY c.received_at_us, c.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|(complaint, outcome)| {
                        Ok((
                            $crate::rows::from_json("complaint", complaint)?,
                            outcome.as_deref().map(|outcome| $crate::rows::from_json("complaint outcome", outcome)).transpose()?,
                        ))
                    })
                    .collect()
            }

            async fn documents(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::document::Document>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM documents WHERE case_id = $1 ORDER BY made_at_us, id")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("document", details)).collect()
            }

            async fn document(&self, id: liuhen_core::id::DocumentId) -> $crate::Result<Option<liuhen_core::document::Document>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT details FROM documents WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(details,)| $crate::rows::from_json("document", &details)).transpose()
            }

            async fn signatures(&self, document: liuhen_core::id::DocumentId) -> $crate::Result<Vec<liuhen_core::document::Signature>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM document_signatures WHERE document_id = $1 ORDER BY sequence")
                    .bind(document.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("signature", details)).collect()
            }

            async fn case_links(&self, case: liuhen_core::id::CaseId) -> $crate::Result<Vec<liuhen_core::case::RecordingLink>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM recording_links WHERE case_id = $1 ORDER BY linked_at_us, media_id")
                    .bind(case.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("recording link", details)).collect()
            }

            async fn recording_links(&self, media: liuhen_core::id::MediaId) -> $crate::Result<Vec<liuhen_core::case::RecordingLink>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM recording_links WHERE media_id = $1 ORDER BY linked_at_us, case_id")
                    .bind(media.to_string()).fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(details,)| $crate::rows::from_json("recording link", details)).collect()
            }

            async fn ledger_size(&self) -> $crate::Result<u64> {
                let (next,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
                    .fetch_one(&self.pool).await.map_err(db)?;
                Ok(next as u64)
            }

            async fn ledger_written_since(&self, start: u64, except_actor: &str, except_actions: &[&str]) -> $crate::Result<bool> {
                let Ok(start) = i64::try_from(start) else { return Ok(false) };
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE idx >= ");
                builder.push_bind(start).push(" AND actor <> ").push_bind(except_actor.to_owned());
                if !except_actions.is_empty() {
                    builder.push(" AND action NOT IN (");
                    let mut list = builder.separated(", ");
                    for action in except_actions {
                        list.push_bind(action.to_string());
                    }
                    builder.push(")");
                }
                builder.push(")");
                let (written,): (bool,) = builder.build_query_as().fetch_one(&self.pool).await.map_err(db)?;
                Ok(written)
            }

            async fn ledger_entry(&self, index: u64) -> $crate::Result<Option<$crate::StoredEntry>> {
                let sql = format!("SELECT {} FROM ledger_entries WHERE idx = $1", $crate::rows::ENTRY_COLUMNS);
                // An index the database cannot hold names no row: asking
                // for it is not a sign of damage.
                let Ok(index) = i64::try_from(index) else { return Ok(None) };
                let row: Option<$crate::rows::EntryRow> = sqlx::query_as(&sql)
                    .bind(index)
                    .fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::entry).transpose()
            }

            async fn ledger_entries_about(&self, subject: &str) -> $crate::Result<Vec<$crate::StoredEntry>> {
                let sql = format!(
                    "SELECT {} FROM ledger_entries WHERE idx IN (SELECT idx FROM ledger_subjects WHERE subject = $1) ORDER BY idx",
                    $crate::rows::ENTRY_COLUMNS
                );
                let rows: Vec<$crate::rows::EntryRow> = sqlx::query_as(&sql).bind(subject).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::entry).collect()
            }

            async fn ledger_nodes(&self, ids: &[liuhen_core::merkle::NodeId]) -> $crate::Result<Vec<Option<liuhen_core::merkle::Hash>>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new("SELECT level, idx, hash FROM ledger_nodes WHERE ");
                for (position, id) in ids.iter().enumerate() {
                    if position > 0 {
                        builder.push(" OR ");
                    }
                    builder.push("(level = ").push_bind(i64::from(id.level))
                        .push(" AND idx = ").push_bind($crate::rows::as_i64("node index", id.index)?)
                        .push(")");
                }
                let rows: Vec<(i64, i64, Vec<u8>)> = builder.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
                let mut found = std::collections::HashMap::with_capacity(rows.len());
                for (level, index, bytes) in rows {
                    found.insert((level, index), $crate::rows::hash("ledger node", &bytes)?);
                }
                Ok(ids.iter().map(|id| found.get(&(i64::from(id.level), id.index as i64)).copied()).collect())
            }

            async fn ledger_leaves(&self, start: u64, limit: u32) -> $crate::Result<Vec<(u64, liuhen_core::merkle::Hash)>> {
                self.ledger_node_range(0, start, limit).await
            }

            async fn ledger_node_range(&self, level: u8, start: u64, limit: u32) -> $crate::Result<Vec<(u64, liuhen_core::merkle::Hash)>> {
                let Ok(start) = i64::try_from(start) else { return Ok(Vec::new()) };
                let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT idx, hash FROM ledger_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                ).bind(i64::from(level)).bind(start).bind(start.saturating_add(i64::from(limit))).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map(|(index, bytes)| Ok((index as u64, $crate::rows::hash("ledger node", &bytes)?))).collect()
            }

            async fn checkpoints(&self) -> $crate::Result<Vec<$crate::StoredCheckpoint>> {
                let rows: Vec<$crate::rows::CheckpointRow> = sqlx::query_as(
                    "SELECT size, root, signed_note, created_at_us FROM ledger_checkpoints ORDER BY size",
                ).fetch_all(&self.pool).await.map_err(db)?;
                rows.into_iter().map($crate::rows::checkpoint).collect()
            }

            async fn latest_checkpoint(&self) -> $crate::Result<Option<$crate::StoredCheckpoint>> {
                let row: Option<$crate::rows::CheckpointRow> = sqlx::query_as(
                    "SELECT size, root, signed_note, created_at_us FROM ledger_checkpoints ORDER BY size DESC LIMIT 1",
                ).fetch_optional(&self.pool).await.map_err(db)?;
                row.map($crate::rows::checkpoint).transpose()
            }

            async fn insert_checkpoint(&self, checkpoint: &$crate::StoredCheckpoint) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO ledger_checkpoints (size, root, signed_note, created_at_us) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
                )
                .bind($crate::rows::as_i64("checkpoint size", checkpoint.size)?)
                .bind(checkpoint.root.to_vec())
                .bind(&checkpoint.signed_note)
                .bind($crate::rows::micros(checkpoint.created_at))
                .execute(&self.$writer).await.map_err(db)?;
                Ok(())
            }
        }

        $crate::writes::store_writes!($db);
    };
}

pub(crate) use impl_meta_store;
