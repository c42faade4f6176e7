//! C2SP signed notes and transparency-log checkpoints (签名记录与检查点).
//!
//! A checkpoint is the log's signed statement "the tree of N entries has root
//! R". It travels as a [signed note](https://c2sp.org/signed-note): the
//! checkpoint text ([`Checkpoint::to_note_text`], per
//! [c2sp.org/tlog-checkpoint](https://c2sp.org/tlog-checkpoint)), a blank
//! line, then one `— <key name> <base64(key id || signature)>` line per
//! signer. This module signs notes ([`sign_note`]), checks them against a set
//! of trusted keys ([`open_note`]) and reads and writes checkpoint text.
//!
//! Signing goes through the [`NoteSigner`] trait, implemented by
//! [`Ed25519NoteSigner`] (signature type `0x01`) and [`Sm2NoteSigner`]
//! (signature type `0xff` followed by the identifier
//! [`SM2_SIGNATURE_IDENTIFIER`], specified in the comment of `note_sm2.rs`).
//! A [`NoteVerifier`] holds a key of either kind, so one note may carry both
//! signatures and be checked against either key or both. Verification
//! follows the spec's rules: signatures from unknown keys are ignored, a bad
//! signature from a known key rejects the whole note, and a note with no good
//! signature from a known key is rejected.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;
use crate::note_sm2::Sm2PublicKey;

pub use crate::note_sm2::{sm2_key_id, Sm2NoteSigner, SM2_DISTINGUISHING_ID, SM2_SIGNATURE_IDENTIFIER, SM2_SIGNATURE_TYPE};

/// The most signature lines [`open_note`] reads from one note. The spec asks
/// verifiers to accept at least 16; the limit keeps a hostile note from
/// making us verify signatures without end.
pub const MAX_SIGNATURES: usize = 128;

/// The signature type byte signed-note assigns to Ed25519 note signatures.
const ED25519_SIGNATURE_TYPE: u8 = 0x01;

/// The em dash and space that open every signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note or checkpoint could not be signed, read or trusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    #[error("{name:?} is not a valid key name: a key name must be non-empty and contain no spaces and no '+'; choose a name such as \"example.gov.cn/liuhen\"")]
    InvalidKeyName { name: String },
    #[error("the note text must end with a newline; add one before signing")]
    TextWithoutFinalNewline,
    #[error("the note contains the control character U+{code:04X}; notes may hold only text and line feeds (check for Windows line endings or tabs)")]
    ControlCharacter { code: u32 },
    #[error("a note needs at least one signer; pass the log's signing key")]
    NoSigners,
    #[error("the note has no signature lines; signatures must follow the text after one blank line")]
    NoSignatures,
    #[error("signature line {line} is malformed: each must read '— <key name> <base64 key id and signature>' and end with a newline")]
    MalformedSignatureLine { line: usize },
    #[error("the note carries {count} signatures, more than the {max} accepted; it was probably built to waste time")]
    TooManySignatures { count: usize, max: usize },
    #[error("the note carries two signatures from the key {name}; a signed note must hold at most one per key")]
    DuplicateSignature { name: String },
    #[error("the signature by {name} does not verify: the note was changed after signing or signed with another key")]
    InvalidSignature { name: String },
    #[error("none of the note's signatures is from a trusted key ({unknown} from unknown keys); add the signer's verifier key to the trusted keys if it should be trusted")]
    NoTrustedSignature { unknown: usize },
    #[error("two different trusted keys share the name {name} and key id; remove one of them from the trusted keys")]
    AmbiguousVerifiers { name: String },
    #[error("the verifier key is malformed: {reason}")]
    MalformedVerifierKey { reason: &'static str },
    #[error("the verifier key for {name} names key id {stated} but its public key has id {actual}; the key was mistyped or altered")]
    KeyIdMismatch { name: String, stated: String, actual: String },
    #[error("signature type 0x{kind:02x} is not supported; only Ed25519 (0x01) and SM2 (0xff followed by {SM2_SIGNATURE_IDENTIFIER:?}) verifier keys can be used")]
    UnsupportedSignatureType { kind: u8 },
    #[error("the verifier key has signature type 0xff but its identifier is not {SM2_SIGNATURE_IDENTIFIER:?}, the only 0xff signature type supported; check that the key was made for Liuhen's SM2 signatures")]
    UnsupportedSignatureIdentifier,
    #[error("the SM2 private key cannot be read: {reason}; a new one can be made with `openssl genpkey -algorithm SM2`")]
    MalformedPrivateKey { reason: &'static str },
    #[error("the checkpoint text is malformed: {reason}")]
    MalformedCheckpoint { reason: &'static str },
}

/// A log's tree head in C2SP tlog-checkpoint form (检查点).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, conventionally a schema-less URL; non-empty, one line.
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 6962 root hash of the tree.
    pub root: Hash,
    /// Optional opaque, non-empty extra lines. The spec advises against them
    /// because monitors cannot audit them.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root, then any extension lines,
    /// each ending in a newline.
    ///
    /// The text is only well-formed, and [`Checkpoint::parse`] only gives the
    /// value back, when the origin and every extension are non-empty single
    /// lines without control characters.
    pub fn to_note_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Reads checkpoint note text, for instance [`OpenedNote::text`]. The
    /// signatures must already have been checked and removed.
    pub fn parse(note_text: &str) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::MalformedCheckpoint { reason };
        check_control_characters(note_text)?;
        let Some(body) = note_text.strip_suffix('\n') else {
            return Err(malformed("it must end with a newline"));
        };
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.iter().any(|line| line.is_empty()) {
            return Err(malformed("it must not contain empty lines"));
        }
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(malformed("it needs an origin line, a tree size line and a root hash line"));
        };
        let size = parse_decimal(size)
            .ok_or_else(|| malformed("the second line must be the tree size in decimal, without sign or leading zeros"))?;
        let root = decode_hash(root).ok_or_else(|| malformed("the third line must be a 32-byte root hash in standard base64"))?;
        Ok(Self { origin: (*origin).to_owned(), size, root, extensions: extensions.iter().map(|line| (*line).to_owned()).collect() })
    }
}

