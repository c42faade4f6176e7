//! S3 Object Lock (WORM): the bucket itself refuses to delete or overwrite
//! an object before its retain-until date (compliance mode) or while it is
//! under legal hold, whoever asks — a second line behind Liuhen's own rule
//! that only disposal deletes a blob.
//!
//! OpenDAL does not speak the Object Lock sub-resources, so these few
//! requests are made directly and signed with AWS SigV4 by `reqsign`, the
//! signing library OpenDAL itself uses for S3.

use jiff::Timestamp;
use liuhen_core::digest::Sha256Digest;
use serde::Serialize;

use crate::{blob_key, S3Location, Vault, VaultError, VaultLocation};

/// What the store can do for Object Lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ObjectLockSupport {
    /// A local filesystem vault: there is no Object Lock (protect the
    /// directory with permissions, and keep a backup).
    NotApplicable,
    /// The server does not implement Object Lock (e.g. Garage answers 501).
    Unsupported { detail: String },
    /// The server implements it, but the bucket was created without it
    /// (it can only be enabled when a bucket is created).
    NotEnabled,
    /// Enabled: retain-until dates and legal holds can be set.
    Enabled { default_retention: Option<String> },
}

impl ObjectLockSupport {
    /// One line for `liuhen verify`.
    pub fn describe(&self) -> String {
        match self {
            ObjectLockSupport::NotApplicable => "object lock: not applicable (filesystem vault)".into(),
            ObjectLockSupport::Unsupported { detail } => {
                format!("object lock: NOT supported by this S3 server ({detail}); blobs are protected by Liuhen's own rules and backups only")
            }
            ObjectLockSupport::NotEnabled => {
                "object lock: supported but NOT enabled on this bucket; create the bucket with Object Lock enabled to have the store refuse deletion too".into()
            }
            ObjectLockSupport::Enabled { default_retention } => match default_retention {
                Some(rule) => format!(
                    "object lock: enabled, with a bucket default retention ({rule}) that makes the store require a checksum on every upload, which the vault's uploads do not send: remove the default rule (Liuhen dates each object itself, from the pack in force)"
                ),
                None => "object lock: enabled; retain-until and legal holds are set per object".into(),
            },
        }
    }

    pub fn enabled(&self) -> bool {
        matches!(self, ObjectLockSupport::Enabled { .. })
    }
}

fn error(s3: &S3Location, message: String) -> VaultError {
    VaultError::Io { location: format!("s3://{}", s3.bucket), source: std::io::Error::other(message) }
}

/// A path-style URL of the bucket or of an object in it, with `query`
/// (a sub-resource such as `retention`) when it is not empty.
fn url(s3: &S3Location, key: Option<&str>, query: &str) -> String {
    let endpoint = s3.endpoint.trim_end_matches('/');
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    match key {
        None => format!("{endpoint}/{}{query}", s3.bucket),
        Some(key) => {
            let prefix = s3.prefix.trim_matches('/');
            let full = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}/{key}") };
            format!("{endpoint}/{}/{full}{query}", s3.bucket)
        }
    }
}

/// An answer from the server: status, headers and body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

/// Sends one signed request; returns the status and body.
async fn send(s3: &S3Location, method: reqwest::Method, url: String, body: Option<String>) -> Result<(u16, String), VaultError> {
    let answer = request(s3, method, url, &[], body).await?;
    Ok((answer.status, answer.body))
}

/// Sends one request with extra headers, signed with AWS SigV4.
async fn request(
    s3: &S3Location,
    method: reqwest::Method,
    url: String,
    headers: &[(&'static str, &str)],
    body: Option<String>,
) -> Result<Answer, VaultError> {
    use base64::Engine as _;
    // One client for every request, so a lock pass reuses its connections;
    // a server that stops answering fails the request instead of holding it.
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default()
    });
    let mut builder = client.request(method, &url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if let Some(body) = &body {
        let md5 = md5::Md5::digest(body.as_bytes());
        builder = builder
            .header("content-md5", base64::engine::general_purpose::STANDARD.encode(md5))
            .header("content-type", "application/xml")
            .body(body.clone());
    }
    let mut request = builder.build().map_err(|e| error(s3, format!("cannot build the request to {url}: {e}")))?;
    let credential = reqsign::AwsCredential {
        access_key_id: s3.access_key_id.clone(),
        secret_access_key: s3.secret_access_key.clone(),
        session_token: None,
        expires_in: None,
    };
    reqsign::AwsV4Signer::new("s3", &s3.region)
        .sign(&mut request, &credential)
        .map_err(|e| error(s3, format!("cannot sign the request: {e}")))?;
    let response = client.execute(request).await.map_err(|e| error(s3, format!("cannot reach {}: {e}", s3.endpoint)))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Ok(Answer { status, headers, body })
}

use md5::Digest as _;

fn xml_value<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim())
}

