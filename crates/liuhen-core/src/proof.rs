//! Self-contained proof files (证明文件): inclusion and consistency.
//!
//! An inclusion proof is the [c2sp.org/tlog-proof](https://c2sp.org/tlog-proof)
//! text: it shows, offline, that one entry is in the log, by carrying the
//! entry's index, its Merkle audit path and the signed checkpoint the path
//! leads to. A party holding only the log's verifier key (an inspected
//! business, a court, a reviewing authority) can check it without asking
//! the ledger anything.
//!
//! No C2SP format exists for a standalone consistency proof (the closest,
//! the tlog-witness `add-checkpoint` request body, lacks the old root and is
//! a request, not a file), so [`ConsistencyProof`] uses our own text form
//! built the same way: a header line, `old <size> <base64 root>`, the proof
//! hashes, a blank line and the signed checkpoint of the new tree.
//!
//! Parsing is strict (exact header, canonical decimals and base64, no
//! carriage returns) and never panics; verification checks the signature
//! first, then the Merkle proof against the signed size and root.

use crate::merkle::{self, Hash, MerkleError};
use crate::note::{check_control_characters, decode_hash, encode_hash, open_note, parse_decimal, Checkpoint, NoteError, NoteVerifier};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// The first line of a C2SP tlog-proof.
pub const INCLUSION_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The first line of a Liuhen consistency proof.
pub const CONSISTENCY_PROOF_HEADER: &str = "liuhen/consistency-proof@v1";

/// The most proof hashes a proof text may carry: no inclusion proof in a tree
/// of at most `u64::MAX` leaves needs more than 64, and no consistency proof
/// more than 65.
pub const MAX_PROOF_HASHES: usize = 65;