/// Anything that can sign a note: [`Ed25519NoteSigner`] or
/// [`Sm2NoteSigner`].
pub trait NoteSigner: Send + Sync {
    /// The key name written on the signature line.
    fn name(&self) -> &str;
    /// The 4-byte key id written before the signature.
    fn key_id(&self) -> [u8; 4];
    /// Signs the note text.
    fn sign(&self, message: &[u8]) -> Vec<u8>;
    /// The verifier key string that lets others check these signatures.
    fn verifier_key(&self) -> String;
}

/// A note signer holding an Ed25519 private key.
pub struct Ed25519NoteSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl Ed25519NoteSigner {
    /// Pairs a key with the name it signs under; the name must be a valid
    /// signed-note key name (non-empty, no spaces, no `+`).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key_id = ed25519_key_id(name, key.verifying_key().as_bytes());
        Ok(Self { name: name.to_owned(), key, key_id })
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), key_id: self.key_id, key: NoteKey::Ed25519(self.key.verifying_key()) }
    }
}

impl fmt::Debug for Ed25519NoteSigner {
    // The private key never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519NoteSigner").field("name", &self.name).field("key_id", &hex::encode(self.key_id)).finish_non_exhaustive()
    }
}

impl NoteSigner for Ed25519NoteSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).to_bytes().to_vec()
    }

    fn verifier_key(&self) -> String {
        self.verifier().vkey()
    }
}

/// The signed-note key id of an Ed25519 key: the first four bytes of
/// `SHA-256(name || "\n" || 0x01 || public_key)`.
pub fn ed25519_key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    key_id(name, &[&[ED25519_SIGNATURE_TYPE], public_key])
}

/// Signs `text`, which must end in a newline, with every signer, and returns
/// the signed note: the text, a blank line, and one signature line per
/// signer in the order given.
pub fn sign_note(text: &str, signers: &[&dyn NoteSigner]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextWithoutFinalNewline);
    }
    check_control_characters(text)?;
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    // Refuse to write what `open_note` would refuse to read.
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures { count: signers.len(), max: MAX_SIGNATURES });
    }
    let mut note = String::with_capacity(text.len() + 1 + signers.len() * 128);
    note.push_str(text);
    note.push('\n');
    for signer in signers {
        check_key_name(signer.name())?;
        let mut signature = signer.key_id().to_vec();
        signature.extend_from_slice(&signer.sign(text.as_bytes()));
        note.push_str(SIGNATURE_PREFIX);
        note.push_str(signer.name());
        note.push(' ');
        note.push_str(&BASE64.encode(signature));
        note.push('\n');
    }
    Ok(note)
}

/// A trusted public key for checking note signatures, read from a verifier
/// key string `<name>+<8 hex digit key id>+<base64(type || public key)>`:
/// Ed25519 (`0x01 || 32-byte key`) or SM2 (`0xff || "liuhen.org/sm2-sm3" ||
/// 65-byte SEC1 point`).
#[derive(Clone, Debug)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: NoteKey,
}

