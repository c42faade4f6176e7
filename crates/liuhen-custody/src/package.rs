//! Court and reconsideration packages (移交证据包): a BagIt bag (RFC 8493)
//! holding the original files, the case documents, the AV record checklist,
//! an explanatory note per AV file, a copy consistency statement, and the
//! ledger's own evidence about each file — the exact entry bytes, their
//! payloads, inclusion proofs and the signed checkpoint with its key — so
//! the recipient can check everything offline ([`verify_package`]).
//!
//! Layout (everything under `data/` is named in both payload manifests):
//!
//! ```text
//! bagit.txt  bag-info.txt  manifest-sha256.txt  manifest-sm3.txt  tagmanifest-sha256.txt
//! data/说明.txt                   how to check this package, in Chinese and English
//! data/package.json               what each file is, and which entries prove it
//! data/media/NN_<name>            the original AV files, byte for byte
//! data/documents/*.pdf            each document version, the case file index
//! data/checklist/音像记录事项清单.pdf|.xlsx
//! data/notes/NN_情况说明.pdf       one explanatory note per AV file
//! data/复制件一致性声明.pdf
//! data/ledger/checkpoint.txt       the signed checkpoint (C2SP signed note)
//! data/ledger/public-key.txt       the verifier key(s), one per line
//! data/ledger/entries/N.json       the exact bytes hashed as leaf N
//! data/ledger/entries/N.payload.json  the payload whose SHA-256 entry N names
//! data/ledger/proofs/N.txt         a C2SP tlog-proof of entry N in the checkpoint
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use liuhen_core::access::{AccessMode, ExportRecord, Purpose, ReadKind, RequestState, Target};
use liuhen_core::case::Case;
use liuhen_core::digest::Sha256Digest;
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AccessRequestId, CaseId, ExportId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::pack::PolicyPack;
use liuhen_ledger::Ledger;
use liuhen_print::{ConsistencyItem, ConsistencyStatement, ExplanatoryNote, Printer};
use liuhen_store::{MetaStore, StoredCheckpoint, StoredEntry};
use liuhen_vault::Vault;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::audit_read;
use crate::{check_text, CustodyError, Result};

mod bagit;
mod verify;

pub use verify::{verify_package, PackageCheck};

use bagit::{hash_file, write_manifest, BAGIT_TXT, BAG_INFO, MANIFEST_SHA256, MANIFEST_SM3, TAGMANIFEST_SHA256};

/// What to put in a package and for whom.
#[derive(Clone, Debug)]
pub struct ExportSpec {
    pub case: CaseId,
    /// Only these AV records (each must be linked to the case); all the
    /// case's linked records when empty.
    pub records: Vec<MediaId>,
    pub purpose: Purpose,
    /// The approved copy grant it is made under; `None` only for the
    /// agency's own archive copies made at the server.
    pub grant: Option<AccessRequestId>,
    /// Who receives it (法院, 复议机关, …).
    pub recipient: Option<String>,
    /// The directory to create; it must not exist or be empty.
    pub out: PathBuf,
}

/// What the package machinery needs.
pub struct Exporter<'a> {
    pub ledger: &'a Ledger,
    pub vault: &'a Vault,
    pub printer: &'a Printer,
    pub pack: &'a PolicyPack,
    pub zone: TimeZone,
}

/// One file in the package, as `data/package.json` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFile {
    /// Path inside the bag, e.g. `data/media/01_DSJ_….mp4`.
    pub path: String,
    /// `media`, `document`, `case_index`, `checklist`, `note`, `statement`.
    pub kind: String,
    pub media_id: Option<MediaId>,
    pub sha256: String,
    pub sm3: String,
    pub size: u64,
    /// Whether it is a redacted copy rather than the original.
    #[serde(default)]
    pub redacted: bool,
    /// Ledger entries (indexes) in the package that concern it.
    #[serde(default)]
    pub entries: Vec<u64>,
}

