//! SM2 signatures on C2SP signed notes (SM2 签名记录).
//!
//! This module implements, and this comment specifies, the one signature
//! type Liuhen adds to [signed notes](https://c2sp.org/signed-note): SM2
//! digital signatures (GB/T 32918.2-2016) with the SM3 hash (GB/T
//! 32905-2016) on the recommended 256-bit curve (GB/T 32918.5-2017). It lets
//! a checkpoint carry a signature made with the national commercial
//! cryptography algorithms (国密算法) beside, or instead of, an Ed25519 one.
//! Everything below is what another implementation needs to produce or check
//! these signatures; the signature line itself is the ordinary
//! `— <key name> base64(key id || signature)` of signed-note.
//!
//! # Signature type: `0xff` followed by `liuhen.org/sm2-sm3`
//!
//! signed-note assigns one-byte signature types only to algorithms it
//! specifies itself (`0x01` Ed25519, `0x02` ECDSA, `0x04` cosignatures,
//! `0x05` RFC 6962 tree head signatures) and keeps `0xfa`–`0xfe` for its own
//! future use. SM2 has no byte of its own, so it uses `0xff`, the byte the
//! spec reserves "for signature types without an identifier byte assigned by
//! this specification", followed, as the spec recommends, by a longer
//! identifier unlikely to collide: the 18 ASCII bytes `liuhen.org/sm2-sm3`
//! ([`SM2_SIGNATURE_IDENTIFIER`]), a schema-less URL like the key names
//! signed-note recommends. The signature type bytes are therefore the 19
//! bytes `0xff || "liuhen.org/sm2-sm3"`. Another algorithm under `0xff` gets
//! another identifier; the identifier is not length-prefixed, but an SM2 key
//! always follows it with `0x04`, which cannot occur in a printable
//! identifier, so keys of the two can never be read as one another.
//!
//! # Public key
//!
//! The SEC 1 uncompressed point: `0x04 || x || y`, each coordinate 32
//! bytes big-endian, 65 bytes in all. Compressed (`0x02`/`0x03`) and hybrid
//! (`0x06`/`0x07`) forms are refused, so that each key has exactly one
//! encoding and hence one key id; so are points not on the curve.
//!
//! # Key id
//!
//! As signed-note recommends, over the signature type bytes and the key:
//!
//! ```text
//! key ID = SHA-256(key name || 0x0A || 0xff || "liuhen.org/sm2-sm3" || 65-byte point)[:4]
//! ```
//!
//! # Verifier key
//!
//! ```text
//! <key name>+<key ID as 8 hex digits>+base64(0xff || "liuhen.org/sm2-sm3" || 65-byte point)
//! ```
//!
//! The base64 part decodes to 84 bytes. A verifier key whose `0xff` is not
//! followed by exactly this identifier is refused rather than ignored, and so
//! is one whose stated key id differs from the one computed above.
//!
//! # Signature
//!
//! The SM2 signature (GB/T 32918.2-2016 §6.1) of the note text — every byte
//! up to and including its final newline, as for Ed25519 — with the
//! signer's distinguishing identifier `ID_A` set to the 16 ASCII bytes
//! `1234567812345678` ([`SM2_DISTINGUISHING_ID`]), the default of GB/T
//! 35276-2017 (SM2 密码算法使用规范). So `ENTL_A` is `0x0080` and
//!
//! ```text
//! Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)
//! e   = SM3(Z_A || note text)
//! ```
//!
//! The signature `(r, s)` is written as the fixed 64 bytes `r || s`, each
//! 32 bytes big-endian — not the DER `SM2Signature` SEQUENCE of GB/T 35276,
//! whose length varies — so a signature line always decodes to 4 + 64
//! bytes. Verifiers reject a signature that is not exactly 64 bytes or whose
//! `r` or `s` lies outside `[1, n-1]`.
//!
//! Liuhen derives the per-signature secret `k` deterministically from the
//! private key and `e` (RFC 6979 with HMAC-SM3), so signing needs no random
//! source and the core stays free of IO. Verifiers cannot tell the
//! difference and must accept any valid GB/T 32918.2 signature.
//!
//! # Private key storage
//!
//! Not part of the note format: [`Sm2NoteSigner::to_pkcs8_pem`] writes an
//! unencrypted PKCS#8 `PRIVATE KEY` PEM document (algorithm
//! `id-ecPublicKey` with the SM2 curve OID `1.2.156.10197.1.301`, as OpenSSL
//! 3 writes it for `openssl genpkey -algorithm SM2`), and
//! [`Sm2NoteSigner::from_pkcs8_pem`] reads one.
//!
//! # Example
//!
//! The key of the GB/T 32918.5-2017 signature example (private key
//! `3945208F…4DF7C5B8`) under the name `liuhen.example/sm2` has the verifier
//! key
//!
//! ```text
//! liuhen.example/sm2+8f7eba5f+/2xpdWhlbi5vcmcvc20yLXNtMwQJ+d8xHlQhoVDdfRYeS8XGchefrRgz/AdrsI/zVvNQIMzqSQziZ3WlLcbqcYzBqmAK7QX7814ISmYy9gctqa0T
//! ```
//!
//! and this is a note signed by it (the tests in this file check both):
//!
//! ```text
//! liuhen.example/zhifa-jilu
//! 20852163
//! WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=
//!
//! — liuhen.example/sm2 j366X2wFxgumtq6AX9fKtoFa5IFy+iEm+NZCoEfXZEk+EGTR8nUNW/C1foVmBSAaShcj6ENVz0H37sFcO7Nhkt5TDfw=
//! ```

