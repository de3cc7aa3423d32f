//! Admission letters (录取通知书) and offer notices. Every placement has a letter: the student, the
//! school and programme, the school's reporting window for the year (or "details will follow"), and
//! a public verify code kept in `admission_letter`. The code is made when the placement's offer
//! notices are queued (a commit, a direct placement), or when a letter of an older placement is
//! first printed. The offer text message goes through the outbox in the caller's transaction, keyed
//! by placement, so a retry never sends it twice. Nothing here shows or sends a full national ID:
//! letters carry the masked ID, text messages none, and the public check only the masked name.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use entity::{admission_letter, placement, programme, reporting_window, school, student};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::Msg;

/// A date as a letter prints it: `2026年9月1日` in Chinese, `2026-09-01` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateParts {
    pub zh: String,
    pub iso: String,
}

impl From<NaiveDate> for DateParts {
    fn from(d: NaiveDate) -> Self {
        DateParts {
            zh: format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            iso: d.to_string(),
        }
    }
}

/// When and where to report, with what, and whom to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reporting {
    pub starts_on: DateParts,
    pub ends_on: DateParts,
    pub place: String,
    /// One item a line.
    pub bring: Vec<String>,
    pub contact: String,
}

impl From<&reporting_window::Model> for Reporting {
    fn from(w: &reporting_window::Model) -> Self {
        Reporting {
            starts_on: w.starts_on.into(),
            ends_on: w.ends_on.into(),
            place: w.place.clone(),
            bring: w.bring.lines().map(str::to_string).collect(),
            contact: w.contact.clone(),
        }
    }
}

/// The facts printed on one admission letter.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub placement_id: i32,
    pub student_id: i32,
    pub name: String,
    /// Never the full ID.
    pub national_id_masked: String,
    pub school_id: i32,
    pub school: String,
    pub programme_code: String,
    pub programme: String,
    pub intake_year: i32,
    /// `None` while the school has not set its window: the letter says the details will follow.
    pub reporting: Option<Reporting>,
    pub verify_code: String,
    /// The day of the placement (China time).
    pub issued_on: DateParts,
}

/// What the public check of a verify code shows: nothing that identifies the student beyond a
/// masked name.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub code: String,
    pub name_masked: String,
    pub school: String,
    pub programme: String,
    pub intake_year: i32,
}

/// The letter of one placement.
pub async fn letter(db: &impl ConnectionTrait, placement_id: i32) -> Result<Letter, AppError> {
    let p = placement::Entity::find_by_id(placement_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("placement"))?;
    // A declined offer or a no-show has no letter any more.
    if p.released_at.is_some() {
        return Err(AppError::Conflict(Msg::new("error.letter_released")));
    }
    build(db, vec![p])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal(format!("letter of placement {placement_id} not built")))
}

/// The letters of every student placed (in force) in a school's programmes of the year, by programme code,
/// then in the order they were placed. An unknown school is 404.
pub async fn school_letters(
    db: &impl ConnectionTrait,
    school_id: i32,
    intake_year: i32,
) -> Result<(school::Model, Vec<Letter>), AppError> {
    let school = super::programmes::get_school(db, school_id).await?;
    let programmes = super::programmes::list_programmes(db, Some(intake_year), Some(school_id)).await?;
    let mut placed = Vec::new();
    for p in &programmes {
        placed.extend(
            placement::Entity::find()
                .filter(placement::Column::ProgrammeId.eq(p.id))
                .filter(placement::Column::ReleasedAt.is_null())
                .order_by_asc(placement::Column::Id)
                .all(db)
                .await?,
        );
    }
    Ok((school, build(db, placed).await?))
}

/// The letters of `placements`, in their order.
async fn build(db: &impl ConnectionTrait, placements: Vec<placement::Model>) -> Result<Vec<Letter>, AppError> {
    if placements.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = placements.iter().map(|p| p.id).collect();
    let codes = ensure_codes(db, &ids).await?;
    let facts = Facts::load(db, &placements).await?;
    placements
        .iter()
        .map(|p| {
            let (s, prog, school) = facts.of(p)?;
            Ok(Letter {
                placement_id: p.id,
                student_id: s.id,
                name: s.name.clone(),
                national_id_masked: s.national_id_masked.clone(),
                school_id: school.id,
                school: school.name.clone(),
                programme_code: prog.code.clone(),
                programme: prog.name.clone(),
                intake_year: p.intake_year,
                reporting: facts.windows.get(&(school.id, p.intake_year)).map(Reporting::from),
                verify_code: codes
                    .get(&p.id)
                    .cloned()
                    .ok_or_else(|| AppError::internal(format!("no verify code for placement {}", p.id)))?,
                issued_on: p.placed_at.with_timezone(&crate::clock::china()).date_naive().into(),
            })
        })
        .collect()
}

