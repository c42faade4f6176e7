//! Serving a stored file over HTTP: which bytes a `Range` header asks for,
//! a body read from the vault piece by piece, and the headers a player and
//! a browser need (content type, `Content-Disposition`).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use liuhen_core::entity::MediaRecord;
use liuhen_vault::Vault;

use crate::error::ApiError;

/// The most bytes one range response carries.
pub(crate) const MAX_RANGE: u64 = 8 << 20;

/// The most bytes read from the vault at once.
const PIECE: u64 = 1 << 20;

/// The bytes `range` of a record's blob as a body read piece by piece.
/// The first piece is read now, so a blob that cannot be read fails the
/// request instead of breaking its body; each piece counts towards
/// `counter` as it goes out.
pub(super) async fn file_body(
    vault: &Vault,
    record: &MediaRecord,
    range: Range<u64>,
    counter: Option<Arc<AtomicU64>>,
) -> Result<Body, ApiError> {
    if range.is_empty() {
        return Ok(Body::empty());
    }
    let first_end = range.end.min(range.start + PIECE);
    let first = vault.read_range(&record.sha256, range.start..first_end).await.map_err(ApiError::internal)?;
    let vault = vault.clone();
    let sha256 = record.sha256;
    let end = range.end;
    let rest = futures::stream::try_unfold(first_end, move |at| {
        let vault = vault.clone();
        async move {
            if at >= end {
                return Ok(None);
            }
            let until = end.min(at + PIECE);
            let piece = vault.read_range(&sha256, at..until).await.map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>(Some((piece, until)))
        }
    });
    let pieces = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(first) }).chain(rest).inspect_ok(move |piece| {
        if let Some(counter) = &counter {
            counter.fetch_add(piece.len() as u64, Ordering::Relaxed);
        }
    });
    Ok(Body::from_stream(pieces))
}

/// What a `Range` header asks for, once read against the file's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Wanted {
    /// No range, or one this server ignores (several ranges, another
    /// unit, a malformed one: RFC 9110 §14.2 lets a server send the whole).
    Whole,
    /// These bytes, at most [`MAX_RANGE`] of them.
    Part(Range<u64>),
}

/// A range that asks for no byte of the file (416).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unsatisfiable;

/// Reads `bytes=a-b`, `bytes=a-` and `bytes=-n` against a file of `size` bytes.
pub(super) fn wanted_range(header: Option<&str>, size: u64) -> Result<Wanted, Unsatisfiable> {
    let Some(header) = header else { return Ok(Wanted::Whole) };
    let header = header.trim();
    let Some((unit, spec)) = header.split_once('=') else { return Ok(Wanted::Whole) };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Ok(Wanted::Whole);
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Ok(Wanted::Whole) };
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit()).then(|| text.parse::<u64>().ok()).flatten();
    let range = if first.is_empty() {
        let Some(suffix) = number(last) else { return Ok(Wanted::Whole) };
        if suffix == 0 || size == 0 {
            return Err(Unsatisfiable);
        }
        size - suffix.min(size)..size
    } else {
        let Some(start) = number(first) else { return Ok(Wanted::Whole) };
        let end = if last.is_empty() {
            size
        } else {
            let Some(last) = number(last) else { return Ok(Wanted::Whole) };
            if last < start {
                return Ok(Wanted::Whole);
            }
            last.saturating_add(1).min(size)
        };
        if start >= size {
            return Err(Unsatisfiable);
        }
        start..end
    };
    Ok(Wanted::Part(range.start..range.end.min(range.start + MAX_RANGE)))
}

/// The content type a player needs, from the file name's extension.
pub(super) fn content_type(name: Option<&str>) -> &'static str {
    let extension = name.and_then(|name| name.rsplit_once('.')).map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("mp4" | "mov") => "video/mp4",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition: attachment` naming the file: a plain ASCII
/// `filename` for old clients and the exact name as RFC 5987 `filename*`.
pub(super) fn attachment(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | '/' | '%') { c } else { '_' }).collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if plain {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_against_the_size() {
        let size = 1000;
        let part = |range: Range<u64>| Ok(Wanted::Part(range));
        assert_eq!(wanted_range(None, size), Ok(Wanted::Whole));
        assert_eq!(wanted_range(Some("bytes=0-99"), size), part(0..100));
        assert_eq!(wanted_range(Some("bytes=500-"), size), part(500..1000));
        assert_eq!(wanted_range(Some("bytes=-100"), size), part(900..1000));
        assert_eq!(wanted_range(Some("bytes=-5000"), size), part(0..1000), "a suffix longer than the file is the file");
        assert_eq!(wanted_range(Some("bytes=990-5000"), size), part(990..1000), "the end is cut at the file's end");
        assert_eq!(wanted_range(Some(" Bytes = 10 - 19 "), size), part(10..20));
        for unsatisfiable in ["bytes=1000-", "bytes=1000-1001", "bytes=-0"] {
            assert_eq!(wanted_range(Some(unsatisfiable), size), Err(Unsatisfiable), "{unsatisfiable}");
        }
        assert_eq!(wanted_range(Some("bytes=-1"), 0), Err(Unsatisfiable), "an empty file has no byte to give");
        for ignored in ["items=0-9", "bytes=0-9,20-29", "bytes=abc", "bytes=9-0", "bytes=+1-5", "bytes"] {
            assert_eq!(wanted_range(Some(ignored), size), Ok(Wanted::Whole), "{ignored}");
        }
    }

    #[test]
    fn a_range_response_carries_at_most_eight_mebibytes() {
        let size = 100 << 20;
        assert_eq!(wanted_range(Some("bytes=0-"), size), Ok(Wanted::Part(0..MAX_RANGE)));
        assert_eq!(wanted_range(Some("bytes=10-"), size), Ok(Wanted::Part(10..10 + MAX_RANGE)));
        assert_eq!(wanted_range(Some(&format!("bytes=-{}", 50 << 20)), size), Ok(Wanted::Part(50 << 20..(50 << 20) + MAX_RANGE)));
        assert_eq!(wanted_range(Some("bytes=0-99999999"), size), Ok(Wanted::Part(0..MAX_RANGE)));
    }

    #[test]
    fn content_types_follow_the_extension() {
        for (name, expected) in [
            ("DSJ_0001_20261123_083000.MP4", "video/mp4"),
            ("clip.mov", "video/mp4"),
            ("现场照片.jpg", "image/jpeg"),
            ("photo.JPEG", "image/jpeg"),
            ("询问录音.wav", "audio/wav"),
            ("call.mp3", "audio/mpeg"),
            ("notes.txt", "application/octet-stream"),
            ("no-extension", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Some(name)), expected, "{name}");
        }
        assert_eq!(content_type(None), "application/octet-stream");
    }

    #[test]
    fn attachments_name_the_file_in_rfc_5987() {
        assert_eq!(
            attachment("20261123_083000_执法记录.mp4"),
            "attachment; filename=\"20261123_083000_____.mp4\"; filename*=UTF-8''20261123_083000_%E6%89%A7%E6%B3%95%E8%AE%B0%E5%BD%95.mp4"
        );
        assert_eq!(attachment("a \"b\"/c.mp4"), "attachment; filename=\"a _b__c.mp4\"; filename*=UTF-8''a%20%22b%22%2Fc.mp4");
    }
}
