//! `liuhen report periodic`: the periodic report (通报) as text, JSON, PDF
//! or XLSX, through the same service and printer as the API.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::ReportCommand;
use crate::instance::Instance;

pub async fn run(instance: &Instance, command: ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Periodic { unit, from, to, format, output } = command;
    let pack = super::compliance::pack_in_force(instance)?;
    let offset = instance.config.ingest.offset()?;
    let zone = offset.to_time_zone();
    let unit = match unit {
        Some(code) => Some(super::compliance::unit_by_code(instance, &code).await?),
        None => None,
    };
    let (first, last) = (super::day_arg("from", &from)?, super::day_arg("to", &to)?);
    let report = liuhen_compliance::statistics::periodic_report(instance.store.as_ref(), &pack, unit, first, last, offset).await?;
    let path = |extension: &str| output.clone().unwrap_or_else(|| PathBuf::from(format!("periodic-report-{first}-{last}.{extension}")));
    match format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        "pdf" => {
            let agency = instance.store.agencies().await?.first().map(|agency| agency.name.clone()).unwrap_or_default();
            let bytes = super::case::printer(instance)?.periodic_report_pdf(&agency, &report)?;
            write(&path("pdf"), &bytes)?;
        }
        "xlsx" => write(&path("xlsx"), &liuhen_print::periodic_report_xlsx(&report, &zone)?)?,
        "text" => {
            for (label, text) in liuhen_print::periodic::particulars(&report, &zone) {
                println!("{label}：{text}");
            }
            for table in liuhen_print::periodic::tables(&report) {
                println!("\n【{}】", table.heading);
                println!("{}", table.columns.join(" | "));
                for row in &table.rows {
                    println!("{}", row.join(" | "));
                }
            }
        }
        other => anyhow::bail!("--format {other}: use text, json, pdf or xlsx"),
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    println!("已生成 written {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
