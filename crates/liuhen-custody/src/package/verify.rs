//! Checking a package offline, with nothing but the package (and, ideally,
//! the agency's key obtained some other way).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use liuhen_core::merkle::leaf_hash;
use liuhen_core::note::{open_note, Checkpoint, NoteVerifier};
use liuhen_core::proof::{verify_inclusion_proof, InclusionProof};
use liuhen_ledger::recorded_media::{recorded_media, RecordedMedia};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::bagit::{self, hash_file, BAGIT_TXT, MANIFEST_SHA256, MANIFEST_SM3, TAGMANIFEST_SHA256};
use super::{PackageIndex, PACKAGE_FORMAT};
use crate::{CustodyError, Result};

/// What a package check found. `problems` empty means every hash, every
/// proof and the checkpoint's signature hold.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PackageCheck {
    pub problems: Vec<String>,
    pub files_checked: usize,
    pub proofs_checked: usize,
    pub origin: Option<String>,
    pub checkpoint_size: Option<u64>,
    /// `given` when the caller named the key, `package` when the package's
    /// own key file was trusted (then a forger could have replaced both).
    pub key_source: &'static str,
}

impl PackageCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a package: the bag (every payload and tag file against the
/// SHA-256 and SM3 manifests, nothing missing, nothing extra, the
/// Payload-Oxum), the checkpoint's signature (against `keys` if given,
/// else the package's own key file), every inclusion proof against that
/// checkpoint, every entry's payload against its digest, and that each AV
/// file's digests are the ones its ledger entries recorded.
pub fn verify_package(dir: &Path, keys: &[String]) -> Result<PackageCheck> {
    if !dir.join("bagit.txt").is_file() {
        return Err(CustodyError::Invalid(format!("{} is not a package: it has no bagit.txt", dir.display())));
    }
    let mut check = PackageCheck { key_source: if keys.is_empty() { "package" } else { "given" }, ..PackageCheck::default() };
    let problems = &mut check.problems;
    match fs::read_to_string(dir.join("bagit.txt")) {
        Ok(text) if text.replace("\r\n", "\n") == BAGIT_TXT => {}
        Ok(_) => problems.push("bagit.txt does not declare BagIt-Version 1.0 with UTF-8 tag files".into()),
        Err(error) => problems.push(format!("bagit.txt cannot be read: {error}")),
    }

    // The payload: both manifests, every file, nothing extra.
    let on_disk: BTreeSet<String> = bagit::files_under(dir, &dir.join("data"))?.into_iter().collect();
    let sha = bagit::read_manifest(dir, MANIFEST_SHA256)?;
    let sm3: BTreeMap<String, String> = bagit::read_manifest(dir, MANIFEST_SM3)?.into_iter().collect();
    let mut octets = 0u64;
    let mut digests_by_path: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (file, expected) in &sha {
        if file.contains("..") || !file.starts_with("data/") {
            problems.push(format!("{MANIFEST_SHA256} names {file}, which is outside data/"));
            continue;
        }
        if !on_disk.contains(file) {
            problems.push(format!("{file} is listed in {MANIFEST_SHA256} but missing"));
            continue;
        }
        let digests = hash_file(&dir.join(file))?;
        check.files_checked += 1;
        octets += digests.size;
        if &digests.sha256 != expected {
            problems.push(format!("{file}: SHA-256 is {}, the manifest says {expected}: the file was altered", digests.sha256));
        }
        match sm3.get(file) {
            Some(expected_sm3) if *expected_sm3 != digests.sm3 => {
                problems.push(format!("{file}: SM3 is {}, the manifest says {expected_sm3}: the file was altered", digests.sm3))
            }
            Some(_) => {}
            None => problems.push(format!("{file} is missing from {MANIFEST_SM3}")),
        }
        digests_by_path.insert(file.clone(), (digests.sha256, digests.sm3));
    }
    let listed: BTreeSet<&String> = sha.iter().map(|(file, _)| file).collect();
    for file in &on_disk {
        if !listed.contains(file) {
            problems.push(format!("{file} is in data/ but not in {MANIFEST_SHA256}: it was added after the package was made"));
        }
    }
    for file in sm3.keys() {
        if !listed.contains(file) {
            problems.push(format!("{MANIFEST_SM3} names {file}, which {MANIFEST_SHA256} does not"));
        }
    }
    match bagit::read_bag_info(dir) {
        Ok(info) => match info.iter().find(|(label, _)| label.eq_ignore_ascii_case("Payload-Oxum")) {
            Some((_, value)) if *value != format!("{octets}.{}", on_disk.len()) => {
                problems.push(format!("bag-info.txt gives Payload-Oxum {value}, the payload is {octets}.{}", on_disk.len()))
            }
            Some(_) => {}
            None => problems.push("bag-info.txt has no Payload-Oxum".into()),
        },
        Err(error) => problems.push(error.to_string()),
    }
    match bagit::read_manifest(dir, TAGMANIFEST_SHA256) {
        Ok(tags) => {
            for name in ["bagit.txt", "bag-info.txt", MANIFEST_SHA256, MANIFEST_SM3] {
                if !tags.iter().any(|(file, _)| file == name) {
                    problems.push(format!("{TAGMANIFEST_SHA256} does not name {name}"));
                }
            }
            for (file, expected) in &tags {
                match hash_file(&dir.join(file)) {
                    Ok(digests) if digests.sha256 == *expected => {}
                    Ok(_) => problems.push(format!("{file} was altered (its SHA-256 differs from {TAGMANIFEST_SHA256})")),
                    Err(_) => problems.push(format!("{file} is listed in {TAGMANIFEST_SHA256} but missing")),
                }
            }
        }
        Err(error) => problems.push(error.to_string()),
    }

    // The ledger's evidence.
    let ledger = dir.join("data/ledger");
    let keys: Vec<String> = if keys.is_empty() {
        fs::read_to_string(ledger.join("public-key.txt"))
            .map_err(CustodyError::io("cannot read data/ledger/public-key.txt"))?
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        keys.to_vec()
    };
    let mut verifiers = Vec::new();
    for key in &keys {
        match NoteVerifier::from_vkey(key) {
            Ok(verifier) => verifiers.push(verifier),
            Err(error) => problems.push(format!("the key `{key}` cannot be read: {error}")),
        }
    }
    let checkpoint_text =
        fs::read_to_string(ledger.join("checkpoint.txt")).map_err(CustodyError::io("cannot read data/ledger/checkpoint.txt"))?;
    let checkpoint: Option<Checkpoint> = match open_note(&checkpoint_text, &verifiers) {
        Ok(opened) => match Checkpoint::parse(&opened.text) {
            Ok(checkpoint) => Some(checkpoint),
            Err(error) => {
                problems.push(format!("data/ledger/checkpoint.txt is not a checkpoint: {error}"));
                None
            }
        },
        Err(error) => {
            problems.push(format!("the checkpoint's signature does not verify with the key: {error}"));
            None
        }
    };
    if let Some(checkpoint) = &checkpoint {
        check.origin = Some(checkpoint.origin.clone());
        check.checkpoint_size = Some(checkpoint.size);
    }
    let index: Option<PackageIndex> =
        match fs::read(dir.join("data/package.json")).map(|bytes| serde_json::from_slice::<PackageIndex>(&bytes)) {
            Ok(Ok(index)) if index.format == PACKAGE_FORMAT => Some(index),
            Ok(Ok(index)) => {
                problems.push(format!("data/package.json is format {}, not {PACKAGE_FORMAT}", index.format));
                None
            }
            Ok(Err(error)) => {
                problems.push(format!("data/package.json cannot be read: {error}"));
                None
            }
            Err(error) => {
                problems.push(format!("data/package.json is missing: {error}"));
                None
            }
        };
    // Each proof: the entry bytes hash to a leaf the checkpoint includes.
    // What the proven entries state about media records.
    let mut recorded: Vec<RecordedMedia> = Vec::new();
    let proofs_dir = ledger.join("proofs");
    let proof_files = if proofs_dir.is_dir() { bagit::files_under(&proofs_dir, &proofs_dir)? } else { Vec::new() };
    for name in proof_files {
        let Some(index) = name.strip_suffix(".txt").and_then(|n| n.parse::<u64>().ok()) else {
            problems.push(format!("data/ledger/proofs/{name} is not named <index>.txt"));
            continue;
        };
        let proof_text = fs::read_to_string(proofs_dir.join(&name)).unwrap_or_default();
        let proof = match InclusionProof::parse(&proof_text) {
            Ok(proof) => proof,
            Err(error) => {
                problems.push(format!("the proof of entry {index} cannot be read: {error}"));
                continue;
            }
        };
        if proof.index != index {
            problems.push(format!("data/ledger/proofs/{name} proves entry {}, not {index}", proof.index));
            continue;
        }
        if proof.signed_checkpoint != checkpoint_text {
            problems.push(format!("the proof of entry {index} is for another checkpoint than data/ledger/checkpoint.txt"));
            continue;
        }
        let Ok(entry_bytes) = fs::read(ledger.join("entries").join(format!("{index}.json"))) else {
            problems.push(format!("entry {index} has a proof but no data/ledger/entries/{index}.json"));
            continue;
        };
        if let Err(error) = verify_inclusion_proof(&proof, &leaf_hash(&entry_bytes), &verifiers) {
            problems.push(format!("entry {index} is not proven to be in the checkpoint: {error}"));
            continue;
        }
        check.proofs_checked += 1;
        let entry: serde_json::Value = match serde_json::from_slice(&entry_bytes) {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(format!("entry {index} is not JSON: {error}"));
                continue;
            }
        };
        if entry.get("index").and_then(|i| i.as_u64()) != Some(index) {
            problems.push(format!("data/ledger/entries/{index}.json holds another entry's index"));
        }
        let payload_bytes = fs::read(ledger.join("entries").join(format!("{index}.payload.json"))).unwrap_or_default();
        let payload_digest = hex::encode(Sha256::digest(&payload_bytes));
        if entry.get("payload_sha256").and_then(|d| d.as_str()) != Some(payload_digest.as_str()) {
            problems.push(format!("the payload of entry {index} does not match the digest the entry records"));
            continue;
        }
        let action = entry.get("action").and_then(|a| a.as_str()).unwrap_or_default();
        let subjects = entry.get("subjects").and_then(|s| s.as_array()).map(Vec::as_slice).unwrap_or_default();
        recorded.extend(recorded_media(action, subjects.iter().filter_map(|subject| subject.as_str()), &payload_bytes));
    }
    // Each original AV file is what its ledger entries recorded.
    if let Some(index) = &index {
        for file in index.files.iter().filter(|file| file.kind == "media") {
            let Some(media) = file.media_id else {
                problems.push(format!("{} is listed as media without a media id", file.path));
                continue;
            };
            let Some((sha256, sm3)) = digests_by_path.get(&file.path) else {
                problems.push(format!("{} is listed in package.json but not in the bag", file.path));
                continue;
            };
            let shown = recorded.iter().any(|recorded| {
                recorded.media_id == media && recorded.digests.sha256.to_hex() == *sha256 && recorded.digests.sm3.to_hex() == *sm3
            });
            if !shown {
                problems.push(format!(
                    "{}: no proven ledger entry records these digests for {media}; the file is not shown to be the original",
                    file.path
                ));
            }
        }
    }
    Ok(check)
}