impl Vault {
    /// Asks the bucket whether it has Object Lock (GetObjectLockConfiguration).
    pub async fn object_lock_support(&self) -> Result<ObjectLockSupport, VaultError> {
        let VaultLocation::S3(s3) = &self.location else { return Ok(ObjectLockSupport::NotApplicable) };
        let (status, body) = send(s3, reqwest::Method::GET, url(s3, None, "object-lock"), None).await?;
        match status {
            200 if xml_value(&body, "ObjectLockEnabled") == Some("Enabled") => {
                let default_retention = xml_value(&body, "Mode").map(|mode| {
                    // Some servers answer the unused one of the two as 0.
                    let period = |tag: &str, unit: &str| {
                        xml_value(&body, tag)
                            .filter(|value| !value.trim_start_matches('0').is_empty())
                            .map(|value| format!(" {value} {unit}"))
                    };
                    format!("{mode}{}{}", period("Days", "days").unwrap_or_default(), period("Years", "years").unwrap_or_default())
                });
                Ok(ObjectLockSupport::Enabled { default_retention })
            }
            200 => Ok(ObjectLockSupport::NotEnabled),
            404 if body.contains("ObjectLockConfigurationNotFound") => Ok(ObjectLockSupport::NotEnabled),
            400 | 404 | 405 | 501 => Ok(ObjectLockSupport::Unsupported {
                detail: format!(
                    "GetObjectLockConfiguration answered {status}{}",
                    xml_value(&body, "Code").map(|c| format!(" {c}")).unwrap_or_default()
                ),
            }),
            403 => Err(error(
                s3,
                "the S3 credentials may not read the bucket's Object Lock configuration (403); check the access key's permissions".into(),
            )),
            other => Err(error(s3, format!("GetObjectLockConfiguration answered {other}: {}", body.trim()))),
        }
    }

    /// Sets a blob's retain-until date in compliance mode (it can only be
    /// extended afterwards, never shortened) when one is given, and puts a
    /// legal hold on or takes it off when that is given. Only on a bucket
    /// with Object Lock enabled; the caller checks that first. `Ok(false)`
    /// when the bucket has no such blob (nothing was set).
    pub async fn lock_blob(
        &self,
        sha256: &Sha256Digest,
        retain_until: Option<Timestamp>,
        legal_hold: Option<bool>,
    ) -> Result<bool, VaultError> {
        let VaultLocation::S3(s3) = &self.location else { return Ok(true) };
        let key = blob_key(sha256);
        // S3 answers NoSuchKey for a blob it does not have; some servers
        // answer an error of another kind, so a refusal is checked with HEAD.
        let missing = async |status: u16, text: &str| -> Result<bool, VaultError> {
            if status == 404 && xml_value(text, "Code").is_some_and(|code| code == "NoSuchKey") {
                return Ok(true);
            }
            Ok(request(s3, reqwest::Method::HEAD, url(s3, Some(&key), ""), &[], None).await?.status == 404)
        };
        if let Some(until) = retain_until {
            let body = format!(
                "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode><RetainUntilDate>{}</RetainUntilDate></Retention>",
                until.strftime("%Y-%m-%dT%H:%M:%SZ")
            );
            let (status, text) = send(s3, reqwest::Method::PUT, url(s3, Some(&key), "retention"), Some(body)).await?;
            if status != 200 && missing(status, &text).await? {
                return Ok(false);
            }
            if status != 200 {
                return Err(error(s3, format!("PutObjectRetention for {sha256} answered {status}: {}", text.trim())));
            }
        }
        if let Some(legal_hold) = legal_hold {
            let body = format!(
                "<LegalHold xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>{}</Status></LegalHold>",
                if legal_hold { "ON" } else { "OFF" }
            );
            let (status, text) = send(s3, reqwest::Method::PUT, url(s3, Some(&key), "legal-hold"), Some(body)).await?;
            if status != 200 && missing(status, &text).await? {
                return Ok(false);
            }
            if status != 200 {
                return Err(error(s3, format!("PutObjectLegalHold for {sha256} answered {status}: {}", text.trim())));
            }
        }
        Ok(true)
    }
}

/// An S3 server that keeps Object Lock, for tests: moto's server
/// (`pip install 'moto[server]'`, run as `python3 -m moto.server`; Garage, the project's main test server,
/// does not implement Object Lock), started on a free loopback port and
/// stopped when dropped. Tests skip without it unless
/// `LIUHEN_REQUIRE_OBJECT_LOCK=1`, which CI sets.
pub mod testing {
    use std::process::{Child, Command, Stdio};

    use liuhen_core::digest::Sha256Digest;

    use super::{request, url, S3Location};
    use crate::blob_key;

    pub struct LockingServer {
        child: Child,
        pub endpoint: String,
    }

    /// What the server keeps about one object's lock (its HEAD answer).
    #[derive(Debug, Default)]
    pub struct ObjectLockState {
        pub mode: Option<String>,
        pub retain_until: Option<String>,
        pub legal_hold: Option<String>,
        pub version_id: Option<String>,
    }

