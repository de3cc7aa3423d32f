//! Backups under load and restores into an empty data folder (SQLite); PostgreSQL is refused with
//! the `pg_dump` advice.

use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{EntityTrait, QueryOrder};
use vocpath::Config;

use super::process::vocpath_command;
use crate::helpers::TestApp;

const TEST_KEY_BYTE: &str = "5a";

/// A national ID whose digits after the birth date are `n` (unique per test).
fn id_of(n: usize) -> String {
    format!("41018120060202{n:04}")
}

fn config_for(data_dir: &std::path::Path, key: Option<String>) -> Config {
    let mut vars = vec![("VOCPATH_DATA_DIR".to_string(), data_dir.display().to_string())];
    if let Some(key) = key {
        vars.push(("VOCPATH_DATA_KEY".to_string(), key));
    }
    Config::from_vars(vars).expect("config")
}

#[tokio::test]
async fn a_backup_taken_while_students_are_written_restores_every_row_with_readable_ids() {
    let app = TestApp::spawn().await;
    let out = tempfile::tempdir().expect("temp");
    let file = out.path().join("vocpath-backup.db");
    if !app.state.config.is_sqlite() {
        let err = vocpath::backup::backup(&app.state.config, &file)
            .await
            .expect_err("PostgreSQL is refused");
        assert!(err.contains("pg_dump -Fc") && err.contains("pg_restore"), "{err}");
        assert!(!file.exists());
        return;
    }
    for n in 0..20 {
        app.seed_student(&format!("学生{n}"), &id_of(n), 2026).await;
    }
    let written = AtomicUsize::new(20);
    let done = std::sync::atomic::AtomicBool::new(false);
    let writer = async {
        while !done.load(Ordering::SeqCst) {
            let n = written.load(Ordering::SeqCst);
            app.seed_student(&format!("学生{n}"), &id_of(n), 2026).await;
            written.fetch_add(1, Ordering::SeqCst);
        }
    };
    let backup = async {
        // Start once registrations are flowing, and keep them flowing until it is written.
        while written.load(Ordering::SeqCst) < 40 {
            tokio::task::yield_now().await;
        }
        let report = vocpath::backup::backup(&app.state.config, &file).await;
        let during = written.load(Ordering::SeqCst);
        done.store(true, Ordering::SeqCst);
        (report, during)
    };
    let ((), (report, written_during)) = tokio::join!(writer, backup);
    let report = report.expect("backup");
    assert!(report.students >= 40, "{report:?}");
    assert!(written_during > 40, "writes went on while the backup ran");
    let live = app.count("student").await as usize;
    assert!(report.students <= live, "{report:?} of {live}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("backup").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is private");
    }
    let key = TEST_KEY_BYTE.repeat(32);
    let bytes = std::fs::read(&file).expect("backup bytes");
    assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "no key inside");
    assert_eq!(
        std::fs::read_dir(out.path()).expect("out").count(),
        1,
        "nothing beside the backup"
    );

    let fresh = tempfile::tempdir().expect("fresh");
    let data = fresh.path().join("data");
    let restored = vocpath::backup::restore(&config_for(&data, Some(key)), &file)
        .await
        .expect("restore");
    assert_eq!(restored.students, report.students);
    assert_eq!(restored.file, data.join("vocpath.db"));

    // The snapshot is a prefix of what was committed: every row up to its newest, equal to the live row.
    let db = vocpath::db::connect(&format!("sqlite://{}", restored.file.display()))
        .await
        .expect("open restored");
    let copy = entity::student::Entity::find()
        .order_by_asc(entity::student::Column::Id)
        .all(&db)
        .await
        .expect("students");
    let original = entity::student::Entity::find()
        .order_by_asc(entity::student::Column::Id)
        .all(&app.state.db)
        .await
        .expect("students");
    assert_eq!(copy.len(), report.students);
    assert_eq!(copy[..], original[..copy.len()]);
    for s in &copy {
        let id = app.state.vault.decrypt(&s.national_id_enc).expect("readable");
        assert_eq!(app.state.vault.lookup_hash(&id), s.national_id_hash);
    }
    vocpath::db::migrate(&db).await.expect("the restored database migrates");
}

