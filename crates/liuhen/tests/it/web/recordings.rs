//! The AV records pages (音视频记录) over the demo: 张伟's four clips on
//! DSJ-A8-0001 (one three days late, one linked to the first case, two
//! around an interruption), listed, filtered, played, linked and labelled;
//! and 李娜, who has no grant for them, refused.

use reqwest::{header, StatusCode};

use super::support::{DemoServer, WebClient, OFFICER, REVIEWER};

/// 李娜, an officer of the same squad, with recordings of her own only.
const LINA: (&str, &str) = ("lina", "demo-lina-2026");

/// The record ids a page links to (`/recordings/{id}`), in page order.
fn record_ids(body: &str) -> Vec<String> {
    body.split("href=\"/recordings/").skip(1).map(|rest| rest.split(['"', '#']).next().unwrap().to_owned()).collect()
}

/// The value of the first `attribute="…"` after `marker`.
fn attribute_after(body: &str, marker: &str, attribute: &str) -> String {
    let start = body.find(marker).unwrap_or_else(|| panic!("the page has `{marker}`:\n{body}"));
    let rest = &body[start..];
    let at = rest.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    rest[at..].split('"').next().unwrap().to_owned()
}

/// The text inside the `<code>` that follows `label`.
fn code_after(body: &str, label: &str) -> String {
    let start = body.find(label).unwrap_or_else(|| panic!("the page shows `{label}`"));
    let rest = &body[start..];
    let at = rest.find("<code>").unwrap() + 6;
    rest[at..].split('<').next().unwrap().to_owned()
}

/// The record ids in the first table row that links to a case.
fn ids_in_linked_row(body: &str) -> Vec<String> {
    let row = body.split("<tr").find(|row| row.contains("href=\"/cases/")).expect("a row links to a case");
    record_ids(row)
}

/// The link form's fields.
fn link_form<'a>(csrf: &'a str, case: &'a str, stage: &'a str) -> [(&'a str, &'a str); 6] {
    [
        ("csrf", csrf),
        ("case", case),
        ("stage", stage),
        ("item", "on_site_inspection"),
        ("location", "思明区中山路 12 号"),
        ("label", "现场检查补充录像"),
    ]
}

