//! Content digests: SHA-256 (international) and SM3 (国密, GB/T 32905) side by side.
//!
//! Every file entering the vault is identified by both. SHA-256 names the
//! blob (content addressing); SM3 is recorded because Chinese courts and
//! auditors may ask for a national-standard digest. The streaming,
//! multi-threaded hashing lives in `liuhen-vault`; here are the value types
//! and a one-shot helper for small inputs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

macro_rules! define_digest {
    ($(#[$meta:meta])* $name:ident, $label:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// Lower-case hexadecimal, the form used in manifests and APIs.
            pub fn to_hex(&self) -> String {
                // Into a buffer, not char by char: verify spells a million of these.
                let mut text = [0u8; 64];
                hex::encode_to_slice(self.0, &mut text).expect("32 bytes fill 64 hex digits");
                String::from_utf8(text.to_vec()).expect("hex digits are ASCII")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", $label, self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = DigestParseError;
            fn from_str(text: &str) -> Result<Self, DigestParseError> {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut bytes)
                    .map_err(|_| DigestParseError { kind: $label, text: text.to_owned() })?;
                Ok(Self(bytes))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

define_digest!(
    /// A SHA-256 digest; names blobs in the vault.
    Sha256Digest, "sha256"
);
define_digest!(
    /// An SM3 digest (GB/T 32905-2016).
    Sm3Digest, "sm3"
);

/// A string that is not 64 hexadecimal digits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a {kind} digest: expected 64 hexadecimal digits")]
pub struct DigestParseError {
    kind: &'static str,
    text: String,
}

/// Both digests and the length of one piece of content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentDigests {
    pub sha256: Sha256Digest,
    pub sm3: Sm3Digest,
    pub size: u64,
}

impl ContentDigests {
    /// Digests of a byte slice held in memory (small inputs and tests only;
    /// files are hashed as streams by the vault).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self { sha256: sha256(bytes), sm3: Sm3Digest(sm3::Sm3::digest(bytes).into()), size: bytes.len() as u64 }
    }
}

/// SHA-256 of a byte slice.
pub fn sha256(bytes: &[u8]) -> Sha256Digest {
    Sha256Digest(sha2::Sha256::digest(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_for_abc() {
        let digests = ContentDigests::of_bytes(b"abc");
        assert_eq!(digests.sha256.to_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // GB/T 32905-2016 appendix A, example 1.
        assert_eq!(digests.sm3.to_hex(), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assert_eq!(digests.size, 3);
    }

    #[test]
    fn digests_round_trip_through_hex_and_reject_garbage() {
        let digest = sha256(b"x");
        assert_eq!(digest.to_hex().parse::<Sha256Digest>().unwrap(), digest);
        assert!("abc".parse::<Sha256Digest>().is_err());
        assert!("zz".repeat(32).parse::<Sm3Digest>().is_err());
    }
}
