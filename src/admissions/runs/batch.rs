//! Writing many rows in few statements: multi-row `INSERT`s and a `CASE` update, each statement
//! as large as the database's limit on bind parameters allows (SQLite 32,766, PostgreSQL 65,535),
//! so a commit of 100,000 rows makes tens of round trips, not thousands.

use entity::ledger_entry;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, Iterable, QueryFilter};

use crate::error::AppError;

pub use crate::db::rows_per_statement;

/// Inserts `rows` in as few multi-row `INSERT`s as the parameter limit allows, without reading
/// anything back.
pub async fn insert_all<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), AppError>
where
    A: ActiveModelTrait + Send,
{
    // Every column counted: an upper bound of the parameters a row binds.
    let columns = <A::Entity as EntityTrait>::Column::iter().count();
    let size = rows_per_statement(conn.get_database_backend(), columns);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(size).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Sets each ledger line's `why` (line id, new reason) with one `UPDATE … CASE` per batch.
pub async fn set_ledger_reasons(conn: &impl ConnectionTrait, lines: &[(i32, String)]) -> Result<(), AppError> {
    // Per line: the id in the CASE, the reason, the id in the IN list.
    let size = rows_per_statement(conn.get_database_backend(), 3);
    for chunk in lines.chunks(size) {
        let mut case = CaseStatement::new();
        for (id, why) in chunk {
            case = case.case(ledger_entry::Column::Id.eq(*id), Expr::val(why.clone()));
        }
        let case = case.finally(Expr::col(ledger_entry::Column::Why));
        ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::Why, case.into())
            .filter(ledger_entry::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    #[test]
    fn statements_stay_under_each_databases_parameter_limit() {
        assert_eq!(rows_per_statement(DbBackend::Sqlite, 13), 2520);
        assert_eq!(rows_per_statement(DbBackend::Postgres, 13), 5041);
        assert!(rows_per_statement(DbBackend::Sqlite, 13) * 13 <= 32_766);
        assert_eq!(rows_per_statement(DbBackend::Sqlite, 0), 32_766);
        assert_eq!(rows_per_statement(DbBackend::Postgres, 100_000), 1);
    }
}
