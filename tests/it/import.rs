//! Register import: preview, row errors, atomic commit, idempotent re-import, updates in the archive.

use entity::enums::Role;
use poem::Body;
use poem::http::{Method, StatusCode};
use vocpath::audit::Actor;
use vocpath::student::import::{self, CommitOptions};

use crate::helpers::TestApp;

const HEADER: &str = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n";

fn sample() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/register-sample-utf8.csv"))
        .unwrap_or_else(|_| {
            format!(
                "{HEADER}1,黎磊,男,410181200602024058,2006-02-02,4101857648925713,尹丽,鲁庄镇,新庄村,15016613186,巩义市第一初级中学,2021,603,未升学,否,计算机应用\n\
                 2,黄静国,女,410181200704209707,2007-04-20,4101849226687149,崔超,紫荆路街道,新庄村,13948219935,巩义市第二初级中学,2021,460,未升学,否,中餐烹饪\n"
            )
            .into_bytes()
        })
}

/// A messy GBK export: BOM-less GBK, padded cells, full-width digits, lower-case x, Excel serial
/// and slash dates, and a set of bad rows.
fn messy_gbk() -> Vec<u8> {
    let text = format!(
        "{HEADER}\
         1, 黎磊 ,男,４１０１８１２００６０２０２４０５８,38750,4101857648925713,尹丽,鲁庄镇,新庄村,150 1661 3186,一中,2021,603,未升学,否,计算机应用\n\
         2,黄静国,女,410181200704209707,2007/4/20,4101849226687149,崔超,紫荆路街道,新庄村,13948219935,二中,2021,460,未升学,否,中餐烹饪\n\
         3,坏校验,男,410181200602024059,,4101800000000001,某,米河镇,,,一中,2021,,未升学,否,\n\
         4,坏日期,男,410181200602304058,,4101800000000002,某,米河镇,,,一中,2021,,未升学,否,\n\
         5,,男,410181200707295452,,4101800000000003,某,米河镇,,,一中,2021,,未升学,否,\n\
         6,重复,男,410181200602024058,,4101800000000004,某,米河镇,,,一中,2021,,未升学,否,\n\
         7,状态,男,410181200707170799,,4101800000000005,某,米河镇,,,一中,2021,,出国,否,\n"
    );
    encoding_rs::GBK.encode(&text).0.into_owned()
}

#[tokio::test]
async fn a_preview_counts_rows_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let report = import::preview(&app.state.db, &app.state.vault, "sample.csv", &sample(), None)
        .await
        .expect("preview");
    assert!(report.rows >= 2);
    assert_eq!(report.students.new, report.rows);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(app.count("student").await, 0);
    assert_eq!(app.count("household").await, 0);
}

#[tokio::test]
async fn every_bad_row_of_a_messy_gbk_file_is_reported_by_line_and_column() {
    let app = TestApp::spawn().await;
    let report = import::preview(&app.state.db, &app.state.vault, "messy.csv", &messy_gbk(), None)
        .await
        .expect("preview");
    assert_eq!(report.rows, 7);
    assert_eq!(report.students.new, 2, "rows 2 and 3 are good");
    let got: Vec<(usize, &str)> = report.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (4, "身份证号"),
            (5, "身份证号"),
            (6, "姓名"),
            (7, "身份证号"),
            (8, "升学状态")
        ],
        "{:#?}",
        report.errors
    );
    let dup = report.errors.iter().find(|e| e.line == 7).expect("duplicate row");
    assert!(
        dup.text(&app.state.i18n, vocpath::i18n::Lang::Zh).contains('2'),
        "names the first line"
    );
}

#[tokio::test]
async fn commit_writes_good_rows_once_and_reimport_changes_nothing() {
    let app = TestApp::spawn().await;
    let actor = Actor::system("test");
    let first = import::import_now(&app.state.db, &app.state.vault, &actor, "messy.csv", messy_gbk(), None)
        .await
        .expect("commit");
    assert_eq!(first.students.new, 2);
    assert_eq!(first.errors.len(), 5);
    assert_eq!(app.count("student").await, 2);
    let audit_before = app.count("archive_entry").await;
    let again = import::import_now(&app.state.db, &app.state.vault, &actor, "messy.csv", messy_gbk(), None)
        .await
        .expect("commit");
    assert_eq!(
        (again.students.new, again.students.changed, again.students.unchanged),
        (0, 0, 2)
    );
    assert_eq!((again.households.new, again.households.changed), (0, 0));
    assert_eq!(app.count("student").await, 2);
    assert_eq!(
        app.count("archive_entry").await,
        audit_before,
        "nothing recorded when nothing changed"
    );
}

