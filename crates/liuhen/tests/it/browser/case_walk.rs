//! A case walked from filing (立案) to archive (归档) in the browser, by
//! the people who handle it, through the forms of the pages alone: the
//! same walk as `web::cases::a_case_walks_from_filing_to_archive`, typed
//! and clicked instead of posted.

use fantoccini::Locator;

use super::{Browser, PageForm};
use crate::web::support::{DemoServer, LEADER, OFFICER, REVIEWER};

const MATTER: &str = "擅自在人行道堆放建筑材料";
const NUMBER: &str = "思城管罚〔测试〕9号";

/// 张伟 opens the case and works it with 李娜; the unit leader approves
/// and archives it; the legal reviewer gives the decision's legal review.
#[tokio::test(flavor = "multi_thread")]
async fn a_case_walks_from_filing_to_archive_in_the_browser() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };

    // Filing (立案), from the case list's button.
    browser.sign_in(OFFICER).await;
    browser.goto("/cases").await;
    let open = browser.client.find(Locator::Css("main a[href='/cases/new']")).await.unwrap();
    assert_eq!(open.text().await.unwrap(), "立案");
    browser.click_and_wait(open).await;
    let form = browser.form("form[action='/cases/new']").await;
    form.choose("执法行为种类", "行政处罚").await;
    form.choose("程序", "一般程序").await;
    form.choose("案件来源", "巡查发现").await;
    form.fill("事项", MATTER).await;
    form.fill("案号", NUMBER).await;
    form.choose("主办人员", "张伟（35020011）").await;
    form.tick("李娜（35020012）").await;
    form.choose("当事人1类型", "自然人").await;
    form.fill("当事人1姓名或名称", "李四").await;
    form.submit("立案").await;
    assert_eq!(browser.notice().await, format!("已立案：{NUMBER}"));
    let case = browser.path().await;
    assert!(case.starts_with("/cases/"), "the new case's page: {case}");
    let facts = browser.text_of("main .facts").await;
    for shown in [MATTER, "李四", "张伟、李娜", "一般程序", "巡查发现"] {
        assert!(facts.contains(shown), "the case shows `{shown}`:\n{facts}");
    }
    assert_eq!(open_chains(&browser).await, ["立案审批：待承办人意见"]);

    enter_stage(&browser, "下一环节：受案", "巡查发现").await;
    assert!(browser.text_of("main .status-line").await.contains("当前环节：受案"));

    // The filing approval: the handler proposes, the leader reviews and approves.
    give_opinion(&browser, "承办人", "拟立案调查").await;
    assert_eq!(open_chains(&browser).await, ["立案审批：待审核人意见"]);
    assert!(browser.text_of("#approvals table").await.contains("拟立案调查"));
    let forms = browser.client.find_all(Locator::Css("#approvals form")).await.unwrap();
    assert!(forms.is_empty(), "the officer does not review");

    switch_to(&browser, LEADER, &case).await;
    give_opinion(&browser, "审核人", "同意立案").await;
    assert_eq!(open_chains(&browser).await, ["立案审批：待批准人意见"]);
    give_opinion(&browser, "批准人", "同意立案").await;
    assert!(open_chains(&browser).await.is_empty(), "the filing is approved");

    switch_to(&browser, OFFICER, &case).await;
    enter_stage(&browser, "下一环节：立案", "").await;
    enter_stage(&browser, "下一环节：调查取证", "现场检查").await;

    // An inquiry record: the form asks for its fields; a missing one is
    // refused, what was typed kept.
    let form = document_form(&browser, "询问笔录").await;
    assert!(browser.text_of("#documents").await.contains("询问笔录应载明下列栏目（大连 第八、十条）"));
    form.choose("所属环节", "调查取证").await;
    form.fill("地点", "思明区中山路 30 号").await;
    form.fill("开始时间", "10:00").await;
    form.fill("结束时间", "10:20").await;
    form.fill("法律依据", "《中华人民共和国行政处罚法》第五十五条").await;
    form.submit("制作文书").await;
    let refusal = browser.text_of("#documents .flash.error").await;
    assert!(refusal.contains("questions_and_answers"), "the refusal names the missing field: {refusal}");
    let form = browser.form("#documents form[action$='/documents']").await;
    assert_eq!(form.value("地点").await, "思明区中山路 30 号", "what was typed is kept");
    assert_eq!(form.value("法律依据").await, "《中华人民共和国行政处罚法》第五十五条");
    // Two lines: the browser sends the line break as CR LF, which is kept
    // as a line break (it was once refused as a control character).
    form.fill("询问内容", "问：材料是谁的？\n答：是我的。").await;
    form.submit("制作文书").await;
    assert_eq!(browser.notice().await, "已制作文书（第1版）");
    assert_eq!(signatures(&browser, "询问笔录").await, ["未签名"]);

    let form = signature_form(&browser, "询问笔录").await;
    form.choose("签名人身份", "执法人员").await;
    form.choose("执法人员（执法人员、法制审核、负责人签名时）", "张伟（35020011）").await;
    form.tick("已出示执法证（大连 第八条）").await;
    form.submit("记录").await;
    assert_eq!(browser.notice().await, "已记录签名");
    let form = signature_form(&browser, "询问笔录").await;
    form.choose("签名人身份", "当事人").await;
    form.fill("姓名（当事人、见证人签名时）", "李四").await;
    form.tick("拒绝签名").await;
    form.fill("拒签理由", "不认可").await;
    form.fill("见证人", "社区工作人员孙某").await;
    form.submit("记录").await;
    assert_eq!(browser.notice().await, "已记录拒绝签名及见证人");
    assert_eq!(
        signatures(&browser, "询问笔录").await,
        ["执法人员 张伟（证号 闽执 350200011，已出示执法证） 已签", "当事人 李四 拒签：不认可（见证人 社区工作人员孙某）"]
    );

    // A recording of the questioning: its number looked up on the
    // recordings pages, then linked; a mistyped number is refused first.
    browser.goto("/recordings").await;
    let form = browser.form("form[action='/recordings']").await;
    form.choose("关联情况", "未关联案件").await;
    form.submit("查询").await;
    let first = browser.client.find(Locator::Css("main table a[href^='/recordings/']")).await.unwrap();
    browser.click_and_wait(first).await;
    let number = Locator::XPath("//main//dt[.='记录编号']/following-sibling::dd[1]");
    let recording = browser.client.find(number).await.unwrap().text().await.unwrap();
    assert!(browser.path().await.ends_with(&recording), "the page of recording {recording}");
    browser.goto(&case).await;
    let form = browser.form("#links form").await;
    form.fill("记录编号或 SHA-256", "not-a-record").await;
    form.choose("所属环节", "调查取证").await;
    form.choose("记录事项", "询问").await;
    form.fill("地点", "思明区中山路 30 号").await;
    form.fill("标签", "询问李四").await;
    form.submit("关联").await;
    let refusal = browser.text_of("#links .flash.error").await;
    assert!(refusal.contains("neither a media id nor a SHA-256"), "{refusal}");
    let form = browser.form("#links form").await;
    assert_eq!(form.value("标签").await, "询问李四", "what was typed is kept");
    form.fill("记录编号或 SHA-256", &recording).await;
    form.submit("关联").await;
    assert_eq!(browser.notice().await, "已关联音像记录");
    let linked = browser.client.find(Locator::Css("#links tbody th a")).await.unwrap();
    assert_eq!(linked.text().await.unwrap(), "询问李四");
    assert_eq!(linked.attr("href").await.unwrap().unwrap(), format!("/recordings/{recording}"));
    assert!(timeline(&browser).await.iter().any(|item| item.contains("音像记录：询问李四")));

    // The decision: its chain of four, from three people.
    switch_to(&browser, LEADER, &case).await;
    enter_stage(&browser, "下一环节：审查决定", "").await;
    assert_eq!(open_chains(&browser).await, ["决定审批：待承办人意见"]);
    switch_to(&browser, OFFICER, &case).await;
    give_opinion(&browser, "承办人", "同意罚款二百元").await;
    switch_to(&browser, LEADER, &case).await;
    give_opinion(&browser, "审核人", "同意罚款二百元").await;
    switch_to(&browser, REVIEWER, &case).await;
    assert_eq!(open_chains(&browser).await, ["决定审批：待法制审核意见"]);
    give_opinion(&browser, "法制审核", "同意罚款二百元").await;
    switch_to(&browser, LEADER, &case).await;
    give_opinion(&browser, "批准人", "同意罚款二百元").await;
    assert!(open_chains(&browser).await.is_empty(), "the decision is approved");

    switch_to(&browser, OFFICER, &case).await;
    let form = document_form(&browser, "行政处罚决定书").await;
    form.choose("所属环节", "审查决定").await;
    form.fill("违法事实", "在人行道堆放建筑材料").await;
    form.fill("证据", "询问笔录、现场录像").await;
    form.fill("处理决定", "罚款二百元").await;
    form.fill("告知权利", "陈述、申辩、听证").await;
    form.fill("法律依据", "《城市市容和环境卫生管理条例》第三十六条").await;
    form.submit("制作文书").await;
    assert_eq!(browser.notice().await, "已制作文书（第1版）");

    // Served, then concluded.
    enter_stage(&browser, "下一环节：送达", "").await;
    let form = document_form(&browser, "送达回证").await;
    form.choose("所属环节", "送达").await;
    form.choose("送达文书", "行政处罚决定书（第1版）").await;
    form.choose("方式", "直接送达").await;
    // Two minutes ahead: the field reads minutes, and the receipt may not
    // predate the decision it serves.
    let served_at =
        (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(2)).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).datetime();
    form.fill_date_time("送达时间", served_at).await;
    form.fill("受送达人", "李四").await;
    form.fill("法律依据", "《中华人民共和国行政处罚法》第六十一条").await;
    form.submit("制作文书").await;
    assert_eq!(browser.notice().await, "已制作文书（第1版）");
    assert_eq!(signatures(&browser, "送达回证").await, ["未签名"]);
    enter_stage(&browser, "办结：终结", "已缴纳罚款").await;
    assert!(browser.text_of("main .status-line").await.contains("已办结"));
    let archive = browser.client.find_all(Locator::Css("form[action$='/archive']")).await.unwrap();
    assert!(archive.is_empty(), "an officer does not archive");
    assert!(browser.text_of("#stages").await.contains("已办结，待档案管理员或单位负责人归档"));

    // Archived by the leader.
    switch_to(&browser, LEADER, &case).await;
    let form = browser.form("#stages form.archive").await;
    form.fill("归档说明", "材料齐全").await;
    form.submit("归档").await;
    assert_eq!(browser.notice().await, "已归档");
    assert!(browser.text_of("main .status-line").await.contains("已归档"));
    let items = timeline(&browser).await;
    let at = |title: &str| {
        items.iter().position(|item| item.contains(title)).unwrap_or_else(|| panic!("`{title}` is on the timeline:\n{}", items.join("\n")))
    };
    let in_order = [
        at("进入受案环节"),
        at("立案审批·承办人意见"),
        at("立案审批·批准人意见"),
        at("进入立案环节"),
        at("制作询问笔录（第1版）"),
        at("当事人 李四拒绝在询问笔录上签名"),
        at("决定审批·法制审核意见"),
        at("制作行政处罚决定书（第1版）"),
        at("进入终结环节"),
    ];
    assert!(in_order.is_sorted(), "the timeline runs in time order:\n{}", items.join("\n"));
    let archived = at("材料齐全");
    assert!(items[archived].contains("归档"), "the archiving is on the timeline with its note: {}", items[archived]);
    assert!(in_order.iter().all(|step| *step < archived), "the archiving comes last:\n{}", items.join("\n"));
    assert!(at("音像记录：询问李四") < archived);
    // The top of the page, with the notice and where the case stands.
    browser.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    browser.screenshot("case-archived").await;

    // The case list finds it, archived.
    browser.goto("/cases").await;
    let form = browser.form("form[action='/cases']").await;
    form.fill("案号、事项或当事人", "测试〕9号").await;
    form.submit("查询").await;
    let listed = browser.main_text().await;
    for shown in [NUMBER, "已归档", "共 1 件"] {
        assert!(listed.contains(shown), "the list shows `{shown}`:\n{listed}");
    }
    browser.close().await;
}

