//! Party copies (当事人查阅副本, 丰台 第二十八条): the derived copy a party
//! may see, without complainants', informants' or third parties' identity.
//! A legal reviewer chooses what to withhold; ffmpeg makes the AV copy (or
//! the printer the document copy); the copy is stored as a record of its
//! own with its lineage, and the original is never touched.

use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use liuhen_core::access::Target;
use liuhen_core::entity::{MediaRecord, Role, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AccessRequestId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::MediaKind;
use liuhen_core::redaction::{check_av_operations, ffmpeg_filter, RedactOp, Redaction};
use liuhen_ledger::Ledger;
use liuhen_vault::Vault;
use serde_json::json;

use crate::access::user_actor;
use crate::{check_text, CustodyError, Result};

/// What a reviewer asks for.
#[derive(Clone, Debug)]
pub struct NewPartyCopy {
    /// An AV record or a document.
    pub source: Target,
    pub operations: Vec<RedactOp>,
    /// Why these parts are withheld (e.g. 保护举报人身份).
    pub reason: String,
    /// The party's access request it is made for, if any.
    pub request: Option<AccessRequestId>,
}

/// The text put in place of a withheld field.
pub const WITHHELD: &str = "（已删减）";

/// Makes and records a party copy. `scratch` is a local directory for
/// ffmpeg's input and output.
pub async fn make_party_copy(
    ledger: &Ledger,
    vault: &Vault,
    printer: &liuhen_print::Printer,
    reviewer: &User,
    request: NewPartyCopy,
    scratch: &Path,
    now: Timestamp,
) -> Result<(MediaRecord, Redaction)> {
    let store = ledger.store().as_ref();
    if ![Role::LegalReviewer, Role::Administrator].iter().any(|role| reviewer.has_role(*role)) {
        return Err(CustodyError::Refused(
            "当事人查阅副本须由法制审核人员确定删减内容。A party copy is made by a legal reviewer (legal_reviewer role), who chooses what is withheld".into(),
        ));
    }
    let reason = check_text("the reason (删减理由)", &request.reason, false)?;
    if let Some(id) = request.request {
        crate::access::request(store, id).await?;
    }
    std::fs::create_dir_all(scratch).map_err(CustodyError::io(format!("cannot create {}", scratch.display())))?;
    let work = scratch.join(format!("redaction-{}", MediaId::new()));
    std::fs::create_dir_all(&work).map_err(CustodyError::io(format!("cannot create {}", work.display())))?;
    let made = async {
        match request.source {
            Target::Media(id) => av_copy(store, vault, id, &request.operations, &work).await,
            Target::Document(id) => document_copy(store, printer, id, &request.operations, &work).await,
            Target::Case(_) => {
                Err(CustodyError::Invalid("a party copy is made of one AV record or one document, not of a whole case".into()))
            }
        }
    }
    .await;
    let result = async {
        let (path, name, source_sha256) = made?;
        let stored = vault.put_file(&path).await?;
        if store.media_by_sha256(&stored.digests.sha256).await?.is_some() {
            return Err(CustodyError::Invalid("an identical copy is already stored; use that one".into()));
        }
        let actor = user_actor(reviewer);
        let media = MediaRecord {
            id: MediaId::new(),
            sha256: stored.digests.sha256,
            sm3: stored.digests.sm3,
            size: stored.digests.size,
            original_name: Some(name),
            stored_at: now,
            stored_by: actor.clone(),
            source_device: None,
        };
        let redaction = Redaction {
            derived: media.id,
            source: request.source,
            source_sha256,
            operations: request.operations.clone(),
            reason: reason.clone(),
            reviewer: reviewer.id,
            reviewer_name: reviewer.display_name.clone(),
            request: request.request,
            at: now,
            by: actor.clone(),
        };
        let draft =
            EntryDraft::new(actor, action::REDACTION_MADE).subject(media.id.subject()).subject(request.source.subject()).payload(json!({
                "sha256": media.sha256, "sm3": media.sm3, "size": media.size, "name": media.original_name,
                "source": request.source, "source_sha256": source_sha256, "operations": redaction.operations,
                "reason": reason, "request": request.request,
            }));
        ledger.record(draft, vec![Mutation::CreateMedia(media.clone()), Mutation::MakeRedaction(Box::new(redaction.clone()))]).await?;
        Ok((media, redaction))
    }
    .await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Runs ffmpeg over a copy of the stored original.
async fn av_copy(
    store: &dyn liuhen_store::MetaStore,
    vault: &Vault,
    id: MediaId,
    operations: &[RedactOp],
    work: &Path,
) -> Result<(std::path::PathBuf, String, liuhen_core::digest::Sha256Digest)> {
    let media = store.media(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no AV record {id}")))?;
    if store.redaction(id).await?.is_some() {
        return Err(CustodyError::Invalid(format!("{id} is itself a party copy; make the copy from the original")));
    }
    let recording = store
        .recording(id)
        .await?
        .ok_or_else(|| CustodyError::Invalid(format!("{id} is not an AV record from a device, so there is nothing to mute or blur")))?;
    check_av_operations(operations, recording.probe.duration_ms).map_err(|refused| CustodyError::Invalid(refused.to_string()))?;
    let (extension, has_video, has_audio) = match recording.kind {
        MediaKind::Video => ("mp4", recording.probe.video_codec.is_some(), recording.probe.audio_codec.is_some()),
        MediaKind::Photo => ("jpg", true, false),
        MediaKind::Audio => ("m4a", false, true),
        MediaKind::Other => return Err(CustodyError::Invalid(format!("{id} is not audio, video or a photo"))),
    };
    let input = work.join("original");
    vault.copy_to_local(&media.sha256, &input).await?;
    let output = work.join(format!("copy.{extension}"));
    let graph = ffmpeg_filter(operations, has_video, has_audio);
    let mut command = Command::new("ffmpeg");
    command.args(["-v", "error", "-nostdin", "-y", "-i"]).arg(&input).args(["-filter_complex", &graph]);
    if has_video {
        command.args(["-map", "[v]"]);
    }
    if has_audio {
        command.args(["-map", "[a]"]);
    }
    match recording.kind {
        MediaKind::Video => {
            command.args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]);
            if has_audio {
                command.args(["-c:a", "aac", "-b:a", "128k"]);
            }
            command.args(["-movflags", "+faststart", "-map_metadata", "0"]);
        }
        MediaKind::Photo => {
            command.args(["-frames:v", "1", "-q:v", "2"]);
        }
        MediaKind::Audio => {
            command.args(["-c:a", "aac", "-b:a", "128k"]);
        }
        MediaKind::Other => unreachable!("refused above"),
    }
    command.arg(&output);
    let ran = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|error| CustodyError::Invalid(format!("ffmpeg did not finish: {error}")))?
        .map_err(|error| CustodyError::Invalid(format!("cannot run ffmpeg ({error}); install it (Debian: `apt-get install ffmpeg`)")))?;
    if !ran.status.success() {
        return Err(CustodyError::Invalid(format!("ffmpeg could not make the copy: {}", String::from_utf8_lossy(&ran.stderr).trim())));
    }
    let name = format!("{}_删减副本.{extension}", stem_of(media.original_name.as_deref().unwrap_or("record")));
    Ok((output, name, media.sha256))
}

