//! The follow-up waves due and overdue, and the employment outcomes at 6, 12 and 24 months.

use std::collections::{BTreeMap, HashMap};

use chrono::{Months, NaiveDate};
use entity::archive_entry::{self, EntryKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{Outcomes, Waves};
use crate::error::{AppError, Context};
use crate::student::timeline::{EntryDetails, FollowUpOutcome};

/// The follow-up waves at 6, 12 and 24 months: due and overdue.
pub(super) async fn waves(
    db: &impl ConnectionTrait,
    school_name: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Waves>, AppError> {
    let due = crate::student::followup::due_follow_ups(db, school_name, false, today).await?;
    let mut waves: BTreeMap<u32, Waves> = [6, 12, 24]
        .into_iter()
        .map(|m| {
            (
                m,
                Waves {
                    months: m,
                    ..Default::default()
                },
            )
        })
        .collect();
    for d in &due {
        let w = waves.entry(d.months).or_insert(Waves {
            months: d.months,
            ..Default::default()
        });
        if d.overdue {
            w.overdue += 1;
        } else {
            w.due += 1;
        }
    }
    Ok(waves.into_values().collect())
}

/// Outcomes at 6, 12 and 24 months after graduation, for graduates whose wave has come: the
/// follow-up of that wave, else an employment record in force on that day; nothing known is
/// `unknown`, never "not employed".
pub(super) async fn outcomes(
    db: &impl ConnectionTrait,
    school: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Outcomes>, AppError> {
    let graduations = archive_entry::Entity::find()
        .filter(archive_entry::Column::Kind.eq(EntryKind::Graduation))
        .all(db)
        .await?;
    let mut graduated: HashMap<i32, NaiveDate> = HashMap::new();
    for g in &graduations {
        if let Some(s) = school {
            let details: EntryDetails = serde_json::from_str(&g.details).context("reading stored details")?;
            if !matches!(&details, EntryDetails::Graduation { school: gs, .. } if gs == s) {
                continue;
            }
        }
        graduated.insert(g.student_id, g.occurred_on);
    }
    let ids: Vec<i32> = graduated.keys().copied().collect();
    let mut facts: HashMap<i32, Vec<(NaiveDate, EntryDetails)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for e in archive_entry::Entity::find()
            .filter(archive_entry::Column::StudentId.is_in(chunk.iter().copied()))
            .filter(archive_entry::Column::Kind.is_in([EntryKind::Employment, EntryKind::FollowUp]))
            .all(db)
            .await?
        {
            // An entry that does not read is a fault to see, not a fact to skip.
            let d: EntryDetails = serde_json::from_str(&e.details).map_err(|err| {
                AppError::internal_from(format!("archive entry {} has unreadable details", e.id), err)
            })?;
            facts.entry(e.student_id).or_default().push((e.occurred_on, d));
        }
    }
    let mut out = Vec::new();
    for months in [6u32, 12, 24] {
        let mut o = Outcomes {
            months,
            ..Default::default()
        };
        for (sid, grad) in &graduated {
            let Some(at) = grad.checked_add_months(Months::new(months)) else {
                continue;
            };
            if at > today {
                continue;
            }
            o.reached += 1;
            let list = facts.get(sid).map(Vec::as_slice).unwrap_or(&[]);
            let wave = list.iter().rev().find_map(|(_, d)| match d {
                EntryDetails::FollowUp {
                    outcome, wave: Some(w), ..
                } if *w == months => Some(*outcome),
                _ => None,
            });
            let employed_then = list.iter().any(|(start, d)| {
                matches!(d, EntryDetails::Employment { end, .. } if *start <= at && end.is_none_or(|e| e >= at))
            });
            match wave {
                Some(FollowUpOutcome::Employed) => o.employed += 1,
                Some(FollowUpOutcome::NotEmployed) => o.not_employed += 1,
                Some(FollowUpOutcome::FurtherStudy) => o.further_study += 1,
                Some(FollowUpOutcome::Unreachable) | None if employed_then => o.employed += 1,
                Some(FollowUpOutcome::Unreachable) | None => o.unknown += 1,
            }
        }
        out.push(o);
    }
    Ok(out)
}
