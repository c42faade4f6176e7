//! `liuhen bench …`: the performance figures we promise, measured.
//!
//! Benchmarks run on scratch instances and print their figures; they assert
//! nothing. docs/benchmarks.md records the commands and the results.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::Timestamp;
use liuhen_core::entry::EntryDraft;
use liuhen_core::note::Ed25519NoteSigner;
use liuhen_ledger::verify::{verify_ledger, Report};
use liuhen_ledger::{Ledger, LedgerConfig};
use liuhen_vault::{Vault, VaultLocation};
use rand::Rng;

use crate::cli::{BenchCommand, CacheState};

pub async fn run(data: &Path, command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Vault { file, scratch, cache } => vault(&file, scratch.unwrap_or_else(|| default_scratch(data)), cache).await,
        BenchCommand::Ledger { entries, concurrency, database_url, scratch } => {
            ledger(entries, concurrency.max(1), database_url, scratch.unwrap_or_else(|| default_scratch(data))).await
        }
        BenchCommand::Compliance { recordings, cases } => super::bench_compliance::run(recordings.max(1), cases),
        BenchCommand::Generate { cases, recordings, database_url, password, seed } => {
            let plan = super::bench_generate::Plan { cases, recordings: recordings.max(1), database_url, password: &password, seed };
            super::bench_generate::run(data, plan).await
        }
    }
}

fn default_scratch(data: &Path) -> PathBuf {
    let parent = data.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!("liuhen-bench-{}", std::process::id()))
}

/// Scratch directory removed when the benchmark ends.
struct Scratch(PathBuf);

impl Scratch {
    fn create(path: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&path).with_context(|| format!("cannot create the scratch directory {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = make_writable_and_remove(&self.0);
    }
}

fn make_writable_and_remove(path: &Path) -> std::io::Result<()> {
    // Published blobs are read-only; directories are what gate removal on
    // Unix, so a plain recursive remove works.
    std::fs::remove_dir_all(path)
}

async fn vault(file: &Path, scratch: PathBuf, cache: CacheState) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::create(scratch)?;
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    println!("file: {} ({:.1} MiB); scratch: {}", file.display(), size as f64 / 1048576.0, scratch.0.display());
    // Whether each round starts cold: warm first when both.
    let rounds: &[bool] = match cache {
        CacheState::Both => &[false, true],
        CacheState::Warm => &[false],
        CacheState::Cold => &[true],
    };
    for (number, &cold) in rounds.iter().enumerate() {
        vault_round(file, size, &scratch.0.join(format!("round-{number}")), cold).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One `cp` against one put, both starting from the same cache state.
async fn vault_round(file: &Path, size: u64, scratch: &Path, cold: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(scratch)?;
    // Warm: every contender reads from memory, which is the best case for
    // `cp`. Cold: every contender reads from the disk, as when the file
    // comes from a camera just plugged in.
    let prepare = || -> anyhow::Result<()> {
        if cold {
            drop_from_page_cache(file)
        } else {
            std::io::copy(&mut std::fs::File::open(file)?, &mut std::io::sink())?;
            Ok(())
        }
    };
    if cold {
        println!("\nsource cold (dropped from the page cache before each contender):");
    } else {
        println!("\nsource warm (read into the page cache before each contender):");
    }

    prepare()?;
    let copy = scratch.join("cp-copy");
    let started = Instant::now();
    let status = std::process::Command::new("cp").arg(file).arg(&copy).status().context("cannot run cp")?;
    anyhow::ensure!(status.success(), "cp failed");
    let cp_seconds = started.elapsed().as_secs_f64();
    std::fs::File::open(&copy)?.sync_all()?;
    let cp_sync_seconds = started.elapsed().as_secs_f64();
    std::fs::remove_file(&copy)?;
    println!("  cp:                      {cp_seconds:>7.2} s");
    println!("  cp + fsync:              {cp_sync_seconds:>7.2} s");

    if !cold {
        // The floor under any put: each digest alone, on one thread, from memory.
        let sha256_seconds = hash_alone::<sha2::Sha256>(file)?;
        let sm3_seconds = hash_alone::<sm3::Sm3>(file)?;
        let mib = size as f64 / 1048576.0;
        println!("  SHA-256 alone (one thread): {sha256_seconds:>7.2} s  ({:.0} MiB/s)", mib / sha256_seconds);
        println!("  SM3 alone (one thread):     {sm3_seconds:>7.2} s  ({:.0} MiB/s)", mib / sm3_seconds);
    }

    prepare()?;
    let vault = Vault::open(VaultLocation::Filesystem(scratch.join("vault"))).await?;
    reset_peak_rss();
    let started = Instant::now();
    let outcome = vault.put_file(file).await?;
    let put_seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib();
    println!("  vault put (SHA-256+SM3, fsync, publish): {put_seconds:>7.2} s  ({:.0} MiB/s)", size as f64 / 1048576.0 / put_seconds);
    println!("  ratio put / cp:          {:>7.2}", put_seconds / cp_seconds);
    println!("  ratio put / (cp+fsync):  {:>7.2}", put_seconds / cp_sync_seconds);
    match peak {
        Some(kib) => println!("  peak RSS of this process during put: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak RSS: not available on this system"),
    }
    println!("  sha256 {}  sm3 {}", outcome.digests.sha256, outcome.digests.sm3);
    make_writable_and_remove(scratch)?;
    Ok(())
}

/// Seconds to hash FILE with one digest on this thread, reading 1 MiB at a time.
fn hash_alone<D: sha2::Digest>(file: &Path) -> anyhow::Result<f64> {
    use std::io::Read;
    let mut opened = std::fs::File::open(file)?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut digest = D::new();
    let started = Instant::now();
    loop {
        let read = opened.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        digest.update(&buffer[..read]);
    }
    std::hint::black_box(digest.finalize());
    Ok(started.elapsed().as_secs_f64())
}

/// Asks the kernel to forget FILE's cached pages, so the next read comes
/// from the disk. Needs no privilege, unlike `/proc/sys/vm/drop_caches`.
fn drop_from_page_cache(file: &Path) -> anyhow::Result<()> {
    let opened = std::fs::File::open(file)?;
    // Only clean pages can be dropped.
    opened.sync_all()?;
    rustix::fs::fadvise(&opened, 0, None, rustix::fs::Advice::DontNeed)
        .with_context(|| format!("cannot drop {} from the page cache", file.display()))?;
    Ok(())
}

/// Resets the kernel's peak-RSS counter for this process (Linux only).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn ledger(entries: u64, concurrency: usize, database_url: Option<String>, scratch: PathBuf) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::create(scratch)?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", scratch.0.join("bench.db").display()));
    let store = liuhen_store::open(&url).await?;
    anyhow::ensure!(store.ledger_size().await? == 0, "the benchmark needs an empty database");
    let origin = "bench.liuhen.local/ledger";
    let signer = Arc::new(Ed25519NoteSigner::new(origin, ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))?);
    let ledger = Arc::new(Ledger::start(store.clone(), signer, LedgerConfig::new(origin)).await?);
    println!("backend: {:?}; {entries} entries from {concurrency} concurrent appenders", store.backend());

