//! Uploaded registers at rest: stored only encrypted, deleted once committed or abandoned, and no
//! full national ID left anywhere in the database, nor in a report.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};
use vocpath::audit::Actor;
use vocpath::student::import::{self, CommitOptions};

use crate::helpers::TestApp;

const HEADER: &str = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n";
const GOOD_IDS: [&str; 2] = ["410181200602024058", "410181200704209707"];
/// A valid ID typed into the name column of a bad row: the report must not repeat it.
const MISPLACED_ID: &str = "41018120070729545X";

fn register() -> Vec<u8> {
    format!(
        "{HEADER}1,黎磊,男,{},2006-02-02,4101857648925713,尹丽,鲁庄镇,新庄村,15016613186,一中,2021,603,未升学,否,计算机应用\n\
         2,黄静国,女,{},2007-04-20,4101849226687149,崔超,紫荆路街道,新庄村,13948219935,二中,2021,460,未升学,否,中餐烹饪\n\
         3,{MISPLACED_ID},男,410181200602024059,,4101800000000001,某,米河镇,,,一中,2021,,未升学,否,\n",
        GOOD_IDS[0], GOOD_IDS[1]
    )
    .into_bytes()
}

fn all_ids() -> Vec<&'static str> {
    let mut ids = GOOD_IDS.to_vec();
    ids.extend([MISPLACED_ID, "410181200602024059"]);
    ids
}

/// On SQLite, the raw bytes of the database file and its WAL after a checkpoint.
async fn sqlite_file_bytes(app: &TestApp) -> Option<Vec<u8>> {
    let db = &app.state.db;
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    let path = app.state.config.data_dir.join("test.db");
    let mut bytes = std::fs::read(&path).expect("database file");
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    Some(bytes)
}

#[tokio::test]
async fn after_preview_and_commit_no_national_id_of_the_file_is_left_in_the_database() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admissions).await;
    let preview = app.api_upload(&token, "register.csv", &register()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let id = preview.json()["id"].as_i64().expect("id");
    let (batch, _) = import::get_batch(&app.state.db, id as i32).await.expect("batch");
    assert!(!batch.content.is_empty(), "kept for the commit");
    assert_ne!(batch.content, register(), "but not in clear");
    let mut b = app.browser_as(Role::Admissions).await;
    let page = b.get(&format!("/imports/{id}")).await;
    let errors_csv = b.get(&format!("/imports/{id}/errors.csv")).await;
    assert!(
        errors_csv.body.contains("410181********545X"),
        "masked: {}",
        errors_csv.body
    );
    for id in all_ids() {
        assert!(!preview.body.contains(id), "API preview shows {id}: {}", preview.body);
        assert!(!page.body.contains(id), "preview page shows {id}");
        assert!(!errors_csv.body.contains(id), "errors.csv shows {id}");
    }
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
    let (batch, _) = import::get_batch(&app.state.db, id as i32).await.expect("batch");
    assert!(batch.content.is_empty(), "the upload is deleted once committed");
    let values = app.every_value().await;
    let file = sqlite_file_bytes(&app).await;
    for id in all_ids() {
        assert!(!values.contains(id), "{id} is in a column");
        if let Some(file) = &file {
            let found = file.windows(id.len()).any(|w| w == id.as_bytes());
            assert!(!found, "{id} is in the SQLite file or its WAL");
        }
    }
}

#[tokio::test]
async fn an_abandoned_preview_is_purged_after_24_hours_and_cannot_be_committed() {
    let app = TestApp::spawn().await;
    let actor = Actor::system("test");
    let (batch, _) = import::create_batch(&app.state.db, &app.state.vault, &actor, "r.csv", register(), None)
        .await
        .expect("preview");
    let now = chrono::Utc::now();
    let purged = import::purge_stale_uploads(&app.state.db, now + chrono::Duration::hours(23))
        .await
        .expect("purge");
    assert_eq!(purged, 0, "a preview of today is kept");
    let purged = import::purge_stale_uploads(&app.state.db, now + chrono::Duration::hours(25))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    let stored = entity::import_batch::Entity::find_by_id(batch.id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("batch");
    assert!(stored.content.is_empty(), "the upload is gone");
    assert!(stored.report.contains("r.csv"), "the report is kept");
    assert_eq!(stored.file_sha256, batch.file_sha256, "and the digest");
    let err = import::commit_batch(
        &app.state.db,
        &app.state.vault,
        &actor,
        batch.id,
        CommitOptions::default(),
    )
    .await
    .expect_err("nothing left to commit");
    let text = app.state.i18n.text(vocpath::i18n::Lang::Zh, &err.message());
    assert!(text.contains("重新上传"), "{text}");
    assert_eq!(app.count("student").await, 0);
}
