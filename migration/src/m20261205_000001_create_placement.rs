//! Committed placements as rows of their own, and each ledger line's reason stored with it, so the
//! official record never depends on re-reading a run's stored result. A student has at most one
//! placement per intake year (a unique index). Placements and reasons of runs committed before this
//! migration are copied from those runs' stored results.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use serde_json::Value;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("placement")
                    .col(pk_auto("id"))
                    .col(integer("student_id"))
                    .col(integer("intake_year"))
                    .col(integer("programme_id"))
                    .col(integer_null("run_id"))
                    .col(integer_null("round"))
                    .col(integer_null("choice"))
                    .col(double_null("points"))
                    .col(text("why_not_higher").default("[]"))
                    .col(text_null("direct_reason"))
                    .col(string_len("placed_by", 254))
                    .col(timestamp_with_time_zone("placed_at"))
                    .foreign_key(ForeignKey::create().from("placement", "student_id").to("student", "id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("placement", "programme_id")
                            .to("programme", "id"),
                    )
                    .foreign_key(ForeignKey::create().from("placement", "run_id").to("routing_run", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("placement_one_per_year")
                    .table("placement")
                    .col("student_id")
                    .col("intake_year")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_placement_programme")
                    .table("placement")
                    .col("programme_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_placement_run")
                    .table("placement")
                    .col("run_id")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .add_column(text("why").default("[]"))
                    .to_owned(),
            )
            .await?;
        copy_committed_runs(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("ledger_entry").drop_column("why").to_owned())
            .await?;
        for index in ["placement_one_per_year", "idx_placement_programme", "idx_placement_run"] {
            manager
                .drop_index(Index::drop().name(index).table("placement").if_exists().to_owned())
                .await?;
        }
        manager.drop_table(Table::drop().table("placement").to_owned()).await
    }
}

/// The student id of a result line's `"S123"`.
fn student_id(line: &Value) -> Option<i32> {
    line["student"].as_str()?.strip_prefix('S')?.parse().ok()
}

/// Copies the placements and ledger reasons of every committed run, oldest first; a student keeps
/// the first placement found.
async fn copy_committed_runs(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let runs = db
        .query_all(
            &Query::select()
                .columns(["id", "intake_year", "round", "result", "committed_at"])
                .from("routing_run")
                .and_where(Expr::col("status").eq("committed"))
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await?;
    let mut placed = std::collections::HashSet::new();
    for run in runs {
        let run_id: i32 = run.try_get("", "id")?;
        let year: i32 = run.try_get("", "intake_year")?;
        let round: i32 = run.try_get("", "round")?;
        let committed_at: sea_orm_migration::sea_orm::prelude::DateTimeUtc = run.try_get("", "committed_at")?;
        let text: String = run.try_get("", "result")?;
        let result: Value = serde_json::from_str(&text)
            .map_err(|e| DbErr::Migration(format!("routing run {run_id}: stored result is not JSON: {e}")))?;
        let ids = programme_ids(manager, year).await?;
        for line in result["placements"].as_array().into_iter().flatten() {
            let Some(sid) = student_id(line) else { continue };
            let why = line["not_placed_higher"].to_string();
            match line["programme"].as_str().and_then(|c| ids.get(c)) {
                Some(pid) if placed.insert((sid, year)) => {
                    db.execute(
                        &Query::insert()
                            .into_table("placement")
                            .columns([
                                "student_id",
                                "intake_year",
                                "programme_id",
                                "run_id",
                                "round",
                                "choice",
                                "points",
                                "why_not_higher",
                                "placed_by",
                                "placed_at",
                            ])
                            .values_panic([
                                sid.into(),
                                year.into(),
                                (*pid).into(),
                                run_id.into(),
                                round.into(),
                                line["choice"].as_i64().map(|c| c as i32).into(),
                                line["points"].as_f64().into(),
                                why.into(),
                                format!("routing run {run_id}").into(),
                                committed_at.into(),
                            ])
                            .to_owned(),
                    )
                    .await?;
                }
                Some(_) => {}
                None => {
                    db.execute(
                        &Query::update()
                            .table("ledger_entry")
                            .value("why", why)
                            .and_where(Expr::col("run_id").eq(run_id))
                            .and_where(Expr::col("student_id").eq(sid))
                            .to_owned(),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}

/// The programmes of an intake year: id by code.
async fn programme_ids(
    manager: &SchemaManager<'_>,
    year: i32,
) -> Result<std::collections::HashMap<String, i32>, DbErr> {
    let programmes = manager
        .get_connection()
        .query_all(
            &Query::select()
                .columns(["id", "code"])
                .from("programme")
                .and_where(Expr::col("intake_year").eq(year))
                .to_owned(),
        )
        .await?;
    let mut ids = std::collections::HashMap::new();
    for p in programmes {
        ids.insert(p.try_get::<String>("", "code")?, p.try_get::<i32>("", "id")?);
    }
    Ok(ids)
}