    impl LockingServer {
        /// Starts the server, or says why the test is skipped and returns `None`.
        pub async fn start(test_name: &str) -> Option<LockingServer> {
            let required = std::env::var("LIUHEN_REQUIRE_OBJECT_LOCK").is_ok_and(|value| value == "1");
            // `python3 -m`, not the `moto_server` script: pip may put scripts
            // where PATH does not look.
            match Command::new("python3").args(["-c", "import moto.server"]).output() {
                Ok(output) if output.status.success() => {}
                Ok(_) | Err(_) if !required => {
                    eprintln!("skipped {test_name}: moto's S3 server is not installed (pip install 'moto[server]')");
                    return None;
                }
                Ok(output) => panic!(
                    "LIUHEN_REQUIRE_OBJECT_LOCK=1 but moto's S3 server cannot be imported (pip install 'moto[server]'): {}",
                    String::from_utf8_lossy(&output.stderr)
                ),
                Err(error) => panic!("LIUHEN_REQUIRE_OBJECT_LOCK=1 but python3 cannot be run: {error}"),
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port();
            let child = Command::new("python3")
                .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 starts");
            let server = LockingServer { child, endpoint: format!("http://127.0.0.1:{port}") };
            for _ in 0..300 {
                if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                    return Some(server);
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("moto's S3 server did not answer on port {port} within 30 s");
        }

        /// The location of `bucket` on this server (it takes any keys).
        pub fn location(&self, bucket: &str) -> S3Location {
            S3Location {
                bucket: bucket.to_owned(),
                prefix: String::new(),
                endpoint: self.endpoint.clone(),
                region: "us-east-1".into(),
                access_key_id: "liuhen-test".into(),
                secret_access_key: "liuhen-test-secret".into(),
            }
        }

        /// Creates a bucket, with Object Lock enabled when `object_lock`
        /// (which also turns on versioning, as on AWS).
        pub async fn create_bucket(&self, bucket: &str, object_lock: bool) -> S3Location {
            let location = self.location(bucket);
            let headers: &[(&'static str, &str)] = if object_lock { &[("x-amz-bucket-object-lock-enabled", "true")] } else { &[] };
            let answer =
                request(&location, reqwest::Method::PUT, url(&location, None, ""), headers, None).await.expect("the server answers");
            assert_eq!(answer.status, 200, "CreateBucket {bucket}: {}", answer.body);
            location
        }

        /// Gives a locked bucket a default retention rule (compliance mode).
        pub async fn set_default_retention(&self, location: &S3Location, days: u32) {
            let body = format!(
                "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>{days}</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
            );
            let answer = request(location, reqwest::Method::PUT, url(location, None, "object-lock"), &[], Some(body))
                .await
                .expect("the server answers");
            assert_eq!(answer.status, 200, "PutObjectLockConfiguration: {}", answer.body);
        }

        /// The lock the server keeps on a blob, read back with HEAD.
        pub async fn lock_state(&self, location: &S3Location, sha256: &Sha256Digest) -> ObjectLockState {
            let key = blob_key(sha256);
            let answer =
                request(location, reqwest::Method::HEAD, url(location, Some(&key), ""), &[], None).await.expect("the server answers");
            assert_eq!(answer.status, 200, "HEAD {key}");
            let header = |name: &str| answer.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
            ObjectLockState {
                mode: header("x-amz-object-lock-mode"),
                retain_until: header("x-amz-object-lock-retain-until-date"),
                legal_hold: header("x-amz-object-lock-legal-hold"),
                version_id: header("x-amz-version-id"),
            }
        }

        /// Asks the server to delete one stored version of a blob for good
        /// (what a deletion of the data itself is on a versioned bucket);
        /// returns the status it answered.
        pub async fn delete_version(&self, location: &S3Location, sha256: &Sha256Digest, version_id: &str) -> u16 {
            let key = blob_key(sha256);
            let answer =
                request(location, reqwest::Method::DELETE, url(location, Some(&key), &format!("versionId={version_id}")), &[], None)
                    .await
                    .expect("the server answers");
            answer.status
        }
    }

    impl Drop for LockingServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_path_style_under_the_prefix() {
        let s3 = S3Location {
            bucket: "evidence".into(),
            prefix: "/xiamen/".into(),
            endpoint: "http://127.0.0.1:3900/".into(),
            region: "garage".into(),
            access_key_id: "k".into(),
            secret_access_key: "s".into(),
        };
        assert_eq!(url(&s3, None, "object-lock"), "http://127.0.0.1:3900/evidence?object-lock");
        assert_eq!(url(&s3, Some("blobs/ab/cd/abcd"), "retention"), "http://127.0.0.1:3900/evidence/xiamen/blobs/ab/cd/abcd?retention");
    }

    #[test]
    fn the_configuration_is_read_from_the_xml() {
        let xml = "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>";
        assert_eq!(xml_value(xml, "ObjectLockEnabled"), Some("Enabled"));
        assert_eq!(xml_value(xml, "Years"), Some("1"));
        assert_eq!(xml_value(xml, "Days"), None);
    }
}