#[tokio::test]
async fn a_restore_refuses_a_folder_in_use_a_wrong_key_and_no_key() {
    let app = TestApp::spawn().await;
    if !app.state.config.is_sqlite() {
        return; // the refusal of PostgreSQL is checked above
    }
    app.seed_student("王小明", &id_of(1), 2026).await;
    let out = tempfile::tempdir().expect("temp");
    let file = out.path().join("b.db");
    vocpath::backup::backup(&app.state.config, &file).await.expect("backup");
    let exists = vocpath::backup::backup(&app.state.config, &file)
        .await
        .expect_err("never overwrites");
    assert!(exists.contains("already exists"), "{exists}");

    let right = TEST_KEY_BYTE.repeat(32);
    let root = tempfile::tempdir().expect("root");

    let used = root.path().join("used");
    std::fs::create_dir_all(&used).expect("dir");
    std::fs::write(used.join("notes.txt"), "kept").expect("file");
    let err = vocpath::backup::restore(&config_for(&used, Some(right.clone())), &file)
        .await
        .expect_err("not empty");
    assert!(err.contains("not empty") && err.contains("notes.txt"), "{err}");

    let wrong = root.path().join("wrong");
    let err = vocpath::backup::restore(&config_for(&wrong, Some("6b".repeat(32))), &file)
        .await
        .expect_err("wrong key");
    assert!(err.contains("does not open 1 of the 1 national IDs"), "{err}");
    assert!(!wrong.join("vocpath.db").exists(), "nothing restored");
    assert_eq!(
        std::fs::read_dir(&wrong).expect("dir").count(),
        0,
        "no staging file left"
    );

    let keyless = root.path().join("keyless");
    let err = vocpath::backup::restore(&config_for(&keyless, None), &file)
        .await
        .expect_err("no key");
    assert!(err.contains("no data key") && err.contains("data.key"), "{err}");

    // The kept data.key put back into the empty folder is used.
    std::fs::create_dir_all(&keyless).expect("dir");
    std::fs::write(keyless.join("data.key"), &right).expect("key");
    let report = vocpath::backup::restore(&config_for(&keyless, None), &file)
        .await
        .expect("restore with the kept key");
    assert_eq!(report.students, 1);
    let again = vocpath::backup::restore(&config_for(&keyless, None), &file)
        .await
        .expect_err("now in use");
    assert!(
        again.contains("not empty") || again.contains("already holds"),
        "{again}"
    );
}

#[test]
fn the_commands_back_up_restore_and_remind_the_operator_of_the_key() {
    let root = tempfile::tempdir().expect("root");
    let run = |data: &std::path::Path, args: &[&str]| {
        let out = vocpath_command(root.path(), &[("VOCPATH_DATA_DIR", data.display().to_string())])
            .args(args)
            .output()
            .expect("run vocpath");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let first = root.path().join("first");
    let (code, text) = run(&first, &["migrate"]);
    assert_eq!(code, Some(0), "{text}");
    let file = root.path().join("nightly.db");
    let file_arg = file.display().to_string();
    let (code, text) = run(&first, &["backup", "--output", &file_arg]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("does not contain the data key") && text.contains("data.key"),
        "{text}"
    );

    let second = root.path().join("second");
    let (code, text) = run(&second, &["restore", &file_arg]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("no data key"), "{text}");
    assert!(!second.join("data.key").exists(), "restore never makes a key");
    std::fs::create_dir_all(&second).expect("dir");
    std::fs::copy(first.join("data.key"), second.join("data.key")).expect("key");
    let (code, text) = run(&second, &["restore", &file_arg]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("restored"), "{text}");
    let (code, text) = run(&second, &["migrate"]);
    assert_eq!(code, Some(0), "{text}");

    let pg = vocpath_command(
        root.path(),
        &[("VOCPATH_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none".to_string())],
    )
    .args(["backup", "--output", "x.dump"])
    .output()
    .expect("run");
    let text = String::from_utf8_lossy(&pg.stderr);
    assert_eq!(pg.status.code(), Some(1), "{text}");
    assert!(text.contains("pg_dump -Fc"), "{text}");
    assert!(!root.path().join("x.dump").exists());
}
