//! Reviewing recommended programmes at county scale: the students of a graduation year whose
//! choices are recommendations not yet confirmed, filtered by town and junior-high school a page at
//! a time, and confirming every one a filter shows in one step (per school, per town, or all).
//! Making the recommendations is [`super::preferences::recommend`].

use std::collections::HashMap;

use entity::{household, preference, programme, student};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::Serialize;

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// Which students: a graduation year, optionally one town and one junior-high school (exactly).
#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    pub graduation_year: i32,
    pub town: Option<String>,
    pub school: Option<String>,
}

impl RecommendationFilter {
    /// Students of the filter whose choices include an unconfirmed one.
    fn students(&self) -> Condition {
        let unconfirmed = preference::Entity::find()
            .select_only()
            .column(preference::Column::StudentId)
            .filter(preference::Column::Confirmed.eq(false))
            .into_query();
        let mut c = Condition::all()
            .add(student::Column::GraduationYear.eq(self.graduation_year))
            .add(student::Column::Id.in_subquery(unconfirmed));
        if let Some(school) = &self.school {
            c = c.add(student::Column::JuniorHighSchool.eq(school.as_str()));
        }
        if let Some(town) = &self.town {
            let households = crate::student::students::households_in_town(town);
            c = c.add(student::Column::HouseholdId.in_subquery(households));
        }
        c
    }
}

/// One student awaiting confirmation, with the programmes recommended, best first.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub student_id: i32,
    pub name: String,
    pub national_id_masked: String,
    pub town: String,
    pub junior_high_school: String,
    pub intended_skill: String,
    /// `code name` of each recommended programme, in rank order.
    pub programmes: Vec<String>,
}

/// A page of students whose recommendations await confirmation, by name.
pub async fn pending(
    db: &impl ConnectionTrait,
    filter: &RecommendationFilter,
    page: PageRequest,
) -> Result<Page<Pending>, AppError> {
    let paginator = student::Entity::find()
        .filter(filter.students())
        .order_by_asc(student::Column::Name)
        .order_by_asc(student::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let students = paginator.fetch_page(page.page - 1).await?;
    let ids: Vec<i32> = students.iter().map(|s| s.id).collect();
    let towns: HashMap<i32, String> = household::Entity::find()
        .filter(household::Column::Id.is_in(students.iter().map(|s| s.household_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h.town))
        .collect();
    let names: HashMap<i32, String> = programme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, format!("{} {}", p.code, p.name)))
        .collect();
    let mut chosen: HashMap<i32, Vec<String>> = HashMap::new();
    for p in preference::Entity::find()
        .filter(preference::Column::StudentId.is_in(ids))
        .order_by_asc(preference::Column::Rank)
        .all(db)
        .await?
    {
        chosen
            .entry(p.student_id)
            .or_default()
            .push(names.get(&p.programme_id).cloned().unwrap_or_default());
    }
    let items = students
        .into_iter()
        .map(|s| Pending {
            town: towns.get(&s.household_id).cloned().unwrap_or_default(),
            programmes: chosen.remove(&s.id).unwrap_or_default(),
            student_id: s.id,
            name: s.name,
            national_id_masked: s.national_id_masked,
            junior_high_school: s.junior_high_school,
            intended_skill: s.intended_skill.unwrap_or_default(),
        })
        .collect();
    Ok(Page::new(items, page, total))
}

/// Confirms the recommendations of every student the filter shows (all pages), in one
/// transaction, audited with the count and the filter. Returns how many students.
pub async fn confirm_all(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &RecommendationFilter,
) -> Result<u64, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let students = student::Entity::find()
        .select_only()
        .column(student::Column::Id)
        .filter(filter.students())
        .into_query();
    let count = student::Entity::find().filter(filter.students()).count(&txn).await?;
    preference::Entity::update_many()
        .col_expr(preference::Column::Confirmed, sea_orm::sea_query::Expr::value(true))
        .filter(preference::Column::StudentId.in_subquery(students))
        .exec(&txn)
        .await?;
    let scope = [
        Some(format!("graduation year {}", filter.graduation_year)),
        filter.town.as_ref().map(|t| format!("town {t}")),
        filter.school.as_ref().map(|s| format!("school {s}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    audit::record(
        &txn,
        actor,
        "preference.confirm_all",
        Record {
            kind: "graduation_year",
            id: Some(filter.graduation_year.to_string()),
        },
        format!("recommendations of {count} students confirmed ({scope})"),
    )
    .await?;
    txn.commit().await?;
    Ok(count)
}
