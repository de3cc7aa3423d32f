//! Upgrades: a database stopped at every earlier migration, holding rows in every table that existed
//! then, is migrated to the latest; every row is still there with every value it had, except the
//! values migrations change on purpose (listed below). On SQLite and on PostgreSQL.
//!
//! The rows are made from the schema itself (columns, types, lengths and foreign keys read back from
//! the database), two per table, so a migration added later is covered without editing this test.

use std::collections::{BTreeMap, BTreeSet};

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

/// Values that a migration rewrites on purpose: (table, column).
const CHANGED_ON_PURPOSE: [(&str, &str); 2] = [
    // m20261202_000001: uploads kept in clear are emptied.
    ("import_batch", "content"),
    // m20261207_000020: a second open proposal of a course is dismissed.
    ("session_proposal", "status"),
];

/// Columns a migration moves into another table on purpose: (table, column, where its values go).
/// m20261206_000020: a registration's single attendance tick becomes a present/absent row per held
/// day, and a certificate code given out for an ended session to a farmer ticked present becomes a
/// certificate with that code. The last field: only values of rows where this column is true move.
const MOVED_ON_PURPOSE: [Moved; 2] = [
    Moved {
        from: ("registration", "attended"),
        to: ("attendance_day", "present"),
        only_if: None,
    },
    Moved {
        from: ("registration", "certificate_code"),
        to: ("certificate", "code"),
        only_if: Some("attended"),
    },
];

/// A column whose values a migration moves into another table.
struct Moved {
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    /// Only values of rows where this column (of the same table) is true move.
    only_if: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: String,
    auto_id: bool,
    max_len: Option<usize>,
}

/// A database of its own, dropped (PostgreSQL) at the end.
struct Fresh {
    db: DatabaseConnection,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Fresh {
    async fn new() -> Fresh {
        let dir = tempfile::tempdir().expect("temp");
        let (url, pg) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("vocpath_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&admin_url).await.expect("admin");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or_default();
                (format!("{base}/{name}"), Some((admin_url, name)))
            }
            _ => (format!("sqlite://{}/up.db?mode=rwc", dir.path().display()), None),
        };
        let db = vocpath::db::connect(&url).await.expect("connect");
        Fresh { db, _dir: dir, pg }
    }

    async fn drop_pg(self) {
        self.db.close().await.ok();
        if let Some((admin_url, name)) = self.pg {
            let admin = sea_orm::Database::connect(&admin_url).await.expect("admin");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .ok();
            admin.close().await.ok();
        }
    }
}

async fn rows(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let mut names: Vec<String> = rows(db, sql, vec![])
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "t").expect("t"))
        .filter(|t| t != "seaql_migrations")
        .collect();
    names.sort();
    names
}

async fn columns(db: &DatabaseConnection, table: &str) -> Vec<Column> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let sql = "SELECT column_name AS n, data_type AS k, is_nullable AS nl, COALESCE(column_default, '') AS d, \
                       COALESCE(character_maximum_length, 0) AS l, is_identity AS i \
                       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";
            rows(db, sql, vec![table.into()])
                .await
                .iter()
                .map(|r| {
                    let default: String = r.try_get("", "d").expect("d");
                    let len: i32 = r.try_get("", "l").expect("l");
                    Column {
                        name: r.try_get("", "n").expect("n"),
                        kind: r.try_get::<String>("", "k").expect("k").to_lowercase(),
                        auto_id: default.starts_with("nextval") || r.try_get::<String>("", "i").expect("i") == "YES",
                        max_len: (len > 0).then_some(len as usize),
                    }
                })
                .collect()
        }
        _ => {
            let sql = "SELECT name AS n, type AS k, \"notnull\" AS nn, pk AS pk FROM pragma_table_info(?)";
            rows(db, sql, vec![table.into()])
                .await
                .iter()
                .map(|r| {
                    let kind = r.try_get::<String>("", "k").expect("k").to_lowercase();
                    let pk: i32 = r.try_get("", "pk").expect("pk");
                    Column {
                        name: r.try_get("", "n").expect("n"),
                        max_len: kind
                            .split_once('(')
                            .and_then(|(_, rest)| rest.trim_end_matches(')').parse().ok()),
                        auto_id: pk == 1 && kind.contains("int"),
                        kind,
                    }
                })
                .collect()
        }
    }
}