/// Signs the person at the browser out, `login` in, and opens the case.
async fn switch_to(browser: &Browser, login: (&str, &str), case: &str) {
    browser.sign_out().await;
    browser.sign_in(login).await;
    browser.goto(case).await;
}

/// Moves the case on with the stage form, and checks the notice.
async fn enter_stage(browser: &Browser, option: &str, note: &str) {
    let form = browser.form("#stages form[action$='/stages']").await;
    form.choose("办理下一步", option).await;
    if !note.is_empty() {
        form.fill("说明", note).await;
    }
    form.submit("确定").await;
    let stage = option.rsplit('：').next().unwrap();
    assert_eq!(browser.notice().await, format!("已进入{stage}环节"));
}

/// Gives the opinion due in the one chain open to the person signed in,
/// in favour.
async fn give_opinion(browser: &Browser, role: &str, opinion: &str) {
    let form = browser.form("#approvals form").await;
    form.choose("审批身份", role).await;
    form.fill("意见", opinion).await;
    form.tick("同意").await;
    form.submit("提交意见").await;
    assert_eq!(browser.notice().await, "已记录审批意见");
}

/// The approval chains still open, with whose opinion each waits for.
async fn open_chains(browser: &Browser) -> Vec<String> {
    let mut chains = Vec::new();
    for heading in browser.client.find_all(Locator::Css("#approvals .chain h3")).await.unwrap() {
        chains.push(heading.text().await.unwrap());
    }
    chains
}

