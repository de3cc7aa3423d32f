//! Schools and programmes: parsing the input, creating and changing them, listing.

use chrono::Utc;
use entity::{programme, school};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Select, Set, TransactionTrait,
};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, Context, FieldError, unique_violation_as};
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::routing::instance::Rule;

/// Whom reserved seats are for, unless a programme says otherwise.
pub const DEFAULT_RESERVED_RULE: &str = "student.registered_poor";

/// A validated school.
#[derive(Debug, Clone)]
pub struct NewSchool {
    pub name: String,
    pub town: String,
    /// The admissions office's mailbox (weekly list of former students' overdue ledger lines).
    pub admissions_email: Option<String>,
}

/// Checks an optional mailbox: empty is none; otherwise a valid address.
pub fn parse_mailbox(errors: &mut Vec<FieldError>, raw: Option<&str>) -> Option<String> {
    let raw = raw.map(str::trim).filter(|e| !e.is_empty())?;
    match crate::auth::user::parse_email(raw) {
        Ok(e) => Some(e),
        Err(msg) => {
            errors.push(FieldError::new("admissions_email", msg));
            None
        }
    }
}

fn text(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, Msg::new("error.field_required")));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, Msg::new("error.name_too_long").arg("max", max)));
    }
    v.to_string()
}

impl NewSchool {
    pub fn parse(name: &str, town: &str, admissions_email: Option<&str>) -> Result<NewSchool, AppError> {
        let mut e = Vec::new();
        let s = NewSchool {
            name: text(&mut e, "name", name, 100),
            town: text(&mut e, "town", town, 100),
            admissions_email: parse_mailbox(&mut e, admissions_email),
        };
        if e.is_empty() { Ok(s) } else { Err(AppError::Invalid(e)) }
    }
}

/// A validated programme (all fields; also used for updates).
#[derive(Debug, Clone)]
pub struct ProgrammeInput {
    pub school_id: i32,
    pub code: String,
    pub name: String,
    pub skill_area: String,
    pub town: String,
    pub intake_year: i32,
    pub capacity: i32,
    pub reserved_seats: i32,
    pub reserved_rule: String,
    pub requirements: Vec<Rule>,
}

/// Raw programme fields as received.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeRaw {
    pub school_id: i32,
    pub code: String,
    pub name: String,
    pub skill_area: String,
    pub town: String,
    pub intake_year: i64,
    pub capacity: i64,
    pub reserved_seats: i64,
    pub reserved_rule: Option<String>,
    pub requirements: Vec<Rule>,
}

impl ProgrammeInput {
    /// Checks every field, reporting all problems at once. Rule expressions are checked by
    /// [`check_rules`] because that needs the rule compiler.
    pub fn parse(raw: ProgrammeRaw) -> Result<ProgrammeInput, AppError> {
        let mut e = Vec::new();
        let code = text(&mut e, "code", &raw.code, 32);
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            e.push(FieldError::new("code", Msg::new("error.code_invalid")));
        }
        let name = text(&mut e, "name", &raw.name, 100);
        let skill_area = text(&mut e, "skill_area", &raw.skill_area, 100);
        let town = text(&mut e, "town", &raw.town, 100);
        if !(2000..=2100).contains(&raw.intake_year) {
            e.push(FieldError::new(
                "intake_year",
                Msg::new("error.number_range")
                    .arg("value", raw.intake_year)
                    .arg("max", 2100),
            ));
        }
        if !(0..=100_000).contains(&raw.capacity) {
            e.push(FieldError::new(
                "capacity",
                Msg::new("error.number_range")
                    .arg("value", raw.capacity)
                    .arg("max", 100_000),
            ));
        }
        if raw.reserved_seats < 0 || raw.reserved_seats > raw.capacity.max(0) {
            e.push(FieldError::new(
                "reserved_seats",
                Msg::new("error.reserved_exceeds_capacity"),
            ));
        }
        let reserved_rule = raw
            .reserved_rule
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| DEFAULT_RESERVED_RULE.to_string());
        let mut names = std::collections::HashSet::new();
        for (i, r) in raw.requirements.iter().enumerate() {
            if r.name.trim().is_empty() || r.when.trim().is_empty() {
                e.push(FieldError::new(
                    format!("requirements.{i}"),
                    Msg::new("error.rule_incomplete"),
                ));
            } else if !names.insert(r.name.trim().to_string()) {
                e.push(FieldError::new(
                    format!("requirements.{i}.name"),
                    Msg::new("error.rule_name_repeated").arg("name", r.name.trim()),
                ));
            }
        }
        if !e.is_empty() {
            return Err(AppError::Invalid(e));
        }
        Ok(ProgrammeInput {
            school_id: raw.school_id,
            code: code.to_uppercase(),
            name,
            skill_area,
            town,
            intake_year: raw.intake_year as i32,
            capacity: raw.capacity as i32,
            reserved_seats: raw.reserved_seats as i32,
            reserved_rule,
            requirements: raw
                .requirements
                .into_iter()
                .map(|r| Rule {
                    name: r.name.trim().into(),
                    when: r.when.trim().into(),
                })
                .collect(),
        })
    }
}

