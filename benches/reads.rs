//! Benchmark: portal and API reads under 200 concurrent clients. Target (DESIGN.md): p99 under
//! 50 ms. The demo county (3,000 students, a committed run, mentors, training) is loaded into a
//! fresh database, the service listens on 127.0.0.1, and 200 clients (HTTP keep-alive, each its own
//! connection) read for 15 s in a loop: a student's page on the portal, a page of the student list on
//! the portal, and a student through the JSON API. Client and server share this 2-core machine.
//!
//! `cargo bench --bench reads` (SQLite); `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench reads` (PostgreSQL). `BENCH_CLIENTS` and `BENCH_SECONDS` change the load;
//! `BENCH_THINK_MS` makes each client pause between requests (default 0: back to back).

use std::time::{Duration, Instant};

mod common;

#[tokio::main]
async fn main() {
    let clients: usize = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    // Pause of each client between two requests (0: back to back, the saturation test).
    let think_ms: u64 = std::env::var("BENCH_THINK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = common::fresh_database(dir.path()).await;
    let state = common::state(&url, dir.path()).await;
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let t = Instant::now();
    vocpath::demo::load(&state).await.expect("demo county");
    println!("{backend}: demo county loaded in {:.1?}", t.elapsed());

    let viewer = vocpath::auth::session::login(
        &state.db,
        &state.config,
        vocpath::auth::session::LoginRequest {
            email: "viewer@demo.vocpath",
            password: vocpath::demo::DEMO_PASSWORD,
            client_ip: "127.0.0.1",
            previous_cookie: None,
            device_cookie: None,
        },
    )
    .await
    .expect("login")
    .cookie_value;
    let viewer_id = vocpath::auth::user::find_user_by_email(&state.db, "viewer@demo.vocpath")
        .await
        .expect("q")
        .expect("viewer")
        .id;
    let (_, token) =
        vocpath::auth::token::create_token(&state.db, &vocpath::audit::Actor::system("bench"), viewer_id, "bench")
            .await
            .expect("token");
    let port = common::serve(&state).await;
    let ids: Vec<i32> = {
        use sea_orm::EntityTrait;
        entity::student::Entity::find()
            .all(&state.db)
            .await
            .expect("students")
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    let ids = std::sync::Arc::new(ids);
    // Every client first opens its connection with one untimed request (200 simultaneous connects
    // would otherwise measure the kernel's listen backlog), then all start together.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (ids, viewer, token, barrier) = (ids.clone(), viewer.clone(), token.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            for _ in 0..3 {
                let warm = http
                    .get(format!(
                        "http://127.0.0.1:{port}/api/v1/students/{}",
                        ids[c % ids.len()]
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await;
                if warm.is_ok() {
                    break;
                }
            }
            barrier.wait().await;
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut times: Vec<(u8, Duration)> = Vec::new();
            let mut errors = 0usize;
            let mut n = c;
            if think_ms > 0 {
                // Spread the clients over the pause instead of firing together.
                tokio::time::sleep(Duration::from_millis((c as u64 * think_ms) / clients as u64)).await;
            }
            while Instant::now() < deadline {
                n += 7;
                let id = ids[n % ids.len()];
                let (kind, req) = match n % 3 {
                    0 => (
                        0u8,
                        http.get(format!("http://127.0.0.1:{port}/students/{id}"))
                            .header("cookie", format!("vocpath_session={viewer}")),
                    ),
                    1 => (
                        1u8,
                        http.get(format!("http://127.0.0.1:{port}/students?page={}", 1 + n % 40))
                            .header("cookie", format!("vocpath_session={viewer}")),
                    ),
                    _ => (
                        2u8,
                        http.get(format!("http://127.0.0.1:{port}/api/v1/students/{id}"))
                            .bearer_auth(&token),
                    ),
                };
                let t = Instant::now();
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        times.push((kind, t.elapsed()));
                    }
                    _ => errors += 1,
                }
                if think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(think_ms)).await;
                }
            }
            (times, errors)
        }));
    }
    let mut all: Vec<(u8, Duration)> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.expect("client");
        all.extend(times);
        errors += e;
    }
    let report = |label: &str, mut d: Vec<Duration>| {
        d.sort_unstable();
        if d.is_empty() {
            println!("  {label}: no requests");
            return;
        }
        let pct = |p: f64| d[((d.len() as f64 * p) as usize).min(d.len() - 1)];
        println!(
            "  {label}: {} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            d.len(),
            pct(0.50).as_secs_f64() * 1000.0,
            pct(0.99).as_secs_f64() * 1000.0,
            d[d.len() - 1].as_secs_f64() * 1000.0
        );
    };
    println!(
        "{backend}: {clients} concurrent clients, {think_ms} ms pause between requests, for {seconds} s: {} requests ({:.0}/s), {errors} errors",
        all.len(),
        all.len() as f64 / seconds as f64
    );
    report("all reads", all.iter().map(|(_, d)| *d).collect());
    for (k, label) in [
        (0u8, "student page (portal)"),
        (1, "student list page (portal)"),
        (2, "student (API)"),
    ] {
        report(
            label,
            all.iter().filter(|(kind, _)| *kind == k).map(|(_, d)| *d).collect(),
        );
    }
    common::drop_database(state, pg).await;
}