/// Foreign keys of `table`: column → referenced table.
async fn foreign_keys(db: &DatabaseConnection, table: &str) -> BTreeMap<String, String> {
    let (sql, c, t) = match db.get_database_backend() {
        DbBackend::Postgres => (
            "SELECT kcu.column_name AS c, ccu.table_name AS t FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1",
            "c",
            "t",
        ),
        _ => (
            "SELECT \"from\" AS c, \"table\" AS t FROM pragma_foreign_key_list(?)",
            "c",
            "t",
        ),
    };
    rows(db, sql, vec![table.into()])
        .await
        .iter()
        .map(|r| (r.try_get("", c).expect("c"), r.try_get("", t).expect("t")))
        .collect()
}

/// The value of `column` in row `r` (0 or 1) of `table`.
fn value_for(table: &str, column: &Column, r: usize, fk: Option<&String>) -> Value {
    if let Some(parent) = fk {
        if parent == table {
            return Value::Int(None);
        }
        return Value::Int(Some(r as i32 + 1));
    }
    // Committed runs whose stored result places student r+1 in programme r's code (same intake
    // year), so the copy into `placement` (m20261205_000001) has something to copy.
    if table == "routing_run" && column.name == "status" {
        return Value::String(Some("committed".into()));
    }
    if table == "routing_run" && column.name == "result" {
        let line = serde_json::json!({
            "student": format!("S{}", r + 1), "programme": format!("{r}code"),
            "choice": 1, "points": 512.5, "not_placed_higher": [],
        });
        return Value::String(Some(
            serde_json::json!({ "placements": [line], "unplaced": [] }).to_string(),
        ));
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("date") + chrono::Duration::days(r as i64);
    let k = column.kind.as_str();
    if k.contains("bool") {
        Value::Bool(Some(r == 0))
    } else if k.contains("timestamp") || k.contains("datetime") {
        Value::ChronoDateTimeUtc(Some(day.and_hms_opt(8, 0, 0).expect("time").and_utc()))
    } else if k.contains("date") {
        Value::ChronoDate(Some(day))
    } else if k.contains("bigint") {
        Value::BigInt(Some(r as i64 + 1))
    } else if k.contains("int") {
        Value::Int(Some(r as i32 + 1))
    } else if ["double", "real", "float", "numeric", "decimal"]
        .iter()
        .any(|t| k.contains(t))
    {
        Value::Double(Some(r as f64 + 1.5))
    } else if k.contains("blob") || k.contains("bytea") {
        Value::Bytes(Some(vec![r as u8, 1, 2, 3]))
    } else {
        let text: String = format!("{r}{}", column.name)
            .chars()
            .take(column.max_len.unwrap_or(64))
            .collect();
        Value::String(Some(text))
    }
}

/// Two rows in every table, parents before children.
async fn fill(db: &DatabaseConnection) {
    let mut pending: Vec<(String, Vec<Column>, BTreeMap<String, String>)> = Vec::new();
    for t in tables(db).await {
        let cols = columns(db, &t).await;
        let fks = foreign_keys(db, &t).await;
        pending.push((t, cols, fks));
    }
    let mut done: BTreeSet<String> = BTreeSet::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(t, _, fks)| fks.values().all(|p| p == t || done.contains(p)))
            .unwrap_or_else(|| {
                panic!(
                    "foreign keys form a cycle among {:?}",
                    pending.iter().map(|p| &p.0).collect::<Vec<_>>()
                )
            });
        let (table, cols, fks) = pending.remove(ready);
        for r in 0..2 {
            let filled: Vec<&Column> = cols.iter().filter(|c| !c.auto_id).collect();
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new(table.as_str()))
                .columns(filled.iter().map(|c| Alias::new(c.name.as_str())));
            let values: Vec<sea_orm::sea_query::SimpleExpr> = filled
                .iter()
                .map(|c| value_for(&table, c, r, fks.get(&c.name)).into())
                .collect();
            insert.values(values).expect("values");
            db.execute(&insert)
                .await
                .unwrap_or_else(|e| panic!("insert into {table} ({cols:?}): {e}"));
        }
        done.insert(table);
    }
}

