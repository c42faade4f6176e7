//! `liuhen`: the one binary of 留痕 Liuhen.
//!
//! Parsing happens in two steps: clap turns the command line into the raw
//! [`cli::Cli`]; each command then validates its values and opens only what
//! it needs (configuration, database, vault, ledger) through
//! [`instance::Instance`].

mod cli;
mod commands;
mod config;
mod instance;

use std::process::ExitCode;

use clap::Parser;

/// Liuhen allocates many small, short-lived strings and JSON values (rows
/// read back, pages rendered, entries hashed); mimalloc serves those with
/// far less contention and consolidation than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if let Some(feature) = missing_cpu_feature() {
        eprintln!(
            "错误 error: this build of liuhen needs a CPU with the {feature} instructions, which this one lacks. Build it again without RUSTFLAGS=\"-C target-feature=+{}\" (README.md, Requirements)",
            feature.to_lowercase()
        );
        return ExitCode::from(2);
    }
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LIUHEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(if cli.verbose { "info" } else { "warn,sqlx=error" })),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("错误 error: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("错误 error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// A build for newer CPUs (`RUSTFLAGS="-C target-feature=+bmi2"`, which
/// makes SM3 faster; see README.md) says so on a CPU without the feature,
/// rather than dying of an illegal instruction somewhere later.
fn missing_cpu_feature() -> Option<&'static str> {
    #[cfg(all(target_arch = "x86_64", target_feature = "bmi2"))]
    if !std::arch::is_x86_feature_detected!("bmi2") {
        return Some("BMI2");
    }
    None
}
