//! Party copies (当事人查阅副本): a derived copy that withholds the identity
//! of complainants and informants and third parties' data (丰台 第二十八条).
//! For AV records, time ranges are muted or blanked, or regions blurred,
//! as a reviewer chooses; for documents, fields are withheld. The copy is
//! a new stored file with its lineage (source, digests, operations, who
//! approved); the original is never touched.
//!
//! Pure: operations are checked and turned into ffmpeg filter text here;
//! running ffmpeg is the custody service's part.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Target;
use crate::digest::Sha256Digest;
use crate::id::{AccessRequestId, MediaId, UserId};

/// One thing withheld.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RedactOp {
    /// Silence the sound from `from_ms` to `to_ms`.
    Mute { from_ms: u64, to_ms: u64 },
    /// Black picture and silence from `from_ms` to `to_ms` (删除片段, kept in
    /// place so the copy's times still match the original's).
    Blank { from_ms: u64, to_ms: u64 },
    /// Blur the rectangle (pixels) for the whole file, or only in the range given.
    Blur { x: u32, y: u32, width: u32, height: u32, from_ms: Option<u64>, to_ms: Option<u64> },
    /// Print a document with this field withheld.
    WithholdField { field: String },
}

impl fmt::Display for RedactOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = |ms: u64| format!("{}.{:03}", ms / 1000, ms % 1000);
        match self {
            RedactOp::Mute { from_ms, to_ms } => write!(f, "静音 {}–{} 秒", seconds(*from_ms), seconds(*to_ms)),
            RedactOp::Blank { from_ms, to_ms } => write!(f, "删除画面与声音 {}–{} 秒", seconds(*from_ms), seconds(*to_ms)),
            RedactOp::Blur { x, y, width, height, from_ms, to_ms } => {
                write!(f, "模糊区域 {width}×{height}（{x},{y}）")?;
                match (from_ms, to_ms) {
                    (Some(from), Some(to)) => write!(f, " {}–{} 秒", seconds(*from), seconds(*to)),
                    _ => write!(f, " 全程"),
                }
            }
            RedactOp::WithholdField { field } => write!(f, "删除字段 {field}"),
        }
    }
}

/// Why operations are refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedactionRefused {
    #[error("a party copy must withhold something: give at least one operation")]
    Nothing,
    #[error("`{0}` is not a time range; write it as START-END in seconds, e.g. 3.5-7")]
    BadRange(String),
    #[error("`{0}` is not a region; write it as X,Y,WIDTH,HEIGHT in pixels, optionally @START-END, e.g. 40,20,120,80@2-5")]
    BadRegion(String),
    #[error("the range {from}–{to} s is empty or reversed")]
    EmptyRange { from: String, to: String },
    #[error("the range ending at {end} s runs past the end of the recording ({duration} s)")]
    PastEnd { end: String, duration: String },
    #[error("a region must be at least 2×2 pixels")]
    TinyRegion,
    #[error("{0}")]
    WrongKind(String),
}

fn parse_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut millis = 0u64;
    for (position, digit) in fraction.chars().take(3).enumerate() {
        millis += u64::from(digit.to_digit(10)?) * [100, 10, 1][position];
    }
    whole.checked_mul(1000)?.checked_add(millis)
}

