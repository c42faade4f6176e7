//! Charts of the periodic report (通报), drawn as SVG with plotters: the
//! statistics page shows them and the PDF prints them. No font is loaded
//! on the server; labels stay `<text>` elements in a sans-serif family, so
//! the reader's own CJK font draws them.

use liuhen_core::statistics::PeriodicReport;
use plotters::prelude::*;

use crate::PrintError;

/// The charts there are, by name (the API's `{chart}.svg`).
pub const CHARTS: [&str; 3] = ["recordings", "delays", "findings"];

const WIDTH: u32 = 760;
/// The font family the web pages' charts name; the browser picks a CJK face.
pub const WEB_FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(0x2f, 0x5d, 0x8a);
const LATE: RGBColor = RGBColor(0xc0, 0x39, 0x2b);

/// One named chart of `report`, its text in `font` (a family name), or
/// `None` for a name not in [`CHARTS`].
pub fn chart_svg(report: &PeriodicReport, name: &str, font: &str) -> Option<Result<String, PrintError>> {
    let (title, bars) = match name {
        "recordings" => ("音像记录数量（条）", bars_by_row(report, |tally| vec![f64::from(tally.recordings)])),
        "delays" => (
            "逾期导出、逾期关联与未说明中断（条）",
            bars_by_row(report, |tally| {
                vec![
                    f64::from(tally.offloaded_late),
                    f64::from(tally.linked_late + tally.unlinked_overdue),
                    f64::from(tally.interruptions.saturating_sub(tally.interruptions_explained)),
                ]
            }),
        ),
        "findings" => (
            "合规问题（按规则，条）",
            report
                .rules
                .iter()
                .map(|rule| (format!("{} {}", rule.source.short_zh(), rule.rule_id), vec![f64::from(rule.findings)]))
                .collect(),
        ),
        _ => return None,
    };
    let series: &[(&str, RGBColor)] = match name {
        "delays" => &[("逾期导出", LATE), ("逾期或未关联", RGBColor(0xe6, 0x7e, 0x22)), ("未说明中断", RGBColor(0x7f, 0x8c, 0x8d))],
        _ => &[("", BAR)],
    };
    Some(horizontal_bars(title, &bars, series, font))
}

/// One row per unit when the report covers several, else one per officer.
fn bars_by_row(report: &PeriodicReport, values: impl Fn(&liuhen_core::statistics::Tally) -> Vec<f64>) -> Vec<(String, Vec<f64>)> {
    if report.units.len() > 1 {
        report.units.iter().map(|line| (line.name.clone(), values(&line.tally))).collect()
    } else {
        report.officers.iter().map(|line| (format!("{}（{}）", line.name, line.badge_no), values(&line.tally))).collect()
    }
}

/// Horizontal bars: one group per row, one bar per series in the group,
/// a blank band between groups; the row's label sits by its middle bar.
fn horizontal_bars(title: &str, rows: &[(String, Vec<f64>)], series: &[(&str, RGBColor)], font: &str) -> Result<String, PrintError> {
    let per_group = series.len() as u32 + 1;
    let bands = per_group * rows.len().max(1) as u32;
    let height = 90 + 16 * bands;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let top = rows.iter().flat_map(|(_, values)| values.iter().copied()).fold(0.0_f64, f64::max);
        let top = if top < 1.0 { 1.0 } else { (top * 1.15).ceil() };
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (font, 18))
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(220)
            .build_cartesian_2d(0.0..top, (0u32..bands).into_segmented())
            .map_err(draw_error)?;
        // Row 0 is drawn at the top.
        let band_of = |row: usize, bar: usize| bands - 1 - (row as u32 * per_group + bar as u32);
        let middle = (series.len() / 2) as u32;
        let label_of = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(band) | SegmentValue::Exact(band) => {
                let Some(from_top) = (bands - 1).checked_sub(*band) else { return String::new() };
                if from_top % per_group == middle {
                    rows.get((from_top / per_group) as usize).map(|(label, _)| label.clone()).unwrap_or_default()
                } else {
                    String::new()
                }
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_labels(bands as usize)
            .y_label_formatter(&label_of)
            .x_labels(10)
            .x_label_formatter(&|value| if (value - value.round()).abs() < 1e-9 { format!("{value:.0}") } else { String::new() })
            .label_style((font, 13))
            .draw()
            .map_err(draw_error)?;
        for (which, (name, colour)) in series.iter().enumerate() {
            let colour = *colour;
            // A zero draws nothing (an empty rectangle is not valid SVG for every reader).
            let bars = rows.iter().enumerate().filter(|(_, (_, values))| values.get(which).copied().unwrap_or(0.0) > 0.0).map(
                |(row, (_, values))| {
                    let value = values.get(which).copied().unwrap_or(0.0);
                    let band = band_of(row, which);
                    let mut bar =
                        Rectangle::new([(0.0, SegmentValue::Exact(band)), (value, SegmentValue::Exact(band + 1))], colour.filled());
                    bar.set_margin(1, 1, 0, 0);
                    bar
                },
            );
            let drawn = chart.draw_series(bars).map_err(draw_error)?;
            if !name.is_empty() {
                drawn.label(*name).legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
            }
        }
        if series.iter().any(|(name, _)| !name.is_empty()) {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font((font, 13))
                .background_style(WHITE)
                .border_style(BLACK)
                .draw()
                .map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

fn draw_error(error: impl std::fmt::Display) -> PrintError {
    PrintError::Chart(error.to_string())
}
