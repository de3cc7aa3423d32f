//! Offer notices: after a commit or a direct placement, each placed student with a phone number
//! gets one text message naming the school, the programme and, when the school has set them, the
//! reporting dates and place. Queued through the outbox inside the caller's transaction (so a
//! rolled-back placement sends nothing), keyed by placement (so a retry never sends twice). The
//! message never carries a national ID.

use std::collections::{BTreeSet, HashMap};

use entity::{placement, programme, reporting_window, student};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};

use super::runs::Phases;
use crate::error::AppError;

/// The outbox kind of an offer text message.
pub const KIND: &str = "admission_offer";

/// The outbox key of a placement's offer text message.
pub fn message_key(placement_id: i32) -> String {
    format!("offer:{placement_id}")
}

/// Makes the admission letters (verify codes) of `placement_ids` and queues one offer text
/// message for each placed student with a phone number, in the caller's transaction.
pub async fn queue_offer_notices(txn: &impl ConnectionTrait, placement_ids: &[i32]) -> Result<(), AppError> {
    let mut offered = Vec::with_capacity(placement_ids.len());
    // One id bound per placement, as many per query as the parameter limit allows.
    let size = crate::db::rows_per_statement(txn.get_database_backend(), 1);
    for chunk in placement_ids.chunks(size) {
        offered.extend(
            offered_query()
                .filter(placement::Column::Id.is_in(chunk.to_vec()))
                .into_tuple::<Offered>()
                .all(txn)
                .await?,
        );
    }
    offered.sort_by_key(|o| o.0);
    queue(txn, offered, &mut Phases::default()).await
}

/// [`queue_offer_notices`] for every placement a committed run wrote, read in one query; the time
/// of each step recorded in `phases`.
pub async fn queue_run_offer_notices(
    txn: &impl ConnectionTrait,
    run_id: i32,
    phases: &mut Phases,
) -> Result<(), AppError> {
    let offered = offered_query()
        .filter(placement::Column::RunId.eq(run_id))
        .into_tuple::<Offered>()
        .all(txn)
        .await?;
    phases.lap("read placed students' phones");
    queue(txn, offered, phases).await
}

/// What an offer notice needs of a placement: its id, intake year and programme, the student's
/// name and phone.
type Offered = (i32, i32, i32, String, Option<String>);

/// Placements with their student's name and phone, by placement id.
fn offered_query() -> sea_orm::Select<placement::Entity> {
    let student_of_placement: sea_orm::RelationDef = placement::Entity::belongs_to(student::Entity)
        .from(placement::Column::StudentId)
        .to(student::Column::Id)
        .into();
    placement::Entity::find()
        .select_only()
        .column(placement::Column::Id)
        .column(placement::Column::IntakeYear)
        .column(placement::Column::ProgrammeId)
        .column(student::Column::Name)
        .column(student::Column::Phone)
        .join(JoinType::InnerJoin, student_of_placement)
        .order_by_asc(placement::Column::Id)
}

