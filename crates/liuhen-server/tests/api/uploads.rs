//! Resumable uploads from collection workstations (`/api/v1/uploads`, tus
//! 1.0) and their registration: what the server refuses, that a refused
//! request changes nothing a workstation or a person could see, and that
//! only bytes whose digests the workstation vouched for become records.

use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::DeviceKind;
use liuhen_core::mutation::action;
use liuhen_server::{ServerSettings, UploadSettings};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::reads::video_clip;
use crate::support::{error_of, on_both_backends, patterned, Backend, Credentials, TestServer};

on_both_backends!(with with_uploads:
    a_wrong_sha256_discards_the_upload_and_registers_nothing,
    a_wrong_sm3_discards_the_upload_and_registers_nothing,
    registering_before_every_byte_arrived_leaves_the_upload_resumable,
    bytes_sent_at_another_offset_than_the_servers_are_refused,
    bytes_past_the_declared_length_are_refused,
    a_client_that_does_not_speak_tus_1_0_0_is_refused,
    only_a_workstation_token_may_upload,
    a_workstation_cannot_see_or_touch_another_workstations_upload,
    registering_again_gives_the_same_answer_and_records_nothing_more,
    an_unknown_camera_is_named_and_the_upload_kept,
    abandoned_uploads_and_old_answers_are_swept_records_kept,
    a_spooled_files_offload_time_is_kept_but_never_in_the_future,
);

/// The largest upload the test servers accept.
const MAX_SIZE: u64 = 1 << 20;

/// The body camera the test files come from, issued to 张伟.
const CAMERA: &str = "DSJ-A8-0001";

const TUS: &str = "1.0.0";

/// Runs `test` on a server with uploads turned on, in a folder of the
/// test's own, accepting at most [`MAX_SIZE`] bytes per file.
async fn with_uploads<F: std::future::Future<Output = ()>>(backend: Backend, test: impl FnOnce(TestServer) -> F) {
    let folder = tempfile::tempdir().unwrap();
    let collect = liuhen_collect::CollectSettings { camera_offset: jiff::tz::offset(8), scratch: folder.path().join("tmp") };
    let mut uploads = UploadSettings::new(folder.path().join("uploads"), collect);
    uploads.max_size = MAX_SIZE;
    let settings = ServerSettings {
        secure_cookies: false,
        session_ttl: std::time::Duration::from_secs(3600),
        uploads: Some(uploads),
        compliance: None,
        exports: None,
    };
    let server = TestServer::start_with(backend, settings).await;
    server.add_device(DeviceKind::BodyCamera, CAMERA, Some(server.fixture.officers[0])).await;
    test(server).await;
}

async fn a_wrong_sha256_discards_the_upload_and_registers_nothing(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(8 << 10);
    let location = workstation.upload(&bytes).await;
    let before = Registrations::of(&server).await;

    // The camera held other bytes than arrived: one bit differs.
    let mut read = bytes.clone();
    read[4000] ^= 1;
    let mut declared = declaration(&bytes, CAMERA);
    declared["sha256"] = json!(ContentDigests::of_bytes(&read).sha256.to_hex());
    let response = workstation.register(&location, &declared).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(response).await;
    let arrived = ContentDigests::of_bytes(&bytes);
    assert!(error.contains(&arrived.sha256.to_hex()) && error.contains("upload the file again"), "{error}");

    assert_eq!(workstation.offset(&location).await, None, "the upload is discarded");
    let response = workstation.register(&location, &declaration(&bytes, CAMERA)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "what was discarded cannot be registered: it must be sent again");
    before.assert_unchanged(&server, &[&bytes, &read]).await;
}

async fn a_wrong_sm3_discards_the_upload_and_registers_nothing(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(8 << 10);
    let location = workstation.upload(&bytes).await;
    let before = Registrations::of(&server).await;

    let mut declared = declaration(&bytes, CAMERA);
    let mut read = bytes.clone();
    read[0] ^= 0x80;
    let read_sm3 = ContentDigests::of_bytes(&read).sm3.to_hex();
    declared["sm3"] = json!(read_sm3);
    let response = workstation.register(&location, &declared).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "a matching SHA-256 does not excuse a different SM3");
    let error = error_of(response).await;
    let arrived = ContentDigests::of_bytes(&bytes);
    // The sentence names the digest that differs, not the one that agrees.
    assert!(error.contains("SM3") && error.contains(&arrived.sm3.to_hex()) && error.contains(&read_sm3), "{error}");
    assert!(error.contains("upload the file again"), "{error}");

    assert_eq!(workstation.offset(&location).await, None, "the upload is discarded");
    before.assert_unchanged(&server, &[&bytes]).await;
}

