//! Looking inside media files: FFmpeg's `ffprobe` for containers and codecs,
//! `ffmpeg` to confirm a stored copy plays back, and kamadak-exif for the
//! time a photo was taken.
//!
//! FFmpeg is the reference for what "plays" means on the players agencies
//! and courts use; a workstation needs it installed (Debian: `ffmpeg`).

use std::path::Path;
use std::process::{Command, Stdio};

use jiff::tz::Offset;
use jiff::Timestamp;
use liuhen_core::recording::{local_to_timestamp, parse_camera_time, MediaKind, MediaProbe, Playback};
use serde::Deserialize;

use crate::CollectError;

/// Checks that `ffprobe` and `ffmpeg` can be run, before any file is touched.
pub fn check_tools() -> Result<(), CollectError> {
    for tool in ["ffprobe", "ffmpeg"] {
        let status = Command::new(tool).arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !status.is_ok_and(|status| status.success()) {
            return Err(CollectError::ToolMissing { tool });
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<ProbeStream>,
    format: Option<ProbeFormat>,
}

#[derive(Deserialize)]
struct ProbeStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    #[serde(default)]
    disposition: std::collections::HashMap<String, i64>,
}

#[derive(Deserialize)]
struct ProbeFormat {
    format_name: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    tags: std::collections::HashMap<String, String>,
}

/// What a file is, by its content, and what is inside.
pub struct Probed {
    pub kind: MediaKind,
    pub probe: MediaProbe,
}

/// Probes a file. A file FFmpeg cannot read comes back with `probe.error`
/// set and the kind its extension promises.
pub fn probe(path: &Path, extension_kind: MediaKind, camera_offset: Offset) -> Probed {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) => return unprobed(extension_kind, format!("ffprobe could not be run: {error}")),
    };
    let parsed: Option<ProbeOutput> = serde_json::from_slice(&output.stdout).ok();
    let Some(parsed) = parsed.filter(|parsed| output.status.success() && parsed.format.is_some()) else {
        return unprobed(extension_kind, first_lines(&output.stderr, path).unwrap_or_else(|| "ffprobe could not read it".into()));
    };
    let format = parsed.format.expect("checked above");
    let video = parsed
        .streams
        .iter()
        .find(|stream| stream.codec_type.as_deref() == Some("video") && stream.disposition.get("attached_pic").copied().unwrap_or(0) == 0);
    let audio = parsed.streams.iter().find(|stream| stream.codec_type.as_deref() == Some("audio"));
    let format_name = format.format_name.clone().unwrap_or_default();
    let is_image = format_name.contains("image2") || format_name.ends_with("_pipe") || format_name == "webp";
    let kind = match (video, audio) {
        (Some(_), _) if is_image => MediaKind::Photo,
        (Some(_), _) => MediaKind::Video,
        (None, Some(_)) => MediaKind::Audio,
        (None, None) => MediaKind::Other,
    };
    let duration_ms = match kind {
        MediaKind::Video | MediaKind::Audio => format
            .duration
            .as_deref()
            .and_then(|seconds| seconds.parse::<f64>().ok())
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(|seconds| (seconds * 1000.0).round() as u64),
        _ => None,
    };
    let embedded_start = match kind {
        MediaKind::Photo => exif_time(path, camera_offset),
        _ => format.tags.get("creation_time").and_then(|text| text.parse::<Timestamp>().ok()),
    };
    Probed {
        kind,
        probe: MediaProbe {
            container: format.format_name,
            video_codec: video.and_then(|stream| stream.codec_name.clone()),
            audio_codec: audio.and_then(|stream| stream.codec_name.clone()),
            width: video.and_then(|stream| stream.width),
            height: video.and_then(|stream| stream.height),
            duration_ms,
            embedded_start,
            error: None,
        },
    }
}

fn unprobed(kind: MediaKind, error: String) -> Probed {
    Probed { kind, probe: MediaProbe { error: Some(error), ..MediaProbe::default() } }
}

/// `DateTimeOriginal` (else `DateTime`) of a photo, read at the camera's offset.
fn exif_time(path: &Path, camera_offset: Offset) -> Option<Timestamp> {
    let file = std::fs::File::open(path).ok()?;
    let exif = exif::Reader::new().read_from_container(&mut std::io::BufReader::new(file)).ok()?;
    [exif::Tag::DateTimeOriginal, exif::Tag::DateTime].into_iter().find_map(|tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let text = match &field.value {
            exif::Value::Ascii(parts) => String::from_utf8_lossy(parts.first()?).into_owned(),
            _ => return None,
        };
        local_to_timestamp(parse_camera_time(&text)?, camera_offset)
    })
}

/// Confirms that a stored copy plays: every packet of every stream is read
/// (a truncated recording fails here), then the first second is decoded (a
/// stream the decoder cannot make pictures or sound from fails here).
///
/// Decoding the whole recording would find damage in its middle too, but it
/// costs several times the copy itself (a 2 GiB recording: about 3 s for
/// its keyframes alone, 19 s for every frame, against 0.4 s to read every
/// packet); the demux pass already finds what a dying battery leaves.
pub fn check_playback(path: &Path, kind: MediaKind) -> Result<Playback, CollectError> {
    let runs: Vec<(Vec<&str>, Vec<&str>)> = match kind {
        MediaKind::Video | MediaKind::Audio => {
            vec![(vec![], vec!["-map", "0", "-c", "copy", "-f", "null", "-"]), (vec![], vec!["-t", "1", "-f", "null", "-"])]
        }
        MediaKind::Photo => vec![(vec![], vec!["-f", "null", "-"])],
        MediaKind::Other => return Ok(Playback::NotApplicable),
    };
    for (input_args, output_args) in runs {
        let output = Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-v", "error", "-xerror"])
            .args(input_args)
            .arg("-i")
            .arg(path)
            .args(output_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|source| CollectError::ToolFailed { tool: "ffmpeg", source })?;
        let complaint = first_lines(&output.stderr, path);
        if !output.status.success() || complaint.is_some() {
            let detail = complaint.unwrap_or_else(|| format!("ffmpeg exited with {}", output.status));
            return Ok(Playback::Failed { detail });
        }
    }
    Ok(Playback::Ok)
}

/// The first lines of a tool's complaints, without the (vault) path of the
/// file, which says nothing to the person reading.
fn first_lines(stderr: &[u8], path: &Path) -> Option<String> {
    let text = String::from_utf8_lossy(stderr).replace(&format!("{}: ", path.display()), "");
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|line| !line.is_empty()).take(3).collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}
