//! Benchmark: what hostile clients cost the process in memory (issue 11). The service listens on
//! 127.0.0.1 in this process; raw TCP clients send
//! - a 1 GiB chunked body (streamed until the server stops reading) and a declared 1 GiB
//!   `Content-Length` to `/login`, `/train/my`, `/api/v1/public/interest`, `/api/v1/me` and
//!   `/api/v1/imports`, without signing in;
//! - the same from 20 connections at once;
//! - an XLSX whose cells are A1, B1 and XFD1048576, a zip bomb (a sheet that inflates to about
//!   300 MB), one shared string referenced by 3,000 cells (1 MB of plain text; 31 MB of rich-text
//!   runs; 32,000 characters, within Excel's cell limit, 96 MB in all) and A1 written a million
//!   times, to `/api/v1/imports` as a signed-in clerk.
//!
//! The figure is the growth of this process's peak resident memory (`VmHWM` in /proc/self/status,
//! reset through /proc/self/clear_refs before each case). Targets: bodies < 64 MiB, files < 256 MiB;
//! the bench fails if one is missed. `cargo bench --bench hostile`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
#[path = "../tests/fixtures/hostile_files.rs"]
mod hostile_files;

const GIB: u64 = 1024 * 1024 * 1024;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resets the peak, runs `case`, and returns the peak's growth in MiB.
async fn peak_growth<F: std::future::Future<Output = String>>(case: F) -> (f64, String) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    let outcome = case.await;
    let peak = status_kib("VmHWM:");
    (peak.saturating_sub(before) as f64 / 1024.0, outcome)
}

/// Sends a request head, then streams up to 1 GiB of body until the server answers or closes.
async fn send(port: u16, path: &str, extra: &str, chunked: bool) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
        return "connect failed".into();
    };
    let length = if chunked {
        "Transfer-Encoding: chunked\r\n".to_string()
    } else {
        format!("Content-Length: {GIB}\r\n")
    };
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{extra}{length}\r\n");
    if s.write_all(head.as_bytes()).await.is_err() {
        return "closed".into();
    }
    let chunk = vec![b'a'; 64 * 1024];
    let framed = [
        format!("{:x}\r\n", chunk.len()).into_bytes(),
        chunk.clone(),
        b"\r\n".to_vec(),
    ]
    .concat();
    let mut sent = 0u64;
    let mut answer = vec![0u8; 512];
    let started = Instant::now();
    while sent < GIB && started.elapsed() < Duration::from_secs(60) {
        // Stop as soon as the server has answered.
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(0), s.read(&mut answer)).await {
            let line = String::from_utf8_lossy(&answer[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            return format!("{line} after {} MiB sent", sent / (1024 * 1024));
        }
        let data = if chunked { &framed } else { &chunk };
        if s.write_all(data).await.is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut answer))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    let line = String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or("closed")
        .to_string();
    format!("{line} after {} MiB sent", sent / (1024 * 1024))
}

/// Posts a file as multipart to the import API and returns the status line.
async fn upload(port: u16, token: &str, name: &str, bytes: &[u8]) -> String {
    let boundary = "vocpath-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
        return "connect failed".into();
    };
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(&body).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(120), s.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or("no answer").to_string();
    let detail = text
        .split("\"detail\":\"")
        .nth(1)
        .and_then(|d| d.split('"').next())
        .unwrap_or("");
    format!("{status} — {detail}")
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = common::fresh_database(dir.path()).await;
    let state = common::state(&url, dir.path()).await;
    let clerk = vocpath::auth::user::NewUser::parse("clerk@bench.cn", "测试", "admissions", Some("bench password 1"))
        .expect("user");
    let (clerk, _) =
        vocpath::auth::user::create_user(&state.db, &vocpath::audit::Actor::system("bench"), clerk, 256, None)
            .await
            .expect("clerk");
    let (_, token) =
        vocpath::auth::token::create_token(&state.db, &vocpath::audit::Actor::system("bench"), clerk.id, "bench")
            .await
            .expect("token");
    let port = common::serve(&state).await;
    let mut failed = false;
    println!("baseline RSS {:.1} MiB", status_kib("VmRSS:") as f64 / 1024.0);
    let bearer = format!("Authorization: Bearer {token}\r\n");
    for path in [
        "/login",
        "/train/my",
        "/api/v1/public/interest",
        "/api/v1/me",
        "/api/v1/imports",
    ] {
        for chunked in [true, false] {
            let extra = if path == "/api/v1/me" { bearer.as_str() } else { "" };
            let (mib, outcome) = peak_growth(send(port, path, extra, chunked)).await;
            let kind = if chunked { "chunked 1 GiB" } else { "declared 1 GiB" };
            println!("{path:<26} {kind:<15} peak +{mib:>6.1} MiB  {outcome}");
            failed |= mib >= 64.0 || !outcome.contains("413");
        }
    }
    let (mib, outcomes) = peak_growth(async {
        let all =
            futures_util::future::join_all((0..20).map(|_| send(port, "/api/v1/public/interest", "", true))).await;
        let refused = all.iter().filter(|o| o.contains("413")).count();
        format!("{refused}/20 refused with 413")
    })
    .await;
    println!(
        "{:<42} peak +{mib:>6.1} MiB  {outcomes}",
        "20 chunked 1 GiB bodies at once"
    );
    failed |= mib >= 64.0 || !outcomes.starts_with("20/20");
    let far_cell = hostile_files::xlsx_with_cells(&[(0, 0), (0, 1), (1_048_575, 16_383)]);
    for (name, file) in [
        ("far-cell.xlsx", far_cell),
        ("bomb.xlsx", hostile_files::zip_bomb(1_000_000, 240)),
        (
            "1mb-string.xlsx",
            hostile_files::shared_string_xlsx(1, 1_000_000, 3_000),
        ),
        (
            "31mb-rich.xlsx",
            hostile_files::shared_string_xlsx(31, 1_000_000, 3_000),
        ),
        ("32k-x3000.xlsx", hostile_files::shared_string_xlsx(1, 32_000, 3_000)),
        ("a1-repeats.xlsx", hostile_files::repeated_cell_xlsx(1_000_000)),
    ] {
        let size = file.len();
        let (mib, outcome) = peak_growth(upload(port, &token, name, &file)).await;
        println!("{name:<16} ({size:>7} bytes)       peak +{mib:>6.1} MiB  {outcome}");
        failed |= mib >= 256.0 || !outcome.contains("422");
    }
    let health = health(port).await;
    println!("/healthz afterwards: {health}");
    common::drop_database(state, pg).await;
    if failed || !health.contains("200") {
        eprintln!("a target was missed");
        std::process::exit(1);
    }
}

async fn health(port: u16) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
        return "refused".into();
    };
    let _ = s
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}