/// Why a proof text could not be read or did not prove its claim.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("this is not a {expected} proof: its first line must be exactly {expected:?}")]
    UnknownFormat { expected: &'static str },
    #[error("the proof text is malformed: {reason}")]
    Malformed { reason: &'static str },
    #[error("the proof carries more than {max} hashes, more than any tree can need")]
    TooManyHashes { max: usize },
    #[error("the proof's checkpoint cannot be trusted: {0}")]
    Note(#[from] NoteError),
    #[error("the proof does not match its signed checkpoint: {0}")]
    Merkle(#[from] MerkleError),
}

/// A C2SP tlog-proof: an entry's index, its inclusion proof and the signed
/// checkpoint (optionally with witness cosignatures) the proof leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The zero-based index of the entry in the log.
    pub index: u64,
    /// The RFC 6962 audit path, leaf side first.
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note, verbatim, ending in a newline.
    pub signed_checkpoint: String,
    /// Opaque application data carried on the spec's optional `extra` line.
    /// It is not signed, so nothing may trust it without checking it
    /// against signed data.
    pub extra: Option<Vec<u8>>,
}

impl InclusionProof {
    /// The proof in tlog-proof text form.
    pub fn to_text(&self) -> String {
        let mut text = format!("{INCLUSION_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            text.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        text.push_str(&format!("index {}\n", self.index));
        push_hashes_and_checkpoint(&mut text, &self.hashes, &self.signed_checkpoint);
        text
    }

    /// Reads tlog-proof text. The checkpoint is kept verbatim and only checked
    /// by [`verify_inclusion_proof`].
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut lines = Lines::new(text, INCLUSION_PROOF_HEADER)?;
        let mut line = lines.next_line()?;
        let extra = match line.strip_prefix("extra ") {
            Some(encoded) => {
                let extra = BASE64.decode(encoded).map_err(|_| malformed("the extra line must hold standard base64"))?;
                line = lines.next_line()?;
                Some(extra)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| malformed("the index line must read 'index <decimal, no leading zeros>'"))?;
        let hashes = lines.hashes()?;
        let signed_checkpoint = lines.rest()?;
        Ok(Self { index, hashes, signed_checkpoint, extra })
    }
}

/// Checks the checkpoint's signatures against `verifiers`, reads the
/// checkpoint, and checks that `leaf_hash` is at `proof.index` in the tree it
/// describes; returns that checkpoint.
///
/// Which keys count is the caller's choice: pass the log's key (and witness
/// keys if cosignatures are required) and compare the returned checkpoint's
/// origin with the log expected.
pub fn verify_inclusion_proof(proof: &InclusionProof, leaf_hash: &Hash, verifiers: &[NoteVerifier]) -> Result<Checkpoint, ProofError> {
    let checkpoint = open_checkpoint(&proof.signed_checkpoint, verifiers)?;
    merkle::verify_inclusion(leaf_hash, proof.index, checkpoint.size, &proof.hashes, &checkpoint.root)?;
    Ok(checkpoint)
}

/// Our text form of a consistency proof between an older tree head and a
/// signed newer checkpoint:
///
/// ```text
/// liuhen/consistency-proof@v1
/// old <size> <base64 old root>
/// <base64 hash>
/// ...
///
/// <signed checkpoint of the new size>
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The size of the older tree.
    pub old_size: u64,
    /// The root of the older tree. It is not signed here: the verifier must
    /// compare it, with `old_size`, against a checkpoint it already trusts.
    pub old_root: Hash,
    /// The RFC 6962 consistency proof hashes.
    pub hashes: Vec<Hash>,
    /// The signed checkpoint of the newer tree, verbatim.
    pub signed_checkpoint: String,
}

impl ConsistencyProof {
    /// The proof in its text form.
    pub fn to_text(&self) -> String {
        let mut text = format!("{CONSISTENCY_PROOF_HEADER}\nold {} {}\n", self.old_size, encode_hash(&self.old_root));
        push_hashes_and_checkpoint(&mut text, &self.hashes, &self.signed_checkpoint);
        text
    }

    /// Reads the text form. The checkpoint is kept verbatim and only checked
    /// by [`verify_consistency_proof`].
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut lines = Lines::new(text, CONSISTENCY_PROOF_HEADER)?;
        let old_line = lines.next_line()?;
        let (old_size, old_root) = old_line
            .strip_prefix("old ")
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(size, root)| Some((parse_decimal(size)?, decode_hash(root)?)))
            .ok_or_else(|| malformed("the second line must read 'old <decimal size> <base64 root>'"))?;
        let hashes = lines.hashes()?;
        let signed_checkpoint = lines.rest()?;
        Ok(Self { old_size, old_root, hashes, signed_checkpoint })
    }
}

/// Checks the new checkpoint's signatures against `verifiers`, reads it, and
/// checks that its tree extends the tree of `proof.old_size` leaves with root
/// `proof.old_root`; returns the new checkpoint.
///
/// This proves nothing unless the caller has already checked that
/// `proof.old_size` and `proof.old_root` are those of a checkpoint it
/// trusts (one it verified earlier).
pub fn verify_consistency_proof(proof: &ConsistencyProof, verifiers: &[NoteVerifier]) -> Result<Checkpoint, ProofError> {
    let checkpoint = open_checkpoint(&proof.signed_checkpoint, verifiers)?;
    merkle::verify_consistency(proof.old_size, checkpoint.size, &proof.hashes, &proof.old_root, &checkpoint.root)?;
    Ok(checkpoint)
}

fn open_checkpoint(signed_checkpoint: &str, verifiers: &[NoteVerifier]) -> Result<Checkpoint, ProofError> {
    let opened = open_note(signed_checkpoint, verifiers)?;
    Ok(Checkpoint::parse(&opened.text)?)
}

fn malformed(reason: &'static str) -> ProofError {
    ProofError::Malformed { reason }
}

