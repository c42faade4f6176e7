//! `liuhen verify`: prove that nothing changed.

use std::process::ExitCode;

use liuhen_ledger::verify::{verify_blobs, verify_ledger, Report};

use crate::cli::VerifyArgs;
use crate::instance::Instance;

pub async fn run(instance: &Instance, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut report = Report::default();
    verify_ledger(instance.ledger.store(), &instance.ledger.verifiers(), instance.ledger.origin(), &mut report).await?;
    if !args.skip_blobs {
        verify_blobs(instance.store.as_ref(), &instance.vault, &mut report).await?;
    }
    let elapsed = started.elapsed();
    // Not a problem of the records, but what stands between them and a
    // deletion outside Liuhen: said every time, so nobody assumes it.
    let object_lock = match instance.vault.object_lock_support().await {
        Ok(support) => support.describe(),
        Err(error) => format!("object lock: could not be checked: {error}"),
    };
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        value["ok"] = report.ok().into();
        value["object_lock"] = object_lock.clone().into();
        value["seconds"] = elapsed.as_secs_f64().into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for problem in &report.problems {
            println!("问题 PROBLEM: {problem}");
        }
        if report.problems_not_listed > 0 {
            println!("… and {} more problem(s) not listed", report.problems_not_listed);
        }
        for notice in &report.notices {
            println!("提示 NOTICE: {notice}");
        }
        if report.notices_not_listed > 0 {
            println!("… and {} more notice(s) not listed", report.notices_not_listed);
        }
        let verdict = if report.ok() { "完好 OK" } else { "发现问题 FAILED" };
        println!(
            "{verdict}: {} ledger entries, {} signed checkpoints, {} media records, {} stored files checked in {:.2} s",
            report.entries_checked,
            report.checkpoints_checked,
            report.media_records_checked,
            if args.skip_blobs { "no (skipped)".to_owned() } else { report.blobs_checked.to_string() },
            elapsed.as_secs_f64()
        );
        println!("{object_lock}");
    }
    Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