/// Chooses the kind of document to make, and returns the form that asks
/// for its fields.
async fn document_form<'a>(browser: &'a Browser, kind: &str) -> PageForm<'a> {
    let chooser = browser.form("#documents form[method='get']").await;
    chooser.choose("文书种类", kind).await;
    chooser.submit("按此种类填写").await;
    let form = browser.form("#documents form[action$='/documents']").await;
    let chosen = form.field("文书种类").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(browser.path().await.ends_with(&format!("?kind={chosen}")), "the form asks for a {kind}");
    form
}

/// The row of the document of `kind` in the documents table.
async fn document_row(browser: &Browser, kind: &str) -> fantoccini::elements::Element {
    let xpath = format!("//section[@id='documents']//tbody/tr[th/a[normalize-space(.)='{kind}']]");
    match browser.client.find(Locator::XPath(&xpath)).await {
        Ok(row) => row,
        Err(error) => panic!("no {kind} among the documents ({error}):\n{}", browser.text_of("#documents table").await),
    }
}

/// The signature lines of the document of `kind`.
async fn signatures(browser: &Browser, kind: &str) -> Vec<String> {
    let row = document_row(browser, kind).await;
    let mut lines = Vec::new();
    // The signatures are in the fourth cell after the row's heading.
    for line in row.find_all(Locator::Css("td:nth-of-type(4) li")).await.unwrap() {
        lines.push(line.text().await.unwrap());
    }
    lines
}

/// Opens the signature form folded into the row of the document of `kind`.
async fn signature_form<'a>(browser: &'a Browser, kind: &str) -> PageForm<'a> {
    let row = document_row(browser, kind).await;
    row.find(Locator::Css("details.sign summary")).await.unwrap().click().await.unwrap();
    let form = row.find(Locator::Css("details.sign form")).await.unwrap();
    PageForm::within(browser, form, &format!("记录签名 of the {kind}"))
}

/// The entries of the case's timeline, as shown, oldest first.
async fn timeline(browser: &Browser) -> Vec<String> {
    let mut items = Vec::new();
    for item in browser.client.find_all(Locator::Css("#timeline ol.timeline > li")).await.unwrap() {
        items.push(item.text().await.unwrap());
    }
    items
}