/// Prints a document with the chosen fields withheld.
async fn document_copy(
    store: &dyn liuhen_store::MetaStore,
    printer: &liuhen_print::Printer,
    id: liuhen_core::id::DocumentId,
    operations: &[RedactOp],
    work: &Path,
) -> Result<(std::path::PathBuf, String, liuhen_core::digest::Sha256Digest)> {
    let document = store.document(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no document {id}")))?;
    let case =
        store.case(document.case_id).await?.ok_or_else(|| CustodyError::NotFound(format!("the case of document {id} is missing")))?;
    if operations.is_empty() {
        return Err(CustodyError::Invalid("name at least one field to withhold (field:NAME)".into()));
    }
    let mut copy = document.clone();
    for op in operations {
        let RedactOp::WithholdField { field } = op else {
            return Err(CustodyError::Invalid(
                "a document copy withholds fields (field:NAME); muting and blurring are for AV records".into(),
            ));
        };
        match copy.fields.get_mut(field) {
            Some(value) => *value = WITHHELD.to_owned(),
            None => {
                let known: Vec<&str> = document.fields.keys().map(String::as_str).collect();
                return Err(CustodyError::Invalid(format!("the document has no field `{field}`; its fields are: {}", known.join(", "))));
            }
        }
    }
    let withheld: Vec<&str> = operations
        .iter()
        .filter_map(|op| match op {
            RedactOp::WithholdField { field } => Some(liuhen_core::document::field_label_zh(field)),
            _ => None,
        })
        .collect();
    copy.fields.insert("party_copy".into(), format!("当事人查阅副本，已删减：{}；原件不变", withheld.join("、")));
    let signatures = store.signatures(document.id).await?;
    let directory = liuhen_cases::print_directory(store).await?;
    let pdf = printer
        .document(&directory, &case, &copy, &signatures)
        .map_err(|source| CustodyError::Print { what: "the party copy of the document".into(), source })?;
    let output = work.join("copy.pdf");
    std::fs::write(&output, pdf).map_err(CustodyError::io(format!("cannot write {}", output.display())))?;
    let source_sha256 = liuhen_core::digest::sha256(&serde_json::to_vec(&document).expect("a document serialises"));
    Ok((output, format!("{}_第{}版_删减副本.pdf", document.kind.label_zh(), document.version), source_sha256))
}

/// Runs ffmpeg to read the mean volume (dB) of `path` between two times, for
/// checking a muted range; `None` if there is no audio there.
pub fn mean_volume(path: &Path, from_ms: u64, to_ms: u64) -> Option<f64> {
    let output = Command::new("ffmpeg")
        .args(["-v", "info", "-nostdin", "-ss", &format!("{}.{:03}", from_ms / 1000, from_ms % 1000)])
        .args(["-t", &format!("{}.{:03}", (to_ms - from_ms) / 1000, (to_ms - from_ms) % 1000), "-i"])
        .arg(path)
        .args(["-af", "volumedetect", "-f", "null", "-"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().find(|line| line.contains("mean_volume:"))?;
    line.split("mean_volume:").nth(1)?.trim().trim_end_matches("dB").trim().parse().ok()
}