/// `data/package.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PackageIndex {
    pub format: String,
    pub export_id: ExportId,
    pub origin: String,
    pub case_number: Option<String>,
    pub purpose: Purpose,
    pub recipient: Option<String>,
    pub made_at: Timestamp,
    pub made_by: String,
    pub checkpoint_size: u64,
    pub files: Vec<PackageFile>,
}

pub const PACKAGE_FORMAT: &str = "liuhen-package/v1";

/// What an export made.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    pub record: ExportRecord,
    pub out: PathBuf,
    pub files: usize,
    pub entries: usize,
}

fn china_time(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// A file name that is safe on every disk a court may use: no path
/// separators, no control characters, at most 120 characters.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .take(120)
        .collect();
    let cleaned = cleaned.trim_matches(['.', ' ']).to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(CustodyError::io(format!("cannot create {}", parent.display())))?;
    }
    fs::write(path, bytes).map_err(CustodyError::io(format!("cannot write {}", path.display())))
}

/// Checks the grant a package is made under: approved, in its period, for
/// copying, for this purpose, covering the case.
async fn check_grant(store: &dyn MetaStore, spec: &ExportSpec, now: Timestamp) -> Result<()> {
    let Some(grant) = spec.grant else { return Ok(()) };
    let file = crate::access::request(store, grant).await?;
    if file.state(now) != RequestState::Granted {
        return Err(CustodyError::Refused(format!(
            "access request {grant} is {}: a package needs a grant in force",
            file.state(now).label()
        )));
    }
    if file.request.mode != AccessMode::Copy {
        return Err(CustodyError::Refused(format!("access request {grant} allows viewing only; a package is a copy (复制)")));
    }
    if file.request.purpose != spec.purpose {
        return Err(CustodyError::Refused(format!(
            "access request {grant} was granted for {} ({}), not {} ({})",
            file.request.purpose,
            file.request.purpose.label(),
            spec.purpose,
            spec.purpose.label()
        )));
    }
    let covers_case = file.request.targets.contains(&Target::Case(spec.case));
    let covers_records = !spec.records.is_empty() && spec.records.iter().all(|m| file.request.targets.contains(&Target::Media(*m)));
    if !covers_case && !covers_records {
        return Err(CustodyError::Refused(format!("access request {grant} does not cover this case or these records")));
    }
    Ok(())
}

/// Every stored entry that names `subject`, oldest first, up to `size`.
async fn entries_about(store: &dyn MetaStore, subject: &str, size: u64) -> Result<Vec<StoredEntry>> {
    Ok(store.ledger_entries_about(subject).await?.into_iter().filter(|entry| entry.entry.index < size).collect())
}