/// The public key of a [`NoteVerifier`], one variant per signature type.
#[derive(Clone, Debug)]
enum NoteKey {
    Ed25519(VerifyingKey),
    Sm2(Sm2PublicKey),
}

impl NoteKey {
    /// The signature type bytes followed by the public key, the form that
    /// is base64-encoded in a verifier key and hashed into the key id.
    fn encode(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(key) => {
                let mut encoded = vec![ED25519_SIGNATURE_TYPE];
                encoded.extend_from_slice(key.as_bytes());
                encoded
            }
            Self::Sm2(key) => key.encode(),
        }
    }

    fn verifies(&self, text: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(key) => {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                key.verify_strict(text, &signature).is_ok()
            }
            Self::Sm2(key) => key.verifies(text, signature),
        }
    }
}

impl NoteVerifier {
    /// Parses a verifier key string and checks that its key id is the one
    /// the key actually hashes to, so a mistyped key is caught here rather
    /// than showing up later as "no trusted signature".
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::MalformedVerifierKey { reason };
        // Key names cannot contain '+', but base64 can, so split twice only.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(key_id_hex), Some(key_base64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("it must read <name>+<key id>+<base64 key>"));
        };
        check_key_name(name)?;
        if key_id_hex.len() != 8 || !key_id_hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(malformed("the key id must be 8 hexadecimal digits"));
        }
        let stated: [u8; 4] = hex::decode(key_id_hex)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| malformed("the key id must be 8 hexadecimal digits"))?;
        let key_bytes = BASE64.decode(key_base64).map_err(|_| malformed("the key is not standard base64"))?;
        let Some((&kind, public_key)) = key_bytes.split_first() else {
            return Err(malformed("the key is empty"));
        };
        let key = match kind {
            ED25519_SIGNATURE_TYPE => NoteKey::Ed25519(parse_ed25519_key(public_key)?),
            SM2_SIGNATURE_TYPE => NoteKey::Sm2(Sm2PublicKey::from_key_bytes(public_key)?),
            _ => return Err(NoteError::UnsupportedSignatureType { kind }),
        };
        let actual = key_id(name, &[&key.encode()]);
        if actual != stated {
            return Err(NoteError::KeyIdMismatch { name: name.to_owned(), stated: hex::encode(stated), actual: hex::encode(actual) });
        }
        Ok(Self { name: name.to_owned(), key_id: actual, key })
    }

    /// The key name signatures from this key carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id signatures from this key carry.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The signature algorithm, for messages: `Ed25519` or `SM2`.
    pub fn algorithm(&self) -> &'static str {
        match self.key {
            NoteKey::Ed25519(_) => "Ed25519",
            NoteKey::Sm2(_) => "SM2",
        }
    }

    /// The verifier key string, as [`NoteVerifier::from_vkey`] reads it.
    pub fn vkey(&self) -> String {
        format!("{}+{}+{}", self.name, hex::encode(self.key_id), BASE64.encode(self.key.encode()))
    }

    /// A verifier for an SM2 key, built by [`Sm2NoteSigner::verifier`].
    pub(crate) fn sm2(name: &str, key: Sm2PublicKey) -> Self {
        let key = NoteKey::Sm2(key);
        Self { name: name.to_owned(), key_id: key_id(name, &[&key.encode()]), key }
    }

    fn verifies(&self, text: &[u8], signature: &[u8]) -> bool {
        self.key.verifies(text, signature)
    }

    /// Whether both verifiers hold the same key of the same signature type.
    fn same_key(&self, other: &Self) -> bool {
        self.key.encode() == other.key.encode()
    }
}

/// Reads the 32 bytes after an Ed25519 verifier key's type byte.
fn parse_ed25519_key(public_key: &[u8]) -> Result<VerifyingKey, NoteError> {
    let malformed = |reason| NoteError::MalformedVerifierKey { reason };
    let public_key: &[u8; 32] = public_key.try_into().map_err(|_| malformed("an Ed25519 key must be 32 bytes after its type byte"))?;
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| malformed("the key is not a valid Ed25519 point"))?;
    // A small-order key would accept forged signatures on any text.
    if key.is_weak() {
        return Err(malformed("the key is a weak Ed25519 key"));
    }
    Ok(key)
}

