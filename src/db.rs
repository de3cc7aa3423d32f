//! Opening the database (SQLite or PostgreSQL, chosen by URL) and running migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How long a PostgreSQL connection may sit idle in the pool before it is pinged on checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// Connects with settings suited to each engine: on SQLite WAL journaling, foreign keys on, a
/// busy timeout so concurrent writers wait instead of failing, and secure delete.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    // `VOCPATH_DB_POOL` overrides the pool size (for measuring it; see benches/reads_wrk.sh).
    let pool = std::env::var("VOCPATH_DB_POOL").ok().and_then(|v| v.parse().ok());
    opt.sqlx_logging(false)
        .max_connections(pool.unwrap_or(if sqlite { 8 } else { 20 }))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10));
    // sqlx pings a pooled connection each time it is handed out, by default: one more round trip
    // for every query (sea-orm takes a connection per statement). An embedded SQLite connection
    // cannot be dropped by anyone, so it is never pinged; a PostgreSQL connection only once it has
    // been idle long enough for the server, a proxy or a firewall to have dropped it.
    if sqlite {
        opt.test_before_acquire(false);
    } else {
        opt.test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    }
    opt.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15))
            // Deleted and overwritten content (an import's upload once committed) is zeroed in
            // the file instead of lingering in free pages.
            .pragma("secure_delete", "ON")
    });
    Database::connect(opt).await
}

/// `select` filtered by `cond`, or left without a `WHERE` when `cond` holds nothing: sea-query writes
/// an empty condition as `WHERE TRUE`, and any `WHERE` keeps SQLite from counting a table from its
/// pages alone (a count of 25,000 students stepped through every row: 0.23 ms instead of 0.02 ms,
/// on every list page).
pub fn filter_by<E: sea_orm::EntityTrait>(select: sea_orm::Select<E>, cond: sea_orm::Condition) -> sea_orm::Select<E> {
    use sea_orm::QueryFilter;
    if cond.is_empty() { select } else { select.filter(cond) }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// A cheap round trip, for `/healthz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Begins a transaction that will write after reading. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so two such transactions queue behind the busy timeout instead of the
/// second failing with "database is locked" when it tries to write on a stale snapshot. On
/// PostgreSQL it is a plain transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Bind parameters one statement may carry on `backend`.
pub fn parameter_limit(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 65_535,
        // SQLite since 3.32; MySQL's limit is the same as PostgreSQL's, kept lower for safety.
        _ => 32_766,
    }
}

/// Rows of `columns` parameters each that fit in one statement (at least 1).
pub fn rows_per_statement(backend: DbBackend, columns: usize) -> usize {
    (parameter_limit(backend) / columns.max(1)).max(1)
}

/// A hand-written statement with `?` placeholders, in the backend's own style (`$1`, `$2`, … on
/// PostgreSQL), for the few statements the query builder cannot write (`UPDATE … FROM`). The text
/// must hold no `?` other than the placeholders.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            for (n, part) in sql.split('?').enumerate() {
                if n > 0 {
                    numbered.push_str(&format!("${n}"));
                }
                numbered.push_str(part);
            }
            numbered
        }
        _ => sql.to_string(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// A value as the JSON text a column stores; `what` names the column for the error.
pub fn json_text<T: serde::Serialize>(value: &T, what: &'static str) -> Result<String, crate::error::AppError> {
    use crate::error::Context;
    serde_json::to_string(value).context(what)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    #[test]
    fn an_empty_condition_writes_no_where() {
        use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryTrait};
        let all = super::filter_by(entity::student::Entity::find(), Condition::all()).build(DbBackend::Sqlite);
        assert!(!all.to_string().contains("WHERE"), "{all}");
        let one = super::filter_by(
            entity::student::Entity::find(),
            Condition::all().add(entity::student::Column::GraduationYear.eq(2026)),
        )
        .build(DbBackend::Sqlite);
        assert!(
            one.to_string().ends_with(r#"WHERE "student"."graduation_year" = 2026"#),
            "{one}"
        );
    }

    #[test]
    fn a_hand_written_statement_numbers_its_placeholders_on_postgresql_only() {
        let sql = "UPDATE t SET a = ? WHERE b IN (?, ?)";
        let values = || vec![1.into(), 2.into(), 3.into()];
        assert_eq!(super::statement(DbBackend::Sqlite, sql, values()).sql, sql);
        let pg = super::statement(DbBackend::Postgres, sql, values());
        assert_eq!(pg.sql, "UPDATE t SET a = $1 WHERE b IN ($2, $3)");
        assert_eq!(pg.values.map(|v| v.0.len()), Some(3));
    }

    /// `.cargo/config.toml` builds SQLite with these. Without the query planner stability
    /// guarantee, SQLite re-plans a cached statement whenever a value is bound to a parameter the
    /// planner had looked at, such as `LIMIT ?`: every `.one()` and every page was parsed and
    /// planned again on each request (two re-preparations per API read, 8 % of a loaded server's
    /// time). With memory statistics, every allocation SQLite makes takes one process-wide mutex
    /// (11 % of a loaded server's time on a list page, the connections' threads waiting on it).
    #[tokio::test]
    async fn sqlite_is_built_to_plan_a_cached_statement_once_and_to_allocate_without_a_global_lock() {
        let db = super::connect("sqlite::memory:").await.expect("connect");
        for option in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM pragma_compile_options WHERE compile_options = '{option}'"),
                ))
                .await
                .expect("compile options")
                .expect("a row");
            assert_eq!(
                row.try_get::<i64>("", "n").expect("n"),
                1,
                "SQLite built without SQLITE_{option}"
            );
        }
    }
}
