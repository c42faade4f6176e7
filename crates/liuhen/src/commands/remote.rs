//! The workstation's side of remote ingest: resumable uploads (tus 1.0) to
//! a central `liuhen serve`.
//!
//! Each file is read once: as its bytes go out in chunks they are hashed
//! with SHA-256, and the server is then asked to register the upload with
//! that hash. The server hashes what arrived itself (SHA-256 and SM3) and
//! registers only if the SHA-256 agrees; the workstation compares the
//! server's answer again, and before it clears the camera has the server
//! read its stored copy back and hash it once more (`recheck`), as local
//! ingest rehashes the vault's copy. (SM3 is left to
//! the server: on a small workstation, computing it twice would halve the
//! upload speed and add no protection the SHA-256 comparison lacks.)
//!
//! An upload's address is kept under the data directory until the server has
//! registered it, so a run that dies (kill -9, power cut) resumes the upload
//! where the server says it stopped. Network failures and server errors are
//! retried with back-off; a refused token is not.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::Bytes;
use jiff::Timestamp;
use liuhen_core::digest::Sha256Digest;
use liuhen_core::id::MediaId;
use liuhen_core::recording::{ClockOffset, MediaKind};
use liuhen_server::RegisterResponse;
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Bytes sent per PATCH request.
pub(crate) const CHUNK: usize = 16 << 20;
/// Chunks read ahead of the one being sent.
pub(crate) const READ_AHEAD: usize = 1;
/// How many times a failing request is tried before the file is given up
/// (for this run; the next run resumes it).
const ATTEMPTS: u32 = 8;
const TUS_VERSION: &str = "1.0.0";

/// A connection to a central server, as one workstation.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Where the addresses of unfinished uploads are kept.
    pending: PathBuf,
    /// Why the server is taken to be away for the rest of the run: it did
    /// not answer at the start, or after [`ATTEMPTS`] tries for one file.
    /// Later files then do not wait through the tries again.
    gone: std::sync::Mutex<Option<String>>,
}

/// One file to send, and what the workstation knows about it.
pub(crate) struct Outgoing<'a> {
    pub path: &'a Path,
    pub relative: &'a str,
    pub size: u64,
    pub modified: Option<Timestamp>,
    pub device_serial: &'a str,
    pub badge_no: Option<String>,
    pub clock_offset: Option<ClockOffset>,
    pub extension_kind: MediaKind,
    /// The file's name on the device.
    pub original_name: Option<String>,
    /// What the bytes must hash to (a copy made earlier): if they do not,
    /// nothing is registered and [`Altered`] is returned.
    pub expected_sha256: Option<&'a str>,
    /// When the workstation took the file off the device, if that was
    /// before now (a copy that waited in the spool).
    pub offloaded_at: Option<Timestamp>,
}

/// The bytes sent did not hash to [`Outgoing::expected_sha256`]; the upload
/// was not registered.
#[derive(Debug)]
pub(crate) struct Altered {
    pub read: Sha256Digest,
    pub expected: String,
}

impl std::fmt::Display for Altered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the bytes read hash to SHA-256 {}, not to the {} recorded when the copy was made; nothing was registered",
            self.read, self.expected
        )
    }
}

impl std::error::Error for Altered {}

/// The server's hashes of its stored copy, read back just now.
#[derive(Deserialize)]
pub(crate) struct Rechecked {
    pub sha256: String,
    pub sm3: String,
}

/// An upload on the server, begun by this run or an earlier one.
pub(crate) struct Upload {
    location: String,
    /// How many bytes the server has.
    offset: u64,
    /// Where its address is kept until it is registered.
    pending_path: PathBuf,
}

/// The address of an unfinished upload, kept between runs.
#[derive(Serialize, Deserialize)]
struct Pending {
    location: String,
}

/// Why one request failed: worth another try, not worth one until someone
/// acts on the server, or final.
enum Failure {
    Retry(String),
    /// The server cannot take files now (its storage is full): it is taken
    /// to be away for the rest of the run, at once.
    Away(String),
    Fatal(anyhow::Error),
}

