//! Hostile uploads: spreadsheets whose few bytes describe billions of cells or gigabytes of text,
//! zip bombs and CSV files of absurd shape are refused with 422 and a message naming the bound, nothing is written, the
//! service keeps answering, and reading them costs little memory.

use entity::enums::Role;
use poem::http::StatusCode;
use vocpath::student::table::{self, limits};

use crate::helpers::{Reply, TestApp, multipart};
use crate::hostile_files::{
    repeated_cell_xlsx, shared_string_xlsx, xlsx_declaring_dimension, xlsx_with_cells, zip_bomb,
};

/// Posts `bytes` to the import API as a staff member who may import.
async fn api_upload(app: &TestApp, file_name: &str, bytes: &[u8]) -> Reply {
    let token = app.token(Role::Admissions).await;
    app.api_upload(&token, file_name, bytes).await
}

/// The refusal is 422, names `limit`, wrote nothing, and the service still answers.
async fn assert_refused(app: &TestApp, reply: &Reply, limit: &str) {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(
        reply.body.contains(limit),
        "the message names the limit {limit}: {}",
        reply.body
    );
    assert_eq!(app.count("import_batch").await, 0, "no batch stored");
    assert_eq!(app.count("student").await, 0, "no student written");
    assert_eq!(
        app.get("/healthz").await.status,
        StatusCode::OK,
        "the service is still up"
    );
}

#[tokio::test]
async fn an_xlsx_using_the_last_cell_of_the_sheet_is_refused_naming_the_row_limit() {
    let app = TestApp::spawn().await;
    let bytes = xlsx_with_cells(&[(0, 0), (0, 1), (1_048_575, 16_383)]);
    assert!(bytes.len() < 10_000, "a tiny file: {} bytes", bytes.len());
    let reply = api_upload(&app, "hostile.xlsx", &bytes).await;
    assert_refused(&app, &reply, &limits::MAX_ROWS.to_string()).await;
    assert!(
        reply.body.contains("1048576"),
        "names the row the sheet reaches: {}",
        reply.body
    );
}

#[tokio::test]
async fn one_cell_at_cv200000_is_refused_on_the_portal_upload_page() {
    let app = TestApp::spawn().await;
    let bytes = xlsx_with_cells(&[(0, 0), (0, 1), (199_999, 99)]);
    let mut b = app.browser_as(Role::Admissions).await;
    b.get("/imports/new").await;
    let (content_type, body) = multipart("cv.xlsx", &bytes);
    let reply = b.post_multipart("/imports", content_type, body).await;
    assert!(reply.body.contains("200000"), "names the row reached: {}", reply.body);
    assert_refused(&app, &reply, &limits::MAX_ROWS.to_string()).await;
}

#[tokio::test]
async fn a_zip_bomb_is_refused_naming_the_uncompressed_limit() {
    let app = TestApp::spawn().await;
    let bytes = zip_bomb(1_000_000, 240);
    assert!(
        bytes.len() < 1_000_000,
        "fits the test body limit: {} bytes",
        bytes.len()
    );
    let reply = api_upload(&app, "bomb.xlsx", &bytes).await;
    let mib = (limits::MAX_UNCOMPRESSED_BYTES / (1024 * 1024)).to_string();
    assert_refused(&app, &reply, &format!("{mib} MB")).await;
}

#[tokio::test]
async fn one_long_shared_string_in_thousands_of_cells_is_refused_naming_the_cell_and_the_limit() {
    let app = TestApp::spawn().await;
    let bytes = shared_string_xlsx(1, 1_000_000, 3_000);
    assert!(bytes.len() < 100_000, "a small file: {} bytes", bytes.len());
    let reply = api_upload(&app, "long-string.xlsx", &bytes).await;
    assert!(reply.body.contains("A1"), "names the cell: {}", reply.body);
    assert_refused(&app, &reply, &limits::MAX_CELL_CHARS.to_string()).await;
}

#[tokio::test]
async fn a_rich_text_string_of_many_runs_is_refused_naming_the_cell_limit() {
    let app = TestApp::spawn().await;
    let bytes = shared_string_xlsx(31, 1_000_000, 3_000);
    assert!(
        bytes.len() < 1_000_000,
        "fits the test body limit: {} bytes",
        bytes.len()
    );
    let reply = api_upload(&app, "rich-text.xlsx", &bytes).await;
    assert_refused(&app, &reply, &limits::MAX_CELL_CHARS.to_string()).await;
}