pub async fn create_school(db: &DatabaseConnection, actor: &Actor, new: NewSchool) -> Result<school::Model, AppError> {
    let txn = db.begin().await?;
    let s = school::ActiveModel {
        name: Set(new.name),
        town: Set(new.town),
        admissions_email: Set(new.admissions_email),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| unique_violation_as(e, "name", Msg::new("error.school_exists")))?;
    audit::record(
        &txn,
        actor,
        "school.create",
        Record::new("school", s.id),
        s.name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// Sets or clears a school's admissions mailbox; audited.
pub async fn set_admissions_email(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    raw: Option<&str>,
) -> Result<school::Model, AppError> {
    let mut errors = Vec::new();
    let email = parse_mailbox(&mut errors, raw);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = db.begin().await?;
    let found = school::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("school"))?;
    let mut m = found.into_active_model();
    m.admissions_email = Set(email.clone());
    let saved = m.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "school.admissions_email",
        Record::new("school", id),
        format!("admissions mailbox {}", email.as_deref().unwrap_or("cleared")),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn list_schools(db: &impl ConnectionTrait) -> Result<Vec<school::Model>, AppError> {
    Ok(school::Entity::find()
        .order_by_asc(school::Column::Name)
        .all(db)
        .await?)
}

/// School names by id.
pub async fn school_names(db: &impl ConnectionTrait) -> Result<std::collections::HashMap<i32, String>, AppError> {
    Ok(list_schools(db).await?.into_iter().map(|s| (s.id, s.name)).collect())
}

pub async fn get_school(db: &impl ConnectionTrait, id: i32) -> Result<school::Model, AppError> {
    school::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("school"))
}

pub async fn get_programme(db: &impl ConnectionTrait, id: i32) -> Result<programme::Model, AppError> {
    programme::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("programme"))
}

/// Programmes, optionally of one intake year and/or school, by school then code.
pub async fn list_programmes(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    school_id: Option<i32>,
) -> Result<Vec<programme::Model>, AppError> {
    Ok(programmes_query(intake_year, school_id).all(db).await?)
}

/// One page of [`list_programmes`], paged by the database.
pub async fn page_programmes(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    school_id: Option<i32>,
    page: PageRequest,
) -> Result<Page<programme::Model>, AppError> {
    let paginator = programmes_query(intake_year, school_id).paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// Programmes of a year and/or school, by school then code.
fn programmes_query(intake_year: Option<i32>, school_id: Option<i32>) -> Select<programme::Entity> {
    let mut q = programme::Entity::find();
    if let Some(y) = intake_year {
        q = q.filter(programme::Column::IntakeYear.eq(y));
    }
    if let Some(s) = school_id {
        q = q.filter(programme::Column::SchoolId.eq(s));
    }
    q.order_by_asc(programme::Column::SchoolId)
        .order_by_asc(programme::Column::Code)
}

/// The requirement rules stored with a programme.
pub fn requirements_of(p: &programme::Model) -> Result<Vec<Rule>, AppError> {
    serde_json::from_str(&p.requirements)
        .map_err(|e| AppError::internal_from(format!("programme {} requirements", p.id), e))
}

/// Creates (`id` = None) or replaces a programme's fields.
pub async fn save_programme(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i32>,
    input: ProgrammeInput,
) -> Result<programme::Model, AppError> {
    // A write transaction, so a run cannot be committed between the placed count and the change.
    let txn = crate::db::begin_write(db).await?;
    get_school(&txn, input.school_id).await.map_err(|e| match e {
        AppError::NotFound(_) => {
            AppError::invalid("school_id", Msg::new("error.school_unknown").arg("id", input.school_id))
        }
        other => other,
    })?;
    let now = Utc::now();
    let requirements = serde_json::to_string(&input.requirements).context("encoding requirements as JSON")?;
    let mut model = match id {
        Some(id) => {
            let current = get_programme(&txn, id).await?;
            let placed = super::placements::taken(&txn, current.id).await?;
            if u64::try_from(input.capacity).unwrap_or(0) < placed {
                return Err(AppError::Conflict(
                    Msg::new("error.capacity_below_placed")
                        .arg("capacity", input.capacity)
                        .arg("placed", placed),
                ));
            }
            current.into_active_model()
        }
        None => programme::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.school_id = Set(input.school_id);
    model.code = Set(input.code);
    model.name = Set(input.name);
    model.skill_area = Set(input.skill_area);
    model.town = Set(input.town);
    model.intake_year = Set(input.intake_year);
    model.capacity = Set(input.capacity);
    model.reserved_seats = Set(input.reserved_seats);
    model.reserved_rule = Set(input.reserved_rule);
    model.requirements = Set(requirements);
    model.updated_at = Set(now);
    let saved = match id {
        Some(_) => model.update(&txn).await,
        None => model.insert(&txn).await,
    }
    .map_err(|e| unique_violation_as(e, "code", Msg::new("error.programme_code_taken")))?;
    let action = if id.is_some() {
        "programme.update"
    } else {
        "programme.create"
    };
    let summary = format!(
        "{} {} ({}), capacity {}, reserved {}",
        saved.code, saved.name, saved.intake_year, saved.capacity, saved.reserved_seats
    );
    audit::record(&txn, actor, action, Record::new("programme", saved.id), summary).await?;
    txn.commit().await?;
    Ok(saved)
}
