//! Spot checks (抽检) from the supervision pages: an inspector draws a
//! sample of the demo's AV records, reviews an item against the pack's
//! rubric, the low score becomes a finding, and the sample is drawn again
//! from its seed, by the page and by `sha256sum`'s arithmetic.

use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use super::support::{DemoServer, WebClient, INSPECTOR, OFFICER};

const SEED: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// Draws a sample of every recording of the demo with `SEED`; the check's page.
async fn draw(inspector: &mut WebClient, per_stratum: &str) -> super::support::Page {
    let page = inspector.get("/supervision").await;
    page.shows(&["新建抽检", "抽检台账"]);
    let csrf = page.csrf();
    let drawn = inspector
        .post_form(
            "/supervision/spot-checks",
            &[
                ("csrf", &csrf),
                ("population", "recordings"),
                ("unit", ""),
                ("officer", ""),
                ("from", "2020-01-01"),
                ("to", "2030-12-31"),
                ("stratify", "recorded_item"),
                ("per_stratum", per_stratum),
                ("seed", SEED),
            ],
        )
        .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    assert!(drawn.location.as_deref().unwrap().starts_with("/supervision/spot-checks/"));
    inspector.follow(&drawn).await
}

fn check_id(page: &super::support::Page) -> String {
    let start = page.body.find("/supervision/spot-checks/").unwrap() + "/supervision/spot-checks/".len();
    page.body[start..].split(['/', '?', '"']).next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspector_draws_a_sample_anyone_can_draw_again_and_reviews_it() {
    let server = DemoServer::start();
    let mut inspector = server.signed_in(INSPECTOR).await;
    // Before the draw the inspector may not open other officers' footage.
    let media: serde_json::Value =
        serde_json::from_str(&server.signed_in(super::support::ADMIN).await.get("/api/v1/retention").await.body).unwrap();
    assert!(media.as_array().is_some_and(|list| !list.is_empty()), "{media}");
    // Those the demo's own spot check did not draw are refused to him.
    let mut refused_before = Vec::new();
    for id in media.as_array().unwrap().iter().filter_map(|line| line["media"]["id"].as_str()) {
        if inspector.get(&format!("/api/v1/recordings/{id}")).await.status == StatusCode::FORBIDDEN {
            refused_before.push(id.to_owned());
        }
    }
    assert!(!refused_before.is_empty(), "most of the demo's footage is closed to an inspector");
    let page = draw(&mut inspector, "1").await;
    page.shows(&["抽检：音像记录", SEED, "按记录事项", "样本与检查结果", "检查此条", "记录检查结果"]);
    let id = check_id(&page);

    // What the check drew, the inspector plays back (叶县 第二十二条), audited.
    let drawn = {
        let at = page.body.find("href=\"/recordings/").unwrap() + "href=\"/recordings/".len();
        page.body[at..].split('"').next().unwrap().to_owned()
    };
    let record = inspector.get(&format!("/api/v1/recordings/{drawn}")).await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    let undrawn = refused_before.iter().find(|id| !page.body.contains(id.as_str())).expect("a record the check did not draw");
    assert_eq!(inspector.get(&format!("/api/v1/recordings/{undrawn}")).await.status, StatusCode::FORBIDDEN);

    // The review form lists the rubric of the pack in force, with its articles.
    page.shows(&["厦门 四（二）", "主动出示执法证件", "2020-01-01 至 2030-12-31"]);
    let item = page.body.find("id=\"item-1\"").expect("the first item");
    let form = &page.body[item..page.body[item..].find("</form>").unwrap() + item];
    let mut criteria: Vec<String> =
        form.match_indices("name=\"mark-").map(|(at, _)| form[at + 11..].split('"').next().unwrap().to_owned()).collect();
    criteria.dedup();
    assert!(criteria.contains(&"certificate-shown".to_owned()), "{criteria:?}");
    let csrf = page.csrf();
    let review_path = format!("/supervision/spot-checks/{id}/reviews");
    let fields = |certificate: &'static str, comment: &'static str| {
        let mut fields: Vec<(String, String)> =
            vec![("csrf".into(), csrf.clone()), ("item".into(), "1".into()), ("comment".into(), comment.into())];
        for criterion in &criteria {
            let outcome = if criterion == "certificate-shown" { certificate } else { "met" };
            fields.push((format!("mark-{criterion}"), outcome.into()));
        }
        fields
    };

    // A criterion not met needs the inspector's opinion; what was chosen stays.
    let refused = post(&mut inspector, &review_path, fields("not_met", "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("检查意见") && refused.body.contains("not met"), "{}", refused.body);
    assert!(refused.body.contains("value=\"not_met\" required checked"), "the judgement is kept");

    let reviewed = post(&mut inspector, &review_path, fields("not_met", "询问时未出示执法证件")).await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let page = inspector.follow(&reviewed).await;
    page.shows(&["第 1 条的检查结果已记录", "得分 80", "主动出示执法证件，必要时告知当事人记录仪正在工作：不符合", "询问时未出示执法证件"]);

    // The low score is a finding of the pack's spot-check rule, citing its article.
    let mut found = false;
    for _ in 0..40 {
        let findings = inspector.get("/compliance?rule=spot-check").await;
        if findings.body.contains("抽检得分 80") {
            findings.shows(&["六（四）"]);
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(found, "the spot check's finding was raised");

    // Drawn again from the kept population and the seed: the same sample.
    inspector.get(&format!("/supervision/spot-checks/{id}?verify=1")).await.shows(&["结果与原样本相同", "与审计日志记录的摘要一致"]);

    // Anyone holding the population list and the seed gets the same ranks.
    let population = inspector.get(&format!("/api/v1/spot-checks/{id}/population")).await;
    assert_eq!(population.status, StatusCode::OK, "{}", population.body);
    let members: Vec<serde_json::Value> = serde_json::from_str(&population.body).unwrap();
    let text: String =
        members.iter().map(|member| format!("{}\t{}\n", member["stratum"].as_str().unwrap(), member["id"].as_str().unwrap())).collect();
    let check: serde_json::Value = serde_json::from_str(&inspector.get(&format!("/api/v1/spot-checks/{id}")).await.body).unwrap();
    assert_eq!(hex::encode(Sha256::digest(text.as_bytes())), check["population_sha256"].as_str().unwrap());
    let first = &check["items"][0];
    let stratum = first["stratum"].as_str().unwrap();
    let lowest = members
        .iter()
        .filter(|member| member["stratum"] == stratum)
        .map(|member| hex::encode(Sha256::digest(format!("{SEED}:{}", member["id"].as_str().unwrap()).as_bytes())))
        .min()
        .unwrap();
    assert_eq!(first["rank"].as_str().unwrap(), lowest, "the first item is its stratum's lowest rank");

    // The same seed over the same records draws the same items again.
    let again = draw_again(&mut inspector).await;
    assert_eq!(again, check["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>());
}

async fn post(client: &mut WebClient, path: &str, fields: Vec<(String, String)>) -> super::support::Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    client.post_form(path, &pairs).await
}

async fn draw_again(inspector: &mut WebClient) -> Vec<String> {
    let page = inspector.get("/supervision").await;
    let csrf = page.csrf();
    let drawn = inspector
        .post_form(
            "/supervision/spot-checks",
            &[
                ("csrf", &csrf),
                ("population", "recordings"),
                ("from", "2020-01-01"),
                ("to", "2030-12-31"),
                ("stratify", "recorded_item"),
                ("per_stratum", "1"),
                ("seed", SEED),
            ],
        )
        .await;
    let page = inspector.follow(&drawn).await;
    let check: serde_json::Value =
        serde_json::from_str(&inspector.get(&format!("/api/v1/spot-checks/{}", check_id(&page))).await.body).unwrap();
    check["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_plan_is_sent_back_with_what_was_typed_and_officers_are_kept_out() {
    let server = DemoServer::start();
    let mut inspector = server.signed_in(INSPECTOR).await;
    let page = inspector.get("/supervision").await;
    let csrf = page.csrf();
    let backwards = inspector
        .post_form(
            "/supervision/spot-checks",
            &[
                ("csrf", &csrf),
                ("population", "cases"),
                ("from", "2026-12-01"),
                ("to", "2026-11-01"),
                ("stratify", "act_kind"),
                ("per_stratum", "3"),
                ("seed", ""),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", backwards.body);
    assert!(backwards.body.contains("before it starts"), "{}", backwards.body);
    assert!(
        backwards.body.contains("value=\"2026-12-01\"") && backwards.body.contains("<option value=\"cases\" selected>"),
        "typed values kept"
    );
    let none = inspector
        .post_form(
            "/supervision/spot-checks",
            &[
                ("csrf", &csrf),
                ("population", "cases"),
                ("from", "2001-01-01"),
                ("to", "2001-01-31"),
                ("stratify", "none"),
                ("per_stratum", "3"),
            ],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("no 案件 to draw from"), "{}", none.body);
    let items_of_cases = inspector
        .post_form(
            "/supervision/spot-checks",
            &[
                ("csrf", &csrf),
                ("population", "cases"),
                ("from", "2020-01-01"),
                ("to", "2030-12-31"),
                ("stratify", "recorded_item"),
                ("per_stratum", "3"),
            ],
        )
        .await;
    assert!(items_of_cases.body.contains("stratified by act kind"), "{}", items_of_cases.body);
    let zero = inspector
        .post_form(
            "/supervision/spot-checks",
            &[("csrf", &csrf), ("population", "cases"), ("from", "2020-01-01"), ("to", "2030-12-31"), ("per_stratum", "0")],
        )
        .await;
    assert!(zero.body.contains("between 1 and 500"), "{}", zero.body);
    let listed = inspector.get("/supervision").await;
    assert_eq!(listed.body.matches("href=\"/supervision/spot-checks/").count(), 1, "only the demo's own check: {}", listed.body);
    listed.shows(&["郑磊（35020003）", "<td>1 / "]);

    let mut officer = server.signed_in(OFFICER).await;
    assert!(!officer.get("/").await.body.contains("href=\"/supervision\""), "officers do not see the supervision entry");
    assert_eq!(officer.get("/supervision").await.status, StatusCode::FORBIDDEN);
    assert_eq!(officer.get("/api/v1/spot-checks").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn leaders_read_the_periodic_report_with_its_charts_pdf_and_workbook() {
    let server = DemoServer::start();
    let mut leader = server.signed_in(super::support::LEADER).await;
    let page = leader.get("/supervision/statistics?from=2020-01-01&to=2030-12-31").await;
    page.shows(&[
        "统计通报：",
        "各单位情况",
        "执法人员情况",
        "张伟（35020011）",
        "思明区大队二中队",
        "合规问题（按规则）",
        "设备配备与使用",
        "调阅情况",
    ]);
    page.shows(&["/api/v1/reports/periodic/charts/recordings?from=2020%2D01%2D01&amp;to=2030%2D12%2D31"]);
    let chart = leader.get("/api/v1/reports/periodic/charts/delays?from=2020-01-01&to=2030-12-31").await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.content_type.starts_with("image/svg+xml"), "{}", chart.content_type);
    roxmltree::Document::parse(&chart.body).expect("well-formed SVG");
    assert_eq!(leader.get("/api/v1/reports/periodic/charts/pie").await.status, StatusCode::NOT_FOUND);
    let json = leader.get("/api/v1/reports/periodic?from=2020-01-01&to=2030-12-31").await;
    let report: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert!(report["totals"]["recordings"].as_u64().unwrap() > 0, "the demo's footage is counted");
    assert!(report["totals"]["findings"].as_u64().unwrap() > 0, "and its findings");
    assert_eq!(report["totals"]["spot_checks"], 1, "the demo's reviewed spot-check item");
    let pdf = leader.get("/api/v1/reports/periodic.pdf?from=2020-01-01&to=2030-12-31").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-") && pdf.content_type == "application/pdf");
    let xlsx = leader.get("/api/v1/reports/periodic.xlsx?from=2020-01-01&to=2030-12-31").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.starts_with("application/vnd.openxmlformats"));
    let bad = leader.get("/api/v1/reports/periodic?from=2026-13-01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let mut officer = server.signed_in(OFFICER).await;
    assert_eq!(officer.get("/supervision/statistics").await.status, StatusCode::FORBIDDEN);
}