/// Makes a package. The reads are audited (one `record.read` of kind
/// `export` per record) before any byte is copied, and the package is
/// recorded (`package.exported`) once it is complete.
pub async fn export(exporter: &Exporter<'_>, spec: ExportSpec, actor: &str, now: Timestamp) -> Result<ExportSummary> {
    let store = exporter.ledger.store().as_ref();
    let case = store.case(spec.case).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no case {}", spec.case)))?;
    check_grant(store, &spec, now).await?;
    let recipient = match &spec.recipient {
        Some(text) => Some(check_text("the recipient", text, false)?),
        None => None,
    };
    let links = store.case_links(case.id).await?;
    let mut media: Vec<MediaRecord> = Vec::new();
    let wanted: Vec<MediaId> = if spec.records.is_empty() {
        let mut ids: Vec<MediaId> = links.iter().map(|link| link.media_id).collect();
        ids.dedup();
        ids
    } else {
        for id in &spec.records {
            let linked = |media: MediaId| links.iter().any(|link| link.media_id == media);
            let copy_of_linked = match store.redaction(*id).await? {
                Some(redaction) => matches!(redaction.source, Target::Media(source) if linked(source)),
                None => false,
            };
            if !linked(*id) && !copy_of_linked {
                return Err(CustodyError::Invalid(format!(
                    "{id} is not linked to case {} (nor a party copy of a record that is); link it first or leave it out",
                    case.number
                )));
            }
        }
        spec.records.clone()
    };
    for id in &wanted {
        if media.iter().any(|m| m.id == *id) {
            continue;
        }
        if store.tombstone(*id).await?.is_some() {
            return Err(CustodyError::Invalid(format!("{id} was disposed of at the end of its retention; only its tombstone remains")));
        }
        media.push(store.media(*id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no media record {id}")))?);
    }
    prepare_out(&spec.out)?;

    // The reads, audited before a byte is copied.
    let basis = spec.grant.map(|request| liuhen_core::access::ReadBasis::Grant { request, purpose: spec.purpose, mode: AccessMode::Copy });
    for record in &media {
        audit_read(exporter.ledger, actor, Target::Media(record.id), ReadKind::Export, basis.as_ref(), Some(record.size), None).await?;
    }
    audit_read(exporter.ledger, actor, Target::Case(case.id), ReadKind::Export, basis.as_ref(), None, None).await?;

    let data = spec.out.join("data");
    let mut files: Vec<PackageFile> = Vec::new();
    let mut redactions = std::collections::HashMap::new();
    for record in &media {
        if let Some(redaction) = store.redaction(record.id).await? {
            redactions.insert(record.id, redaction);
        }
    }
    // The originals (or party copies), each re-hashed after the copy.
    for (number, record) in media.iter().enumerate() {
        let name = format!("{:02}_{}", number + 1, safe_name(record.original_name.as_deref().unwrap_or(&record.sha256.to_hex())));
        let target = data.join("media").join(&name);
        fs::create_dir_all(target.parent().expect("has a parent")).map_err(CustodyError::io("cannot create data/media"))?;
        exporter.vault.copy_to_local(&record.sha256, &target).await?;
        let digests = hash_file(&target)?;
        if digests.sha256 != record.sha256.to_hex() || digests.sm3 != record.sm3.to_hex() || digests.size != record.size {
            return Err(CustodyError::Invalid(format!(
                "the vault's copy of {} does not match its record (sha256 {}); nothing was handed over: run `liuhen verify`",
                record.id, record.sha256
            )));
        }
        files.push(PackageFile {
            path: format!("data/media/{name}"),
            kind: "media".into(),
            media_id: Some(record.id),
            sha256: digests.sha256,
            sm3: digests.sm3,
            size: digests.size,
            redacted: redactions.contains_key(&record.id),
            entries: Vec::new(),
        });
    }
    let agency = store.agencies().await?.into_iter().next().map(|a| a.name).unwrap_or_default();
    print_case_papers(exporter, &agency, &case, &media, &redactions, &data, &mut files, now).await?;

    // The ledger's evidence, against one checkpoint.
    let (checkpoint, proofs) = prove(exporter.ledger, &media, &case).await?;
    let ledger_dir = data.join("ledger");
    write(&ledger_dir.join("checkpoint.txt"), checkpoint.signed_note.as_bytes())?;
    write(&ledger_dir.join("public-key.txt"), (exporter.ledger.verifier_keys().join("\n") + "\n").as_bytes())?;
    let mut entry_count = 0;
    for (subject, entries) in &proofs {
        for (entry, proof_text) in entries {
            let index = entry.entry.index;
            let bytes_path = ledger_dir.join("entries").join(format!("{index}.json"));
            if !bytes_path.exists() {
                write(&bytes_path, &entry.entry.canonical_bytes())?;
                write(&ledger_dir.join("entries").join(format!("{index}.payload.json")), entry.payload_json.as_bytes())?;
                write(&ledger_dir.join("proofs").join(format!("{index}.txt")), proof_text.as_bytes())?;
                entry_count += 1;
            }
            if let Some(file) = files.iter_mut().find(|file| file.media_id.map(|m| m.subject()).as_deref() == Some(subject)) {
                file.entries.push(index);
            }
        }
    }

    print_statement(exporter, &agency, &case, &media, &redactions, &checkpoint, recipient.clone(), spec.purpose, now, &data, &mut files)
        .await?;

    let origin = exporter.ledger.origin().to_owned();
    let export_id = ExportId::new();
    let index = PackageIndex {
        format: PACKAGE_FORMAT.into(),
        export_id,
        origin: origin.clone(),
        case_number: Some(case.number.clone()),
        purpose: spec.purpose,
        recipient: recipient.clone(),
        made_at: now,
        made_by: actor.to_owned(),
        checkpoint_size: checkpoint.size,
        files: files.clone(),
    };
    write(&data.join("package.json"), &serde_json::to_vec_pretty(&index).expect("the index serialises"))?;
    write(&data.join("说明.txt"), readme(&origin, &case, checkpoint.size).as_bytes())?;

    let Bag { tagmanifest, payload_files, payload_bytes } = write_bag(&spec.out, &agency, &export_id, &case, spec.purpose, now)?;
    let record = ExportRecord {
        id: export_id,
        case: Some(case.id),
        media: media.iter().map(|m| m.id).collect(),
        documents: store.documents(case.id).await?.into_iter().map(|d| d.id).collect(),
        purpose: spec.purpose,
        grant: spec.grant,
        recipient,
        tagmanifest_sha256: tagmanifest,
        payload_files,
        payload_bytes,
        checkpoint_size: checkpoint.size,
        at: now,
        by: actor.to_owned(),
    };
    let mut draft =
        EntryDraft::new(actor, action::PACKAGE_EXPORTED).subject(export_id.subject()).subject(case.id.subject()).payload(json!({
            "purpose": record.purpose, "recipient": record.recipient, "grant": record.grant,
            "tagmanifest_sha256": record.tagmanifest_sha256, "payload_files": payload_files, "payload_bytes": payload_bytes,
            "checkpoint_size": checkpoint.size,
        }));
    for m in &media {
        draft = draft.subject(m.id.subject());
    }
    exporter.ledger.record(draft, vec![Mutation::RecordExport(Box::new(record.clone()))]).await?;
    Ok(ExportSummary { record, out: spec.out, files: files.len(), entries: entry_count })
}

/// Writes an ISO 9660 image of a package directory, ready to burn: Joliet
/// and Rock Ridge, so Chinese names survive; the volume label is `volume`'s
/// letters, digits and underscores (at most 32), or `LIUHEN`. Runs xorriso
/// and blocks until it is done.
pub fn write_iso(package: &Path, image: &Path, volume: &str) -> Result<()> {
    let volume: String = volume.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(32).collect();
    let output = std::process::Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-J", "-joliet-long", "-R", "-V"])
        .arg(if volume.is_empty() { "LIUHEN".to_owned() } else { volume })
        .arg("-o")
        .arg(image)
        .arg(package)
        .output()
        .map_err(|error| {
            CustodyError::ToolMissing(format!(
                "cannot run xorriso to make the ISO image ({error}); install it (Debian: `apt-get install xorriso`)"
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(CustodyError::Io { what: "xorriso could not make the ISO image".into(), source: std::io::Error::other(stderr) });
    }
    Ok(())
}

fn prepare_out(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = fs::read_dir(out).map_err(CustodyError::io(format!("cannot read {}", out.display())))?;
        if entries.next().is_some() {
            return Err(CustodyError::Invalid(format!("{} is not empty; name a new directory for the package", out.display())));
        }
    }
    fs::create_dir_all(out.join("data")).map_err(CustodyError::io(format!("cannot create {}", out.display())))
}

/// The documents, the case index, the checklist, the notes and the statement.
#[allow(clippy::too_many_arguments)]
async fn print_case_papers(
    exporter: &Exporter<'_>,
    agency: &str,
    case: &Case,
    media: &[MediaRecord],
    redactions: &Redactions,
    data: &Path,
    files: &mut Vec<PackageFile>,
    now: Timestamp,
) -> Result<()> {
    let store = exporter.ledger.store().as_ref();
    let printer = exporter.printer;
    let mut papers: Vec<(String, &'static str, Vec<u8>)> = Vec::new();
    for (number, document) in store.documents(case.id).await?.into_iter().enumerate() {
        let pdf = liuhen_cases::document_pdf(store, printer, case, document.id).await?;
        let name = format!("documents/{:02}_{}_第{}版.pdf", number + 1, document.kind.label_zh(), document.version);
        papers.push((name, "document", pdf));
    }
    papers.push(("documents/案卷目录.pdf".into(), "case_index", liuhen_cases::case_index_pdf(store, printer, case).await?));
    let offset = exporter.zone.to_offset(now);
    let checklist = liuhen_compliance::av_checklist(store, exporter.pack, case.clone(), offset).await?;
    let pdf =
        printer.av_checklist_pdf(&checklist).map_err(|source| CustodyError::Print { what: "the AV record checklist".into(), source })?;
    papers.push(("checklist/音像记录事项清单.pdf".into(), "checklist", pdf));
    let xlsx = liuhen_print::av_checklist_xlsx(&checklist)
        .map_err(|source| CustodyError::Print { what: "the AV record checklist".into(), source })?;
    papers.push(("checklist/音像记录事项清单.xlsx".into(), "checklist", xlsx));

    let officers = store.officers().await?;
    let devices = store.devices().await?;
    let links = store.case_links(case.id).await?;
    for (number, record) in media.iter().enumerate() {
        let redaction = redactions.get(&record.id);
        let original = match redaction.map(|r| r.source) {
            Some(Target::Media(source)) => source,
            _ => record.id,
        };
        let recording = store.recording(original).await?;
        let officer = recording.as_ref().and_then(|r| r.officer_id).and_then(|id| officers.iter().find(|o| o.id == id));
        let device = record.source_device.and_then(|id| devices.iter().find(|d| d.id == id));
        let proves: Vec<String> = links
            .iter()
            .filter(|link| link.media_id == original)
            .map(|link| format!("{}（{}）{}", link.item.label_zh(), link.stage.label_zh(), link.label))
            .collect();
        let made_how = match &recording {
            Some(recording) => format!(
                "由执法记录仪现场摄录，经采集站 {} 于 {} 导出入库；入库时计算 SHA-256 与 SM3 摘要并记入审计日志，回放检查：{}。",
                recording.workstation,
                china_time(recording.ingested_at, &exporter.zone),
                if recording.playback.is_ok() { "可正常播放" } else { "未通过" }
            ),
            None => {
                format!("于 {} 存入证据库；存入时计算 SHA-256 与 SM3 摘要并记入审计日志。", china_time(record.stored_at, &exporter.zone))
            }
        };
        let note = ExplanatoryNote {
            agency: agency.to_owned(),
            case_number: Some(case.number.clone()),
            case_matter: Some(case.matter.clone()),
            file_name: record.original_name.clone().unwrap_or_else(|| record.sha256.to_hex()),
            sha256: record.sha256.to_hex(),
            sm3: record.sm3.to_hex(),
            size: record.size,
            device: device
                .map(|d| format!("{} {}", d.model.clone().unwrap_or_else(|| "执法记录仪".into()), d.serial))
                .unwrap_or_else(|| "—".into()),
            officer: officer
                .map(|o| format!("{}（执法证号 {}）", o.name, o.certificate_no.clone().unwrap_or_else(|| "无".into())))
                .unwrap_or_else(|| "—".into()),
            recorded_from: recording.as_ref().and_then(|r| r.corrected_start),
            recorded_until: recording.as_ref().and_then(|r| r.corrected_end),
            made_how,
            made_at: recording.as_ref().and_then(|r| r.corrected_start),
            maker: officer.map(|o| o.name.clone()).unwrap_or_else(|| "—".into()),
            proves: if proves.is_empty() { "—".into() } else { proves.join("；") },
            redacted: redaction.map(|r| {
                let what: Vec<String> = r.operations.iter().map(|op| op.to_string()).collect();
                format!("{}；理由：{}；审核人：{}", what.join("，"), r.reason, r.reviewer_name)
            }),
            copied_at: now,
            copied_by: agency.to_owned(),
        };
        let pdf =
            printer.explanatory_note_pdf(&note).map_err(|source| CustodyError::Print { what: "an explanatory note".into(), source })?;
        papers.push((format!("notes/{:02}_情况说明.pdf", number + 1), "note", pdf));
    }
    for (name, kind, bytes) in papers {
        let path = data.join(&name);
        write(&path, &bytes)?;
        let digests = hash_file(&path)?;
        files.push(PackageFile {
            path: format!("data/{name}"),
            kind: kind.into(),
            media_id: None,
            sha256: digests.sha256,
            sm3: digests.sm3,
            size: digests.size,
            redacted: false,
            entries: Vec::new(),
        });
    }
    Ok(())
}

/// The copy consistency statement, naming the checkpoint the proofs are against.
#[allow(clippy::too_many_arguments)]
async fn print_statement(
    exporter: &Exporter<'_>,
    agency: &str,
    case: &Case,
    media: &[MediaRecord],
    redactions: &Redactions,
    checkpoint: &StoredCheckpoint,
    recipient: Option<String>,
    purpose: Purpose,
    now: Timestamp,
    data: &Path,
    files: &mut Vec<PackageFile>,
) -> Result<()> {
    use base64::Engine as _;
    let statement = ConsistencyStatement {
        agency: agency.to_owned(),
        case_number: Some(case.number.clone()),
        recipient,
        purpose: purpose.label().to_owned(),
        items: media
            .iter()
            .map(|m| ConsistencyItem {
                file_name: m.original_name.clone().unwrap_or_else(|| m.sha256.to_hex()),
                sha256: m.sha256.to_hex(),
                sm3: m.sm3.to_hex(),
                size: m.size,
                redacted: redactions.contains_key(&m.id),
            })
            .collect(),
        checkpoint_size: checkpoint.size,
        checkpoint_root: base64::engine::general_purpose::STANDARD.encode(checkpoint.root),
        made_at: now,
        made_by: agency.to_owned(),
    };
    let pdf = exporter
        .printer
        .consistency_statement_pdf(&statement)
        .map_err(|source| CustodyError::Print { what: "the copy consistency statement".into(), source })?;
    let path = data.join("复制件一致性声明.pdf");
    write(&path, &pdf)?;
    let digests = hash_file(&path)?;
    files.push(PackageFile {
        path: "data/复制件一致性声明.pdf".into(),
        kind: "statement".into(),
        media_id: None,
        sha256: digests.sha256,
        sm3: digests.sm3,
        size: digests.size,
        redacted: false,
        entries: Vec::new(),
    });
    Ok(())
}

type Redactions = std::collections::HashMap<MediaId, liuhen_core::redaction::Redaction>;

type Proofs = BTreeMap<String, Vec<(StoredEntry, String)>>;

/// Signs a checkpoint covering everything so far and proves every entry
/// about each record (and the case) against it. If the ledger signs a newer
/// checkpoint meanwhile, starts again, so all proofs share one checkpoint.
async fn prove(ledger: &Ledger, media: &[MediaRecord], case: &Case) -> Result<(StoredCheckpoint, Proofs)> {
    let store = ledger.store().as_ref();
    let mut subjects: Vec<String> = media.iter().map(|m| m.id.subject()).collect();
    subjects.push(case.id.subject());
    for _attempt in 0..5 {
        let Some(checkpoint) = ledger.checkpoint().await? else {
            return Err(CustodyError::Invalid("the ledger is empty; there is nothing to prove".into()));
        };
        let mut proofs: Proofs = BTreeMap::new();
        let mut consistent = true;
        'subjects: for subject in &subjects {
            for entry in entries_about(store, subject, checkpoint.size).await? {
                let proof = ledger.inclusion_proof(entry.entry.index).await?;
                if proof.signed_checkpoint != checkpoint.signed_note {
                    consistent = false;
                    break 'subjects;
                }
                proofs.entry(subject.clone()).or_default().push((entry, proof.to_text()));
            }
        }
        if consistent {
            return Ok((checkpoint, proofs));
        }
    }
    Err(CustodyError::Invalid("the ledger kept signing new checkpoints while the package was proved; try again".into()))
}

fn readme(origin: &str, case: &Case, size: u64) -> String {
    format!(
        "本证据包由留痕（Liuhen）执法全过程记录系统生成。\n\
         日志来源（origin）：{origin}\n案号：{}\n签名检查点：树大小 {size}\n\n\
         核验方法：\n\
         1. 本目录是 BagIt（RFC 8493）包：manifest-sha256.txt 与 manifest-sm3.txt 列出 data/ 下每个文件的 SHA-256 与 SM3 摘要，可用任何 BagIt 工具（如 Python bagit）核验。\n\
         2. data/ledger/entries/N.json 是审计日志第 N 条记录被哈希的原始字节；其 RFC 6962 叶哈希经 data/ledger/proofs/N.txt（C2SP tlog-proof）证明包含在 data/ledger/checkpoint.txt 所述的签名检查点中。\n\
         3. 检查点签名（C2SP signed-note）用 data/ledger/public-key.txt 中的公钥核验；请向出具单位核对该公钥。\n\
         4. 每条记录的 payload（N.payload.json）的 SHA-256 等于该记录中的 payload_sha256，其中写明文件的 SHA-256 与 SM3。\n\
         也可运行：liuhen verify-package 本目录 --key <公钥>\n\n\
         This is a BagIt bag. data/ledger holds the exact bytes of each ledger entry about the files, a C2SP tlog-proof of each \
         in the signed checkpoint, and the verifier key; check the key with the agency. `liuhen verify-package DIR --key VKEY` checks all of it.\n",
        case.number
    )
}

/// What writing the tag files found: the tag manifest's SHA-256 and the
/// payload's size (its Payload-Oxum).
struct Bag {
    tagmanifest: Sha256Digest,
    payload_files: u64,
    payload_bytes: u64,
}

/// Writes the tag files over the payload under `out/data`.
fn write_bag(out: &Path, agency: &str, export: &ExportId, case: &Case, purpose: Purpose, now: Timestamp) -> Result<Bag> {
    let data = out.join("data");
    let payload = bagit::files_under(out, &data)?;
    let mut sha_lines = Vec::new();
    let mut sm3_lines = Vec::new();
    let mut octets = 0u64;
    for file in &payload {
        let digests = hash_file(&out.join(file))?;
        octets += digests.size;
        sha_lines.push((file.clone(), digests.sha256));
        sm3_lines.push((file.clone(), digests.sm3));
    }
    write_manifest(out, MANIFEST_SHA256, &sha_lines)?;
    write_manifest(out, MANIFEST_SM3, &sm3_lines)?;
    write(&out.join("bagit.txt"), BAGIT_TXT.as_bytes())?;
    let info = format!(
        "Source-Organization: {}\nBagging-Date: {}\nPayload-Oxum: {octets}.{}\nExternal-Identifier: {}\nInternal-Sender-Identifier: {export}\nExternal-Description: {} {} 证据材料（{}）\nBag-Software-Agent: liuhen {}\n",
        agency.replace('\n', " "),
        now.strftime("%Y-%m-%d"),
        payload.len(),
        case.number.replace('\n', " "),
        case.number.replace('\n', " "),
        case.matter.replace('\n', " "),
        purpose.label(),
        env!("CARGO_PKG_VERSION"),
    );
    write(&out.join(BAG_INFO), info.as_bytes())?;
    let mut tag_lines = Vec::new();
    for name in ["bagit.txt", BAG_INFO, MANIFEST_SHA256, MANIFEST_SM3] {
        tag_lines.push((name.to_owned(), hash_file(&out.join(name))?.sha256));
    }
    write_manifest(out, TAGMANIFEST_SHA256, &tag_lines)?;
    let bytes = fs::read(out.join(TAGMANIFEST_SHA256)).map_err(CustodyError::io("cannot read the tag manifest back"))?;
    Ok(Bag { tagmanifest: liuhen_core::digest::sha256(&bytes), payload_files: payload.len() as u64, payload_bytes: octets })
}