/// The rows a set of placements refers to, read in a few queries.
pub(super) struct Facts {
    students: HashMap<i32, student::Model>,
    programmes: HashMap<i32, programme::Model>,
    schools: HashMap<i32, school::Model>,
    /// By (school, intake year).
    pub(super) windows: HashMap<(i32, i32), reporting_window::Model>,
}

impl Facts {
    pub(super) async fn load(db: &impl ConnectionTrait, placements: &[placement::Model]) -> Result<Facts, AppError> {
        let student_ids: Vec<i32> = placements.iter().map(|p| p.student_id).collect();
        let (students, _) = crate::student::students::students_with_households(db, &student_ids).await?;
        let programme_ids: BTreeSet<i32> = placements.iter().map(|p| p.programme_id).collect();
        let programmes: HashMap<i32, programme::Model> = programme::Entity::find()
            .filter(programme::Column::Id.is_in(programme_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let schools = super::programmes::list_schools(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut windows = HashMap::new();
        let years: BTreeSet<i32> = placements.iter().map(|p| p.intake_year).collect();
        for y in years {
            for (school_id, w) in super::reporting::windows_of_year(db, y).await? {
                windows.insert((school_id, y), w);
            }
        }
        Ok(Facts {
            students,
            programmes,
            schools,
            windows,
        })
    }

    /// The student, programme and school of a placement.
    pub(super) fn of(
        &self,
        p: &placement::Model,
    ) -> Result<(&student::Model, &programme::Model, &school::Model), AppError> {
        let missing = |what: &str| AppError::internal(format!("placement {}: {what} missing", p.id));
        let s = self.students.get(&p.student_id).ok_or_else(|| missing("student"))?;
        let prog = self
            .programmes
            .get(&p.programme_id)
            .ok_or_else(|| missing("programme"))?;
        let school = self.schools.get(&prog.school_id).ok_or_else(|| missing("school"))?;
        Ok((s, prog, school))
    }
}

/// The verify code of each placement, made for those that have none yet. Safe to run twice at
/// once: a placement keeps the first code written for it.
pub async fn ensure_codes(
    conn: &impl ConnectionTrait,
    placement_ids: &[i32],
) -> Result<HashMap<i32, String>, AppError> {
    let mut codes = HashMap::new();
    for chunk in placement_ids.chunks(500) {
        let existing = letters_of(conn, chunk).await?;
        let missing: Vec<i32> = chunk.iter().copied().filter(|id| !existing.contains_key(id)).collect();
        if missing.is_empty() {
            codes.extend(existing);
            continue;
        }
        make_codes(conn, &missing).await?;
        codes.extend(letters_of(conn, chunk).await?);
    }
    Ok(codes)
}

/// Makes a verify code for each of `placement_ids` that has none, without reading the codes back
/// (an offer notice does not carry it): as many rows a statement as the parameter limit allows.
/// A placement keeps the first code written for it, as with [`ensure_codes`].
pub async fn make_codes(conn: &impl ConnectionTrait, placement_ids: &[i32]) -> Result<(), AppError> {
    let size = crate::db::rows_per_statement(conn.get_database_backend(), 3);
    let now = Utc::now();
    for chunk in placement_ids.chunks(size) {
        let rows = chunk.iter().map(|id| admission_letter::ActiveModel {
            placement_id: Set(*id),
            verify_code: Set(crate::verify::new_code()),
            created_at: Set(now),
            ..Default::default()
        });
        let inserted = admission_letter::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(admission_letter::Column::PlacementId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await;
        match inserted {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn letters_of(conn: &impl ConnectionTrait, placement_ids: &[i32]) -> Result<HashMap<i32, String>, AppError> {
    Ok(admission_letter::Entity::find()
        .filter(admission_letter::Column::PlacementId.is_in(placement_ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.placement_id, l.verify_code))
        .collect())
}

/// The public check of a verify code: `None` for a code no letter carries (or whose placement is
/// gone).
pub async fn verify(db: &impl ConnectionTrait, typed: &str) -> Result<Option<Verified>, AppError> {
    let Some(code) = crate::verify::normalise(typed) else {
        return Ok(None);
    };
    let Some(l) = admission_letter::Entity::find()
        .filter(admission_letter::Column::VerifyCode.eq(&code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // The letter of a declined offer or a no-show no longer verifies.
    let Some(p) = placement::Entity::find_by_id(l.placement_id)
        .one(db)
        .await?
        .filter(|p| p.released_at.is_none())
    else {
        return Ok(None);
    };
    let facts = Facts::load(db, std::slice::from_ref(&p)).await?;
    let (s, prog, school) = facts.of(&p)?;
    Ok(Some(Verified {
        code,
        name_masked: crate::verify::mask_name(&s.name),
        school: school.name.clone(),
        programme: prog.name.clone(),
        intake_year: p.intake_year,
    }))
}