async fn registering_before_every_byte_arrived_leaves_the_upload_resumable(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let clip = video_clip();
    let half = clip.len() / 2;
    let location = workstation.create(clip.len() as u64).await;
    let response = workstation.patch(&location, 0, &clip[..half]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let before = Registrations::of(&server).await;

    let response = workstation.register(&location, &declaration(&clip, CAMERA)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error = error_of(response).await;
    assert!(error.contains(&format!("only {half} of {} bytes", clip.len())), "{error}");
    assert_eq!(workstation.offset(&location).await, Some(half as u64), "what arrived is kept");
    before.assert_unchanged(&server, &[&clip]).await;

    // The workstation resumes where the server says, and then registers.
    let response = workstation.patch(&location, half as u64, &clip[half..]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["upload-offset"], clip.len().to_string().as_str());
    let registered = workstation.registered(&location, &declaration(&clip, CAMERA)).await;
    assert_eq!(registered["status"], "stored");
    assert_eq!(registered["sha256"], ContentDigests::of_bytes(&clip).sha256.to_hex());
    assert_eq!(registered["size"], clip.len());
    assert_eq!(registered["officer_name"], "张伟", "the camera's officer");
    assert_eq!(registered["playback"]["status"], "ok", "the whole clip arrived and plays");
}

async fn bytes_sent_at_another_offset_than_the_servers_are_refused(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(4 << 10);
    let location = workstation.create(bytes.len() as u64).await;
    let response = workstation.patch(&location, 0, &bytes[..1024]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["upload-offset"], "1024");

    // Sent again from the start, and sent past a gap.
    for (offset, part) in [(0, &bytes[..2048]), (2048, &bytes[2048..])] {
        let response = workstation.patch(&location, offset, part).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "bytes for offset {offset}");
        let error = error_of(response).await;
        assert!(error.contains("has 1024 bytes") && error.contains("HEAD"), "{error}");
        assert_eq!(workstation.offset(&location).await, Some(1024), "bytes for offset {offset} are not written");
    }
    let response = workstation.patch(&location, 1024, &bytes[1024..]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Only the accepted bytes are in the file: its digests are the original's.
    let registered = workstation.registered(&location, &other_file(&bytes)).await;
    assert_eq!(registered["sha256"], ContentDigests::of_bytes(&bytes).sha256.to_hex());
}

async fn bytes_past_the_declared_length_are_refused(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let response = workstation.try_create(MAX_SIZE + 1).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "an upload longer than the server accepts");
    assert!(error_of(response).await.contains(&format!("at most {MAX_SIZE} bytes")));
    let response = workstation.try_create(MAX_SIZE).await;
    assert_eq!(response.status(), StatusCode::CREATED, "an upload as long as the server accepts");

    let bytes = patterned(1500);
    let location = workstation.create(1000).await;
    let response = workstation.patch(&location, 0, &bytes).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(response).await.contains("declared 1000 bytes long"));
    assert_eq!(workstation.offset(&location).await, Some(1000), "the bytes within the length are kept");
    let response = workstation.patch(&location, 1000, &bytes[1000..1001]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "a complete upload takes no more bytes");
    assert_eq!(workstation.offset(&location).await, Some(1000));

    // The kept bytes are the first thousand sent, nothing after.
    let registered = workstation.registered(&location, &other_file(&bytes[..1000])).await;
    assert_eq!(registered["size"], 1000);
    assert_eq!(registered["sha256"], ContentDigests::of_bytes(&bytes[..1000]).sha256.to_hex());
}

async fn a_client_that_does_not_speak_tus_1_0_0_is_refused(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(2048);
    let location = workstation.create(bytes.len() as u64).await;
    let response = workstation.patch(&location, 0, &bytes[..1024]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    for version in [None, Some("0.2.2")] {
        let request = |method: Method, path: &str| {
            let request = server.request(method, path, workstation.credentials()).header("upload-length", "10");
            match version {
                Some(version) => request.header("tus-resumable", version),
                None => request,
            }
        };
        let response = request(Method::POST, "/api/v1/uploads").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "creating with Tus-Resumable {version:?}");
        assert!(error_of(response).await.contains("send Tus-Resumable: 1.0.0"));
        let response = request(Method::HEAD, &location).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "HEAD with Tus-Resumable {version:?}");
        let response = request(Method::PATCH, &location)
            .header("upload-offset", "1024")
            .header("content-type", "application/offset+octet-stream")
            .body(bytes[1024..].to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "PATCH with Tus-Resumable {version:?}");
        let response = request(Method::DELETE, &location).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "DELETE with Tus-Resumable {version:?}");
    }
    assert_eq!(workstation.offset(&location).await, Some(1024), "the refused PATCH wrote nothing and DELETE removed nothing");
    assert_eq!(in_progress(&server).await, [location], "no upload was created");
}