impl Client {
    pub(crate) fn new(server: &str, token: &str, pending: PathBuf) -> anyhow::Result<Self> {
        let base = server.trim_end_matches('/').to_owned();
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "the server address `{server}` must start with http:// or https://"
        );
        anyhow::ensure!(!token.trim().is_empty(), "the API token is empty");
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(300))
            .build()
            .context("cannot set up HTTP")?;
        Ok(Self { http, base, token: token.trim().to_owned(), pending, gone: std::sync::Mutex::new(None) })
    }

    /// Checks that the server answers and accepts this token, before any
    /// file is read. `Ok(Some(why))` when it cannot be reached or answers
    /// with a server error; a refused token is an error.
    pub(crate) async fn check(&self) -> anyhow::Result<Option<String>> {
        let response = match self.request(Method::GET, "/api/v1/me").send().await {
            Ok(response) => response,
            Err(error) => {
                return Ok(Some(format!("cannot reach the server at {}: is it running, and is the address right? ({error})", self.base)))
            }
        };
        match response.status() {
            status if status.is_success() => Ok(None),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                bail!("the server refused this workstation's token: {}; nothing was uploaded", server_message(response).await)
            }
            status if status.is_server_error() => {
                Ok(Some(format!("the server at {} answered {status}: {}", self.base, server_message(response).await)))
            }
            status => bail!("the server at {} answered {status}: {}", self.base, server_message(response).await),
        }
    }

    /// Why the server is taken to be away for the rest of this run, if it is.
    pub(crate) fn gone(&self) -> Option<String> {
        self.gone.lock().expect("not poisoned").clone()
    }

    pub(crate) fn mark_gone(&self, why: String) {
        self.gone.lock().expect("not poisoned").get_or_insert(why);
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url =
            if path.starts_with("http://") || path.starts_with("https://") { path.to_owned() } else { format!("{}{path}", self.base) };
        self.http.request(method, url).bearer_auth(&self.token).header("tus-resumable", TUS_VERSION)
    }

    /// Sends one file and has it registered; returns the SHA-256 the
    /// workstation read and the server's answer.
    pub(crate) async fn send(
        &self,
        file: &Outgoing<'_>,
        progress: liuhen_vault::Progress,
    ) -> anyhow::Result<(Sha256Digest, RegisterResponse)> {
        let upload = self.begin(file).await?;
        // Never through a link put in the file's place since the scan.
        let source = open_camera_file(file.path)?;
        // A thread of its own reads (and hashes) the next chunk while this
        // one is on the wire: from a disk that is not in the page cache,
        // reading and sending one after the other cost a third more time.
        let (chunks, arriving) = tokio::sync::mpsc::channel::<anyhow::Result<Bytes>>(READ_AHEAD);
        let reading = {
            let source = Chunks::new(source, file.path, file.size, file.expected_sha256.is_some());
            tokio::task::spawn_blocking(move || read_and_hash(source, &chunks))
        };
        self.send_chunks(&upload, file.size, arriving, progress).await?;
        let hasher = reading.await.expect("reading does not panic").context("the file was not read to its end")?;
        let sha256 = Sha256Digest(hasher.finalize().into());
        if std::fs::metadata(file.path).map(|metadata| metadata.len()).ok() != Some(file.size) {
            bail!("{} changed size while it was read", file.path.display());
        }
        if let Some(expected) = file.expected_sha256.filter(|expected| *expected != sha256.to_hex()) {
            // What arrived is not what was copied: the server drops it
            // (best effort; its sweep would), and the next try starts afresh.
            let _ = self.request(Method::DELETE, &upload.location).send().await;
            let _ = std::fs::remove_file(&upload.pending_path);
            return Err(Altered { read: sha256, expected: expected.to_owned() }.into());
        }
        let answer = self.finish(&upload, file, &sha256).await?;
        Ok((sha256, answer))
    }

    /// Finds the upload an earlier run began for this file (and how much of
    /// it the server has), or begins one.
    pub(crate) async fn begin(&self, file: &Outgoing<'_>) -> anyhow::Result<Upload> {
        std::fs::create_dir_all(&self.pending).with_context(|| format!("cannot create {}", self.pending.display()))?;
        let key = upload_key(file.device_serial, file.relative, file.size, file.modified);
        let pending_path = self.pending.join(format!("{key}.json"));
        let mut location = match std::fs::read(&pending_path).ok().and_then(|bytes| serde_json::from_slice::<Pending>(&bytes).ok()) {
            Some(pending) => Some(pending.location),
            None => None,
        };
        let mut offset = 0;
        if let Some(known) = &location {
            match self.with_retries(|| self.offset_of(known)).await {
                Ok(Some(arrived)) => offset = arrived,
                Ok(None) => location = None,
                Err(error) => return Err(error),
            }
        }
        let location = match location {
            Some(location) => location,
            None => {
                let location = self.with_retries(|| self.create(file)).await?;
                let pending = serde_json::to_vec(&Pending { location: location.clone() })?;
                std::fs::write(&pending_path, pending).with_context(|| format!("cannot write {}", pending_path.display()))?;
                location
            }
        };
        Ok(Upload { location, offset, pending_path })
    }

    /// Sends the file's bytes as they arrive from `arriving` (every byte
    /// from the start, in order): what the server has already is skipped.
    pub(crate) async fn send_chunks(
        &self,
        upload: &Upload,
        size: u64,
        mut arriving: tokio::sync::mpsc::Receiver<anyhow::Result<Bytes>>,
        progress: liuhen_vault::Progress,
    ) -> anyhow::Result<()> {
        let mut offset = upload.offset;
        let mut position = 0u64;
        while position < size {
            let Some(chunk) = arriving.recv().await else { bail!("the file was not read to its end") };
            let chunk = chunk?;
            let length = chunk.len() as u64;
            progress(length);
            let end = position + length;
            if end > offset {
                let skip = offset.saturating_sub(position) as usize;
                offset = self.with_retries(|| self.append(&upload.location, position + skip as u64, chunk.slice(skip..))).await?;
                if offset < end {
                    bail!("the server kept only {offset} of the first {end} bytes; run ingest again to resume");
                }
            }
            position = end;
        }
        Ok(())
    }

    /// Has the server register an upload whose every byte it has, as the
    /// file `file` with the SHA-256 the workstation read.
    pub(crate) async fn finish(&self, upload: &Upload, file: &Outgoing<'_>, sha256: &Sha256Digest) -> anyhow::Result<RegisterResponse> {
        let answer = self.with_retries(|| self.register(&upload.location, file, sha256)).await?;
        let _ = std::fs::remove_file(&upload.pending_path);
        Ok(answer)
    }

    /// Has the server read its stored copy back and hash it again, just
    /// before the camera's file is deleted; returns the server's fresh
    /// SHA-256 and SM3. A copy that no longer matches its registration is
    /// refused (422), not retried.
    pub(crate) async fn recheck(&self, media: MediaId, device_serial: &str) -> anyhow::Result<Rechecked> {
        let body = serde_json::json!({ "device_serial": device_serial });
        self.with_retries(|| async {
            let response =
                self.request(Method::POST, &format!("/api/v1/media/{media}/recheck")).json(&body).send().await.map_err(transport)?;
            let response = judge(response).await?;
            response.json().await.map_err(|error| Failure::Retry(format!("the server's answer could not be read: {error}")))
        })
        .await
    }

    /// Records on the server that the file was deleted from the device.
    pub(crate) async fn cleared(&self, media: MediaId, device_serial: &str, relative: &str) -> anyhow::Result<Option<u64>> {
        let body = serde_json::json!({ "device_serial": device_serial, "path_on_device": relative });
        let answer: serde_json::Value = self
            .with_retries(|| async {
                let response =
                    self.request(Method::POST, &format!("/api/v1/media/{media}/cleared")).json(&body).send().await.map_err(transport)?;
                let response = judge(response).await?;
                response.json().await.map_err(|error| Failure::Retry(error.to_string()))
            })
            .await?;
        Ok(answer["ledger_index"].as_u64())
    }

    async fn offset_of(&self, location: &str) -> Result<Option<u64>, Failure> {
        let response = self.request(Method::HEAD, location).send().await.map_err(transport)?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = judge(response).await?;
        header_number(&response, "upload-offset").map(Some)
    }

    async fn create(&self, file: &Outgoing<'_>) -> Result<String, Failure> {
        use base64::Engine;
        let name = Path::new(file.relative).file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let metadata = format!(
            "filename {},device {}",
            base64::engine::general_purpose::STANDARD.encode(name),
            base64::engine::general_purpose::STANDARD.encode(file.device_serial)
        );
        let response = self
            .request(Method::POST, "/api/v1/uploads")
            .header("upload-length", file.size)
            .header("upload-metadata", metadata)
            .send()
            .await
            .map_err(transport)?;
        let response = judge(response).await?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| Failure::Fatal(anyhow::anyhow!("the server created an upload but did not say where")))?;
        Ok(location.to_owned())
    }

    /// Sends bytes from `at`; returns the server's new offset. After a
    /// failure, asks the server how much it kept before trying again.
    async fn append(&self, location: &str, at: u64, bytes: Bytes) -> Result<u64, Failure> {
        let response = self
            .request(Method::PATCH, location)
            .header("upload-offset", at)
            .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
            .body(bytes.clone())
            .send()
            .await;
        let outcome = match response {
            Ok(response) => match judge(response).await {
                Ok(response) => header_number(&response, "upload-offset"),
                Err(failure) => Err(failure),
            },
            Err(error) => Err(transport(error)),
        };
        match outcome {
            Ok(offset) => Ok(offset),
            Err(failure @ (Failure::Fatal(_) | Failure::Away(_))) => Err(failure),
            Err(Failure::Retry(reason)) => {
                // Part of the chunk may have arrived: resume from what the server has.
                match self.offset_of(location).await {
                    Ok(Some(kept)) if kept > at && kept <= at + bytes.len() as u64 => {
                        let rest = bytes.slice((kept - at) as usize..);
                        if rest.is_empty() {
                            return Ok(kept);
                        }
                        Box::pin(self.append(location, kept, rest)).await
                    }
                    _ => Err(Failure::Retry(reason)),
                }
            }
        }
    }

    async fn register(&self, location: &str, file: &Outgoing<'_>, sha256: &Sha256Digest) -> Result<RegisterResponse, Failure> {
        let body = serde_json::json!({
            "sha256": sha256.to_hex(),
            "device_serial": file.device_serial,
            "badge_no": file.badge_no,
            "path_on_device": file.relative,
            "original_name": file.original_name,
            "modified": file.modified,
            "clock_offset": file.clock_offset,
            "extension_kind": file.extension_kind,
            "offloaded_at": file.offloaded_at,
        });
        let response = self.request(Method::POST, &format!("{location}/register")).json(&body).send().await.map_err(transport)?;
        let response = judge(response).await?;
        response.json().await.map_err(|error| Failure::Retry(format!("the server's answer could not be read: {error}")))
    }

    /// Runs `attempt` until it succeeds, fails for good, or has failed
    /// [`ATTEMPTS`] times, waiting longer after each failure.
    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let mut wait = Duration::from_millis(250);
        let mut last = String::new();
        for number in 1..=ATTEMPTS {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(error)) => return Err(error),
                Err(Failure::Away(reason)) => {
                    let why = format!("the server at {} cannot take files now ({reason})", self.base);
                    self.mark_gone(why.clone());
                    bail!("{why}; run ingest again once it can")
                }
                Err(Failure::Retry(reason)) => {
                    tracing::warn!(attempt = number, %reason, "upload request failed; retrying");
                    last = reason;
                }
            }
            if number < ATTEMPTS {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(8));
            }
        }
        let why = format!("the server at {} did not answer after {ATTEMPTS} tries ({last})", self.base);
        self.mark_gone(why.clone());
        bail!("{why}; run ingest again to resume")
    }
}