/// The signed-note key id: the first four bytes of
/// `SHA-256(name || "\n" || signature type || public key)`, where
/// `type_and_key` are the pieces of the last two, concatenated.
pub(crate) fn key_id(name: &str, type_and_key: &[&[u8]]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    for piece in type_and_key {
        hasher.update(piece);
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A note whose signatures have been checked.
#[derive(Clone, Debug)]
pub struct OpenedNote {
    /// The signed text, including its final newline.
    pub text: String,
    /// The names of the trusted keys whose signatures verified, in note order.
    pub verified_by: Vec<String>,
    /// How many signatures were from keys not among the verifiers (ignored).
    pub unknown_signatures: usize,
    /// The key ids of the verified signatures, in note order: keys may share
    /// a name (an instance's Ed25519 and SM2 keys both carry its origin).
    pub verified_key_ids: Vec<[u8; 4]>,
}

/// Splits a signed note and checks every signature whose key name and key id
/// match a verifier. Fails if any such signature is invalid, or if none
/// verified; signatures from other keys are counted and otherwise ignored.
pub fn open_note(signed: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    check_control_characters(signed)?;
    // The text ends at the last blank line; everything after is signatures.
    let Some(split) = signed.rfind("\n\n") else {
        return Err(NoteError::NoSignatures);
    };
    let text = &signed[..=split];
    let block = &signed[split + 2..];
    if block.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let Some(block) = block.strip_suffix('\n') else {
        return Err(NoteError::MalformedSignatureLine { line: block.split('\n').count() });
    };
    let count = block.split('\n').count();
    if count > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures { count, max: MAX_SIGNATURES });
    }

    let mut verified_by = Vec::new();
    let mut unknown_signatures = 0;
    let mut verified_key_ids = Vec::new();
    let mut seen: Vec<(&str, [u8; 4])> = Vec::new();
    for (number, line) in block.split('\n').enumerate() {
        let (name, key_id, signature) = parse_signature_line(line).ok_or(NoteError::MalformedSignatureLine { line: number + 1 })?;
        let mut matching = verifiers.iter().filter(|verifier| verifier.name == name && verifier.key_id == key_id);
        let Some(verifier) = matching.next() else {
            unknown_signatures += 1;
            continue;
        };
        if matching.any(|other| !other.same_key(verifier)) {
            return Err(NoteError::AmbiguousVerifiers { name: name.to_owned() });
        }
        if seen.contains(&(name, key_id)) {
            return Err(NoteError::DuplicateSignature { name: name.to_owned() });
        }
        seen.push((name, key_id));
        if !verifier.verifies(text.as_bytes(), &signature) {
            return Err(NoteError::InvalidSignature { name: name.to_owned() });
        }
        verified_by.push(name.to_owned());
        verified_key_ids.push(key_id);
    }
    if verified_by.is_empty() {
        return Err(NoteError::NoTrustedSignature { unknown: unknown_signatures });
    }
    Ok(OpenedNote { text: text.to_owned(), verified_by, unknown_signatures, verified_key_ids })
}

/// Reads an ASCII decimal with no sign and no leading zeros (except `0`
/// itself), the only form C2SP formats allow for sizes and indexes.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// Reads one hash in canonical standard base64 (padding required).
pub(crate) fn decode_hash(text: &str) -> Option<Hash> {
    BASE64.decode(text).ok()?.try_into().ok()
}

/// Writes one hash in standard base64.
pub(crate) fn encode_hash(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// Rejects the ASCII control characters signed-note forbids: everything
/// below U+0020 except the line feed.
pub(crate) fn check_control_characters(text: &str) -> Result<(), NoteError> {
    match text.chars().find(|&c| c < ' ' && c != '\n') {
        Some(c) => Err(NoteError::ControlCharacter { code: u32::from(c) }),
        None => Ok(()),
    }
}

pub(crate) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::InvalidKeyName { name: name.to_owned() });
    }
    Ok(())
}

/// Splits `— <name> <base64>` into the name, the key id and the signature.
fn parse_signature_line(line: &str) -> Option<(&str, [u8; 4], Vec<u8>)> {
    let (name, encoded) = line.strip_prefix(SIGNATURE_PREFIX)?.split_once(' ')?;
    check_key_name(name).ok()?;
    let decoded = BASE64.decode(encoded).ok()?;
    // A key id and at least one byte of signature.
    if decoded.len() < 5 {
        return None;
    }
    let (key_id, signature) = decoded.split_at(4);
    Some((name, key_id.try_into().ok()?, signature.to_vec()))
}

#[cfg(test)]
mod tests;
