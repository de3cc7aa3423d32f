//! Benchmark: preview and commit of a 100,000-row GBK register export, then a re-import preview
//! (every row unchanged). Target (DESIGN.md): preview + commit under 20 s on 2 cores.
//!
//! `cargo bench --bench import` runs on a temporary SQLite file; with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` it runs on a fresh PostgreSQL
//! database created (and dropped) through that URL. `BENCH_ROWS` changes the row count.

use std::time::Instant;

mod common;

use vocpath::audit::Actor;
use vocpath::student::import::{self, CommitOptions};

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = common::fresh_database(dir.path()).await;
    let state = common::state(&url, dir.path()).await;
    let actor = Actor::system("bench");

    let started = Instant::now();
    let bytes = common::register_csv(rows);
    println!(
        "generated {rows} rows ({:.1} MB GBK) in {:.2?}",
        bytes.len() as f64 / 1e6,
        started.elapsed()
    );

    let t = Instant::now();
    let (batch, preview) = import::create_batch(&state.db, &state.vault, &actor, "bench.csv", bytes.clone(), None)
        .await
        .expect("preview");
    let preview_time = t.elapsed();
    assert!(
        preview.errors.is_empty(),
        "bench rows must be valid: {:?}",
        &preview.errors[..preview.errors.len().min(3)]
    );
    let t = Instant::now();
    let report = import::commit_batch(&state.db, &state.vault, &actor, batch.id, CommitOptions::default())
        .await
        .expect("commit");
    let commit_time = t.elapsed();
    assert_eq!(report.students.new, rows);
    let t = Instant::now();
    let again = import::preview(&state.db, &state.vault, "bench.csv", &bytes, None)
        .await
        .expect("re-preview");
    let again_time = t.elapsed();
    assert_eq!(again.students.unchanged, rows);

    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend}: preview {preview_time:.2?}, commit {commit_time:.2?}, preview+commit {:.2?}; re-import preview (all unchanged) {again_time:.2?}",
        preview_time + commit_time
    );
    common::drop_database(state, pg).await;
}
