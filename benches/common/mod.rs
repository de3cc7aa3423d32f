//! Shared by the benchmarks: a synthetic county register and a fresh database.
#![allow(dead_code, reason = "each bench uses part of this module")]

use sea_orm::ConnectionTrait;

/// The allocator the `vocpath` binary runs with (`src/main.rs`), so a bench measures what the
/// service does. Before 2026-12-06 (evening) the benches ran on glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HEADER: &str = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n";
const TOWNS: [&str; 6] = ["米河镇", "鲁庄镇", "站街镇", "涉村镇", "紫荆路街道", "回郭镇"];
const SURNAMES: [char; 12] = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙'];
const GIVEN: [char; 12] = ['磊', '静', '伟', '芳', '强', '敏', '军', '丽', '洋', '艳', '杰', '娟'];

pub fn national_id(i: usize) -> String {
    let birth =
        chrono::NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or_default() + chrono::Duration::days((i % 1400) as i64);
    let body = format!(
        "4101{:02}{}{:03}",
        81 + (i / 1_400_000) % 10,
        birth.format("%Y%m%d"),
        (i / 1400) % 1000
    );
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// A GBK register export of `rows` students (two per household), every row valid.
pub fn register_csv(rows: usize) -> Vec<u8> {
    let mut text = String::with_capacity(rows * 160);
    text.push_str(HEADER);
    for i in 0..rows {
        let name: String = [SURNAMES[i % 12], GIVEN[(i / 12) % 12], GIVEN[(i / 144) % 12]]
            .iter()
            .collect();
        let household = i / 2; // two children per household
        let head: String = [SURNAMES[household % 12], GIVEN[(household / 12) % 12]]
            .iter()
            .collect();
        text.push_str(&format!(
            "{},{name},,{},,41018{household:011},{head},{},第{}村,138{:08},巩义市第{}初级中学,{},{},{},否,数控技术应用\n",
            i + 1,
            national_id(i),
            TOWNS[household % TOWNS.len()],
            household % 30,
            i % 100_000_000,
            i % 9 + 1,
            2021 + (i % 5) as i32,
            300 + (i % 400),
            if i % 7 == 0 { "普通高中" } else { "未升学" },
        ));
    }
    encoding_rs::GBK.encode(&text).0.into_owned()
}

/// A fresh database: a SQLite file in `dir`, or with `BENCH_DATABASE_URL` a new PostgreSQL database
/// (returned with the admin connection, to drop it afterwards).
pub async fn fresh_database(dir: &std::path::Path) -> (String, Option<(sea_orm::DatabaseConnection, String)>) {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("vocpath_bench_{}", uuid::Uuid::new_v4().simple());
            let conn = sea_orm::Database::connect(&admin)
                .await
                .expect("connect BENCH_DATABASE_URL");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin.clone());
            (format!("{base}/{name}"), Some((conn, name)))
        }
        _ => (format!("sqlite://{}/bench.db?mode=rwc", dir.display()), None),
    }
}

/// The app state on `url`, migrated.
pub async fn state(url: &str, dir: &std::path::Path) -> vocpath::AppState {
    let mut config = vocpath::Config::from_vars([
        ("VOCPATH_DATABASE_URL".to_string(), url.to_string()),
        ("VOCPATH_DATA_DIR".to_string(), dir.display().to_string()),
        (
            "VOCPATH_SECRET_KEY".to_string(),
            "bench-secret-key-0123456789abcdef0123456789".to_string(),
        ),
        ("VOCPATH_DATA_KEY".to_string(), "5a".repeat(32)),
    ])
    .expect("config");
    config.argon2_memory_kib = 256;
    let db = vocpath::db::connect(url).await.expect("connect");
    vocpath::db::migrate(&db).await.expect("migrate");
    vocpath::build_state(config, db).expect("state")
}

/// Drops a PostgreSQL bench database.
pub async fn drop_database(state: vocpath::AppState, pg: Option<(sea_orm::DatabaseConnection, String)>) {
    if let Some((admin, name)) = pg {
        state.db.clone().close().await.ok();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .ok();
    }
}

/// Serves the app on a free port of 127.0.0.1 and returns the port once it accepts connections.
pub async fn serve(state: &vocpath::AppState) -> u16 {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let routes = vocpath::routes(state.clone());
    tokio::spawn(async move {
        poem::Server::new(poem::listener::TcpListener::bind(format!("127.0.0.1:{port}")))
            .run(routes)
            .await
    });
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    port
}