#[tokio::test]
async fn an_updated_value_is_written_and_recorded_in_the_archive() {
    let app = TestApp::spawn().await;
    let actor = Actor::system("test");
    let v1 = format!(
        "{HEADER}1,黎磊,男,410181200602024058,2006-02-02,4101857648925713,尹丽,鲁庄镇,新庄村,15016613186,一中,2021,603,未升学,否,计算机应用\n"
    );
    let v2 = v1
        .replace("15016613186", "13800138000")
        .replace(",未升学,", ",普通高中,");
    import::import_now(&app.state.db, &app.state.vault, &actor, "v1.csv", v1.into_bytes(), None)
        .await
        .expect("v1");
    let r = import::import_now(&app.state.db, &app.state.vault, &actor, "v2.csv", v2.into_bytes(), None)
        .await
        .expect("v2");
    assert_eq!(r.students.changed, 1);
    // A clerk (who sees phone numbers whole; viewers see them masked).
    let token = app.token(Role::Admissions).await;
    let list = app
        .api(Method::GET, "/api/v1/students", Some(&token), None)
        .await
        .json();
    let id = list["items"][0]["id"].as_i64().expect("id");
    assert_eq!(list["items"][0]["phone"], "13800138000");
    assert_eq!(list["items"][0]["status"], "in_senior_high");
    let entries = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{id}/entries"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(entries["items"][0]["kind"], "record_change");
    let changes = entries["items"][0]["details"]["changes"].as_array().expect("changes");
    let fields: Vec<&str> = changes.iter().map(|c| c["field"].as_str().expect("f")).collect();
    assert_eq!(fields, vec!["phone", "senior_high_status"]);
}

#[tokio::test]
async fn a_failure_in_the_middle_of_a_commit_leaves_nothing() {
    let app = TestApp::spawn().await;
    let actor = Actor::system("test");
    let rows: String = (0..900)
        .map(|i| {
            let id = vocpath_test_id(i);
            format!(
                "{i},学生{},,{id},,H{i:08},户主,米河镇,村,,一中,2021,,未升学,否,\n",
                chinese_digits(i)
            )
        })
        .collect();
    let bytes = format!("{HEADER}{rows}").into_bytes();
    let (batch, preview) = import::create_batch(&app.state.db, &app.state.vault, &actor, "big.csv", bytes, None)
        .await
        .expect("preview");
    assert!(
        preview.errors.is_empty(),
        "{:?}",
        &preview.errors[..preview.errors.len().min(3)]
    );
    assert_eq!(preview.students.new, 900);
    let failed = import::commit_batch(
        &app.state.db,
        &app.state.vault,
        &actor,
        batch.id,
        CommitOptions {
            fail_after_new_students: Some(400),
            ..Default::default()
        },
    )
    .await;
    assert!(failed.is_err());
    assert_eq!(app.count("student").await, 0);
    assert_eq!(app.count("household").await, 0);
    let (batch_after, _) = import::get_batch(&app.state.db, batch.id).await.expect("batch");
    assert_eq!(
        batch_after.status,
        entity::import_batch::ImportStatus::Previewed,
        "the batch can be committed again"
    );
    let ok = import::commit_batch(
        &app.state.db,
        &app.state.vault,
        &actor,
        batch.id,
        CommitOptions::default(),
    )
    .await
    .expect("commit");
    assert_eq!(ok.students.new, 900);
    assert_eq!(app.count("student").await, 900);
    let twice = import::commit_batch(
        &app.state.db,
        &app.state.vault,
        &actor,
        batch.id,
        CommitOptions::default(),
    )
    .await;
    assert!(matches!(twice, Err(vocpath::error::AppError::Conflict(_))));
}

/// A valid national ID for test row `i` (birth date 2006-01-01 + i days, check digit computed).
fn vocpath_test_id(i: usize) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(2006, 1, 1).expect("d") + chrono::Duration::days((i % 700) as i64);
    let body = format!("410181{}{:03}", birth.format("%Y%m%d"), i % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn chinese_digits(i: usize) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    i.to_string()
        .chars()
        .map(|c| D[c.to_digit(10).unwrap_or(0) as usize])
        .collect()
}

