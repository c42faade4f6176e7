//! The web application in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) driven over WebDriver, against a real
//! `liuhen serve` over the demo instance.
//!
//! Without chromedriver the tests say so and pass, unless
//! `LIUHEN_REQUIRE_BROWSER` is set (CI sets it: there they must run).
//! Screenshots of the main pages are written to
//! `target/tmp/screenshots/` as test artefacts.

mod case_walk;
mod pages;
mod supervision;
mod work;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::web::support::DemoServer;

/// A chromedriver process and one browser session, both ended on drop.
pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn find_chromedriver() -> Option<PathBuf> {
    let candidates = [std::env::var_os("LIUHEN_CHROMEDRIVER").map(PathBuf::from), Some("/usr/bin/chromedriver".into())];
    candidates.into_iter().flatten().find(|path| path.exists())
}

fn find_chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("LIUHEN_CHROMIUM").map(PathBuf::from),
        Some("/usr/bin/chromium".into()),
        Some("/usr/bin/chromium-browser".into()),
    ];
    candidates.into_iter().flatten().find(|path| path.exists())
}

impl Browser {
    /// A headless browser pointed at `server`, or `None` (after saying
    /// why) when this machine has no chromedriver and CI did not ask for one.
    pub async fn open(server: &DemoServer) -> Option<Browser> {
        let (Some(driver_path), Some(chromium)) = (find_chromedriver(), find_chromium()) else {
            assert!(
                std::env::var_os("LIUHEN_REQUIRE_BROWSER").is_none(),
                "LIUHEN_REQUIRE_BROWSER is set but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)"
            );
            eprintln!("note: chromium or chromedriver is not installed, so the browser tests are skipped (apt-get install chromium chromium-driver)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        // Flags that keep Chromium from reaching for the network it does
        // not have here, and a fresh profile per test.
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=zh-CN",
                    "--autoplay-policy=no-user-gesture-required",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => {
                    return Some(Browser { client, base: server.base.clone(), driver, _profile: profile });
                }
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot start a Chromium session through chromedriver: {last_error:?}");
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// The path (and query) the browser is at.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Signs in through the login form by typing, as a person would.
    pub async fn sign_in(&self, (login, password): (&str, &str)) {
        self.goto("/login").await;
        self.client.find(Locator::Id("f-login")).await.unwrap().send_keys(login).await.unwrap();
        self.client.find(Locator::Id("f-password")).await.unwrap().send_keys(password).await.unwrap();
        self.client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
        self.client.wait().for_element(Locator::Css("header.top")).await.unwrap();
    }

    pub async fn sign_out(&self) {
        self.client.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
        self.client.wait().for_element(Locator::Id("f-login")).await.unwrap();
    }

    /// The visible text of the page's main area.
    pub async fn main_text(&self) -> String {
        self.text_of("main").await
    }

    /// The visible text of the first element `selector` finds.
    pub async fn text_of(&self, selector: &str) -> String {
        match self.client.find(Locator::Css(selector)).await {
            Ok(element) => element.text().await.unwrap(),
            Err(error) => panic!("nothing matches `{selector}` on {}: {error}", self.path().await),
        }
    }

    /// The notice at the top of the page (or of the form sent back).
    pub async fn notice(&self) -> String {
        match self.client.find(Locator::Css("main .flash")).await {
            Ok(element) => element.text().await.unwrap(),
            Err(_) => panic!("{} shows no notice:\n{}", self.path().await, self.main_text().await),
        }
    }

    /// Clicks `element` (a link or a submit button) and waits for the page
    /// it leads to. Waiting for an element of the next page is not enough
    /// where the page being left has one too (a case page redirects to
    /// itself, with a notice each time): the old document must be gone, so
    /// it is marked before the click.
    pub async fn click_and_wait(&self, element: Element) {
        self.client.execute("window.liuhenLeftPage = true", vec![]).await.unwrap();
        element.click().await.unwrap();
        let started = Instant::now();
        loop {
            // Asked while the page changes, the browser may answer with an
            // error (the document asked about went away): ask again.
            let answer = self.client.execute(NEW_PAGE_LOADED, vec![]).await;
            if matches!(&answer, Ok(loaded) if *loaded == true) {
                return;
            }
            assert!(started.elapsed() < PAGE_TIMEOUT, "the click on {} led to no new page ({answer:?})", self.path().await);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The form `selector` finds on the page (the first, if several do).
    pub async fn form(&self, selector: &str) -> PageForm<'_> {
        match self.client.find(Locator::Css(selector)).await {
            Ok(form) => PageForm::within(self, form, selector),
            Err(error) => panic!("no form `{selector}` on {}: {error}", self.path().await),
        }
    }

    /// Saves a screenshot as `target/tmp/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Accessibility basics on the page shown: every visible form field has
    /// a label, and text has a contrast of at least 4.5:1 against its
    /// background (WCAG AA), as the browser computes the styles.
    pub async fn check_accessibility(&self, page: &str) {
        let problems = self.client.execute(ACCESSIBILITY_CHECK, vec![]).await.unwrap();
        let problems: Vec<String> = serde_json::from_value(problems).unwrap();
        assert!(problems.is_empty(), "accessibility problems on {page}:\n{}", problems.join("\n"));
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// How long a page may take to replace the one a click left.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A form on the page, filled in by the labels a person reads beside its
/// fields, and sent with the button he reads.
pub struct PageForm<'a> {
    browser: &'a Browser,
    form: Element,
    /// What the form is, for failure messages.
    name: String,
}

impl<'a> PageForm<'a> {
    /// The form `form`, called `name` in failure messages.
    pub fn within(browser: &'a Browser, form: Element, name: &str) -> PageForm<'a> {
        PageForm { browser, form, name: name.to_owned() }
    }

    /// The field whose `<label>` reads `label` (a required field's
    /// asterisk aside).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(".//label[normalize-space(text())='{label}']");
        let label_element = match self.form.find(Locator::XPath(&xpath)).await {
            Ok(label_element) => label_element,
            Err(error) => panic!("no field labelled `{label}` in the form `{}`: {error}", self.name),
        };
        let id = label_element.attr("for").await.unwrap().unwrap_or_else(|| panic!("the label `{label}` names no field"));
        self.form.find(Locator::Id(&id)).await.unwrap()
    }

    /// Types `text` into the field labelled `label`, over what it held.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Picks the option that reads `option` in the list labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        let select = self.field(label).await;
        if let Err(error) = select.select_by_label(option).await {
            let options = select.text().await.unwrap_or_default();
            panic!("`{label}` in the form `{}` offers no `{option}` ({error}); it offers:\n{options}", self.name);
        }
    }

    /// Ticks the checkbox or radio button labelled `label`, if it is not.
    pub async fn tick(&self, label: &str) {
        let field = self.field(label).await;
        if !field.is_selected().await.unwrap() {
            field.click().await.unwrap();
        }
    }

    /// What the field labelled `label` holds.
    pub async fn value(&self, label: &str) -> String {
        self.field(label).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Types a date and time into the `datetime-local` field labelled
    /// `label`, part by part in the order the browser's locale shows them
    /// (年/月/日 in Chinese, month/day/year in English), as a person
    /// reads the empty field.
    pub async fn fill_date_time(&self, label: &str, at: jiff::civil::DateTime) {
        let field = self.field(label).await;
        let shown = self.browser.client.execute(LOCALE_DATE_TIME_PARTS, vec![]).await.unwrap();
        let hour12 = shown["hour12"].as_bool().unwrap_or(false);
        let mut keys = String::new();
        for part in shown["parts"].as_array().unwrap() {
            match part.as_str().unwrap() {
                // A year may have up to six digits: it is left with Tab.
                "year" => keys.push_str(&format!("{:04}{}", at.year(), char::from(Key::Tab))),
                "month" => keys.push_str(&format!("{:02}", at.month())),
                "day" => keys.push_str(&format!("{:02}", at.day())),
                "hour" if hour12 => keys.push_str(&format!("{:02}", (at.hour() + 11) % 12 + 1)),
                "hour" => keys.push_str(&format!("{:02}", at.hour())),
                "minute" => keys.push_str(&format!("{:02}", at.minute())),
                "dayPeriod" => keys.push_str(if at.hour() < 12 { "AM" } else { "PM" }),
                _ => {}
            }
        }
        field.send_keys(&keys).await.unwrap();
        let typed = field.prop("value").await.unwrap().unwrap_or_default();
        assert_eq!(typed, at.strftime("%Y-%m-%dT%H:%M").to_string(), "`{label}` as typed ({shown})");
    }

    /// Sends the form with the button that reads `button`, and waits for
    /// the page that answers.
    pub async fn submit(&self, button: &str) {
        let xpath = format!(".//button[normalize-space(.)='{button}']");
        match self.form.find(Locator::XPath(&xpath)).await {
            Ok(button) => self.browser.click_and_wait(button).await,
            Err(error) => panic!("no button `{button}` in the form `{}`: {error}", self.name),
        }
    }
}

/// Runs in the page: whether it is a new page, loaded (the page a click
/// left is marked by [`Browser::click_and_wait`]).
const NEW_PAGE_LOADED: &str = "return !window.liuhenLeftPage && document.readyState === 'complete';";

/// Runs in the page: the parts of a date and time, in the order the
/// browser's locale writes them, and whether it counts hours to twelve.
const LOCALE_DATE_TIME_PARTS: &str = r#"
const format = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
return {
  parts: format.formatToParts(new Date()).map(part => part.type).filter(type => type !== "literal"),
  hour12: !!format.resolvedOptions().hour12,
};
"#;

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Runs in the page: lists fields without a label and text whose contrast
/// with its (first opaque) background is below 4.5:1.
const ACCESSIBILITY_CHECK: &str = r#"
const problems = [];
for (const field of document.querySelectorAll("input, select, textarea")) {
  if (field.type === "hidden" || field.offsetParent === null) continue;
  const labelled = (field.id && document.querySelector(`label[for="${field.id}"]`)) || field.closest("label")
    || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby") || field.getAttribute("title");
  if (!labelled) problems.push(`field without a label: ${field.outerHTML.slice(0, 120)}`);
}
function rgb(text) { const m = text.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; }
function luminance(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); }
function background(element) {
  for (let e = element; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
  return { r: 255, g: 255, b: 255, a: 1 };
}
const seen = new Set();
for (const element of document.querySelectorAll("main *, header *")) {
  const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || element.offsetParent === null) continue;
  const style = getComputedStyle(element);
  const fg = rgb(style.color); const bg = background(element);
  if (!fg) continue;
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  if (ratio < 4.5) { const key = `${style.color} on ${JSON.stringify(bg)}`; if (!seen.has(key)) { seen.add(key); problems.push(`contrast ${ratio.toFixed(2)}:1 for "${element.textContent.trim().slice(0, 40)}" (${key})`); } }
}
return problems;
"#;
