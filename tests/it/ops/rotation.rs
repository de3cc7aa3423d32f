//! Data-key rotation: interrupted after one batch, refused at start-up while unfinished, resumed,
//! and every national ID and kept upload then readable only under the new key (both databases).

use entity::enums::Role;
use poem::http::StatusCode;
use sea_orm::EntityTrait;
use vocpath::crypto::IdVault;
use vocpath::key_rotation::{self, Options};

use super::process::vocpath_command;
use crate::helpers::TestApp;

const CSV: &str = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n\
    1,黎磊,男,410181200602024058,2006-02-02,4101857648925713,尹丽,鲁庄镇,新庄村,15016613186,巩义市第一初级中学,2021,603,未升学,否,计算机应用\n";

#[tokio::test]
async fn an_interrupted_rotation_is_resumed_and_leaves_every_id_under_the_new_key_only() {
    let app = TestApp::spawn().await;
    for n in 0..25 {
        app.seed_student(&format!("学生{n}"), &format!("41018120060202{n:04}"), 2026)
            .await;
    }
    let token = app.token(Role::Admin).await;
    let preview = app.api_upload(&token, "register.csv", CSV.as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);

    let dir = tempfile::tempdir().expect("data dir");
    let old_hex = "5a".repeat(32);
    std::fs::write(dir.path().join("data.key"), &old_hex).expect("key");
    let old = IdVault::new(&[0x5a; 32]);
    let (key, resumed) = key_rotation::new_key(dir.path()).expect("new key");
    assert!(!resumed);
    let new = IdVault::new(&key);

    let first = key_rotation::reencrypt(
        &app.state.db,
        &old,
        &new,
        Options {
            batch_size: 10,
            max_batches: Some(1),
        },
    )
    .await
    .expect("first batch");
    assert_eq!((first.students, first.finished), (10, false));
    assert!(key_rotation::in_progress(dir.path()));
    let mut config = vocpath::Config::from_vars([("VOCPATH_DATA_DIR".to_string(), dir.path().display().to_string())])
        .expect("config");
    let refused = config.prepare_data_dir().expect_err("no start mid-rotation");
    assert!(refused.contains("vocpath rotate-data-key"), "{refused}");

    let (again, resumed) = key_rotation::new_key(dir.path()).expect("kept key");
    assert!(resumed);
    assert_eq!(again, key, "the resumed run uses the recorded key");
    let rest = key_rotation::reencrypt(
        &app.state.db,
        &old,
        &new,
        Options {
            batch_size: 10,
            max_batches: None,
        },
    )
    .await
    .expect("resumed");
    assert_eq!((rest.students, rest.already, rest.uploads), (15, 10, 1), "{rest:?}");
    assert!(rest.finished);

    let retired = key_rotation::swap_key_files(dir.path(), chrono::Utc::now()).expect("swap");
    assert_eq!(std::fs::read_to_string(&retired).expect("retired"), old_hex);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data.key")).expect("key"),
        hex::encode(key)
    );
    assert!(!key_rotation::in_progress(dir.path()));

    let students = entity::student::Entity::find()
        .all(&app.state.db)
        .await
        .expect("students");
    assert_eq!(students.len(), 25);
    for s in &students {
        let id = new.decrypt(&s.national_id_enc).expect("readable under the new key");
        assert_eq!(new.lookup_hash(&id), s.national_id_hash);
        assert!(old.decrypt(&s.national_id_enc).is_err(), "not under the old key");
    }
    let batches = entity::import_batch::Entity::find()
        .all(&app.state.db)
        .await
        .expect("batches");
    for b in batches.iter().filter(|b| !b.content.is_empty()) {
        assert_eq!(
            new.decrypt_upload(&b.content, &b.file_sha256).expect("upload readable"),
            CSV.as_bytes()
        );
    }
}

#[test]
fn the_command_rotates_an_installation_that_then_backs_up_under_the_new_key() {
    let root = tempfile::tempdir().expect("root");
    let data = root.path().join("data");
    let csv = root.path().join("register.csv");
    std::fs::write(&csv, CSV).expect("csv");
    let run = |args: &[&str]| {
        let out = vocpath_command(root.path(), &[("VOCPATH_DATA_DIR", data.display().to_string())])
            .args(args)
            .output()
            .expect("run vocpath");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    run(&["import", csv.to_str().expect("utf8"), "--commit"]);
    let before = std::fs::read_to_string(data.join("data.key")).expect("key");
    let text = run(&["rotate-data-key"]);
    assert!(text.contains("1 national IDs") && text.contains("finished"), "{text}");
    let after = std::fs::read_to_string(data.join("data.key")).expect("key");
    assert_ne!(before, after);
    let retired: Vec<_> = std::fs::read_dir(&data)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("data.key.retired-"))
        .collect();
    assert_eq!(retired.len(), 1);
    assert_eq!(std::fs::read_to_string(retired[0].path()).expect("old"), before);
    let backup = root.path().join("after.db");
    let text = run(&["backup", "--output", backup.to_str().expect("utf8")]);
    assert!(text.contains("1 students"), "{text}");
}