#[tokio::test]
async fn thousands_of_cells_of_allowed_length_are_refused_past_the_sheet_text_limit() {
    let app = TestApp::spawn().await;
    // 3,000 × 32,000 characters: 96 MB of text, each cell within Excel's limit.
    let bytes = shared_string_xlsx(1, 32_000, 3_000);
    let reply = api_upload(&app, "much-text.xlsx", &bytes).await;
    let mib = (limits::MAX_SHEET_TEXT_BYTES / (1024 * 1024)).to_string();
    assert_refused(&app, &reply, &format!("{mib} MB")).await;
}

#[tokio::test]
async fn a_cell_written_a_million_times_is_refused_naming_the_cell() {
    let app = TestApp::spawn().await;
    let bytes = repeated_cell_xlsx(1_000_000);
    assert!(
        bytes.len() < 1_000_000,
        "fits the test body limit: {} bytes",
        bytes.len()
    );
    let reply = api_upload(&app, "repeats.xlsx", &bytes).await;
    assert_refused(&app, &reply, "A1").await;
    assert!(reply.body.contains("不止一次"), "says the cell repeats: {}", reply.body);
}

#[tokio::test]
async fn a_register_declaring_whole_formatted_columns_imports() {
    let app = TestApp::spawn().await;
    let header: Vec<&str> = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业"
        .split(',')
        .collect();
    let row: Vec<&str> = "1,黎磊,男,410181200602024058,2006-02-02,4101857648925713,尹丽,鲁庄镇,新庄村,15016613186,巩义市第一初级中学,2021,603,未升学,否,计算机应用"
        .split(',')
        .collect();
    let bytes = xlsx_declaring_dimension("A1:P1048576", &[header, row]);
    let reply = api_upload(&app, "register.xlsx", &bytes).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["students"]["new"], 1, "{}", reply.body);
}

#[tokio::test]
async fn a_csv_cell_longer_than_excel_allows_is_refused_naming_the_cell() {
    let app = TestApp::spawn().await;
    let text = format!(
        "姓名,备注
黎磊,{}
",
        "长".repeat(limits::MAX_CELL_CHARS + 1)
    );
    let reply = api_upload(&app, "long.csv", text.as_bytes()).await;
    assert!(reply.body.contains("B2"), "names the cell: {}", reply.body);
    assert_refused(&app, &reply, &limits::MAX_CELL_CHARS.to_string()).await;
}

#[tokio::test]
async fn a_csv_record_with_hundreds_of_thousands_of_columns_is_refused() {
    let app = TestApp::spawn().await;
    let line = format!("a{}\n", ",a".repeat(300_000));
    let reply = api_upload(&app, "wide.csv", line.as_bytes()).await;
    assert_refused(&app, &reply, &limits::MAX_COLUMNS.to_string()).await;
}

#[tokio::test]
async fn a_csv_file_with_too_many_rows_is_refused() {
    let app = TestApp::spawn().await;
    let text = "a,b\n".repeat(limits::MAX_ROWS + 1);
    let reply = api_upload(&app, "long.csv", text.as_bytes()).await;
    assert_refused(&app, &reply, &limits::MAX_ROWS.to_string()).await;
}

/// Reads a `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

const RSS_CHILD: &str = "VOCPATH_RSS_CHILD";

/// Parsing each hostile file raises the peak resident memory by less than 256 MiB. Measured in a
/// child process running only this test, since the other tests share this process's memory.
#[test]
fn reading_hostile_files_raises_peak_memory_by_less_than_256_mib() {
    if std::env::var_os(RSS_CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "import_limits::reading_hostile_files_raises_peak_memory_by_less_than_256_mib",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(RSS_CHILD, "1")
            .output()
            .expect("run the child");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {text}");
        assert!(text.contains("1 passed"), "the child ran the measurement: {text}");
        return;
    }
    let files = [
        ("zip bomb", zip_bomb(1_000_000, 240)),
        ("1 MB string in 3,000 cells", shared_string_xlsx(1, 1_000_000, 3_000)),
        (
            "31 MB rich text in 3,000 cells",
            shared_string_xlsx(31, 1_000_000, 3_000),
        ),
        ("32,000 characters in 3,000 cells", shared_string_xlsx(1, 32_000, 3_000)),
        ("A1 a million times", repeated_cell_xlsx(1_000_000)),
    ];
    for (name, file) in files {
        // Reset the peak (VmHWM) to the current RSS, so building the file does not count.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = status_kib("VmRSS:");
        let result = table::read_table(&file, None);
        let peak = status_kib("VmHWM:");
        let growth_mib = peak.saturating_sub(before) / 1024;
        println!("{name}: RSS before {before} KiB, peak after {peak} KiB, growth {growth_mib} MiB");
        assert!(result.is_err(), "{name} is refused");
        assert!(growth_mib < 256, "{name}: peak memory grew by {growth_mib} MiB");
    }
}