#[tokio::test]
async fn the_api_previews_an_upload_and_commits_it() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admissions).await;
    let boundary = "XyZvocpathBoundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"messy.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend_from_slice(&messy_gbk());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let headers = [
        ("authorization", format!("Bearer {token}")),
        ("content-type", format!("multipart/form-data; boundary={boundary}")),
    ];
    let r = app
        .request(Method::POST, "/api/v1/imports", &headers, Body::from(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let preview = r.json();
    assert_eq!(preview["status"], "previewed");
    assert_eq!(preview["students"]["new"], 2);
    assert_eq!(preview["errors"].as_array().expect("errors").len(), 5);
    assert_eq!(preview["errors"][0]["line"], 4);
    assert_eq!(app.count("student").await, 0);
    let id = preview["id"].as_i64().expect("id");
    let committed = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/commit"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.body);
    assert_eq!(app.count("student").await, 2);
    let again = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/commit"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let viewer = app.token(Role::Viewer).await;
    let headers = [
        ("authorization", format!("Bearer {viewer}")),
        ("content-type", format!("multipart/form-data; boundary={boundary}")),
    ];
    assert_eq!(
        app.request(Method::POST, "/api/v1/imports", &headers, Body::from(body))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_file_without_the_required_columns_is_refused_with_their_names() {
    let app = TestApp::spawn().await;
    let err = import::preview(
        &app.state.db,
        &app.state.vault,
        "x.csv",
        "姓名,性别\n张三,男\n".as_bytes(),
        None,
    )
    .await
    .expect_err("refused");
    let vocpath::error::AppError::Invalid(fields) = err else {
        panic!("invalid expected")
    };
    let text = app.state.i18n.text(vocpath::i18n::Lang::Zh, &fields[0].msg);
    assert!(text.contains("身份证号") && text.contains("建档立卡编号"), "{text}");
}

#[tokio::test]
async fn the_portal_uploads_previews_and_commits() {
    let app = TestApp::spawn().await;
    let mut b = app.browser_as(Role::Admissions).await;
    let form = b.get("/imports/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let boundary = "XyZvocpathBoundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"messy.csv\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&messy_gbk());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let cookie = b.cookie_string();
    let headers = [
        ("cookie", cookie.clone()),
        ("content-type", format!("multipart/form-data; boundary={boundary}")),
    ];
    let no_token = app
        .request(Method::POST, "/imports", &headers, Body::from(body.clone()))
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "CSRF applies to uploads too");
    let r = b
        .post_multipart("/imports", format!("multipart/form-data; boundary={boundary}"), body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let show = b.get(r.location()).await;
    assert!(
        show.body.contains("尚未写入") && show.body.contains("升学状态"),
        "{}",
        show.body
    );
    let errors = b.get(&format!("{}/errors.csv", r.location())).await;
    assert!(errors.body.contains("身份证号"));
    let done = b.post(&format!("{}/commit", r.location()), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), r.location(), "back to the page that shows progress");
    // The commit runs in the background; the page refreshes until it reports the result.
    let mut page = b.get(r.location()).await;
    for _ in 0..100 {
        if page.body.contains("已导入") {
            break;
        }
        assert!(
            page.body.contains("正在导入") || page.body.contains("尚未写入"),
            "{}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = b.get(r.location()).await;
    }
    assert!(page.body.contains("已导入"), "{}", page.body);
    assert_eq!(app.count("student").await, 2);
}

/// Issue 12: the summary counts rows with problems, not messages (a row may have several).
#[tokio::test]
async fn the_summary_counts_problems_and_the_rows_that_have_them() {
    let app = TestApp::spawn().await;
    let csv = "姓名,身份证号,建档立卡编号,镇(街道),毕业年份,升学状态,联系电话\n\
               学生甲,41018120060202405X,H1000001,米河镇,2026,未升学,12345\n\
               学生乙,410181200704209707,H1000002,米河镇,2026,未升学,138001\n";
    let report = vocpath::student::import::preview(&app.state.db, &app.state.vault, "c.csv", csv.as_bytes(), None)
        .await
        .expect("preview");
    assert_eq!(report.errors.len(), 3, "{:?}", report.errors);
    assert_eq!(report.bad_rows(), 2);
}

/// Issue 12: the import template (header row and one example row) downloads as CSV and XLSX and
/// imports as it is.
#[tokio::test]
async fn the_import_template_downloads_and_imports_as_it_is() {
    let app = TestApp::spawn().await;
    let mut b = app.browser_as(Role::Admissions).await;
    let page = b.get("/imports/new").await;
    assert!(page.body.contains("/imports/template?format=xlsx"));
    let csv = b.get("/imports/template?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("身份证号") && csv.body.contains("示例学生"),
        "{}",
        csv.body
    );
    let report = vocpath::student::import::preview(&app.state.db, &app.state.vault, "t.csv", csv.body.as_bytes(), None)
        .await
        .expect("preview");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.students.new, 1);
    let xlsx = app
        .request(
            Method::GET,
            "/imports/template?format=xlsx",
            &[(
                "cookie",
                b.cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )],
            poem::Body::empty(),
        )
        .await;
    assert!(xlsx.content_type().contains("spreadsheetml"), "{}", xlsx.content_type());
}