    // Appends. Every 97th append notes when it was asked for, to measure
    // how long it waits for a signed checkpoint covering it.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency as u64 {
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut n = worker;
            while n < entries {
                let asked = Timestamp::now();
                let draft = EntryDraft::new("bench:appender", "bench.appended")
                    .subject(format!("bench:{n}"))
                    .payload(serde_json::json!({"n": n, "worker": worker}));
                let receipt = ledger.record(draft, Vec::new()).await?;
                if n % 97 == 0 {
                    samples.push((receipt.index, asked));
                }
                n += concurrency as u64;
            }
            Ok::<_, liuhen_ledger::LedgerError>(samples)
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await??);
    }
    let append_seconds = started.elapsed().as_secs_f64();
    println!("durable appends:         {:>10.0} /s  ({entries} in {append_seconds:.2} s)", entries as f64 / append_seconds);

    // Latency from asking to append to a signed checkpoint covering it.
    tokio::time::sleep(Duration::from_millis(700)).await;
    ledger.checkpoint().await?;
    let checkpoints = store.checkpoints().await?;
    let mut latencies: Vec<f64> = samples
        .iter()
        .filter_map(|(index, asked)| {
            let covering = checkpoints.iter().find(|checkpoint| checkpoint.size > *index)?;
            Some(covering.created_at.duration_since(*asked).as_secs_f64())
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    if !latencies.is_empty() {
        let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
        println!(
            "append → signed checkpoint: p50 {:.3} s, p99 {:.3} s, max {:.3} s ({} samples, {} checkpoints)",
            pick(0.5),
            pick(0.99),
            pick(1.0),
            latencies.len(),
            checkpoints.len()
        );
    }

    // Inclusion proofs at random indexes against the latest checkpoint:
    // first with a cold node cache (as right after start), then warm (as in
    // a server that has been running).
    let size = store.ledger_size().await?;
    for phase in ["cold cache, first 3 s", "warm cache, next 3 s"] {
        let (proofs, seconds) = proofs_for(&ledger, size, concurrency.min(64), Duration::from_secs(3)).await?;
        println!(
            "inclusion proofs:        {:>10.0} /s  ({phase}; each checked against the signed checkpoint before it is returned)",
            proofs as f64 / seconds
        );
    }

    // Full verification of the ledger (no blobs in this instance).
    let started = Instant::now();
    let mut report = Report::default();
    verify_ledger(&store, &[ledger.verifier()], origin, &mut report).await?;
    println!(
        "verify ledger:           {:>10.2} s  ({} entries, {} checkpoints, {})",
        started.elapsed().as_secs_f64(),
        report.entries_checked,
        report.checkpoints_checked,
        if report.ok() { "all good" } else { "PROBLEMS FOUND" }
    );
    ledger.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

/// Makes inclusion proofs at random indexes from `tasks` tasks for `window`.
async fn proofs_for(ledger: &Arc<Ledger>, size: u64, tasks: usize, window: Duration) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let ledger = ledger.clone();
        handles.push(tokio::spawn(async move {
            let mut count = 0u64;
            while started.elapsed() < window {
                let index = rand::thread_rng().gen_range(0..size);
                ledger.inclusion_proof(index).await?;
                count += 1;
            }
            Ok::<_, liuhen_ledger::LedgerError>(count)
        }));
    }
    let mut proofs = 0;
    for handle in handles {
        proofs += handle.await??;
    }
    Ok((proofs, started.elapsed().as_secs_f64()))
}
