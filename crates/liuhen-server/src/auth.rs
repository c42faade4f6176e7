//! Credentials: password hashing, session secrets, API token digests,
//! CSRF tokens and the session cookie.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults, which
//! follow the OWASP recommendation) and kept as PHC strings, so the
//! parameters travel with each hash and can be raised later without
//! invalidating old ones.
//!
//! Session secrets and API tokens are 32 random bytes written in base64url
//! without padding. The store keeps only [`secret_digest`], the SHA-256 of
//! the text exactly as the client presents it, so a copy of the database
//! lets nobody sign in. The CSRF token is derived from the session secret
//! (see [`csrf_token`]), so it needs no storage either.

use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use liuhen_core::digest::{sha256, Sha256Digest};
use rand::RngCore as _;

/// The name of the cookie that carries the session secret.
pub const SESSION_COOKIE: &str = "liuhen_session";

/// The header a cookie-authenticated request that changes state must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Hashes a password with Argon2id and a fresh random salt; returns the PHC
/// string (`$argon2id$v=19$m=…`).
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        // Only absurd inputs fail (a password over 4 GiB); the default
        // parameters and a 16-byte salt are always accepted.
        .expect("Argon2id with default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches the PHC string `hash`. A hash that cannot be
/// read matches nothing (and is logged, because it means damaged data).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(error) => {
            tracing::error!(%error, "a stored password hash is not a valid PHC string; the account cannot sign in");
            false
        }
    }
}

/// A hash of a password nobody knows, verified against when the login is
/// unknown so that a wrong login takes as long as a wrong password and the
/// response time does not reveal which logins exist.
pub(crate) fn decoy_password_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_secret()))
}

/// A fresh secret: 32 random bytes in base64url without padding (43
/// characters). Used for session secrets and for API tokens.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a session secret or an API token: the SHA-256 of
/// its text as the client presents it.
pub fn secret_digest(secret: &str) -> Sha256Digest {
    sha256(secret.as_bytes())
}

/// The CSRF token of the session whose secret is `session_secret`: the
/// lower-case hex SHA-256 of `"csrf"` followed by the secret's text.
///
/// Only someone who holds the secret can compute it, and the secret sits
/// in an HttpOnly cookie that scripts cannot read; so the web page learns
/// the token from the sign-in response (or `GET /api/v1/me`) and a page on
/// another site cannot learn it at all.
pub fn csrf_token(session_secret: &str) -> String {
    let mut input = Vec::with_capacity(4 + session_secret.len());
    input.extend_from_slice(b"csrf");
    input.extend_from_slice(session_secret.as_bytes());
    sha256(&input).to_hex()
}

/// Compares two byte strings in time that depends only on their lengths,
/// so a guessed CSRF token cannot be refined by timing.
pub(crate) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

/// The `Set-Cookie` value that hands a browser its session.
pub(crate) fn session_cookie(secret: &str, lifetime: Duration, secure: bool) -> HeaderValue {
    cookie_header(secret, lifetime.as_secs(), secure)
}

/// The `Set-Cookie` value that makes a browser forget its session.
pub(crate) fn expired_session_cookie(secure: bool) -> HeaderValue {
    cookie_header("", 0, secure)
}

fn cookie_header(value: &str, max_age_seconds: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::from_str(&text).expect("base64url secrets and fixed attributes are valid header text")
}

/// The value of the cookie `name` in the request's `Cookie` headers, if any.
pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("正确的密码 correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "正确的密码 correct horse"));
        assert!(!verify_password(&hash, "正确的密码 correct horse "));
        assert!(!verify_password("not a phc string", "anything"));
        assert_ne!(hash, hash_password("正确的密码 correct horse"), "every hash has its own salt");
    }

    #[test]
    fn secrets_are_43_base64url_characters_and_never_repeat() {
        let first = generate_secret();
        assert_eq!(first.len(), 43);
        assert!(first.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'));
        assert_ne!(first, generate_secret());
    }

    #[test]
    fn the_csrf_token_is_the_hex_digest_of_csrf_and_the_secret() {
        assert_eq!(csrf_token("abc"), sha256(b"csrfabc").to_hex());
        assert_ne!(csrf_token("abc"), csrf_token("abd"));
    }

    #[test]
    fn constant_time_comparison_is_still_a_comparison() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"same!"));
    }

    #[test]
    fn cookies_carry_the_protective_attributes() {
        let cookie = session_cookie("s3cret", Duration::from_secs(3600), true);
        assert_eq!(cookie.to_str().unwrap(), "liuhen_session=s3cret; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
        assert!(!expired_session_cookie(false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; liuhen_session=abc"));
        headers.append(header::COOKIE, HeaderValue::from_static("other=1"));
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }
}