/// Reads `3.5-7` as milliseconds.
pub fn parse_range(text: &str) -> Result<(u64, u64), RedactionRefused> {
    let bad = || RedactionRefused::BadRange(text.to_owned());
    let (from, to) = text.split_once('-').ok_or_else(bad)?;
    let (from, to) = (parse_seconds(from).ok_or_else(bad)?, parse_seconds(to).ok_or_else(bad)?);
    if to <= from {
        return Err(RedactionRefused::EmptyRange { from: seconds(from), to: seconds(to) });
    }
    Ok((from, to))
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

impl RedactOp {
    /// Reads a blur region `X,Y,W,H[@START-END]`.
    pub fn parse_blur(text: &str) -> Result<RedactOp, RedactionRefused> {
        let bad = || RedactionRefused::BadRegion(text.to_owned());
        let (region, range) = match text.split_once('@') {
            Some((region, range)) => (region, Some(parse_range(range)?)),
            None => (text, None),
        };
        let numbers: Vec<u32> = region.split(',').map(|n| n.trim().parse::<u32>()).collect::<Result<_, _>>().map_err(|_| bad())?;
        let [x, y, width, height] = numbers[..] else { return Err(bad()) };
        if width < 2 || height < 2 {
            return Err(RedactionRefused::TinyRegion);
        }
        Ok(RedactOp::Blur { x, y, width, height, from_ms: range.map(|r| r.0), to_ms: range.map(|r| r.1) })
    }

    fn range(&self) -> Option<(u64, u64)> {
        match self {
            RedactOp::Mute { from_ms, to_ms } | RedactOp::Blank { from_ms, to_ms } => Some((*from_ms, *to_ms)),
            RedactOp::Blur { from_ms: Some(from), to_ms: Some(to), .. } => Some((*from, *to)),
            _ => None,
        }
    }
}

/// Checks operations for an AV file of `duration_ms` (if known).
pub fn check_av_operations(ops: &[RedactOp], duration_ms: Option<u64>) -> Result<(), RedactionRefused> {
    if ops.is_empty() {
        return Err(RedactionRefused::Nothing);
    }
    for op in ops {
        if let RedactOp::WithholdField { .. } = op {
            return Err(RedactionRefused::WrongKind("fields are withheld from documents, not from AV records".into()));
        }
        if let (Some((_, end)), Some(duration)) = (op.range(), duration_ms) {
            // A little slack: containers round their durations.
            if end > duration + 500 {
                return Err(RedactionRefused::PastEnd { end: seconds(end), duration: seconds(duration) });
            }
        }
    }
    Ok(())
}

fn between(from_ms: u64, to_ms: u64) -> String {
    format!("between(t\\,{}\\,{})", seconds(from_ms), seconds(to_ms))
}

/// The ffmpeg filter graph (`-filter_complex`) for the operations: the
/// video chain ends in `[v]` and the audio chain in `[a]` when present.
/// Values are numbers this module produced, never user text.
pub fn ffmpeg_filter(ops: &[RedactOp], has_video: bool, has_audio: bool) -> String {
    let mut parts = Vec::new();
    if has_video {
        let mut last = "0:v".to_owned();
        for (number, op) in ops.iter().enumerate() {
            match op {
                RedactOp::Blur { x, y, width, height, from_ms, to_ms } => {
                    let enable = match (from_ms, to_ms) {
                        (Some(from), Some(to)) => format!(":enable='{}'", between(*from, *to)),
                        _ => String::new(),
                    };
                    parts.push(format!("[{last}]split[base{number}][src{number}]"));
                    parts.push(format!(
                        "[src{number}]crop={width}:{height}:{x}:{y},boxblur=luma_radius=min(h\\,w)/4:luma_power=3[blur{number}]"
                    ));
                    parts.push(format!("[base{number}][blur{number}]overlay={x}:{y}{enable}[v{number}]"));
                    last = format!("v{number}");
                }
                RedactOp::Blank { from_ms, to_ms } => {
                    parts.push(format!(
                        "[{last}]drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='{}'[v{number}]",
                        between(*from_ms, *to_ms)
                    ));
                    last = format!("v{number}");
                }
                _ => {}
            }
        }
        parts.push(format!("[{last}]null[v]"));
    }
    if has_audio {
        let mut last = "0:a".to_owned();
        for (number, op) in ops.iter().enumerate() {
            if let RedactOp::Mute { from_ms, to_ms } | RedactOp::Blank { from_ms, to_ms } = op {
                parts.push(format!("[{last}]volume=0:enable='{}'[a{number}]", between(*from_ms, *to_ms)));
                last = format!("a{number}");
            }
        }
        parts.push(format!("[{last}]anull[a]"));
    }
    parts.join(";")
}

/// A party copy as kept: what it was made from, what it withholds, who
/// approved it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// The stored copy (a media record of its own).
    pub derived: MediaId,
    pub source: Target,
    /// The source's SHA-256: the original file's, or for a document the
    /// digest of its canonical JSON.
    pub source_sha256: Sha256Digest,
    pub operations: Vec<RedactOp>,
    pub reason: String,
    /// The reviewer who chose and approved what is withheld.
    pub reviewer: UserId,
    pub reviewer_name: String,
    /// The party's access request it was made for, if any.
    pub request: Option<AccessRequestId>,
    pub at: Timestamp,
    pub by: String,
}