/// `GET url` as the browser of `client` would, with its cookies and `range`.
async fn fetch(client: &WebClient, url: &str, range: &str, with_cookie: bool) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{url}", client.base)).header(header::RANGE, range);
    if with_cookie {
        let cookie = client.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_lists_filters_and_plays_his_recordings() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let list = officer.get("/recordings").await;
    list.shows(&["音视频记录", "DSJ-A8-0001", "张伟", "超时导出", "思城管罚", "<label for=\"f-device\">", "<label for=\"f-late\">"]);
    let all = record_ids(&list.body);
    assert_eq!(all.len(), 4, "张伟's four clips and nothing else:\n{}", list.body);
    assert!(!list.body.contains("DSJ_DSJ-A8-0002_"), "李娜's clips are not his to see");
    assert_eq!(list.body.matches("href=\"/cases/").count(), 1, "one clip is linked to the first case");

    let unlinked = officer.get("/recordings?linked=no&device=DSJ-A8-0001&officer=35020011&from=&to=").await;
    unlinked.shows(&["<option value=\"no\" selected>未关联案件</option>", "未关联"]);
    let unlinked_ids = record_ids(&unlinked.body);
    assert_eq!(unlinked_ids.len(), 3, "{}", unlinked.body);
    assert!(!unlinked.body.contains("href=\"/cases/"));
    let late = officer.get("/recordings?late=yes").await;
    let late_ids = record_ids(&late.body);
    assert_eq!(late_ids.len(), 1, "only the clip offloaded three days on is late");
    assert!(unlinked_ids.contains(&late_ids[0]));
    let bad = officer.get("/recordings?from=2026-13-45").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("`from` is a day"), "the API's reason is shown: {}", bad.body);

    // The late clip's page: its facts, and a player on a viewing.
    let id = &late_ids[0];
    let page = officer.get(&format!("/recordings/{id}")).await;
    page.shows(&[
        "SHA-256",
        "SM3",
        "DSJ-A8-0001",
        "超时导出",
        "可正常播放",
        "开始时间（已校正）",
        "<video controls preload=\"metadata\" src=\"/api/v1/viewings/",
    ]);
    let sha256 = code_after(&page.body, "<dt>SHA-256</dt>");
    assert_eq!(sha256.len(), 64, "{sha256}");
    assert!(sha256.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(code_after(&page.body, "<dt>SM3</dt>").len(), 64);
    let src = attribute_after(&page.body, "<video", "src");
    assert!(src.starts_with("/api/v1/viewings/") && src.ends_with("/content"), "{src}");

    // The browser fetches the content from the API with its own cookie.
    let piece = fetch(&officer, &src, "bytes=0-99", true).await;
    assert_eq!(piece.status(), StatusCode::PARTIAL_CONTENT);
    let range = piece.headers()[header::CONTENT_RANGE].to_str().unwrap().to_owned();
    assert!(range.starts_with("bytes 0-99/"), "{range}");
    assert_eq!(piece.bytes().await.unwrap().len(), 100);
    let anonymous = fetch(&officer, &src, "bytes=0-99", false).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "the content URL is no secret handed to anyone");
    let lina = server.signed_in(LINA).await;
    let hers = fetch(&lina, &src, "bytes=0-99", true).await;
    assert!(hers.status().is_client_error(), "another person's cookie does not open his viewing: {}", hers.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_links_a_recording_to_his_case_and_labels_another() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let list = officer.get("/recordings").await;
    let case_href = attribute_after(&list.body, "<a href=\"/cases/", "href");
    let case_id = case_href.trim_start_matches("/cases/").to_owned();
    let unlinked = record_ids(&officer.get("/recordings?linked=no").await.body);
    let (chosen, to_label) = (&unlinked[0], &unlinked[1]);
    let page = officer.get(&format!("/recordings/{chosen}")).await;
    page.shows(&["关联到案件", "<label for=\"f-link-case\">", "<label for=\"f-link-stage\">"]);
    let csrf = page.csrf();
    let path = format!("/recordings/{chosen}/links");

    let missing = officer.post_form(&path, &link_form(&csrf, "", "investigation")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("请填写案号"), "{}", missing.body);
    // The case never reached a hearing: the API refuses, the page keeps what was typed.
    let refused = officer.post_form(&path, &link_form(&csrf, &case_id, "hearing")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("value=\"现场检查补充录像\""), "what was typed is kept");
    assert!(refused.body.contains("<option value=\"hearing\" selected>"), "the stage chosen is kept");
    assert!(refused.body.contains("flash error"), "the reason is shown");

    let linked = officer.post_form(&path, &link_form(&csrf, &case_id, "investigation")).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    assert_eq!(linked.location.as_deref(), Some(format!("/recordings/{chosen}#links").as_str()));
    let back = officer.follow(&linked).await;
    back.shows(&["已关联到案件", "现场检查补充录像", "思明区中山路 12 号", &format!("href=\"/cases/{case_id}\"")]);
    let case = officer.get(&format!("/cases/{case_id}")).await;
    case.shows(&["现场检查补充录像", &format!("/recordings/{chosen}")]);
    assert!(!record_ids(&officer.get("/recordings?linked=no").await.body).contains(chosen), "no longer unlinked");

    // A patrol clip that belongs to no case is labelled instead.
    let path = format!("/recordings/{to_label}/labels");
    let labelled = officer
        .post_form(&path, &[("csrf", csrf.as_str()), ("item", "other"), ("location", "中山路沿线"), ("label", "日常巡查：人行道秩序")])
        .await;
    assert_eq!(labelled.status, StatusCode::SEE_OTHER, "{}", labelled.body);
    officer.follow(&labelled).await.shows(&["已标注", "日常巡查：人行道秩序", "中山路沿线"]);
    officer.get("/recordings").await.shows(&["日常巡查：人行道秩序"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_without_a_grant_is_refused_and_pointed_to_an_access_request() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let list = officer.get("/recordings").await;
    let late = record_ids(&officer.get("/recordings?late=yes").await.body).remove(0);
    let on_case = ids_in_linked_row(&list.body).remove(0);

    let mut lina = server.signed_in(LINA).await;
    let hers = lina.get("/recordings").await;
    hers.shows(&["DSJ-A8-0002"]);
    assert!(!record_ids(&hers.body).contains(&late), "张伟's clip is not in her list");
    let refused = lina.get(&format!("/recordings/{late}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("无权查看此音视频记录"), "{}", refused.body);
    assert!(refused.body.contains("调阅"), "the API's reason names an access request");
    assert!(refused.body.contains(&format!("href=\"/access/new?media={late}\"")), "{}", refused.body);
    assert!(!refused.body.contains("<video") && !refused.body.contains("SHA-256"), "nothing of the record is shown");

    // The legal reviewer's approved request covers the first case: its clip plays, the late one does not.
    let mut reviewer = server.signed_in(REVIEWER).await;
    let granted = reviewer.get(&format!("/recordings/{on_case}")).await;
    granted.shows(&["SHA-256", "<video controls preload=\"metadata\""]);
    let other = reviewer.get(&format!("/recordings/{late}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{late}: {}", other.body);
}