fn transport(error: reqwest::Error) -> Failure {
    Failure::Retry(format!("{error}"))
}

/// Sorts a response into success, worth retrying, or final.
async fn judge(response: reqwest::Response) -> Result<reqwest::Response, Failure> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let message = server_message(response).await;
    Err(match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Failure::Fatal(anyhow::anyhow!("the server refused this workstation's token: {message}"))
        }
        StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS => {
            Failure::Retry(format!("{status}: {message}"))
        }
        StatusCode::INSUFFICIENT_STORAGE => Failure::Away(format!("{status}: {message}")),
        status if status.is_server_error() => Failure::Retry(format!("{status}: {message}")),
        status => Failure::Fatal(anyhow::anyhow!("the server refused ({status}): {message}")),
    })
}

/// The `error` of a JSON error body, or the status.
async fn server_message(response: reqwest::Response) -> String {
    let status = response.status();
    match response.json::<serde_json::Value>().await {
        Ok(body) => body["error"].as_str().map(str::to_owned).unwrap_or_else(|| status.to_string()),
        Err(_) => status.to_string(),
    }
}

fn header_number(response: &reqwest::Response, name: &str) -> Result<u64, Failure> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| Failure::Retry(format!("the server's answer has no {name}")))
}

/// Reads every chunk of `source`, hashing each and handing it to
/// `chunks`. Returns the hash once every byte was read; `None` when reading
/// failed (the error went to `chunks`) or the receiver stopped.
fn read_and_hash(source: Chunks, chunks: &tokio::sync::mpsc::Sender<anyhow::Result<Bytes>>) -> Option<sha2::Sha256> {
    let mut hasher = sha2::Sha256::new();
    for chunk in source {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                let _ = chunks.blocking_send(Err(error));
                return None;
            }
        };
        hasher.update(&chunk);
        if chunks.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return None;
        }
    }
    Some(hasher)
}

