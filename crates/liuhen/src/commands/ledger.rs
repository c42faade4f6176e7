//! `liuhen ledger …`: checkpoints, proofs, entries, the public key.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use liuhen_core::merkle::leaf_hash;
use liuhen_core::note::NoteVerifier;
use liuhen_core::proof::{self, ConsistencyProof, InclusionProof};

use crate::cli::LedgerCommand;
use crate::instance::Instance;

pub async fn run(instance: &Instance, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    let ledger = &instance.ledger;
    match command {
        LedgerCommand::Checkpoint => match ledger.checkpoint().await? {
            Some(checkpoint) => print!("{}", checkpoint.signed_note),
            None => bail!("the ledger is empty, so there is no checkpoint yet"),
        },
        LedgerCommand::Proof { index } => print!("{}", ledger.inclusion_proof(index).await?.to_text()),
        LedgerCommand::Consistency { from } => print!("{}", ledger.consistency_proof(from).await?.to_text()),
        LedgerCommand::Entry { index, json } => {
            let stored = ledger.entry(index).await?;
            if json {
                let payload: serde_json::Value = serde_json::from_str(&stored.payload_json).context("the stored payload is not JSON")?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "entry": stored.entry,
                        "payload": payload,
                        "leaf_hash": hex_string(&stored.entry.leaf_hash()),
                    }))?
                );
            } else {
                // The exact leaf bytes, nothing added, so `sha256sum` of
                // 0x00 || output reproduces the leaf hash.
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(&stored.entry.canonical_bytes())?;
                stdout.flush()?;
            }
        }
        LedgerCommand::PublicKey => {
            for vkey in ledger.verifier_keys() {
                println!("{vkey}");
            }
        }
        LedgerCommand::VerifyProof { proof, keys, entry } => return verify_proof(&proof, &keys, entry.as_deref()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Offline check of a proof file; needs no instance, only the key.
pub fn verify_proof(proof_path: &std::path::Path, keys: &[String], entry: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let verifiers = keys
        .iter()
        .flat_map(|key| key.split_whitespace())
        .map(|vkey| NoteVerifier::from_vkey(vkey).with_context(|| format!("the verifier key `{vkey}` is not valid")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let text = std::fs::read_to_string(proof_path).with_context(|| format!("cannot read {}", proof_path.display()))?;
    if text.starts_with(proof::CONSISTENCY_PROOF_HEADER) {
        let parsed = ConsistencyProof::parse(&text).context("the consistency proof is malformed")?;
        return match proof::verify_consistency_proof(&parsed, &verifiers) {
            Ok(checkpoint) => {
                println!(
                    "有效 OK: the log {} of size {} extends the log of size {} with root {}",
                    checkpoint.origin,
                    checkpoint.size,
                    parsed.old_size,
                    hex_string(&parsed.old_root)
                );
                println!("compare that old root with a checkpoint of size {} you already trust", parsed.old_size);
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => {
                println!("无效 INVALID: {error}");
                Ok(ExitCode::from(1))
            }
        };
    }
    let parsed = InclusionProof::parse(&text).context("the proof is not a C2SP tlog-proof")?;
    let entry = entry
        .context("an inclusion proof is checked against the entry itself: pass --entry FILE (from `liuhen ledger entry --index N`)")?;
    let bytes = std::fs::read(entry).with_context(|| format!("cannot read {}", entry.display()))?;
    match proof::verify_inclusion_proof(&parsed, &leaf_hash(&bytes), &verifiers) {
        Ok(checkpoint) => {
            println!(
                "有效 OK: entry {} is in the log {} of size {} (root {})",
                parsed.index,
                checkpoint.origin,
                checkpoint.size,
                hex_string(&checkpoint.root)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("无效 INVALID: {error}");
            Ok(ExitCode::from(1))
        }
    }
}

fn hex_string(hash: &[u8; 32]) -> String {
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}
