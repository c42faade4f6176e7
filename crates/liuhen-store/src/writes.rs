//! The writes both backends share, and the helpers of the reads: how a
//! commit batch is applied inside its transaction (`apply_batch`, one
//! statement or batched insert per mutation), how cases are indexed for
//! search, how a case search becomes SQL conditions, and how a refusal by
//! the database becomes a sentence. Expanded once per backend by
//! [`store_writes!`], which `impl_meta_store!` invokes beside its
//! `MetaStore` impl; custody's writes are expanded from here in turn
//! ([`crate::custody`]).

/// Expands the shared writes and helpers for one backend's database type.
macro_rules! store_writes {
    ($db:ty) => {
        /// Adds the conditions of a case search to a query that ends in
        /// `WHERE 1 = 1`.
        fn push_case_conditions(builder: &mut sqlx::QueryBuilder<'_, $db>, search: &$crate::CaseSearch) {
            use $crate::rows::{contains_pattern, enum_text, micros};
            if let Some(units) = &search.units {
                if units.is_empty() {
                    builder.push(" AND 1 = 0");
                } else {
                    builder.push(" AND unit_id IN (");
                    let mut separated = builder.separated(", ");
                    for unit in units {
                        separated.push_bind(unit.to_string());
                    }
                    builder.push(")");
                }
            }
            // From the officer's few cases to the cases, not every case
            // looked up in turn.
            for officer in [search.officer, search.handled_by].into_iter().flatten() {
                builder.push(" AND id IN (SELECT case_id FROM case_officers WHERE officer_id = ").push_bind(officer.to_string()).push(")");
            }
            if let Some(kind) = &search.act_kind {
                builder.push(" AND act_kind = ").push_bind(enum_text(kind));
            }
            if let Some(stage) = &search.stage {
                builder.push(" AND stage = ").push_bind(enum_text(stage));
            }
            if let Some(from) = search.from {
                builder.push(" AND opened_at_us >= ").push_bind(micros(from));
            }
            if let Some(until) = search.until {
                builder.push(" AND opened_at_us < ").push_bind(micros(until));
            }
            if let Some(party) = &search.party {
                builder.push(" AND search_parties LIKE ").push_bind(contains_pattern(party)).push(" ESCAPE '\\'");
            }
            if let Some(matter) = &search.matter {
                builder.push(" AND search_matter LIKE ").push_bind(contains_pattern(matter)).push(" ESCAPE '\\'");
            }
            if let Some(text) = &search.text {
                let pattern = contains_pattern(text);
                builder
                    .push(" AND (search_number LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR search_matter LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR search_parties LIKE ")
                    .push_bind(pattern)
                    .push(" ESCAPE '\\')");
            }
        }

        /// A new case, with what the case list selects it by.
        async fn create_case(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            use $crate::rows::{enum_text, micros};
            let (number, matter, parties) = $crate::rows::case_search_texts(case);
            sqlx::query("INSERT INTO cases (id, agency_id, unit_id, number, act_kind, opened_at_us, details, search_number, search_matter, search_parties, indexed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE)")
                .bind(case.id.to_string()).bind(case.agency_id.to_string()).bind(case.unit_id.to_string())
                .bind(&case.number).bind(enum_text(&case.act_kind)).bind(micros(case.opened_at))
                .bind(serde_json::to_string(case).expect("cases serialise"))
                .bind(number).bind(matter).bind(parties)
                .execute(&mut *connection)
                .await?;
            sqlx::query("UPDATE case_count SET total = total + 1").execute(&mut *connection).await?;
            insert_case_officers(connection, case).await
        }

        /// Who handles a case, as the case list selects by (a case not yet
        /// indexed may have some rows already: they are replaced).
        async fn set_case_officers(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            sqlx::query("DELETE FROM case_officers WHERE case_id = $1").bind(case.id.to_string()).execute(&mut *connection).await?;
            insert_case_officers(connection, case).await
        }

        /// The handling officers of a new case.
        async fn insert_case_officers(connection: &mut <$db as sqlx::Database>::Connection, case: &liuhen_core::case::Case) -> Result<(), sqlx::Error> {
            let mut officers: Vec<String> =
                std::iter::once(case.lead_officer).chain(case.handlers.iter().copied()).map(|officer| officer.to_string()).collect();
            officers.sort();
            officers.dedup();
            let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO case_officers (officer_id, case_id) ");
            builder.push_values(officers, |mut row, officer| {
                row.push_bind(officer).push_bind(case.id.to_string());
            });
            builder.build().execute(&mut *connection).await?;
            Ok(())
        }

        /// A step of a case, and the stage it leaves the case standing at.
        async fn record_stage_step(connection: &mut <$db as sqlx::Database>::Connection, step: &liuhen_core::case::StageStep) -> Result<(), sqlx::Error> {
            use $crate::rows::micros;
            sqlx::query("INSERT INTO case_steps (case_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)")
                .bind(step.case_id.to_string()).bind(i64::from(step.sequence)).bind(micros(step.at))
                .bind(serde_json::to_string(step).expect("steps serialise"))
                .execute(&mut *connection)
                .await?;
            if let Some(stage) = $crate::rows::stage_after(&step.step) {
                sqlx::query("UPDATE cases SET stage = $1 WHERE id = $2")
                    .bind($crate::rows::enum_text(&stage)).bind(step.case_id.to_string())
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        }

        /// Fills in what the case list selects by for cases recorded before
        /// it was kept (migration 0012): the search texts, the officers and
        /// the stage, each derived from the case and its steps. Run when
        /// the store is opened; a case already indexed is not touched, and
        /// running it twice at once does no harm.
        async fn index_cases(pool: &sqlx::Pool<$db>) -> $crate::Result<u64> {
            let pending: Vec<(String,)> = sqlx::query_as("SELECT id FROM cases WHERE NOT indexed").fetch_all(pool).await.map_err(db)?;
            let mut indexed = 0;
            for chunk in pending.chunks(500) {
                let mut transaction = pool.begin().await.map_err(db)?;
                for (id,) in chunk {
                    let (details,): (String,) =
                        sqlx::query_as("SELECT details FROM cases WHERE id = $1").bind(id).fetch_one(&mut *transaction).await.map_err(db)?;
                    let case: liuhen_core::case::Case = $crate::rows::from_json("case", &details)?;
                    let steps: Vec<(String,)> = sqlx::query_as("SELECT details FROM case_steps WHERE case_id = $1 ORDER BY sequence")
                        .bind(id).fetch_all(&mut *transaction).await.map_err(db)?;
                    let mut stage = None;
                    for (details,) in &steps {
                        let step: liuhen_core::case::StageStep = $crate::rows::from_json("case step", details)?;
                        stage = $crate::rows::stage_after(&step.step).or(stage);
                    }
                    let (number, matter, parties) = $crate::rows::case_search_texts(&case);
                    sqlx::query("UPDATE cases SET stage = $1, search_number = $2, search_matter = $3, search_parties = $4, indexed = TRUE WHERE id = $5")
                        .bind(stage.map(|stage| $crate::rows::enum_text(&stage))).bind(number).bind(matter).bind(parties).bind(id)
                        .execute(&mut *transaction).await.map_err(db)?;
                    set_case_officers(&mut *transaction, &case).await.map_err(db)?;
                    indexed += 1;
                }
                transaction.commit().await.map_err(db)?;
            }
            Ok(indexed)
        }

        /// Applies one batch inside an open transaction whose ledger lock
        /// the caller already holds, after checking that the ledger is still
        /// the size the batch was built on.
        async fn apply_batch(connection: &mut <$db as sqlx::Database>::Connection, batch: &$crate::CommitBatch) -> $crate::Result<()> {
            use liuhen_core::mutation::Mutation;
            use $crate::rows::{enum_text, micros, roles_text};
            let (actual,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
                .fetch_one(&mut *connection)
                .await
                .map_err(db)?;
            if actual as u64 != batch.expected_size {
                return Err($crate::StoreError::LedgerMoved { expected: batch.expected_size, actual: actual as u64 });
            }
            for item in &batch.items {
                for (position, mutation) in item.mutations.iter().enumerate() {
                    let query = match mutation {
                        Mutation::CreateAgency(agency) => sqlx::query("INSERT INTO agencies (id, name, code) VALUES ($1, $2, $3)")
                            .bind(agency.id.to_string()).bind(&agency.name).bind(&agency.code),
                        Mutation::CreateUnit(unit) => sqlx::query("INSERT INTO units (id, agency_id, parent_id, name, code) VALUES ($1, $2, $3, $4, $5)")
                            .bind(unit.id.to_string()).bind(unit.agency_id.to_string()).bind(unit.parent_id.map(|id| id.to_string()))
                            .bind(&unit.name).bind(&unit.code),
                        Mutation::CreateOfficer(officer) => sqlx::query("INSERT INTO officers (id, agency_id, unit_id, name, certificate_no, badge_no, role, qualification) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .bind(officer.id.to_string()).bind(officer.agency_id.to_string()).bind(officer.unit_id.to_string())
                            .bind(&officer.name).bind(&officer.certificate_no).bind(&officer.badge_no)
                            .bind(enum_text(&officer.role)).bind(enum_text(&officer.qualification)),
                        Mutation::CreateDevice(device) => sqlx::query("INSERT INTO devices (id, agency_id, serial, kind, model, assigned_officer, unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(device.id.to_string()).bind(device.agency_id.to_string()).bind(&device.serial)
                            .bind(enum_text(&device.kind)).bind(&device.model)
                            .bind(device.assigned_officer.map(|id| id.to_string())).bind(device.unit_id.map(|id| id.to_string())),
                        Mutation::CreateUser(user) => sqlx::query("INSERT INTO users (id, login, display_name, password_hash, roles, officer_id, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(user.id.to_string()).bind(&user.login).bind(&user.display_name).bind(&user.password_hash)
                            .bind(roles_text(&user.roles)).bind(user.officer_id.map(|id| id.to_string())).bind(user.disabled),
                        Mutation::CreateMedia(media) => sqlx::query("INSERT INTO media (id, sha256, sm3, size, original_name, stored_at_us, stored_by, source_device) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .bind(media.id.to_string()).bind(media.sha256.to_hex()).bind(media.sm3.to_hex())
                            .bind($crate::rows::as_i64("media size", media.size)?).bind(&media.original_name)
                            .bind(micros(media.stored_at)).bind(&media.stored_by).bind(media.source_device.map(|id| id.to_string())),
                        Mutation::CreateSession(session) => sqlx::query("INSERT INTO sessions (id, user_id, secret_sha256, created_at_us, expires_at_us, ended) VALUES ($1, $2, $3, $4, $5, FALSE)")
                            .bind(session.id.to_string()).bind(session.user_id.to_string()).bind(session.secret_sha256.to_hex())
                            .bind(micros(session.created_at)).bind(micros(session.expires_at)),
                        Mutation::EndSession(id) => sqlx::query("UPDATE sessions SET ended = TRUE WHERE id = $1").bind(id.to_string()),
                        Mutation::CreateApiToken(token) => sqlx::query("INSERT INTO api_tokens (id, device_id, secret_sha256, created_at_us, revoked) VALUES ($1, $2, $3, $4, $5)")
                            .bind(token.id.to_string()).bind(token.device_id.to_string()).bind(token.secret_sha256.to_hex())
                            .bind(micros(token.created_at)).bind(token.revoked),
                        Mutation::RevokeApiToken(id) => sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE id = $1").bind(id.to_string()),
                        Mutation::CreateRecording(recording) => sqlx::query("INSERT INTO recordings (media_id, device_id, officer_id, start_us, ingested_at_us, details) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(recording.media_id.to_string()).bind(recording.device_id.to_string())
                            .bind(recording.officer_id.map(|id| id.to_string())).bind(recording.corrected_start.map(micros))
                            .bind(micros(recording.ingested_at)).bind(serde_json::to_string(recording).expect("recordings serialise")),
                        Mutation::CreateCase(case) => {
                            create_case(&mut *connection, case).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::RecordStageStep(step) => {
                            record_stage_step(&mut *connection, step).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::LinkRecording(link) => sqlx::query("INSERT INTO recording_links (case_id, media_id, stage, linked_at_us, details) VALUES ($1, $2, $3, $4, $5)")
                            .bind(link.case_id.to_string()).bind(link.media_id.to_string()).bind(enum_text(&link.stage))
                            .bind(micros(link.linked_at)).bind(serde_json::to_string(link).expect("links serialise")),
                        Mutation::RecordApproval(approval) => sqlx::query(
                            "INSERT INTO case_approvals (case_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(approval.case_id.to_string())
                        .bind(i64::from(approval.sequence))
                        .bind(micros(approval.at))
                        .bind(serde_json::to_string(approval).expect("approvals serialise")),
                        Mutation::CreateDocument(document) => sqlx::query(
                            "INSERT INTO documents (id, case_id, kind, version, supersedes, made_at_us, details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(document.id.to_string())
                        .bind(document.case_id.to_string())
                        .bind(enum_text(&document.kind))
                        .bind(i64::from(document.version))
                        .bind(document.supersedes.map(|id| id.to_string()))
                        .bind(micros(document.made_at))
                        .bind(serde_json::to_string(document).expect("documents serialise")),
                        Mutation::RecordSignature(signature) => sqlx::query(
                            "INSERT INTO document_signatures (document_id, sequence, at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(signature.document_id.to_string())
                        .bind(i64::from(signature.sequence))
                        .bind(micros(signature.at))
                        .bind(serde_json::to_string(signature).expect("signatures serialise")),
                        Mutation::CreateComplaint(complaint) => sqlx::query(
                            "INSERT INTO complaints (id, agency_id, received_at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(complaint.id.to_string())
                        .bind(complaint.agency_id.to_string())
                        .bind(micros(complaint.received_at))
                        .bind(serde_json::to_string(complaint).expect("complaints serialise")),
                        Mutation::RecordComplaintOutcome(outcome) => sqlx::query(
                            "INSERT INTO complaint_outcomes (complaint_id, case_id, decided_at_us, details) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(outcome.complaint_id.to_string())
                        .bind(match &outcome.decision {
                            liuhen_core::complaint::ComplaintDecision::CaseOpened { case_id } => Some(case_id.to_string()),
                            liuhen_core::complaint::ComplaintDecision::NoCase { .. } => None,
                        })
                        .bind(micros(outcome.decided_at))
                        .bind(serde_json::to_string(outcome).expect("outcomes serialise")),
                        Mutation::NoteInterruption(note) => sqlx::query("INSERT INTO interruption_notes (before_media, after_media, device_id, noted_at_us, details) VALUES ($1, $2, $3, $4, $5)")
                            .bind(note.before.to_string()).bind(note.after.to_string()).bind(note.device_id.to_string())
                            .bind(micros(note.noted_at)).bind(serde_json::to_string(note).expect("notes serialise")),
                        Mutation::LabelRecording(label) => sqlx::query(
                            "INSERT INTO recording_labels (media_id, sequence, item, location, label, officer_id, labeled_at_us, labeled_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(label.media_id.to_string())
                        .bind(i64::from(label.sequence))
                        .bind(enum_text(&label.item))
                        .bind(&label.location)
                        .bind(&label.label)
                        .bind(label.officer_id.map(|id| id.to_string()))
                        .bind(micros(label.labeled_at))
                        .bind(&label.labeled_by),
                        Mutation::DrawSpotCheck(check, population) => {
                            draw_spot_check(&mut *connection, check, population).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::ReviewSpotCheck(review) => sqlx::query(
                            "INSERT INTO spot_check_reviews (check_id, position, sequence, subject_id, reviewed_at_us, details) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(review.check_id.to_string())
                        .bind(i64::from(review.position))
                        .bind(i64::from(review.sequence))
                        .bind(review.subject.id_text())
                        .bind(micros(review.reviewed_at))
                        .bind(serde_json::to_string(review).expect("reviews serialise")),
                        Mutation::RecordDeviceEvent(event) => {
                            record_device_event(&mut *connection, event).await.map_err(|error| refused(mutation, error))?;
                            continue;
                        }
                        Mutation::RecordDutyLog(entry) => sqlx::query(
                            "INSERT INTO duty_log (officer_id, sequence, from_us, to_us, reason, case_id, reported_to, recorded_at_us, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(entry.officer_id.to_string())
                        .bind(i64::from(entry.sequence))
                        .bind(micros(entry.from))
                        .bind(micros(entry.to))
                        .bind(&entry.reason)
                        .bind(entry.case_id.map(|id| id.to_string()))
                        .bind(entry.reported_to.map(|id| id.to_string()))
                        .bind(micros(entry.recorded_at))
                        .bind(&entry.recorded_by),
                        Mutation::RaiseFinding(stored) if stored.resolution.is_some() => {
                            return Err($crate::StoreError::Conflict(format!(
                                "finding {} ({}) came to be raised already resolved; a finding is raised open and resolved by an event of its own, so nothing was changed",
                                stored.id, stored.finding.key
                            )));
                        }
                        Mutation::RaiseFinding(stored) => sqlx::query(
                            "INSERT INTO findings (id, key, generation, rule_id, pack_id, pack_version, severity, case_id, unit_id, officer_id, raised_at_us, raised_by, finding) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
                        .bind(stored.id.to_string())
                        .bind(&stored.finding.key)
                        .bind(i64::from(stored.generation))
                        .bind(&stored.finding.rule_id)
                        .bind(&stored.finding.pack_id)
                        .bind(&stored.finding.pack_version)
                        .bind(enum_text(&stored.finding.severity))
                        .bind(stored.finding.case_id.map(|id| id.to_string()))
                        .bind(stored.finding.unit_id.map(|id| id.to_string()))
                        .bind(stored.finding.officer_id.map(|id| id.to_string()))
                        .bind(micros(stored.raised_at))
                        .bind(&stored.raised_by)
                        .bind(serde_json::to_string(&stored.finding).expect("findings serialise")),
                        Mutation::ResolveFinding(resolution) => sqlx::query(
                            "INSERT INTO finding_resolutions (finding_id, kind, note, officer_id, at_us, resolved_by) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(resolution.finding_id.to_string())
                        .bind(enum_text(&resolution.kind))
                        .bind(&resolution.note)
                        .bind(resolution.officer_id.map(|id| id.to_string()))
                        .bind(micros(resolution.at))
                        .bind(&resolution.by),
                        // Custody checks its rules with queries of its own
                        // before it writes (see `custody`).
                        Mutation::FileAccessRequest(request) => {
                            file_access_request(&mut *connection, request).await?;
                            continue;
                        }
                        Mutation::DecideAccess(decision) => {
                            decide_access(&mut *connection, decision).await?;
                            continue;
                        }
                        Mutation::MarkClassification(mark) => {
                            mark_classification(&mut *connection, mark, item.entry.index, position).await?;
                            continue;
                        }
                        Mutation::SetBlobLock(lock) => {
                            set_blob_lock(&mut *connection, lock, item.entry.index, position).await?;
                            continue;
                        }
                        Mutation::PlaceHold(hold) => {
                            place_hold(&mut *connection, hold).await?;
                            continue;
                        }
                        Mutation::ReleaseHold(release) => {
                            release_hold(&mut *connection, release).await?;
                            continue;
                        }
                        Mutation::ProposeDisposal(list) => {
                            propose_disposal(&mut *connection, list).await?;
                            continue;
                        }
                        Mutation::ApproveDisposal(approval) => {
                            approve_disposal(&mut *connection, approval).await?;
                            continue;
                        }
                        Mutation::DisposeMedia(tombstone) => {
                            dispose_media(&mut *connection, tombstone).await?;
                            continue;
                        }
                        Mutation::MakeRedaction(redaction) => {
                            make_redaction(&mut *connection, redaction).await?;
                            continue;
                        }
                        Mutation::RecordExport(export) => {
                            record_export(&mut *connection, export).await?;
                            continue;
                        }
                    };
                    query.execute(&mut *connection).await.map_err(|error| refused(mutation, error))?;
                }
            }
            // Entries and nodes go in as multi-row inserts: one statement per
            // few hundred rows is what makes group commit fast.
            for chunk in batch.items.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_entries (idx, time_us, actor, action, subjects, payload_sha256, payload) ",
                );
                let mut rows = Vec::with_capacity(chunk.len());
                for item in chunk {
                    let entry = &item.entry;
                    let subjects = serde_json::to_string(&entry.subjects).expect("strings serialise");
                    rows.push(($crate::rows::as_i64("ledger index", entry.index)?, micros(entry.time), entry, subjects, &item.payload_json));
                }
                builder.push_values(rows, |mut row, (index, time, entry, subjects, payload)| {
                    row.push_bind(index).push_bind(time).push_bind(entry.actor.clone()).push_bind(entry.action.clone())
                        .push_bind(subjects).push_bind(entry.payload_sha256.to_hex()).push_bind(payload.clone());
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            let mut named: Vec<(String, i64)> = Vec::new();
            for item in &batch.items {
                let index = $crate::rows::as_i64("ledger index", item.entry.index)?;
                let mut subjects: Vec<&String> = item.entry.subjects.iter().collect();
                subjects.sort();
                subjects.dedup();
                named.extend(subjects.into_iter().map(|subject| (subject.clone(), index)));
            }
            for chunk in named.chunks(1000) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO ledger_subjects (subject, idx) ");
                builder.push_values(chunk, |mut row, (subject, index)| {
                    row.push_bind(subject.clone()).push_bind(*index);
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            for chunk in batch.nodes.chunks(1000) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO ledger_nodes (level, idx, hash) ");
                let mut rows = Vec::with_capacity(chunk.len());
                for (id, hash) in chunk {
                    rows.push((i64::from(id.level), $crate::rows::as_i64("node index", id.index)?, hash.to_vec()));
                }
                builder.push_values(rows, |mut row, (level, index, hash)| {
                    row.push_bind(level).push_bind(index).push_bind(hash);
                });
                builder.build().execute(&mut *connection).await.map_err(constraint_or_db)?;
            }
            Ok(())
        }

        $crate::custody::custody_writes!($db);

        /// Records a device event; an assignment also moves the device in the register.
        async fn record_device_event(
            connection: &mut <$db as sqlx::Database>::Connection,
            event: &liuhen_core::device::DeviceEvent,
        ) -> Result<(), sqlx::Error> {
            sqlx::query("INSERT INTO device_events (device_id, sequence, kind, at_us, details) VALUES ($1, $2, $3, $4, $5)")
                .bind(event.device_id.to_string())
                .bind(i64::from(event.sequence))
                .bind(event.kind.action())
                .bind($crate::rows::micros(event.at))
                .bind(serde_json::to_string(event).expect("device events serialise"))
                .execute(&mut *connection)
                .await?;
            if let liuhen_core::device::DeviceEventKind::Assigned { officer_id, unit_id } = &event.kind {
                sqlx::query("UPDATE devices SET assigned_officer = $1, unit_id = $2 WHERE id = $3")
                    .bind(officer_id.map(|id| id.to_string()))
                    .bind(unit_id.map(|id| id.to_string()))
                    .bind(event.device_id.to_string())
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        }

        /// Records a drawn spot check and its population (500 members per statement).
        async fn draw_spot_check(
            connection: &mut <$db as sqlx::Database>::Connection,
            check: &liuhen_core::supervision::SpotCheck,
            population: &[liuhen_core::supervision::Member],
        ) -> Result<(), sqlx::Error> {
            sqlx::query("INSERT INTO spot_checks (id, drawn_at_us, details) VALUES ($1, $2, $3)")
                .bind(check.id.to_string())
                .bind($crate::rows::micros(check.drawn_at))
                .bind(serde_json::to_string(check).expect("spot checks serialise"))
                .execute(&mut *connection)
                .await?;
            for chunk in check.items.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO spot_check_items (check_id, position, subject_id) ");
                builder.push_values(chunk, |mut row, item| {
                    row.push_bind(check.id.to_string()).push_bind(i64::from(item.position)).push_bind(item.subject.id_text());
                });
                builder.build().execute(&mut *connection).await?;
            }
            for chunk in population.chunks(500) {
                let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO spot_check_population (check_id, subject_id, stratum) ");
                builder.push_values(chunk, |mut row, member| {
                    row.push_bind(check.id.to_string()).push_bind(member.subject.id_text()).push_bind(member.stratum.clone());
                });
                builder.build().execute(&mut *connection).await?;
            }
            Ok(())
        }


        fn db(error: sqlx::Error) -> $crate::StoreError {
            $crate::StoreError::database(error)
        }

        /// A mutation the database refused. Where a unique key keeps
        /// something from happening twice (a label number, a finding's
        /// generation, a resolution), the sentence says what already
        /// happened; everything else is as [`constraint_or_db`] says.
        fn refused(mutation: &liuhen_core::mutation::Mutation, error: sqlx::Error) -> $crate::StoreError {
            use liuhen_core::mutation::Mutation;
            let duplicate = matches!(&error, sqlx::Error::Database(database_error) if database_error.is_unique_violation());
            let already = match mutation {
                Mutation::LabelRecording(label) if duplicate => format!(
                    "recording {} already has label number {}, perhaps added by someone else at the same time; nothing was changed. Read its labels again and add the next one",
                    label.media_id, label.sequence
                ),
                Mutation::ReviewSpotCheck(review) if duplicate => format!(
                    "item {} of spot check {} already has review number {}, perhaps recorded by someone else at the same time; nothing was changed. Read its reviews again and add yours",
                    review.position + 1, review.check_id, review.sequence
                ),
                Mutation::RecordDeviceEvent(event) if duplicate => format!(
                    "device {} already has event number {}, perhaps recorded by someone else at the same time; nothing was changed. Read its register again and record yours",
                    event.device_id, event.sequence
                ),
                Mutation::RecordDutyLog(entry) if duplicate => format!(
                    "officer {} already has duty log entry number {}, perhaps added at the same time; nothing was changed. Add it again",
                    entry.officer_id, entry.sequence
                ),
                Mutation::RaiseFinding(stored) if duplicate => format!(
                    "the finding {} (generation {}) has already been raised, perhaps by a refresh running at the same time; nothing was changed. Read the findings again and raise only what is new",
                    stored.finding.key, stored.generation
                ),
                Mutation::ResolveFinding(resolution) if duplicate => format!(
                    "finding {} has already been resolved, and a finding is resolved only once; nothing was changed",
                    resolution.finding_id
                ),
                _ => return constraint_or_db(error),
            };
            $crate::StoreError::Conflict(already)
        }

        /// Unique-key violations are something a user can cause (a login that
        /// already exists); they become a sentence, everything else stays a
        /// database error.
        fn constraint_or_db(error: sqlx::Error) -> $crate::StoreError {
            if let sqlx::Error::Database(database_error) = &error {
                if database_error.is_unique_violation() {
                    return $crate::StoreError::Conflict(format!(
                        "this would duplicate something that must be unique ({}); nothing was changed",
                        database_error.message()
                    ));
                }
                if database_error.is_foreign_key_violation() {
                    return $crate::StoreError::Conflict(format!(
                        "this refers to something that does not exist ({}); nothing was changed",
                        database_error.message()
                    ));
                }
            }
            $crate::StoreError::database(error)
        }
    };
}

pub(crate) use store_writes;