/// Every value of every table as text, by table and column, rows in id order.
async fn snapshot(db: &DatabaseConnection) -> BTreeMap<(String, String), Vec<Option<String>>> {
    let mut all = BTreeMap::new();
    for t in tables(db).await {
        let cols = columns(db, &t).await;
        let order = if cols.iter().any(|c| c.name == "id") {
            "\"id\""
        } else {
            "1"
        };
        for c in cols {
            let expr = match db.get_database_backend() {
                DbBackend::Postgres => format!("\"{}\"::text", c.name),
                _ => format!("CAST(\"{}\" AS TEXT)", c.name),
            };
            let sql = format!("SELECT {expr} AS v FROM \"{t}\" ORDER BY {order}");
            let values = rows(db, &sql, vec![])
                .await
                .iter()
                .map(|r| r.try_get::<Option<String>>("", "v").expect("v"))
                .collect();
            all.insert((t.clone(), c.name), values);
        }
    }
    all
}

#[tokio::test]
async fn a_database_at_every_earlier_migration_upgrades_to_the_latest_with_its_rows() {
    let count = Migrator::migrations().len();
    for step in 1..count {
        let fresh = Fresh::new().await;
        let db = &fresh.db;
        Migrator::up(db, Some(step as u32)).await.expect("migrate to the step");
        fill(db).await;
        let before = snapshot(db).await;
        Migrator::up(db, None)
            .await
            .unwrap_or_else(|e| panic!("upgrade from step {step}: {e}"));
        let after = snapshot(db).await;
        for ((table, column), old) in &before {
            if let Some(Moved {
                to: (to_table, to_column),
                only_if,
                ..
            }) = MOVED_ON_PURPOSE
                .iter()
                .find(|m| m.from == (table.as_str(), column.as_str()))
                && !after.contains_key(&(table.clone(), column.clone()))
            {
                let moved = after
                    .get(&(to_table.to_string(), to_column.to_string()))
                    .unwrap_or_else(|| panic!("step {step}: {to_table}.{to_column} missing"));
                let condition = only_if.map(|c| &before[&(table.clone(), c.to_string())]);
                let kept = (0..old.len())
                    .filter(|&i| old[i].is_some())
                    .filter(|&i| condition.is_none_or(|v| matches!(v[i].as_deref(), Some("true" | "1"))))
                    .count();
                assert_eq!(
                    moved.iter().flatten().count(),
                    kept,
                    "step {step}: {table}.{column} → {to_table}"
                );
                continue;
            }
            let new = after
                .get(&(table.clone(), column.clone()))
                .unwrap_or_else(|| panic!("step {step}: {table}.{column} was dropped"));
            if CHANGED_ON_PURPOSE.contains(&(table.as_str(), column.as_str())) {
                assert_eq!(new.len(), old.len(), "step {step}: rows of {table}");
                continue;
            }
            assert_eq!(new, old, "step {step}: {table}.{column} changed in the upgrade");
        }
        if before.contains_key(&("routing_run".into(), "result".into()))
            && !before.contains_key(&("placement".into(), "id".into()))
        {
            let placed = &after[&("placement".to_string(), "student_id".to_string())];
            assert_eq!(
                placed,
                &[Some("1".to_string()), Some("2".to_string())],
                "step {step}: runs' placements copied"
            );
        }
        let status = vocpath::health::migration_status(db).await.expect("status");
        assert!(status.pending.is_empty());
        fresh.drop_pg().await;
    }
}
