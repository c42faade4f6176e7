//! The web pages' end-to-end harness: the demo instance, populated once per
//! test binary by `liuhen demo --no-serve`, copied for each test and served
//! by a real `liuhen serve` process; and a small client that signs in
//! through the login form and keeps the session cookie as a browser would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use reqwest::header;
use reqwest::StatusCode;

/// The demo logins (`liuhen demo` prints them too).
pub const ADMIN: (&str, &str) = ("admin", "demo-admin-2026");
pub const LEADER: (&str, &str) = ("leader", "demo-leader-2026");
pub const REVIEWER: (&str, &str) = ("reviewer", "demo-review-2026");
pub const OFFICER: (&str, &str) = ("zhangwei", "demo-officer-2026");
pub const INSPECTOR: (&str, &str) = ("inspector", "demo-inspect-2026");

/// The demo instance as `liuhen demo --no-serve` left it, made once.
fn demo_template() -> &'static Path {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("demo");
            let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
                .args(["--data", data.to_str().unwrap(), "demo", "--no-serve"])
                .env_remove("LIUHEN_DATABASE_URL")
                .env_remove("LIUHEN_DATA")
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "liuhen demo failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (dir, data)
        })
        .1
}

/// A `liuhen serve` process over a private copy of the demo instance,
/// stopped when dropped.
pub struct DemoServer {
    pub base: String,
    #[allow(dead_code)]
    pub data: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("demo");
        copy_dir(demo_template(), &data);
        let mut child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["--data", data.to_str().unwrap(), "serve", "--listen", "127.0.0.1:0"])
            .env_remove("LIUHEN_DATABASE_URL")
            .env_remove("LIUHEN_DATA")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("liuhen serve printed its address").unwrap();
            if let Some(rest) = line.split("http://").nth(1) {
                break format!("http://{}", rest.split('/').next().unwrap());
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        DemoServer { base, data, child, _dir: dir }
    }

    /// A browser-like client, not signed in.
    pub fn client(&self) -> WebClient {
        WebClient {
            base: self.base.clone(),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            cookies: Default::default(),
        }
    }

    /// A client signed in through the login form as `(login, password)`.
    pub async fn signed_in(&self, (login, password): (&str, &str)) -> WebClient {
        let mut client = self.client();
        let response = client.post_form("/login", &[("login", login), ("password", password), ("next", "/")]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "signing in as {login}: {}", response.body);
        assert!(client.cookies.contains_key("liuhen_session"), "the sign-in set the session cookie");
        client
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What a page request answered.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        let start = self.body.find("name=\"csrf\" value=\"").expect("the page has a form with a CSRF field") + 19;
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    /// Asserts the page is a 200 HTML page containing every one of `texts`.
    pub fn shows(&self, texts: &[&str]) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        assert!(self.content_type.starts_with("text/html"), "{}", self.content_type);
        for text in texts {
            assert!(self.body.contains(text), "the page should show `{text}`:\n{}", self.body);
        }
        self
    }
}

/// A client that keeps the session cookie and never follows redirects.
pub struct WebClient {
    pub base: String,
    http: reqwest::Client,
    /// Cookies by name, as the server last set them.
    pub cookies: std::collections::BTreeMap<String, String>,
}

impl WebClient {
    pub async fn get(&mut self, path: &str) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = self.cookie_header() {
            request = request.header(header::COOKIE, cookie);
        }
        self.read(request.send().await.unwrap()).await
    }

    /// Follows one redirect (a form's 303) with a GET.
    pub async fn follow(&mut self, page: &Page) -> Page {
        let location = page.location.clone().unwrap_or_else(|| panic!("expected a redirect, got {}: {}", page.status, page.body));
        self.get(&location).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut request = self.http.post(format!("{}{path}", self.base)).form(fields);
        if let Some(cookie) = self.cookie_header() {
            request = request.header(header::COOKIE, cookie);
        }
        self.read(request.send().await.unwrap()).await
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty())
            .then(|| self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; "))
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap().trim();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let location = response.headers().get(header::LOCATION).map(|value| value.to_str().unwrap().to_owned());
        let content_type = response.headers().get(header::CONTENT_TYPE).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default();
        let body = response.text().await.unwrap();
        Page { status, location, content_type, body }
    }
}