impl FromStr for RedactOp {
    type Err = RedactionRefused;
    /// `mute:3-5`, `blank:3-5`, `blur:X,Y,W,H[@3-5]`, `field:NAME`.
    fn from_str(text: &str) -> Result<Self, RedactionRefused> {
        let (kind, rest) = text.split_once(':').ok_or_else(|| RedactionRefused::BadRange(text.to_owned()))?;
        match kind.trim() {
            "mute" => parse_range(rest).map(|(from_ms, to_ms)| RedactOp::Mute { from_ms, to_ms }),
            "blank" => parse_range(rest).map(|(from_ms, to_ms)| RedactOp::Blank { from_ms, to_ms }),
            "blur" => RedactOp::parse_blur(rest),
            "field" if !rest.trim().is_empty() => Ok(RedactOp::WithholdField { field: rest.trim().to_owned() }),
            _ => Err(RedactionRefused::BadRange(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_regions_parse() {
        assert_eq!(parse_range("3.5-7"), Ok((3500, 7000)));
        assert_eq!(parse_range("0-0.25"), Ok((0, 250)));
        assert!(matches!(parse_range("7-3"), Err(RedactionRefused::EmptyRange { .. })));
        assert!(matches!(parse_range("a-b"), Err(RedactionRefused::BadRange(_))));
        assert_eq!(
            RedactOp::parse_blur("40,20,120,80@2-5"),
            Ok(RedactOp::Blur { x: 40, y: 20, width: 120, height: 80, from_ms: Some(2000), to_ms: Some(5000) })
        );
        assert_eq!("mute:1-2".parse(), Ok(RedactOp::Mute { from_ms: 1000, to_ms: 2000 }));
        assert_eq!("field:party_id".parse(), Ok(RedactOp::WithholdField { field: "party_id".into() }));
        assert!("blur:1,2,3".parse::<RedactOp>().is_err());
        assert!("blur:1,2,1,1".parse::<RedactOp>().is_err());
    }

    #[test]
    fn operations_are_checked_against_the_recording() {
        assert_eq!(check_av_operations(&[], Some(1000)), Err(RedactionRefused::Nothing));
        let late = RedactOp::Mute { from_ms: 1000, to_ms: 9000 };
        assert!(matches!(check_av_operations(&[late], Some(3000)), Err(RedactionRefused::PastEnd { .. })));
        let field = RedactOp::WithholdField { field: "x".into() };
        assert!(matches!(check_av_operations(&[field], None), Err(RedactionRefused::WrongKind(_))));
    }

    #[test]
    fn the_filter_graph_chains_each_operation() {
        let ops = [
            RedactOp::Blur { x: 10, y: 20, width: 30, height: 40, from_ms: None, to_ms: None },
            RedactOp::Mute { from_ms: 1000, to_ms: 2500 },
            RedactOp::Blank { from_ms: 3000, to_ms: 4000 },
        ];
        let graph = ffmpeg_filter(&ops, true, true);
        assert!(graph.contains("[0:v]split[base0][src0]"), "{graph}");
        assert!(graph.contains("crop=30:40:10:20"));
        assert!(graph.contains("[v0]drawbox=") && graph.contains("[v2]null[v]"), "{graph}");
        assert!(graph.contains("[0:a]volume=0:enable='between(t\\,1.000\\,2.500)'[a1]"), "{graph}");
        assert!(graph.contains("[a2]anull[a]"), "{graph}");
        assert_eq!(ffmpeg_filter(&ops[1..2], false, true), "[0:a]volume=0:enable='between(t\\,1.000\\,2.500)'[a0];[a0]anull[a]");
    }
}