/// The first `size` bytes of a camera's file (or of the workstation's own
/// copy of one), [`CHUNK`] at a time: how the workstation reads a file to
/// send it or to copy it. Each read error says what was being read; a file
/// that ends sooner says it changed.
pub(crate) struct Chunks {
    file: std::fs::File,
    path: PathBuf,
    size: u64,
    left: u64,
    copy: bool,
}

impl Chunks {
    /// `copy`: the file is the workstation's own copy, not the camera's.
    pub(crate) fn new(file: std::fs::File, path: &Path, size: u64, copy: bool) -> Self {
        Self { file, path: path.to_owned(), size, left: size, copy }
    }

    /// The file read, to ask it again for its size when all was read.
    pub(crate) fn file(&self) -> &std::fs::File {
        &self.file
    }
}

impl Iterator for Chunks {
    type Item = anyhow::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let length = usize::try_from(self.left.min(CHUNK as u64)).expect("a chunk fits in memory");
        let mut chunk = vec![0; length];
        let Err(error) = self.file.read_exact(&mut chunk) else {
            self.left -= length as u64;
            return Some(Ok(chunk));
        };
        self.left = 0;
        let (what, hint) = match self.copy {
            true => (format!("the workstation's copy {}", self.path.display()), ""),
            false => (self.path.display().to_string(), " (was the device unplugged?)"),
        };
        Some(Err(if error.kind() == std::io::ErrorKind::UnexpectedEof {
            anyhow::anyhow!("{what} ended before its {} bytes: it changed while it was read", self.size)
        } else {
            anyhow::Error::new(error).context(format!("cannot read {what}{hint}"))
        }))
    }
}

