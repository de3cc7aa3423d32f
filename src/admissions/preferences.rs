//! Students' ranked programme choices, and recommendations for students who made none.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::enums::SeniorHighStatus;
use entity::{household, preference, programme, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

/// Most choices a student may rank.
pub const MAX_CHOICES: usize = 10;
/// How many programmes a recommendation proposes.
pub const RECOMMENDED: usize = 3;

/// A student's choices, best first, with whether staff confirmed them.
pub async fn preferences_of(
    db: &impl ConnectionTrait,
    student_id: i32,
) -> Result<Vec<(preference::Model, programme::Model)>, AppError> {
    // One query: each choice with its programme (a join, not a second round trip per page).
    let programme_of_choice: sea_orm::RelationDef = preference::Entity::belongs_to(programme::Entity)
        .from(preference::Column::ProgrammeId)
        .to(programme::Column::Id)
        .into();
    Ok(preference::Entity::find()
        .join(sea_orm::JoinType::InnerJoin, programme_of_choice)
        .select_also(programme::Entity)
        .filter(preference::Column::StudentId.eq(student_id))
        .order_by_asc(preference::Column::Rank)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(p, g)| g.map(|g| (p, g)))
        .collect())
}

/// Replaces a student's choices with `programme_ids` (best first), all confirmed.
pub async fn set_preferences(
    db: &DatabaseConnection,
    actor: &Actor,
    student_id: i32,
    programme_ids: &[i32],
) -> Result<(), AppError> {
    if programme_ids.len() > MAX_CHOICES {
        return Err(AppError::invalid(
            "programme_ids",
            Msg::new("error.too_many_choices").arg("max", MAX_CHOICES),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = programme_ids.iter().find(|id| !seen.insert(**id)) {
        return Err(AppError::invalid(
            "programme_ids",
            Msg::new("error.choice_repeated").arg("id", dup),
        ));
    }
    let txn = db.begin().await?;
    crate::student::students::get_student(&txn, student_id).await?;
    let found: HashMap<i32, programme::Model> = programme::Entity::find()
        .filter(programme::Column::Id.is_in(programme_ids.to_vec()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    if let Some(missing) = programme_ids.iter().find(|id| !found.contains_key(id)) {
        return Err(AppError::invalid(
            "programme_ids",
            Msg::new("error.programme_unknown").arg("id", missing),
        ));
    }
    let years: HashSet<i32> = found.values().map(|p| p.intake_year).collect();
    if years.len() > 1 {
        return Err(AppError::invalid(
            "programme_ids",
            Msg::new("error.choices_mixed_years"),
        ));
    }
    preference::Entity::delete_many()
        .filter(preference::Column::StudentId.eq(student_id))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    for (i, id) in programme_ids.iter().enumerate() {
        preference::ActiveModel {
            student_id: Set(student_id),
            programme_id: Set(*id),
            rank: Set(i as i32 + 1),
            confirmed: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let codes: Vec<String> = programme_ids
        .iter()
        .filter_map(|id| found.get(id).map(|p| p.code.clone()))
        .collect();
    audit::record(
        &txn,
        actor,
        "preference.set",
        Record::new("student", student_id),
        format!("choices: {}", codes.join(" > ")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces a student's choices given as programme codes of their graduation year (as typed on the
/// portal: separated by commas, spaces or 、), naming any code that does not exist.
pub async fn set_preferences_by_codes(
    db: &DatabaseConnection,
    actor: &Actor,
    student_id: i32,
    codes: &str,
) -> Result<(), AppError> {
    let s = crate::student::students::get_student(db, student_id).await?;
    let programmes = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(s.graduation_year))
        .all(db)
        .await?;
    let mut ids = Vec::new();
    for code in codes
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let wanted = code.to_uppercase();
        match programmes.iter().find(|p| p.code == wanted) {
            Some(p) => ids.push(p.id),
            None => {
                return Err(AppError::invalid(
                    "codes",
                    Msg::new("error.programme_code_unknown")
                        .arg("code", code)
                        .arg("year", s.graduation_year),
                ));
            }
        }
    }
    set_preferences(db, actor, student_id, &ids).await
}

/// Proposes up to three programmes for every student of `graduation_year` who must be routed
/// (not in senior high) and has no choices: programmes whose skill area or name matches the
/// student's intended skill first, then those in the student's town, then the largest. Stored
/// unconfirmed; returns how many students got recommendations.
pub async fn recommend(
    db: &DatabaseConnection,
    actor: &Actor,
    graduation_year: i32,
    intake_year: i32,
) -> Result<usize, AppError> {
    let programmes = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(intake_year))
        .all(db)
        .await?;
    if programmes.is_empty() {
        return Err(AppError::invalid(
            "intake_year",
            Msg::new("error.no_programmes").arg("year", intake_year),
        ));
    }
    let students = student::Entity::find()
        .filter(student::Column::GraduationYear.eq(graduation_year))
        .filter(student::Column::SeniorHighStatus.ne(SeniorHighStatus::Regular))
        .all(db)
        .await?;
    let with_prefs: HashSet<i32> = preference::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.student_id)
        .collect();
    let towns: HashMap<i32, String> = household::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h.town))
        .collect();
    let txn = db.begin().await?;
    let now = Utc::now();
    let mut count = 0;
    for s in students.iter().filter(|s| !with_prefs.contains(&s.id)) {
        let town = towns.get(&s.household_id).map(String::as_str).unwrap_or_default();
        for (rank, p) in rank_programmes(s.intended_skill.as_deref(), town, &programmes)
            .into_iter()
            .take(RECOMMENDED)
            .enumerate()
        {
            preference::ActiveModel {
                student_id: Set(s.id),
                programme_id: Set(p.id),
                rank: Set(rank as i32 + 1),
                confirmed: Set(false),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        count += 1;
    }
    audit::record(
        &txn,
        actor,
        "preference.recommend",
        Record {
            kind: "intake_year",
            id: Some(intake_year.to_string()),
        },
        format!("recommended programmes to {count} students"),
    )
    .await?;
    txn.commit().await?;
    Ok(count)
}

/// Orders programmes for a student: skill match, then same town, then capacity (pure).
pub fn rank_programmes<'a>(
    intended: Option<&str>,
    town: &str,
    programmes: &'a [programme::Model],
) -> Vec<&'a programme::Model> {
    let intended = intended.unwrap_or_default().trim();
    let skill = |p: &programme::Model| {
        !intended.is_empty() && (p.name.contains(intended) || intended.contains(&p.name) || p.skill_area == intended)
    };
    let mut ranked: Vec<&programme::Model> = programmes.iter().filter(|p| p.capacity > 0).collect();
    ranked.sort_by_key(|p| (!skill(p), p.town != town, -p.capacity, p.id));
    ranked
}

/// Confirms a student's recommended choices as they are.
pub async fn confirm(db: &DatabaseConnection, actor: &Actor, student_id: i32) -> Result<(), AppError> {
    let txn = db.begin().await?;
    let updated = preference::Entity::update_many()
        .col_expr(preference::Column::Confirmed, sea_orm::sea_query::Expr::value(true))
        .filter(preference::Column::StudentId.eq(student_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "preference.confirm",
        Record::new("student", student_id),
        format!("{} choices confirmed", updated.rows_affected),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
