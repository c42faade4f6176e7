//! The page templates (MiniJinja, HTML auto-escaped), compiled into the
//! binary, and the filters they share.
//!
//! Filters:
//! - `local`: an RFC 3339 instant as China Standard Time, `2026-12-02 18:05`;
//!   `local_seconds` keeps the seconds; `date` keeps the date only.
//! - `zh(kind)`: the Chinese label of an enum value the API sends as
//!   snake_case (`"penalty" | zh("act_kind")` → 行政处罚); an unknown value
//!   is shown as it came.
//! - `bytes`: a size in bytes, `1.5 MB`.
//! - `duration`: seconds as `1 小时 02 分 05 秒`.

use std::sync::LazyLock;

use minijinja::{Environment, Value};
use serde::de::DeserializeOwned;

/// Every page template, by name. A page module adds its own here.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("workbench.html", include_str!("../templates/workbench.html")),
    ("cases.html", include_str!("../templates/cases.html")),
    ("case_new.html", include_str!("../templates/case_new.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("cases_complaints.html", include_str!("../templates/cases_complaints.html")),
    ("compliance.html", include_str!("../templates/compliance.html")),
    ("finding.html", include_str!("../templates/finding.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("interruptions.html", include_str!("../templates/interruptions.html")),
    ("access.html", include_str!("../templates/access.html")),
    ("access_new.html", include_str!("../templates/access_new.html")),
    ("workstation.html", include_str!("../templates/workstation.html")),
    ("recordings.html", include_str!("../templates/recordings.html")),
    ("recording.html", include_str!("../templates/recording.html")),
    ("supervision.html", include_str!("../templates/supervision.html")),
    ("spot_check.html", include_str!("../templates/spot_check.html")),
    ("devices.html", include_str!("../templates/devices.html")),
    ("device.html", include_str!("../templates/device.html")),
    ("statistics.html", include_str!("../templates/statistics.html")),
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        if let Err(error) = env.add_template(name, source) {
            // Templates are part of the binary; the tests render each one.
            panic!("template {name} does not parse: {error:#}");
        }
    }
    env.set_formatter(format_value);
    env.add_filter("local", |text: &str| local_time(text, "%Y-%m-%d %H:%M"));
    env.add_filter("local_seconds", |text: &str| china_seconds(text));
    env.add_filter("date", |text: &str| local_time(text, "%Y-%m-%d"));
    env.add_filter("zh", |value: Value, kind: &str| label(kind, &value));
    env.add_filter("bytes", |size: u64| human_size(size));
    env.add_filter("duration", |seconds: f64| human_duration(seconds));
    env
});

/// Writes a value into a page: nothing for none (a JSON `null` is not the
/// word "none" to an officer), and HTML-escaped text otherwise, escaping
/// only what HTML needs (`&<>"'`), so links keep their slashes.
fn format_value(out: &mut minijinja::Output<'_>, state: &minijinja::State<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if value.is_safe() || !matches!(state.auto_escape(), minijinja::AutoEscape::Html) {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = match value.as_str() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => std::borrow::Cow::Owned(value.to_string()),
    };
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    out.write_str(&escaped).map_err(|error| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, error.to_string()))
}

/// Renders `name` with `context`; a template error is logged and the
/// error page's plain fallback is returned instead.
pub fn render(name: &str, context: Value) -> Result<String, minijinja::Error> {
    ENVIRONMENT.get_template(name)?.render(context)
}

/// China Standard Time, in which agencies read every date and time.
pub const CST: jiff::tz::Offset = jiff::tz::offset(8);

/// An instant as China time to the second (the `local_seconds` filter).
pub(crate) fn china_seconds(text: &str) -> String {
    local_time(text, "%Y-%m-%d %H:%M:%S")
}

fn local_time(text: &str, format: &str) -> String {
    match text.parse::<jiff::Timestamp>() {
        Ok(time) => time.to_zoned(jiff::tz::TimeZone::fixed(CST)).strftime(format).to_string(),
        Err(_) => text.to_owned(),
    }
}

fn human_size(size: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn human_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours} 小时 {minutes:02} 分 {seconds:02} 秒")
    } else if minutes > 0 {
        format!("{minutes} 分 {seconds:02} 秒")
    } else {
        format!("{seconds} 秒")
    }
}

/// The Chinese label of `value` read as the enum `kind`.
fn label(kind: &str, value: &Value) -> String {
    use liuhen_core::{access, case, document, entity, pack, recording};
    fn of<T: DeserializeOwned>(value: &Value, label: impl Fn(T) -> &'static str) -> Option<String> {
        let json = serde_json::to_value(value).ok()?;
        serde_json::from_value::<T>(json).ok().map(|parsed| label(parsed).to_owned())
    }
    let found = match kind {
        "act_kind" => of(value, case::ActKind::label_zh),
        "stage" => of(value, case::Stage::label_zh),
        "recorded_item" => of(value, case::RecordedItem::label_zh),
        "approval_role" => of(value, case::ApprovalRole::label_zh),
        "document_kind" => of(value, document::DocumentKind::label_zh),
        "role" => of(value, entity::Role::label_zh),
        "severity" => of(value, pack::Severity::label_zh),
        "media_kind" => of(value, recording::MediaKind::label_zh),
        "playback" => of(value, |playback: recording::Playback| playback.label_zh()),
        "purpose" => of(value, access::Purpose::label),
        "access_mode" => of(value, access::AccessMode::label),
        "request_state" => of(value, access::RequestState::label),
        "classification" => of(value, access::Classification::label),
        "outcome" => of(value, liuhen_core::supervision::Outcome::label_zh),
        _ => None,
    };
    found.unwrap_or_else(|| match value.as_str() {
        Some(text) => text.to_owned(),
        None => value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(ENVIRONMENT.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn filters_read_as_an_officer_expects() {
        assert_eq!(local_time("2026-12-02T10:05:09.123456Z", "%Y-%m-%d %H:%M"), "2026-12-02 18:05");
        assert_eq!(local_time("not a time", "%Y"), "not a time");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024 * 1024 / 2), "1.5 MB");
        assert_eq!(human_duration(3725.0), "1 小时 02 分 05 秒");
        assert_eq!(human_duration(59.4), "59 秒");
        assert_eq!(label("act_kind", &Value::from("penalty")), "行政处罚");
        assert_eq!(label("role", &Value::from("legal_reviewer")), "法制审核人员");
        assert_eq!(label("act_kind", &Value::from("no_such_kind")), "no_such_kind");
        assert_eq!(label("purpose", &Value::from("party_inspection")), "当事人查阅");
        assert_eq!(label("access_mode", &Value::from("copy")), "复制");
        assert_eq!(label("request_state", &Value::from("pending")), "待审批");
        let failed = Value::from_serialize(serde_json::json!({ "status": "failed", "detail": "moov atom not found" }));
        assert_eq!(label("playback", &failed), "无法播放");
    }

    #[test]
    fn pages_escape_text_and_show_nothing_for_none() {
        let mut env = Environment::new();
        env.set_formatter(format_value);
        env.add_template("t.html", "<a href=\"{{ href }}\">{{ text }}</a>[{{ missing }}][{{ none }}]").unwrap();
        let context = minijinja::context! { href => "/cases/1", text => "<script>\"x\" & 'y'</script>", none => Value::from(()) };
        assert_eq!(
            env.get_template("t.html").unwrap().render(context).unwrap(),
            "<a href=\"/cases/1\">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</a>[][]"
        );
    }
}