fn push_hashes_and_checkpoint(text: &mut String, hashes: &[Hash], signed_checkpoint: &str) {
    for hash in hashes {
        text.push_str(&encode_hash(hash));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(signed_checkpoint);
}

/// A cursor over the newline-terminated lines of a proof text.
struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Lines<'a> {
    /// Checks the text's characters and its header line.
    fn new(text: &'a str, header: &'static str) -> Result<Self, ProofError> {
        check_control_characters(text)
            .map_err(|_| malformed("it may contain only text and line feeds (check for Windows line endings or tabs)"))?;
        let mut lines = Self { rest: text };
        match lines.next_line() {
            Ok(first) if first == header => Ok(lines),
            _ => Err(ProofError::UnknownFormat { expected: header }),
        }
    }

    fn next_line(&mut self) -> Result<&'a str, ProofError> {
        let (line, rest) = self.rest.split_once('\n').ok_or_else(|| malformed("it ends before the checkpoint"))?;
        self.rest = rest;
        Ok(line)
    }

    /// Reads base64 hash lines up to and including the blank line.
    fn hashes(&mut self) -> Result<Vec<Hash>, ProofError> {
        let mut hashes = Vec::new();
        loop {
            let line = self.next_line()?;
            if line.is_empty() {
                return Ok(hashes);
            }
            if hashes.len() == MAX_PROOF_HASHES {
                return Err(ProofError::TooManyHashes { max: MAX_PROOF_HASHES });
            }
            let hash = decode_hash(line).ok_or_else(|| malformed("each proof line must be a 32-byte hash in standard base64"))?;
            hashes.push(hash);
        }
    }

    /// The signed checkpoint: everything after the blank line.
    fn rest(self) -> Result<String, ProofError> {
        if self.rest.is_empty() {
            return Err(malformed("the signed checkpoint is missing after the blank line"));
        }
        Ok(self.rest.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{consistency_plan, fold_subtrees, inclusion_plan, leaf_hash, Frontier, NodeId};
    use crate::note::{sign_note, Ed25519NoteSigner, NoteSigner};
    use ed25519_dalek::SigningKey;
    use rand::rngs::OsRng;
    use std::collections::HashMap;

    const ORIGIN: &str = "liuhen.example/zhifa-jilu";

    /// A small log as the ledger would keep it: every node completed by an
    /// append is stored, and proofs are assembled from plans.
    struct Log {
        frontier: Frontier,
        nodes: HashMap<NodeId, Hash>,
        signer: Ed25519NoteSigner,
    }

    impl Log {
        fn new() -> Self {
            let signer = Ed25519NoteSigner::new(ORIGIN, SigningKey::generate(&mut OsRng)).unwrap();
            Self { frontier: Frontier::new(), nodes: HashMap::new(), signer }
        }

        fn append(&mut self, entry: &str) -> Hash {
            let leaf = leaf_hash(entry.as_bytes());
            self.nodes.extend(self.frontier.push(leaf));
            leaf
        }

        fn fetch(&self, plans: &[Vec<NodeId>]) -> Vec<Hash> {
            plans.iter().map(|plan| fold_subtrees(&plan.iter().map(|id| self.nodes[id]).collect::<Vec<_>>())).collect()
        }

        fn checkpoint(&self) -> Checkpoint {
            Checkpoint { origin: ORIGIN.to_owned(), size: self.frontier.size(), root: self.frontier.root(), extensions: Vec::new() }
        }

        fn signed_checkpoint(&self) -> String {
            sign_note(&self.checkpoint().to_note_text(), &[&self.signer]).unwrap()
        }

        fn inclusion_proof(&self, index: u64) -> InclusionProof {
            InclusionProof {
                index,
                hashes: self.fetch(&inclusion_plan(index, self.frontier.size()).unwrap()),
                signed_checkpoint: self.signed_checkpoint(),
                extra: None,
            }
        }

        fn consistency_proof(&self, old: &Checkpoint) -> ConsistencyProof {
            ConsistencyProof {
                old_size: old.size,
                old_root: old.root,
                hashes: self.fetch(&consistency_plan(old.size, self.frontier.size()).unwrap()),
                signed_checkpoint: self.signed_checkpoint(),
            }
        }

        fn verifiers(&self) -> Vec<NoteVerifier> {
            vec![NoteVerifier::from_vkey(&self.signer.verifier_key()).unwrap()]
        }
    }

    fn log_with(entries: usize) -> (Log, Vec<Hash>) {
        let mut log = Log::new();
        let leaves = (0..entries).map(|i| log.append(&format!("执法记录 {i}"))).collect();
        (log, leaves)
    }

    #[test]
    fn inclusion_proofs_round_trip_and_verify() {
        let (log, leaves) = log_with(13);
        for (index, leaf) in leaves.iter().enumerate() {
            let proof = log.inclusion_proof(index as u64);
            let text = proof.to_text();
            assert!(text.starts_with(&format!("c2sp.org/tlog-proof@v1\nindex {index}\n")));
            let parsed = InclusionProof::parse(&text).unwrap();
            assert_eq!(parsed, proof);
            assert_eq!(parsed.to_text(), text);
            let checkpoint = verify_inclusion_proof(&parsed, leaf, &log.verifiers()).unwrap();
            assert_eq!(checkpoint, log.checkpoint());
        }
    }

    #[test]
    fn inclusion_proof_text_has_the_c2sp_layout() {
        let (log, _) = log_with(3);
        let proof = InclusionProof { extra: Some(b"age-v1".to_vec()), ..log.inclusion_proof(2) };
        let text = proof.to_text();
        let expected = format!(
            "c2sp.org/tlog-proof@v1\nextra {}\nindex 2\n{}\n\n{}",
            BASE64.encode(b"age-v1"),
            encode_hash(&proof.hashes[0]),
            proof.signed_checkpoint
        );
        assert_eq!(text, expected);
        assert_eq!(InclusionProof::parse(&text).unwrap(), proof);
        let empty_extra = InclusionProof { extra: Some(Vec::new()), ..proof };
        assert_eq!(InclusionProof::parse(&empty_extra.to_text()).unwrap(), empty_extra);
    }

    #[test]
    fn spec_example_parses() {
        // The example of c2sp.org/tlog-proof; its signatures are elided with
        // "[...]", so it can be read but not verified.
        let text = "c2sp.org/tlog-proof@v1\n\
            extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n\
            index 73894\n\
            gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\
            B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n\
            EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n\
            RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n\
            AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\
            \n\
            example.com/fancylog\n\
            109482\n\
            sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\
            \n\
            \u{2014} example.com/fancylog hI2DJw[...]1roloI=\n\
            \u{2014} witness1.example mJirIklj[...]qY9v2B/5bg==\n";
        let proof = InclusionProof::parse(text).unwrap();
        assert_eq!(proof.index, 73894);
        assert_eq!(proof.hashes.len(), 5);
        assert!(proof.extra.as_deref().unwrap().starts_with(b"age-v1.2.1-darwin-arm64.tar.gz"));
        assert!(proof.signed_checkpoint.starts_with("example.com/fancylog\n109482\n"));
        assert_eq!(proof.to_text(), text);
    }

    #[test]
    fn tampered_inclusion_proofs_are_rejected() {
        let (log, leaves) = log_with(11);
        let verifiers = log.verifiers();
        let proof = log.inclusion_proof(6);
        verify_inclusion_proof(&proof, &leaves[6], &verifiers).unwrap();

        let wrong_leaf = verify_inclusion_proof(&proof, &leaves[5], &verifiers);
        assert_eq!(wrong_leaf, Err(ProofError::Merkle(MerkleError::RootMismatch)));

        let wrong_index = InclusionProof { index: 7, ..proof.clone() };
        assert!(matches!(verify_inclusion_proof(&wrong_index, &leaves[6], &verifiers), Err(ProofError::Merkle(_))));

        let mut flipped = proof.clone();
        flipped.hashes[1][0] ^= 0x80;
        assert!(matches!(verify_inclusion_proof(&flipped, &leaves[6], &verifiers), Err(ProofError::Merkle(_))));

        let mut dropped = proof.clone();
        dropped.hashes.pop();
        assert!(matches!(verify_inclusion_proof(&dropped, &leaves[6], &verifiers), Err(ProofError::Merkle(_))));

        // Claiming a bigger tree in the checkpoint breaks its signature.
        let inflated = InclusionProof { signed_checkpoint: proof.signed_checkpoint.replacen("\n11\n", "\n12\n", 1), ..proof.clone() };
        assert!(matches!(
            verify_inclusion_proof(&inflated, &leaves[6], &verifiers),
            Err(ProofError::Note(NoteError::InvalidSignature { .. }))
        ));

        // A proof signed by another log's key is not trusted.
        let (other_log, _) = log_with(11);
        assert!(matches!(
            verify_inclusion_proof(&proof, &leaves[6], &other_log.verifiers()),
            Err(ProofError::Note(NoteError::NoTrustedSignature { unknown: 1 }))
        ));

        // Tampering with the text form is caught by parsing or verifying.
        let text = proof.to_text();
        for (from, to) in [("index 6", "index 7"), ("index 6", "index 06"), ("\n11\n", "\n10\n")] {
            let tampered = text.replacen(from, to, 1);
            let outcome = InclusionProof::parse(&tampered).and_then(|parsed| verify_inclusion_proof(&parsed, &leaves[6], &verifiers));
            assert!(outcome.is_err(), "{from} -> {to}");
        }
    }

    #[test]
    fn malformed_inclusion_proof_text_is_rejected() {
        let (log, _) = log_with(5);
        let text = log.inclusion_proof(1).to_text();
        let header_gone = text.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1);
        assert_eq!(InclusionProof::parse(&header_gone), Err(ProofError::UnknownFormat { expected: INCLUSION_PROOF_HEADER }));
        assert!(matches!(InclusionProof::parse(""), Err(ProofError::UnknownFormat { .. })));
        assert!(matches!(InclusionProof::parse(&text.replace('\n', "\r\n")), Err(ProofError::Malformed { .. })));
        let cases = [
            text.replacen("index 1", "index -1", 1),
            text.replacen("index 1", "index  1", 1),
            text.replacen("index 1", "Index 1", 1),
            text.replacen("index 1\n", "", 1),
            text.replacen("index 1\n", "index 1\nextra AAAA\n", 1),
            text.replacen("\n\n", "\n", 1),
            text.replacen("=\n", "\n", 1),
            text.split("\n\n").next().unwrap().to_owned() + "\n\n",
            format!("{INCLUSION_PROOF_HEADER}\nextra !!\nindex 1\n\n{}", log.signed_checkpoint()),
            format!("{INCLUSION_PROOF_HEADER}\nindex 1\n{}\n\n{}", BASE64.encode([1u8; 31]), log.signed_checkpoint()),
        ];
        for bad in cases {
            assert!(InclusionProof::parse(&bad).is_err(), "{bad:?}");
        }
        let flood = format!(
            "{INCLUSION_PROOF_HEADER}\nindex 1\n{}\n{}",
            format!("{}\n", encode_hash(&[9; 32])).repeat(MAX_PROOF_HASHES + 1),
            log.signed_checkpoint()
        );
        assert_eq!(InclusionProof::parse(&flood), Err(ProofError::TooManyHashes { max: MAX_PROOF_HASHES }));
        // Every prefix and suffix of a valid proof parses or fails cleanly.
        for cut in (0..text.len()).filter(|&cut| text.is_char_boundary(cut)) {
            let _ = InclusionProof::parse(&text[..cut]);
            let _ = InclusionProof::parse(&text[cut..]);
        }
    }

    #[test]
    fn consistency_proofs_round_trip_and_verify() {
        let mut log = Log::new();
        let mut history = Vec::new();
        for i in 0..17 {
            history.push(log.checkpoint());
            log.append(&format!("entry {i}"));
        }
        history.push(log.checkpoint());
        for old in &history {
            let proof = log.consistency_proof(old);
            let text = proof.to_text();
            assert!(text.starts_with(&format!("liuhen/consistency-proof@v1\nold {} {}\n", old.size, encode_hash(&old.root))));
            let parsed = ConsistencyProof::parse(&text).unwrap();
            assert_eq!(parsed, proof);
            assert_eq!(parsed.to_text(), text);
            assert_eq!(verify_consistency_proof(&parsed, &log.verifiers()).unwrap(), log.checkpoint());
        }
    }

    #[test]
    fn tampered_consistency_proofs_are_rejected() {
        let (mut log, _) = log_with(6);
        let old = log.checkpoint();
        for i in 0..7 {
            log.append(&format!("later {i}"));
        }
        let verifiers = log.verifiers();
        let proof = log.consistency_proof(&old);
        verify_consistency_proof(&proof, &verifiers).unwrap();

        // A forked history: the old root is not a prefix of the new tree.
        let mut forked_root = proof.clone();
        forked_root.old_root[31] ^= 1;
        assert!(matches!(verify_consistency_proof(&forked_root, &verifiers), Err(ProofError::Merkle(_))));

        let wrong_size = ConsistencyProof { old_size: 5, ..proof.clone() };
        assert!(matches!(verify_consistency_proof(&wrong_size, &verifiers), Err(ProofError::Merkle(_))));

        let mut flipped = proof.clone();
        flipped.hashes[0][3] ^= 0x10;
        assert!(matches!(verify_consistency_proof(&flipped, &verifiers), Err(ProofError::Merkle(_))));

        // A checkpoint rolled back below the old size.
        let future = ConsistencyProof { old_size: 14, ..proof.clone() };
        assert_eq!(verify_consistency_proof(&future, &verifiers), Err(ProofError::Merkle(MerkleError::BadSizes { old: 14, new: 13 })));

        let (stranger, _) = log_with(13);
        assert!(matches!(verify_consistency_proof(&proof, &stranger.verifiers()), Err(ProofError::Note(_))));
    }

    #[test]
    fn malformed_consistency_proof_text_is_rejected() {
        let (log, _) = log_with(9);
        let text = log.consistency_proof(&Checkpoint { size: 0, root: merkle::empty_root(), ..log.checkpoint() }).to_text();
        assert!(ConsistencyProof::parse(&text).is_ok());
        assert!(matches!(InclusionProof::parse(&text), Err(ProofError::UnknownFormat { .. })));
        let root = encode_hash(&merkle::empty_root());
        let cases = [
            text.replacen("old 0 ", "old 00 ", 1),
            text.replacen("old 0 ", "old  0 ", 1),
            text.replacen("old 0 ", "new 0 ", 1),
            text.replacen(&format!(" {root}"), "", 1),
            text.replacen(&format!(" {root}"), &format!(" {root} "), 1),
            text.replacen("liuhen/consistency-proof@v1", "liuhen/consistency-proof@v2", 1),
            text.replacen("\n\n", "\n", 1),
            text.split("\n\n").next().unwrap().to_owned() + "\n\n",
        ];
        for bad in cases {
            assert!(ConsistencyProof::parse(&bad).is_err(), "{bad:?}");
        }
        for cut in (0..text.len()).filter(|&cut| text.is_char_boundary(cut)) {
            let _ = ConsistencyProof::parse(&text[..cut]);
            let _ = ConsistencyProof::parse(&text[cut..]);
        }
    }

    #[test]
    fn the_hash_limit_fits_the_longest_possible_proofs() {
        assert_eq!(inclusion_plan(0, u64::MAX).unwrap().len(), 64);
        assert_eq!(consistency_plan(3, (1 << 63) + 1).unwrap().len(), MAX_PROOF_HASHES);
    }
}