use std::fmt;

use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::rand_core::CryptoRngCore;
use sm2::elliptic_curve::sec1::ToEncodedPoint as _;
use sm2::elliptic_curve::zeroize::Zeroizing;
use sm2::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use sm2::{PublicKey, SecretKey};

use crate::note::{check_key_name, key_id, NoteError, NoteSigner, NoteVerifier};

/// The identifier that follows the `0xff` signature type byte in Liuhen's
/// SM2 verifier keys and key ids.
pub const SM2_SIGNATURE_IDENTIFIER: &str = "liuhen.org/sm2-sm3";

/// The signature type byte signed-note reserves for types named by a longer
/// identifier; for SM2 it is followed by [`SM2_SIGNATURE_IDENTIFIER`].
pub const SM2_SIGNATURE_TYPE: u8 = 0xff;

/// The SM2 distinguishing identifier (用户身份标识 ID) hashed into every
/// signature: the default of GB/T 35276-2017, which other SM2 software also
/// assumes when none is given.
pub const SM2_DISTINGUISHING_ID: &str = "1234567812345678";

/// The length of an SEC 1 uncompressed SM2 point.
const SM2_POINT_LENGTH: usize = 65;

/// A note signer holding an SM2 private key.
pub struct Sm2NoteSigner {
    name: String,
    key: SigningKey,
    public_key: Sm2PublicKey,
    key_id: [u8; 4],
}

impl Sm2NoteSigner {
    /// Pairs a key with the name it signs under; the name must be a valid
    /// signed-note key name (non-empty, no spaces, no `+`).
    pub fn new(name: &str, secret_key: SecretKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key =
            SigningKey::new(SM2_DISTINGUISHING_ID, &secret_key).expect("the 16-byte distinguishing ID is far below SM2's 8191-byte limit");
        let public_key = Sm2PublicKey::new(secret_key.public_key());
        let key_id = key_id(name, &[&public_key.encode()]);
        Ok(Self { name: name.to_owned(), key, public_key, key_id })
    }

    /// Makes a new key from `rng`, which must be a cryptographically secure
    /// source such as the operating system's.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, NoteError> {
        Self::new(name, SecretKey::random(rng))
    }

    /// Reads a private key from an unencrypted PKCS#8 PEM document, as
    /// written by [`Sm2NoteSigner::to_pkcs8_pem`] or by `openssl genpkey
    /// -algorithm SM2`, and pairs it with `name`.
    pub fn from_pkcs8_pem(name: &str, pem: &str) -> Result<Self, NoteError> {
        let secret_key = SecretKey::from_pkcs8_pem(pem).map_err(|_| NoteError::MalformedPrivateKey {
            reason: "it must be an unencrypted PKCS#8 PEM document \
                         (-----BEGIN PRIVATE KEY-----) holding a key on the SM2 curve",
        })?;
        Self::new(name, secret_key)
    }

    /// The private key as an unencrypted PKCS#8 PEM document with Unix line
    /// endings, for storing in a file only the signer can read. The buffer
    /// is wiped when dropped and prints nothing in `Debug` output.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        SecretKey::from(self.key.as_nonzero_scalar()).to_pkcs8_pem(LineEnding::LF).expect("a valid SM2 scalar always has a PKCS#8 encoding")
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier::sm2(&self.name, self.public_key.clone())
    }
}

