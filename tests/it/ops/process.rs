//! The real `vocpath` binary, run as an operator would: from a folder of its own, with only the
//! environment given here, on a free port; and a small HTTP client with cookies for it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `vocpath serve`, killed when dropped.
pub struct Served {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Served {
    /// Starts `vocpath serve` in `cwd` with exactly `env` (plus a bind address on a free port) and
    /// waits until `/healthz` answers.
    pub async fn start(cwd: &Path, env: &[(&str, String)]) -> Served {
        let port = crate::browser::free_port();
        let log = cwd.join("vocpath.log");
        let mut child = vocpath_command(cwd, env)
            .env("VOCPATH_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start vocpath");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "vocpath exited ({status}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                return Served { child, base, log };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "vocpath did not answer: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// What the service logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `vocpath` with a cleared environment (so no `VOCPATH_ASSETS_DIR` or test variable leaks in),
/// run in `cwd`.
pub fn vocpath_command(cwd: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vocpath"));
    cmd.env_clear().current_dir(cwd).stdin(Stdio::null());
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// A response read whole.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Cookies and the last page's CSRF token, over real HTTP; follows no redirect.
pub struct Client {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
    csrf: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: HashMap::new(),
            csrf: String::new(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.read(req).await
    }

    /// Posts a form with the CSRF token of the last page.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs = fields.to_vec();
        let csrf = self.csrf.clone();
        pairs.push(("csrf_token", &csrf));
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.read(req).await
    }

    fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, req: reqwest::RequestBuilder) -> Page {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        for v in headers.get_all("set-cookie") {
            let Ok(s) = v.to_str() else { continue };
            if let Some((k, val)) = s.split(';').next().and_then(|c| c.split_once('=')) {
                if val.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), val.to_string());
                }
            }
        }
        let body = resp.text().await.expect("body");
        if let Some(i) = body.find("name=\"csrf_token\" value=\"") {
            let rest = &body[i + 25..];
            if let Some(end) = rest.find('"') {
                self.csrf = rest[..end].to_string();
            }
        }
        Page { status, headers, body }
    }
}