async fn only_a_workstation_token_may_upload(server: TestServer) {
    let fixture = &server.fixture;
    let (_, camera_token) = server.add_device(DeviceKind::BodyCamera, "DSJ-A8-0002", Some(fixture.officers[1])).await;
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(2048);
    let location = workstation.create(bytes.len() as u64).await;
    let response = workstation.patch(&location, 0, &bytes[..1024]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let administrator = server.sign_in(&fixture.administrator).await;
    let camera = Workstation { server: &server, token: &camera_token };
    let response = server
        .request(Method::POST, "/api/v1/uploads", Credentials::CookieAndCsrf(&administrator))
        .header("tus-resumable", TUS)
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a person, even an administrator");
    assert!(error_of(response).await.contains("Only collection workstations upload"));
    let response = camera.try_create(10).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a body camera's token");
    assert!(error_of(response).await.contains("does not belong to a collection workstation"));

    // Nor may the camera go on with the workstation's upload.
    assert_eq!(camera.head(&location).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(camera.patch(&location, 1024, &bytes[1024..]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(camera.register(&location, &other_file(&bytes)).await.status(), StatusCode::FORBIDDEN);
    let response = server.request(Method::DELETE, &location, camera.credentials()).header("tus-resumable", TUS).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(workstation.offset(&location).await, Some(1024));
    assert_eq!(in_progress(&server).await, [location], "no upload was created");
}

async fn a_workstation_cannot_see_or_touch_another_workstations_upload(server: TestServer) {
    let (_, other_token) = server.add_device(DeviceKind::Workstation, "CJZ-0002", None).await;
    let workstation = Workstation::fixture(&server);
    let other = Workstation { server: &server, token: &other_token };
    let clip = video_clip();
    let location = workstation.create(clip.len() as u64).await;
    let response = workstation.patch(&location, 0, &clip[..1024]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // To another workstation the upload does not exist.
    assert_eq!(other.head(&location).await.status(), StatusCode::NOT_FOUND);
    let response = other.patch(&location, 1024, &clip[1024..]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(error_of(response).await.contains("of this workstation"));
    assert_eq!(other.register(&location, &declaration(&clip, CAMERA)).await.status(), StatusCode::NOT_FOUND);
    let response = server.request(Method::DELETE, &location, other.credentials()).header("tus-resumable", TUS).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(workstation.offset(&location).await, Some(1024), "the other workstation changed nothing");

    // Nor, once registered, does its answer.
    let response = workstation.patch(&location, 1024, &clip[1024..]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let registered = workstation.registered(&location, &declaration(&clip, CAMERA)).await;
    let response = other.register(&location, &declaration(&clip, CAMERA)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error = error_of(response).await;
    assert!(!error.contains(registered["media_id"].as_str().unwrap()), "{error}");
}

async fn registering_again_gives_the_same_answer_and_records_nothing_more(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let clip = video_clip();
    let location = workstation.upload(&clip).await;
    let first = workstation.registered(&location, &declaration(&clip, CAMERA)).await;
    assert_eq!(first["status"], "stored");
    let ingested = server.entries_for(action::RECORDING_INGESTED).await;
    assert_eq!(ingested.len(), 1);
    assert_eq!(first["ledger_index"], ingested[0].entry.index, "the answer names the entry that registered it");
    assert_eq!(first["media_id"], first["recording"]["media_id"]);
    let after_first = Registrations::of(&server).await;
    assert_eq!(workstation.offset(&location).await, None, "a registered upload is no longer in progress");

    // A workstation that lost the answer asks again.
    let again = workstation.registered(&location, &declaration(&clip, CAMERA)).await;
    assert_eq!((&again["media_id"], &again["ledger_index"]), (&first["media_id"], &first["ledger_index"]));
    assert_eq!(again, first, "the same answer, word for word");
    assert_eq!(Registrations::of(&server).await, after_first, "asking again records nothing");
    let media_id = first["media_id"].as_str().unwrap();
    let stored = server.store.media_by_sha256(&ContentDigests::of_bytes(&clip).sha256).await.unwrap().expect("the clip is registered");
    assert_eq!(stored.id.to_string(), media_id);
}

/// A workstation that kept a file in its spool while the server was away
/// says when it took it off the camera: that is the offload time held to
/// the deadline, unless it lies in the future; the entry keeps the claim.
async fn a_spooled_files_offload_time_is_kept_but_never_in_the_future(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let copied = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(20);
    let earlier = patterned(2 << 10);
    let location = workstation.upload(&earlier).await;
    let mut declared = other_file(&earlier);
    declared["offloaded_at"] = json!(copied);
    let registered = workstation.registered(&location, &declared).await;
    let ingested_at: jiff::Timestamp = registered["recording"]["ingested_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(ingested_at, copied, "{registered:#}");
    let entry = server.entries_for(action::RECORDING_INGESTED).await.pop().unwrap();
    let payload: Value = serde_json::from_str(&entry.payload_json).unwrap();
    assert_eq!(payload["offloaded_at"], json!(copied));

    let before = jiff::Timestamp::now();
    let later: Vec<u8> = patterned(3 << 10);
    let location = workstation.upload(&later).await;
    let mut declared = other_file(&later);
    declared["offloaded_at"] = json!(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24));
    let registered = workstation.registered(&location, &declared).await;
    let ingested_at: jiff::Timestamp = registered["recording"]["ingested_at"].as_str().unwrap().parse().unwrap();
    assert!(ingested_at >= before && ingested_at <= jiff::Timestamp::now(), "a claim in the future is now: {registered:#}");
}

async fn an_unknown_camera_is_named_and_the_upload_kept(server: TestServer) {
    let workstation = Workstation::fixture(&server);
    let bytes = patterned(8 << 10);
    let location = workstation.upload(&bytes).await;
    let before = Registrations::of(&server).await;

    let response = workstation.register(&location, &declaration(&bytes, "DSJ-Z9-4242")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(response).await;
    assert!(error.contains("DSJ-Z9-4242") && error.contains("liuhen device add"), "{error}");
    // A declaration the server cannot read is refused before anything is looked at.
    let mut declared = declaration(&bytes, CAMERA);
    declared["sha256"] = json!("not a digest");
    let response = workstation.register(&location, &declared).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("64 hex digits"));

    // Nothing is wrong with the bytes: they wait for the camera to be registered.
    assert_eq!(workstation.offset(&location).await, Some(bytes.len() as u64), "the upload is kept");
    before.assert_unchanged(&server, &[&bytes]).await;
}

/// A workstation's side of the tus conversation, with its device token.
struct Workstation<'a> {
    server: &'a TestServer,
    token: &'a str,
}

impl<'a> Workstation<'a> {
    /// The fixture's workstation, CJZ-0001.
    fn fixture(server: &'a TestServer) -> Self {
        Workstation { server, token: &server.fixture.workstation_token }
    }

    fn credentials(&self) -> Credentials<'a> {
        Credentials::Bearer(self.token)
    }

    async fn try_create(&self, length: u64) -> Response {
        self.server
            .request(Method::POST, "/api/v1/uploads", self.credentials())
            .header("tus-resumable", TUS)
            .header("upload-length", length.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Starts an upload of `length` bytes; returns its location.
    async fn create(&self, length: u64) -> String {
        let response = self.try_create(length).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["upload-offset"], "0");
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Uploads `bytes` whole, in one request; returns the upload's location.
    async fn upload(&self, bytes: &[u8]) -> String {
        let location = self.create(bytes.len() as u64).await;
        let response = self.patch(&location, 0, bytes).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        location
    }

    async fn patch(&self, location: &str, offset: u64, bytes: &[u8]) -> Response {
        self.server
            .request(Method::PATCH, location, self.credentials())
            .header("tus-resumable", TUS)
            .header("upload-offset", offset.to_string())
            .header("content-type", "application/offset+octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    async fn head(&self, location: &str) -> Response {
        self.server.request(Method::HEAD, location, self.credentials()).header("tus-resumable", TUS).send().await.unwrap()
    }

    /// How many bytes of the upload the server has, or `None` if it has
    /// no such upload.
    async fn offset(&self, location: &str) -> Option<u64> {
        let response = self.head(location).await;
        match response.status() {
            StatusCode::NOT_FOUND => None,
            StatusCode::OK => Some(response.headers()["upload-offset"].to_str().unwrap().parse().unwrap()),
            status => panic!("HEAD {location} answered {status}"),
        }
    }

    async fn register(&self, location: &str, declaration: &Value) -> Response {
        self.server.send_json(Method::POST, &format!("{location}/register"), self.credentials(), declaration).await
    }

    /// Registers the upload, which must succeed; returns the answer.
    async fn registered(&self, location: &str, declaration: &Value) -> Value {
        let response = self.register(location, declaration).await;
        assert_eq!(response.status(), StatusCode::OK, "registering {location}");
        response.json().await.unwrap()
    }
}

/// What a workstation declares about `bytes`, read from a video on the
/// body camera numbered `serial`.
fn declaration(bytes: &[u8], serial: &str) -> Value {
    let digests = ContentDigests::of_bytes(bytes);
    json!({
        "sha256": digests.sha256.to_hex(),
        "sm3": digests.sm3.to_hex(),
        "device_serial": serial,
        "path_on_device": "DCIM/100MEDIA/20261123_083000_执法记录.mp4",
        "original_name": "20261123_083000_执法记录.mp4",
        "extension_kind": "video",
    })
}

/// What a workstation declares about `bytes`, read from a file on `CAMERA`
/// that is not a recording (a GPS track), so that any bytes register.
fn other_file(bytes: &[u8]) -> Value {
    let mut declared = declaration(bytes, CAMERA);
    declared["path_on_device"] = json!("GPS/20261123.nmea");
    declared["original_name"] = json!("20261123.nmea");
    declared["extension_kind"] = json!("other");
    declared
}

/// The locations of the uploads in progress, as the unit leader sees them.
async fn in_progress(server: &TestServer) -> Vec<String> {
    let leader = server.sign_in(&server.fixture.leader).await;
    let response = server.get("/api/v1/uploads", Credentials::Cookie(&leader)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let uploads: Vec<Value> = response.json().await.unwrap();
    uploads.iter().map(|upload| format!("/api/v1/uploads/{}", upload["id"].as_str().unwrap())).collect()
}

/// How much the server has registered, to compare before and after.
#[derive(Debug, PartialEq)]
struct Registrations {
    ledger_size: u64,
    ingested: usize,
}

impl Registrations {
    async fn of(server: &TestServer) -> Self {
        let ledger_size = server.store.ledger_size().await.unwrap();
        Registrations { ledger_size, ingested: server.entries_for(action::RECORDING_INGESTED).await.len() }
    }

    /// Asserts that the ledger has not grown since `self` and that no file
    /// with the content of any of `contents` is on record.
    async fn assert_unchanged(&self, server: &TestServer, contents: &[&[u8]]) {
        assert_eq!(&Registrations::of(server).await, self, "nothing is recorded");
        for content in contents {
            let sha256 = ContentDigests::of_bytes(content).sha256;
            assert_eq!(server.store.media_by_sha256(&sha256).await.unwrap(), None, "no media record has SHA-256 {sha256}");
        }
    }
}

/// An upload nobody finishes, and the answer kept for a workstation asking
/// again, are removed once untouched for the expiry (a week by default);
/// what was registered stays.
async fn abandoned_uploads_and_old_answers_are_swept_records_kept(server: TestServer) {
    use std::time::{Duration, SystemTime};
    let uploads = server.state.settings.uploads.clone().expect("uploads are on");
    assert_eq!(uploads.expire_after, liuhen_server::DEFAULT_UPLOAD_EXPIRY);
    let workstation = Workstation::fixture(&server);
    let clip = video_clip();
    let registered = workstation.upload(&clip).await;
    assert_eq!(workstation.registered(&registered, &declaration(&clip, CAMERA)).await["status"], "stored");
    let abandoned = workstation.upload(&patterned(8 << 10)).await;

    let a_day_later = SystemTime::now() + Duration::from_secs(24 * 3600);
    assert_eq!(liuhen_server::sweep_uploads(&uploads, a_day_later).await.unwrap(), liuhen_server::Swept::default());
    assert_eq!(workstation.offset(&abandoned).await, Some(8 << 10), "a day-old upload can still be finished");

    let eight_days_later = SystemTime::now() + Duration::from_secs(8 * 24 * 3600);
    let swept = liuhen_server::sweep_uploads(&uploads, eight_days_later).await.unwrap();
    assert_eq!(swept, liuhen_server::Swept { uploads: 1, answers: 1 });
    assert_eq!(workstation.offset(&abandoned).await, None, "the abandoned upload is gone");
    let left: Vec<_> = std::fs::read_dir(&uploads.dir).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert!(left.is_empty(), "the upload folder is empty: {left:?}");
    let response = workstation.register(&registered, &declaration(&clip, CAMERA)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "the answer was forgotten");
    assert!(server.store.media_by_sha256(&ContentDigests::of_bytes(&clip).sha256).await.unwrap().is_some(), "the recording stays");
}