impl fmt::Debug for Sm2NoteSigner {
    // The private key never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2NoteSigner").field("name", &self.name).field("key_id", &hex::encode(self.key_id)).finish_non_exhaustive()
    }
}

impl NoteSigner for Sm2NoteSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        // Signing fails only if r = 0, r + k = n or s = 0, each of which
        // happens with probability about 2^-256.
        let signature: Signature = self.key.try_sign(message).expect("SM2 signing fails only with negligible probability");
        signature.to_bytes().to_vec()
    }

    fn verifier_key(&self) -> String {
        self.verifier().vkey()
    }
}

/// The signed-note key id of a Liuhen SM2 key: the first four bytes of
/// `SHA-256(name || "\n" || 0xff || "liuhen.org/sm2-sm3" || point)`, where
/// `point` is the 65-byte SEC 1 uncompressed public key.
pub fn sm2_key_id(name: &str, point: &[u8; SM2_POINT_LENGTH]) -> [u8; 4] {
    key_id(name, &[&[SM2_SIGNATURE_TYPE], SM2_SIGNATURE_IDENTIFIER.as_bytes(), point])
}

/// An SM2 public key ready to check note signatures, with its point kept
/// in the one encoding the verifier key and key id use.
#[derive(Clone, Debug)]
pub(crate) struct Sm2PublicKey {
    point: [u8; SM2_POINT_LENGTH],
    key: VerifyingKey,
}

