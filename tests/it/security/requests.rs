//! Request bodies, redirects, metrics, headers, crashing queries, the command line (issue 11).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use entity::enums::Role;
use poem::Body;
use poem::http::{Method, StatusCode};

use crate::helpers::{Browser, TestApp};

// --- request bodies (item 1) ---

const GIB: usize = 1024 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// A 1 GiB body produced lazily, counting the bytes the server pulled.
fn endless_body(pulled: Arc<AtomicUsize>) -> Body {
    let stream = futures_util::stream::unfold(0usize, move |sent| {
        let pulled = pulled.clone();
        async move {
            if sent >= GIB {
                return None;
            }
            pulled.fetch_add(CHUNK, Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(vec![b'a'; CHUNK]), sent + CHUNK))
        }
    });
    Body::from_bytes_stream(stream)
}

/// The test app's limits: forms 1 MiB (default), uploads 1 MiB (VOCPATH_MAX_BODY_MB=1).
const READ_AT_MOST: usize = 1024 * 1024 + CHUNK;

#[tokio::test]
async fn a_streamed_gigabyte_is_refused_after_the_limit_on_every_kind_of_route() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admissions).await;
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("/login", "application/x-www-form-urlencoded", None),
        ("/train/my", "application/x-www-form-urlencoded", None),
        ("/api/v1/public/interest", "application/json", None),
        ("/api/v1/me", "application/json", Some(token.as_str())),
        ("/imports", "multipart/form-data; boundary=x", None),
        ("/api/v1/imports", "multipart/form-data; boundary=x", None),
    ];
    for (path, content_type, bearer) in cases {
        let pulled = Arc::new(AtomicUsize::new(0));
        let mut headers = vec![("content-type", content_type.to_string())];
        if let Some(t) = bearer {
            headers.push(("authorization", format!("Bearer {t}")));
        }
        let method = if path == "/api/v1/me" {
            Method::PATCH
        } else {
            Method::POST
        };
        let reply = app.request(method, path, &headers, endless_body(pulled.clone())).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {}", reply.body);
        assert!(
            reply.body.contains("1 MiB"),
            "{path}: the limit is named: {}",
            reply.body
        );
        let read = pulled.load(Ordering::SeqCst);
        assert!(read <= READ_AT_MOST, "{path}: read {read} bytes of a 1 GiB body");
    }
}

#[tokio::test]
async fn a_body_without_a_declared_length_is_bounded_whatever_the_method() {
    // HTTP/2 lets any request carry a body without Content-Length or Transfer-Encoding.
    let app = TestApp::spawn().await;
    for (method, path, content_type) in [
        (Method::GET, "/api/v1/public/training-sessions", "application/json"),
        (Method::GET, "/login", "application/x-www-form-urlencoded"),
        (Method::DELETE, "/account/tokens", "application/x-www-form-urlencoded"),
        (Method::HEAD, "/train", "application/json"),
    ] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let headers = [("content-type", content_type.to_string())];
        let reply = app
            .request(method.clone(), path, &headers, endless_body(pulled.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{method} {path}");
        let read = pulled.load(Ordering::SeqCst);
        assert!(read <= READ_AT_MOST, "{method} {path}: read {read} bytes");
    }
}

#[tokio::test]
async fn a_declared_gigabyte_is_refused_without_reading_the_body() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/api/v1/public/interest", "/train/interest", "/imports"] {
        let pulled = Arc::new(AtomicUsize::new(0));
        let headers = [
            ("content-type", "application/x-www-form-urlencoded".to_string()),
            ("content-length", GIB.to_string()),
        ];
        let reply = app
            .request(Method::POST, path, &headers, endless_body(pulled.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(pulled.load(Ordering::SeqCst), 0, "{path}: nothing read");
    }
    // The API answers in problem details, the portal with a page.
    let headers = [
        ("content-type", "application/json".to_string()),
        ("content-length", GIB.to_string()),
    ];
    let reply = app
        .request(Method::POST, "/api/v1/public/interest", &headers, Body::empty())
        .await;
    assert_eq!(reply.content_type(), "application/problem+json");
    assert_eq!(reply.json()["code"], "payload_too_large");
}

#[tokio::test]
async fn only_a_signed_in_importer_may_send_the_large_upload() {
    // Forms limited to 16 KiB, uploads to 1 MiB.
    let small = TestApp::spawn_with(&[("VOCPATH_MAX_FORM_KB", "16")]).await;
    let body = || Body::from_bytes(vec![b'a'; 100 * 1024].into());
    let headers = |t: Option<&str>| {
        let mut h = vec![("content-type", "multipart/form-data; boundary=x".to_string())];
        if let Some(t) = t {
            h.push(("authorization", format!("Bearer {t}")));
        }
        h
    };
    let anonymous = small
        .request(Method::POST, "/api/v1/imports", &headers(None), body())
        .await;
    assert_eq!(anonymous.status, StatusCode::PAYLOAD_TOO_LARGE);
    let viewer = small.token(Role::Viewer).await;
    let reply = small
        .request(Method::POST, "/api/v1/imports", &headers(Some(&viewer)), body())
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "a viewer may not import");
    let clerk = small.token(Role::Admissions).await;
    let reply = small
        .request(Method::POST, "/api/v1/imports", &headers(Some(&clerk)), body())
        .await;
    assert_ne!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    // A small form still works.
    let mut b = Browser::new(&small);
    let page = b.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
}