/// Makes the letters of `offered` (in their order) and queues the text messages.
async fn queue(txn: &impl ConnectionTrait, offered: Vec<Offered>, phases: &mut Phases) -> Result<(), AppError> {
    let ids: Vec<i32> = offered.iter().map(|o| o.0).collect();
    super::letters::make_codes(txn, &ids).await?;
    phases.lap("write verify codes");
    let programme_ids: BTreeSet<i32> = offered.iter().map(|o| o.2).collect();
    let programmes: HashMap<i32, programme::Model> = programme::Entity::find()
        .filter(programme::Column::Id.is_in(programme_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let schools: HashMap<i32, String> = super::programmes::school_names(txn).await?;
    let mut windows = HashMap::new();
    for year in offered.iter().map(|o| o.1).collect::<BTreeSet<i32>>() {
        for (school_id, w) in super::reporting::windows_of_year(txn, year).await? {
            windows.insert((school_id, year), w);
        }
    }
    let mut notices = Vec::new();
    for (id, intake_year, programme_id, name, phone) in offered {
        let missing = |what: &str| AppError::internal(format!("placement {id}: {what} missing"));
        let prog = programmes.get(&programme_id).ok_or_else(|| missing("programme"))?;
        let school = schools.get(&prog.school_id).ok_or_else(|| missing("school"))?;
        let Some(phone) = phone.as_deref().map(str::trim).filter(|ph| !ph.is_empty()) else {
            continue;
        };
        let window = windows.get(&(prog.school_id, intake_year));
        let offer = OfferText::new(&name, school, &prog.name, intake_year, window);
        notices.push(crate::outbox::Notice::new(message_key(id), phone, offer));
    }
    phases.lap("offer texts' values");
    crate::outbox::enqueue_all(txn, notices).await
}

/// The values of the offer message (`templates/sms/admission_offer/`, in Chinese). Anything in the
/// names that looks like a national ID is masked, so none can reach a phone even if one was typed
/// into the wrong field.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfferText {
    name: String,
    school: String,
    programme: String,
    intake_year: i32,
    /// When and where to report, when the school has set it.
    window: Option<Reporting>,
}

/// The reporting days and place of an offer (`9月1日`).
#[derive(Debug, Clone, serde::Serialize)]
struct Reporting {
    starts_on: String,
    ends_on: String,
    place: String,
    contact: String,
}

impl crate::outbox::Message for OfferText {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Sms;
    fn kind(&self) -> &'static str {
        KIND
    }
}

impl OfferText {
    pub fn new(
        name: &str,
        school: &str,
        programme: &str,
        intake_year: i32,
        window: Option<&reporting_window::Model>,
    ) -> OfferText {
        let mask = crate::student::ids::mask_ids_in;
        OfferText {
            name: mask(name),
            school: mask(school),
            programme: mask(programme),
            intake_year,
            window: window.map(|w| Reporting {
                starts_on: cn_date(w.starts_on),
                ends_on: cn_date(w.ends_on),
                place: mask(&w.place),
                contact: mask(&w.contact),
            }),
        }
    }
}

/// The offer message as the phone shows it.
pub fn offer_text(
    name: &str,
    school: &str,
    programme: &str,
    intake_year: i32,
    window: Option<&reporting_window::Model>,
) -> Result<String, AppError> {
    let offer = OfferText::new(name, school, programme, intake_year, window);
    Ok(crate::outbox::notice::render(&offer)?.text)
}

fn cn_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Utc};

    use super::*;

    fn window(from: (u32, u32), to: (u32, u32)) -> reporting_window::Model {
        let date = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        reporting_window::Model {
            id: 1,
            school_id: 1,
            intake_year: 2026,
            starts_on: date(from),
            ends_on: date(to),
            place: "职教园区 1 号楼".into(),
            bring: "录取通知书".into(),
            contact: "王老师 0371-64321234".into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_offer_names_school_programme_and_the_reporting_days() {
        let w = window((9, 1), (9, 3));
        let text = offer_text("张三", "巩义一职专", "护理", 2026, Some(&w)).expect("text");
        assert_eq!(
            text,
            "【巩义一职专】张三同学：恭喜你被巩义一职专护理专业（2026级）录取。请于9月1日至9月3日到职教园区 1 号楼报到，所需材料见录取通知书。咨询：王老师 0371-64321234。"
        );
        let one_day = window((9, 1), (9, 1));
        assert!(
            offer_text("张三", "一职专", "护理", 2026, Some(&one_day))
                .expect("text")
                .contains("请于9月1日到")
        );
        assert!(
            offer_text("张三", "一职专", "护理", 2026, None)
                .expect("text")
                .contains("报到时间和地点将另行通知")
        );
    }

    #[test]
    fn an_id_typed_into_a_name_never_reaches_the_phone() {
        let text = offer_text("张三410181200602024058", "一职专", "护理", 2026, None).expect("text");
        assert!(!text.contains("410181200602024058"), "{text}");
    }
}