impl Sm2PublicKey {
    /// Reads the bytes that follow the `0xff` type byte in a verifier key:
    /// the identifier, then the 65-byte uncompressed point.
    pub(crate) fn from_key_bytes(bytes: &[u8]) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::MalformedVerifierKey { reason };
        let Some(point) = bytes.strip_prefix(SM2_SIGNATURE_IDENTIFIER.as_bytes()) else {
            return Err(NoteError::UnsupportedSignatureIdentifier);
        };
        let Ok(point) = <[u8; SM2_POINT_LENGTH]>::try_from(point) else {
            return Err(malformed("an SM2 key must be a 65-byte SEC 1 point after its identifier"));
        };
        if point[0] != 0x04 {
            return Err(malformed("an SM2 key must be an uncompressed SEC 1 point, starting with 0x04"));
        }
        let public_key = PublicKey::from_sec1_bytes(&point).map_err(|_| malformed("the key is not a point on the SM2 curve"))?;
        Ok(Self::new(public_key))
    }

    fn new(public_key: PublicKey) -> Self {
        let point = public_key.to_encoded_point(false).as_bytes().try_into().expect("an uncompressed SM2 point is 65 bytes");
        let key =
            VerifyingKey::new(SM2_DISTINGUISHING_ID, public_key).expect("the 16-byte distinguishing ID is far below SM2's 8191-byte limit");
        Self { point, key }
    }

    /// `0xff || identifier || point`, as base64-encoded in a verifier key.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut encoded = Vec::with_capacity(1 + SM2_SIGNATURE_IDENTIFIER.len() + SM2_POINT_LENGTH);
        encoded.push(SM2_SIGNATURE_TYPE);
        encoded.extend_from_slice(SM2_SIGNATURE_IDENTIFIER.as_bytes());
        encoded.extend_from_slice(&self.point);
        encoded
    }

    /// Whether `signature` is a 64-byte `r || s` SM2 signature of `message`
    /// by this key, with the default distinguishing ID.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        // `from_slice` refuses any length but 64 and r or s outside [1, n-1].
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify(message, &signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    use ed25519_dalek::pkcs8::EncodePrivateKey as _;
    use rand::rngs::OsRng;
    use rand::{Rng as _, RngCore as _};
    use sha2::{Digest as _, Sha256};
    use sm3::Sm3;

    use super::*;
    use crate::note::{open_note, sign_note, Checkpoint, Ed25519NoteSigner};

    fn signer(name: &str) -> Sm2NoteSigner {
        Sm2NoteSigner::generate(name, &mut OsRng).unwrap()
    }

    fn ed25519_signer(name: &str) -> Ed25519NoteSigner {
        Ed25519NoteSigner::new(name, ed25519_dalek::SigningKey::generate(&mut OsRng)).unwrap()
    }

    fn checkpoint_text() -> String {
        Checkpoint { origin: "liuhen.example/zhifa-jilu".to_owned(), size: 20_852_163, root: [0x5a; 32], extensions: Vec::new() }
            .to_note_text()
    }

    /// Splits a verifier key into its name, key id and decoded key bytes.
    fn split_vkey(vkey: &str) -> (&str, &str, Vec<u8>) {
        let mut parts = vkey.splitn(3, '+');
        let name = parts.next().unwrap();
        let key_id = parts.next().unwrap();
        let key = BASE64.decode(parts.next().unwrap()).unwrap();
        (name, key_id, key)
    }

    /// A verifier key for `name` and `key_bytes` whose key id is right, so
    /// that only the key bytes themselves can be at fault.
    fn vkey_with_correct_id(name: &str, key_bytes: &[u8]) -> String {
        let key_id = crate::note::key_id(name, &[key_bytes]);
        format!("{name}+{}+{}", hex::encode(key_id), BASE64.encode(key_bytes))
    }

    /// Replaces the signature on the last line of `signed` (name `name`)
    /// with `signature`.
    fn with_signature(signed: &str, name: &str, signature: &[u8]) -> String {
        let (head, _) = signed.rsplit_once(&format!("\u{2014} {name} ")).unwrap();
        format!("{head}\u{2014} {name} {}\n", BASE64.encode(signature))
    }

    /// The last signature line of `signed`, decoded: key id then signature.
    fn last_signature(signed: &str) -> Vec<u8> {
        let line = signed.trim_end_matches('\n').rsplit('\n').next().unwrap();
        BASE64.decode(line.rsplit(' ').next().unwrap()).unwrap()
    }

    // The signature example of GB/T 32918.5-2017 Annex A (also GM/T
    // 0003.5-2012), on the recommended curve with the default
    // distinguishing ID, as reproduced in OpenSSL's sm2_internal_test.c and
    // other independent implementations.
    const GBT_PRIVATE_KEY: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const GBT_PUBLIC_KEY: &str = "04\
        09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
        CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    const GBT_MESSAGE: &[u8] = b"message digest";
    const GBT_Z: &str = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
    const GBT_E: &str = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
    const GBT_SIGNATURE: &str = "\
        F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
        B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
    // The recommended curve's a, b and generator (GB/T 32918.5-2017).
    const CURVE_A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
    const CURVE_B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
    const CURVE_GX: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
    const CURVE_GY: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
    /// The order n of the recommended curve.
    const CURVE_N: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";

    fn gbt_signer(name: &str) -> Sm2NoteSigner {
        let secret_key = SecretKey::from_slice(&hex::decode(GBT_PRIVATE_KEY).unwrap()).unwrap();
        Sm2NoteSigner::new(name, secret_key).unwrap()
    }

    #[test]
    fn gbt_32918_5_signature_example_verifies() {
        let signer = gbt_signer("liuhen.example/sm2");
        assert_eq!(hex::encode_upper(signer.public_key.point), GBT_PUBLIC_KEY.to_uppercase());

        // Z_A and e computed by hand from the formula in the module comment
        // match the standard's intermediate values.
        let mut z = Sm3::new();
        z.update(0x0080_u16.to_be_bytes());
        z.update(SM2_DISTINGUISHING_ID);
        for constant in [CURVE_A, CURVE_B, CURVE_GX, CURVE_GY] {
            z.update(hex::decode(constant).unwrap());
        }
        z.update(&signer.public_key.point[1..]);
        let z = z.finalize();
        assert_eq!(hex::encode_upper(z), GBT_Z);
        let e = Sm3::new().chain_update(z).chain_update(GBT_MESSAGE).finalize();
        assert_eq!(hex::encode_upper(e), GBT_E);

        let published = hex::decode(GBT_SIGNATURE).unwrap();
        let public_key = &signer.public_key;
        assert!(public_key.verifies(GBT_MESSAGE, &published));
        assert!(!public_key.verifies(b"message digesT", &published));
        // The standard picks k at random; ours is derived, so the bytes
        // differ, but both verify.
        let ours = signer.sign(GBT_MESSAGE);
        assert_ne!(ours, published);
        assert!(public_key.verifies(GBT_MESSAGE, &ours));
    }

    // An SM2 key made by `openssl genpkey -algorithm SM2` (OpenSSL 3.0.19)
    // and the signature `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
    // distid:1234567812345678` made of the checkpoint text, its DER r and s
    // copied out with `openssl asn1parse`.
    const OPENSSL_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgYEdif2eK8MMXfbjH
ZPTpImrsU2HKb7y7uVnU9V9CPB2hRANCAATSvIFGnGX517O5nLUVSZtgFbYtEF5c
9zu9a0+9+4xELp1d4iexCPpc45Wlt8D3D4krv3CHDe4Ii8PfR/Z8uNlH
-----END PRIVATE KEY-----
";
    const OPENSSL_PUBLIC_KEY: &str = "04\
        d2bc81469c65f9d7b3b99cb515499b6015b62d105e5cf73bbd6b4fbdfb8c442e\
        9d5de227b108fa5ce395a5b7c0f70f892bbf70870dee088bc3df47f67cb8d947";
    const OPENSSL_SIGNATURE: &str = "\
        2BE8F5383D7ABF0208DF3F782BD865BB1622C2480AA1C1EF48459D17B1462C32\
        89CE8A3F5077B5B63499DE1E41ECA36E44F05F310EC06253566AE0A0FAA6135C";

    #[test]
    fn openssl_keys_and_signatures_are_understood() {
        let name = "liuhen.example/openssl";
        let signer = Sm2NoteSigner::from_pkcs8_pem(name, OPENSSL_PEM).unwrap();
        assert_eq!(hex::encode(signer.public_key.point), OPENSSL_PUBLIC_KEY);

        let mut signature = signer.key_id().to_vec();
        signature.extend_from_slice(&hex::decode(OPENSSL_SIGNATURE).unwrap());
        let text = checkpoint_text();
        let signed = format!("{text}\n\u{2014} {name} {}\n", BASE64.encode(&signature));
        let verifier = NoteVerifier::from_vkey(&signer.verifier_key()).unwrap();
        let opened = open_note(&signed, &[verifier]).unwrap();
        assert_eq!(opened.text, text);
        assert_eq!(opened.verified_by, [name]);
    }

    /// The example of the module comment.
    const EXAMPLE_VKEY: &str = "liuhen.example/sm2+8f7eba5f+/2xpdWhlbi5vcmcvc20yLXNtMwQJ+d8xHlQhoVDdfRYeS8XGchefrRgz/AdrsI/zVvNQIMzqSQziZ3WlLcbqcYzBqmAK7QX7814ISmYy9gctqa0T";
    const EXAMPLE_SIGNATURE_LINE: &str =
        "\u{2014} liuhen.example/sm2 j366X2wFxgumtq6AX9fKtoFa5IFy+iEm+NZCoEfXZEk+EGTR8nUNW/C1foVmBSAaShcj6ENVz0H37sFcO7Nhkt5TDfw=";

    #[test]
    fn example_in_the_module_comment_verifies() {
        let module_comment = include_str!("note_sm2.rs");
        assert!(module_comment.contains(&format!("//! {EXAMPLE_VKEY}\n")));
        assert!(module_comment.contains(&format!("//! {EXAMPLE_SIGNATURE_LINE}\n")));

        let signer = gbt_signer("liuhen.example/sm2");
        assert_eq!(signer.verifier_key(), EXAMPLE_VKEY);
        let verifier = NoteVerifier::from_vkey(EXAMPLE_VKEY).unwrap();
        assert_eq!(verifier.vkey(), EXAMPLE_VKEY);
        let signed = format!("{}\n{EXAMPLE_SIGNATURE_LINE}\n", checkpoint_text());
        let opened = open_note(&signed, &[verifier]).unwrap();
        assert_eq!(opened.verified_by, ["liuhen.example/sm2"]);
    }

    #[test]
    fn sign_then_open_round_trips() {
        let log = signer("liuhen.example/log");
        let text = checkpoint_text();
        let signed = sign_note(&text, &[&log]).unwrap();
        let signature = last_signature(&signed);
        assert_eq!(signature.len(), 4 + 64);
        assert_eq!(signature[..4], log.key_id());

        let verifier = NoteVerifier::from_vkey(&log.verifier_key()).unwrap();
        assert_eq!(verifier.name(), "liuhen.example/log");
        assert_eq!(verifier.key_id(), log.key_id());
        assert_eq!(verifier.vkey(), log.verifier_key());
        let opened = open_note(&signed, &[verifier]).unwrap();
        assert_eq!(opened.text, text);
        assert_eq!(opened.verified_by, ["liuhen.example/log"]);
        assert_eq!(opened.unknown_signatures, 0);
        open_note(&signed, &[log.verifier()]).unwrap();
    }

    #[test]
    fn a_note_signed_with_ed25519_and_sm2_verifies_with_either_key_or_both() {
        let ed25519 = ed25519_signer("liuhen.example/log");
        // The same name under both algorithms: the key ids tell them apart.
        let sm2 = signer("liuhen.example/log");
        assert_ne!(ed25519.key_id(), sm2.key_id());
        let text = checkpoint_text();
        let signed = sign_note(&text, &[&ed25519, &sm2]).unwrap();

        let opened = open_note(&signed, &[ed25519.verifier()]).unwrap();
        assert_eq!(opened.verified_by, ["liuhen.example/log"]);
        assert_eq!(opened.unknown_signatures, 1);
        let opened = open_note(&signed, &[sm2.verifier()]).unwrap();
        assert_eq!(opened.verified_by, ["liuhen.example/log"]);
        assert_eq!(opened.unknown_signatures, 1);
        let opened = open_note(&signed, &[sm2.verifier(), ed25519.verifier()]).unwrap();
        assert_eq!(opened.text, text);
        assert_eq!(opened.verified_by, ["liuhen.example/log", "liuhen.example/log"]);
        assert_eq!(opened.unknown_signatures, 0);

        // A bad SM2 signature is ignored by a reader that trusts only the
        // Ed25519 key, and rejects the note for one that trusts the SM2 key.
        let mut signature = last_signature(&signed);
        signature[40] ^= 0x01;
        let tampered = with_signature(&signed, "liuhen.example/log", &signature);
        open_note(&tampered, &[ed25519.verifier()]).unwrap();
        for verifiers in [vec![sm2.verifier()], vec![ed25519.verifier(), sm2.verifier()]] {
            assert_eq!(
                open_note(&tampered, &verifiers).unwrap_err(),
                NoteError::InvalidSignature { name: "liuhen.example/log".to_owned() }
            );
        }
    }

    #[test]
    fn tampered_text_or_sm2_signature_is_rejected() {
        let log = signer("liuhen.example/log");
        let signed = sign_note(&checkpoint_text(), &[&log]).unwrap();
        let verifiers = [log.verifier()];
        let invalid = NoteError::InvalidSignature { name: "liuhen.example/log".to_owned() };

        let tampered_text = signed.replacen("20852163", "20852164", 1);
        assert_eq!(open_note(&tampered_text, &verifiers).unwrap_err(), invalid);

        let signature = last_signature(&signed);
        let n = hex::decode(CURVE_N).unwrap();
        let mut bad_signatures = Vec::new();
        // One bit flipped in r, then in s.
        for position in [4, 4 + 31, 4 + 32, 4 + 63] {
            let mut flipped = signature.clone();
            flipped[position] ^= 0x80;
            bad_signatures.push(flipped);
        }
        // Cut short, lengthened, and the DER form other SM2 software writes.
        bad_signatures.push(signature[..4 + 63].to_vec());
        bad_signatures.push([&signature[..], &[0]].concat());
        let der = [&[0x30, 0x46, 0x02, 0x21, 0x00][..], &signature[4..36], &[0x02, 0x21, 0x00], &signature[36..]].concat();
        bad_signatures.push([&signature[..4], &der].concat());
        // r or s zero, or not below the group order n.
        for (start, value) in [(4, [0; 32].to_vec()), (36, [0; 32].to_vec()), (4, n.clone()), (36, n)] {
            let mut out_of_range = signature.clone();
            out_of_range[start..start + 32].copy_from_slice(&value);
            bad_signatures.push(out_of_range);
        }
        for bad in bad_signatures {
            let note = with_signature(&signed, "liuhen.example/log", &bad);
            assert_eq!(open_note(&note, &verifiers).unwrap_err(), invalid, "{bad:02x?}");
        }

        // A valid signature by another SM2 key claiming this key's name and
        // key id is a forgery, not an unknown key.
        let other = signer("liuhen.example/log");
        let mut forged = log.key_id().to_vec();
        forged.extend_from_slice(&other.sign(checkpoint_text().as_bytes()));
        let note = with_signature(&signed, "liuhen.example/log", &forged);
        assert_eq!(open_note(&note, &verifiers).unwrap_err(), invalid);
    }

    #[test]
    fn key_id_is_the_documented_hash() {
        let log = gbt_signer("liuhen.example/sm2");
        let point = hex::decode(GBT_PUBLIC_KEY).unwrap();
        let mut preimage = b"liuhen.example/sm2".to_vec();
        preimage.push(0x0a);
        preimage.push(0xff);
        preimage.extend_from_slice(b"liuhen.org/sm2-sm3");
        preimage.extend_from_slice(&point);
        assert_eq!(preimage.len(), 18 + 1 + 1 + 18 + 65);
        let digest = Sha256::digest(&preimage);
        assert_eq!(log.key_id(), digest[..4]);
        assert_eq!(sm2_key_id("liuhen.example/sm2", &point.clone().try_into().unwrap()), digest[..4]);
        assert_eq!(hex::encode(log.key_id()), "8f7eba5f");

        let (name, key_id, key) = split_vkey(EXAMPLE_VKEY);
        assert_eq!((name, key_id), ("liuhen.example/sm2", "8f7eba5f"));
        assert_eq!(key, preimage[19..]);
    }

    #[test]
    fn sm2_verifier_keys_are_checked() {
        let log = signer("liuhen.example/log");
        let vkey = log.verifier_key();
        let (name, key_id, key) = split_vkey(&vkey);
        assert_eq!(key.len(), 1 + 18 + 65);
        let key_base64 = BASE64.encode(&key);

        let wrong_id = format!("{name}+{}+{key_base64}", if key_id == "00000000" { "00000001" } else { "00000000" });
        assert!(matches!(NoteVerifier::from_vkey(&wrong_id), Err(NoteError::KeyIdMismatch { .. })));
        let renamed = format!("other.example/log+{key_id}+{key_base64}");
        assert!(matches!(NoteVerifier::from_vkey(&renamed), Err(NoteError::KeyIdMismatch { .. })));

        // Other identifiers after 0xff are refused even with a right key id.
        let point = &key[19..];
        for identifier in [&b"liuhen.org/sm2-sm4"[..], b"LIUHEN.ORG/SM2-SM3", b"liuhen.org/sm2", b"example.com/sm2-sm3", b""] {
            let key = [&[0xff][..], identifier, point].concat();
            assert_eq!(
                NoteVerifier::from_vkey(&vkey_with_correct_id(name, &key)).unwrap_err(),
                NoteError::UnsupportedSignatureIdentifier,
                "{identifier:?}"
            );
        }
        assert!(NoteError::UnsupportedSignatureIdentifier.to_string().contains("\"liuhen.org/sm2-sm3\""));
        // A longer identifier that starts with ours leaves a wrong-size point.
        let longer = [&[0xff][..], b"liuhen.org/sm2-sm3x", point].concat();
        assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &longer)), Err(NoteError::MalformedVerifierKey { .. })));
        // The SM2 point under the Ed25519 type byte, and the reverse.
        let as_ed25519 = [&[0x01][..], point].concat();
        assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &as_ed25519)), Err(NoteError::MalformedVerifierKey { .. })));
        let ed25519_point = ed25519_signer("x").verifier().vkey();
        let ed25519_point = &split_vkey(&ed25519_point).2[1..];
        let as_sm2 = [&key[..19], ed25519_point].concat();
        assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &as_sm2)), Err(NoteError::MalformedVerifierKey { .. })));

        // The compressed form of the same point: one key, one encoding.
        let mut compressed = key[..19 + 33].to_vec();
        compressed[19] = 0x02 | (key[19 + 64] & 1);
        assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &compressed)), Err(NoteError::MalformedVerifierKey { .. })));
        // A point off the curve.
        let mut off_curve = key.clone();
        off_curve[19 + 64] ^= 0x01;
        assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &off_curve)), Err(NoteError::MalformedVerifierKey { .. })));
        // The point at infinity, padded or not.
        for infinity in [vec![0x00], [0x04].into_iter().chain([0; 64]).collect()] {
            let key = [&key[..19], &infinity].concat();
            assert!(matches!(NoteVerifier::from_vkey(&vkey_with_correct_id(name, &key)), Err(NoteError::MalformedVerifierKey { .. })));
        }
    }

    #[test]
    fn garbage_sm2_verifier_keys_never_panic() {
        let log = signer("liuhen.example/log");
        let vkey = log.verifier_key();
        let (name, key_id, key) = split_vkey(&vkey);

        // Every truncation, with the stated key id and with a matching one.
        for length in 0..key.len() {
            let truncated = &key[..length];
            let stated = format!("{name}+{key_id}+{}", BASE64.encode(truncated));
            assert!(NoteVerifier::from_vkey(&stated).is_err(), "{length}");
            let matching = vkey_with_correct_id(name, truncated);
            assert!(NoteVerifier::from_vkey(&matching).is_err(), "{length}");
        }
        for cut in 0..vkey.len() {
            assert!(NoteVerifier::from_vkey(&vkey[..cut]).is_err(), "{cut}");
        }
        // Every single-byte change: the point is refused or, being another
        // valid point, the stated key id no longer matches.
        for position in 0..key.len() {
            for change in [0x01, 0x80, 0xff] {
                let mut changed = key.clone();
                changed[position] ^= change;
                let stated = format!("{name}+{key_id}+{}", BASE64.encode(&changed));
                assert!(NoteVerifier::from_vkey(&stated).is_err(), "{position}");
                let _ = NoteVerifier::from_vkey(&vkey_with_correct_id(name, &changed));
            }
        }
        // Random bytes after the type bytes.
        for _ in 0..2000 {
            let length = OsRng.gen_range(0..100);
            let mut random = vec![0; length];
            OsRng.fill_bytes(&mut random);
            if length > 0 && OsRng.gen_bool(0.5) {
                random[0] = 0x04;
            }
            let key = [&key[..19], &random].concat();
            let _ = NoteVerifier::from_vkey(&vkey_with_correct_id(name, &key));
        }
    }

    #[test]
    fn private_keys_round_trip_through_pkcs8_pem() {
        let log = signer("liuhen.example/log");
        let pem = log.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
        let reread = Sm2NoteSigner::from_pkcs8_pem("liuhen.example/log", &pem).unwrap();
        assert_eq!(reread.verifier_key(), log.verifier_key());
        let signed = sign_note(&checkpoint_text(), &[&reread]).unwrap();
        open_note(&signed, &[log.verifier()]).unwrap();

        // The PEM text of the GB/T example key, as OpenSSL also reads it.
        assert_eq!(
            gbt_signer("liuhen.example/sm2").to_pkcs8_pem().as_str(),
            "-----BEGIN PRIVATE KEY-----\n\
             MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgOUUgj3shRLE/NuOK\n\
             xtOflYiTk2koYLUaQvuB7033xbihRANCAAQJ+d8xHlQhoVDdfRYeS8XGchefrRgz\n\
             /AdrsI/zVvNQIMzqSQziZ3WlLcbqcYzBqmAK7QX7814ISmYy9gctqa0T\n\
             -----END PRIVATE KEY-----\n"
        );

        let ed25519_pem = ed25519_dalek::SigningKey::generate(&mut OsRng).to_pkcs8_pem(Default::default()).unwrap();
        for bad in ["", "not a key", &ed25519_pem, &pem.replace("PRIVATE KEY", "PUBLIC KEY"), &pem[..pem.len() / 2]] {
            assert!(
                matches!(Sm2NoteSigner::from_pkcs8_pem("liuhen.example/log", bad), Err(NoteError::MalformedPrivateKey { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(Sm2NoteSigner::from_pkcs8_pem("bad name", &pem), Err(NoteError::InvalidKeyName { .. })));
    }

    #[test]
    fn signer_debug_output_hides_the_private_key() {
        let log = gbt_signer("liuhen.example/sm2");
        let debug = format!("{log:?}");
        assert!(debug.contains("liuhen.example/sm2"));
        assert!(debug.contains("8f7eba5f"));
        assert!(!debug.to_uppercase().contains(GBT_PRIVATE_KEY));
        assert!(!format!("{:?}", log.to_pkcs8_pem()).contains("PRIVATE"));
    }

    #[test]
    fn key_names_are_validated() {
        for bad in ["", "has space", "has+plus", "ideographic\u{3000}space"] {
            assert_eq!(Sm2NoteSigner::generate(bad, &mut OsRng).unwrap_err(), NoteError::InvalidKeyName { name: bad.to_owned() });
        }
        signer("执法记录.example/日志");
    }
}
