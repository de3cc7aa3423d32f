//! Offer notices: after a commit or a direct placement, each placed student with a phone number
//! gets one text message naming the school, the programme and, when the school has set them, the
//! reporting dates and place. Queued through the outbox inside the caller's transaction (so a
//! rolled-back placement sends nothing), keyed by placement (so a retry never sends twice). The
//! message never carries a national ID.

use entity::{placement, reporting_window};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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
    let mut notices = Vec::new();
    for chunk in placement_ids.chunks(500) {
        super::letters::ensure_codes(txn, chunk).await?;
        let placements = placement::Entity::find()
            .filter(placement::Column::Id.is_in(chunk.to_vec()))
            .order_by_asc(placement::Column::Id)
            .all(txn)
            .await?;
        let facts = super::letters::Facts::load(txn, &placements).await?;
        for p in &placements {
            let (s, prog, school) = facts.of(p)?;
            let Some(phone) = s.phone.as_deref().map(str::trim).filter(|ph| !ph.is_empty()) else {
                continue;
            };
            let window = facts.windows.get(&(school.id, p.intake_year));
            let offer = OfferText::new(&s.name, &school.name, &prog.name, p.intake_year, window);
            notices.push(crate::outbox::Notice::new(message_key(p.id), phone, offer));
        }
    }
    crate::outbox::enqueue_all(txn, notices).await
}

/// The placements a committed run wrote, for [`queue_offer_notices`].
pub async fn placements_of_run(conn: &impl ConnectionTrait, run_id: i32) -> Result<Vec<i32>, AppError> {
    Ok(placement::Entity::find()
        .select_only()
        .column(placement::Column::Id)
        .filter(placement::Column::RunId.eq(run_id))
        .order_by_asc(placement::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
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