/// Opens a file found on a camera (or a copy of one) for reading, never
/// through a symbolic link put in its place since the scan.
pub(crate) fn open_camera_file(path: &Path) -> anyhow::Result<std::fs::File> {
    liuhen_vault::open_no_follow(path).map_err(|error| match error {
        liuhen_vault::VaultError::SymbolicLink { .. } => {
            anyhow::anyhow!("{} became a symbolic link after the scan; links are never followed", path.display())
        }
        other => other.into(),
    })
}

/// Names an upload (and a spooled copy) by what identifies the file on its
/// device.
pub(crate) fn upload_key(device_serial: &str, relative: &str, size: u64, modified: Option<Timestamp>) -> String {
    let identity = format!("{device_serial}\n{relative}\n{size}\n{}", modified.map(|time| time.as_microsecond()).unwrap_or_default());
    liuhen_core::digest::sha256(identity.as_bytes()).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `size` bytes (a counting pattern) in a folder of its own.
    fn file_of(size: usize) -> (tempfile::TempDir, PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("CLIP.MP4");
        std::fs::write(&path, (0..size).map(|at| (at % 251) as u8).collect::<Vec<_>>()).unwrap();
        (directory, path)
    }

    #[test]
    fn chunks_cover_the_file_once_in_order() {
        let (_directory, path) = file_of(CHUNK + 5);
        let chunks: Vec<Vec<u8>> =
            Chunks::new(std::fs::File::open(&path).unwrap(), &path, (CHUNK + 5) as u64, false).map(Result::unwrap).collect();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [CHUNK, 5]);
        assert_eq!(chunks.concat(), std::fs::read(&path).unwrap());
        // Only the size given is read: what was added since the scan is not.
        let chunks: Vec<_> = Chunks::new(std::fs::File::open(&path).unwrap(), &path, 7, false).map(Result::unwrap).collect();
        assert_eq!(chunks, [std::fs::read(&path).unwrap()[..7].to_vec()]);
    }

    #[test]
    fn a_file_that_ends_sooner_says_it_changed_and_ends_the_chunks() {
        let (_directory, path) = file_of(10);
        let mut chunks = Chunks::new(std::fs::File::open(&path).unwrap(), &path, 12, false);
        let error = chunks.next().unwrap().unwrap_err();
        assert!(format!("{error:#}").contains("ended before its 12 bytes: it changed while it was read"), "{error:#}");
        assert!(chunks.next().is_none());
    }
}