// --- redirects (item 5) ---

#[tokio::test]
async fn the_language_switch_and_login_never_send_the_browser_to_another_site() {
    let app = TestApp::spawn().await;
    for next in [
        "/%09/evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "/%0a/evil.example",
        "https://evil.example",
    ] {
        let reply = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), "/", "{next}");
    }
    let reply = app.get("/lang/en?next=/students%3Fpage%3D2").await;
    assert_eq!(reply.location(), "/students?page=2");

    let email = "clerk-redirect@test.cn";
    app.user(email, Role::Admissions).await;
    let mut b = Browser::new(&app);
    b.get("/login").await;
    let reply = b
        .post(
            "/login",
            &[
                ("email", email),
                ("password", crate::helpers::PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/");
}

// --- /metrics (item 7) ---

const METRICS_TOKEN: &str = "metrics-token-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> crate::helpers::Reply {
    let headers: Vec<(&str, String)> = token
        .map(|t| vec![("authorization", format!("Bearer {t}"))])
        .unwrap_or_default();
    app.request(Method::GET, "/metrics", &headers, Body::empty()).await
}

#[tokio::test]
async fn metrics_answer_only_with_their_token() {
    let open = TestApp::spawn().await;
    assert_eq!(
        scrape(&open, None).await.status,
        StatusCode::NOT_FOUND,
        "off without a token"
    );
    let app = TestApp::spawn_with(&[("VOCPATH_METRICS_TOKEN", METRICS_TOKEN)]).await;
    assert_eq!(scrape(&app, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("metrics-token-wrong-guess")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app, Some(METRICS_TOKEN)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn clients_cannot_add_series_or_inject_labels() {
    let app = TestApp::spawn_with(&[("VOCPATH_METRICS_TOKEN", METRICS_TOKEN)]).await;
    app.get("/inj%22,status=%22999").await;
    app.get("/api/v1/inj%22,status=%22999").await;
    for i in 0..300 {
        app.get(&format!("/random-{i}")).await;
    }
    app.get("/students/12345").await;
    app.get("/api/v1/students/777").await;
    let body = scrape(&app, Some(METRICS_TOKEN)).await.body;
    assert!(!body.contains("inj"), "{body}");
    assert!(!body.contains("random-"), "{body}");
    assert!(body.contains("route=\"unmatched\",status=\"404\""), "{body}");
    assert!(body.contains("route=\"/students/:id\""), "{body}");
    assert!(body.contains("route=\"/api/v1/students/:param0\""), "{body}");
    // Every sample line parses: name{labels} value, each label value closed.
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let labels = line
            .split_once('{')
            .map(|(_, rest)| rest.rsplit_once('}').map(|(l, _)| l));
        if let Some(Some(labels)) = labels {
            for pair in labels.split("\",") {
                assert!(pair.contains("=\""), "bad label in {line}");
            }
        }
    }
    let series = body
        .lines()
        .filter(|l| l.starts_with("vocpath_http_requests_total{"))
        .count();
    assert!(series < 10, "{series} series: {body}");
}

// --- the command line (items 9 and 14) ---

fn vocpath_in(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vocpath"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("VOCPATH_")) {
        cmd.env_remove(k);
    }
    cmd
}

/// A routing instance large enough that its result does not fit a pipe's buffer.
fn big_instance() -> String {
    let programmes: Vec<_> = (0..20)
        .map(|p| serde_json::json!({"code": format!("P{p:02}"), "capacity": 200, "town": "米河镇"}))
        .collect();
    let students: Vec<_> = (0..3000)
        .map(|s| {
            serde_json::json!({
                "id": format!("S{s:05}"),
                "preferences": [format!("P{:02}", s % 20), format!("P{:02}", (s + 3) % 20)],
                "lottery": f64::from(s) / 3000.0,
            })
        })
        .collect();
    serde_json::json!({"programmes": programmes, "students": students}).to_string()
}

#[test]
fn route_is_pure_and_ends_quietly_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().expect("temp");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/routing-instance.json");
    let out = vocpath_in(dir.path())
        .args(["route", "--input", example.to_str().expect("utf8")])
        .output()
        .expect("run vocpath route");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert!(left.is_empty(), "route created files: {left:?}");

    // `vocpath route big.json | head -c 10`: the reader closes its end early.
    let input = dir.path().join("big.json");
    std::fs::write(&input, big_instance()).expect("write instance");
    let mut child = vocpath_in(dir.path())
        .args(["route", "--input", input.to_str().expect("utf8")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "status {:?}: {stderr}", out.status);
}

#[test]
fn a_damaged_data_key_stops_the_service_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data folder");
    std::fs::write(data.join("data.key"), "this is not a key").expect("write");
    let out = vocpath_in(dir.path())
        .arg("migrate")
        .output()
        .expect("run vocpath migrate");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("data.key") && stderr.contains("restore"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(data.join("data.key")).expect("kept"),
        "this is not a key"
    );
}

// --- query values that crashed their handler (item 10) ---

#[tokio::test]
async fn text_sliced_through_a_character_and_huge_page_numbers_are_422_not_a_crash() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    for path in [
        "/api/v1/students?id_last_digits=%E4%B8%80%E4%BA%8C",
        "/api/v1/students?id_last_digits=12345",
        "/api/v1/students?id_last_digits=X123",
        "/api/v1/students?page=18446744073709551615",
        "/api/v1/households?page=18446744073709551615",
        "/api/v1/users?page=18446744073709551615",
        "/api/v1/audit-log?page=18446744073709551615",
        "/api/v1/outbox?page=18446744073709551615",
        "/api/v1/mentor-assignments?page=18446744073709551615",
    ] {
        let reply = app.api(Method::GET, path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", reply.body);
        assert_eq!(reply.content_type(), "application/problem+json", "{path}");
    }
    let ok = app
        .api(Method::GET, "/api/v1/students?id_last_digits=123x", Some(&token), None)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    let mut b = app.browser_as(Role::Admin).await;
    for path in [
        "/students?id_last_digits=%E4%B8%80%E4%BA%8C",
        "/students?page=18446744073709551615",
        "/admin/users?page=18446744073709551615",
        "/admin/audit?page=18446744073709551615",
        "/admin/outbox?page=18446744073709551615",
        "/mentoring/assignments?page=18446744073709551615",
    ] {
        let reply = b.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert!(reply.body.contains("<html"), "{path}: a page, not a dropped connection");
    }
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

// --- security headers (item 11) ---

fn header<'a>(reply: &'a crate::helpers::Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn every_response_carries_a_strict_policy_that_allows_the_farmer_pages_own_style() {
    let app = TestApp::spawn().await;
    for path in [
        "/login",
        "/train",
        "/healthz",
        "/api/v1/public/sessions",
        "/no-such-page",
        "/static/app.css",
    ] {
        let reply = app.get(path).await;
        let csp = header(&reply, "content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(header(&reply, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&reply, "referrer-policy"), "same-origin", "{path}");
        assert_eq!(
            header(&reply, "strict-transport-security"),
            "",
            "{path}: no HSTS over http"
        );
    }
    // The inline stylesheet of the farmer pages is allowed by its hash, and only it.
    let page = app.get("/train").await;
    let style = page
        .body
        .split("<style>")
        .nth(1)
        .and_then(|rest| rest.split_once("</style>"))
        .map(|(s, _)| s)
        .expect("an inline style");
    let hash = vocpath::security_headers::style_hash(style);
    assert!(header(&page, "content-security-policy").contains(&format!("'sha256-{hash}'")));
    assert!(!page.body.contains("style=\""), "no inline style attributes");

    let docs = app.get("/api/docs").await;
    assert!(header(&docs, "content-security-policy").contains("frame-ancestors 'none'"));

    let https = TestApp::spawn_with(&[("VOCPATH_BASE_URL", "https://vocpath.example.cn")]).await;
    let reply = https.get("/login").await;
    assert!(header(&reply, "strict-transport-security").starts_with("max-age="));
}

// --- phone numbers for roles that may not reveal IDs ---

#[tokio::test]
async fn viewers_and_mentors_see_phone_numbers_masked_everywhere_clerks_see_them_whole() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("张三", "410181200602024518", 2026).await;
    for (role, expect_full) in [(Role::Viewer, false), (Role::Mentor, false), (Role::Admissions, true)] {
        let token = app.token(role).await;
        let one = app
            .api(Method::GET, &format!("/api/v1/students/{id}"), Some(&token), None)
            .await;
        let list = app.api(Method::GET, "/api/v1/students", Some(&token), None).await;
        let mut b = app.browser_as(role).await;
        let page = b.get(&format!("/students/{id}")).await;
        let rows = b.get("/students").await;
        let csv = b.get("/students/export?format=csv").await;
        for (what, body) in [
            ("api one", &one.body),
            ("api list", &list.body),
            ("page", &page.body),
            ("list page", &rows.body),
            ("export", &csv.body),
        ] {
            // The list page shows no phone column at all.
            let shown = what != "list page";
            assert_eq!(
                body.contains("13800138000"),
                shown && expect_full,
                "{role:?} {what}: {body}"
            );
            assert_eq!(body.contains("138****8000"), shown && !expect_full, "{role:?} {what}");
        }
    }
}

#[test]
fn no_page_template_carries_inline_script() {
    // The policy forbids inline script, so an inline handler would silently stop working.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("templates") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !path.ends_with("email") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for bad in [
                " onclick=",
                " onsubmit=",
                " onchange=",
                " onload=",
                "javascript:",
                "<script>",
            ] {
                assert!(!text.contains(bad), "{} has {bad}", path.display());
            }
        }
    }
}
