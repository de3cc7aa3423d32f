//! The demo county tells one consistent story a visitor can follow from the dashboard down to one
//! student: every date follows the event it comes after, nothing is dated after today, and the
//! figures that depend on today (contacts, follow-up waves, the ledger) read as a county at work,
//! not as a county that stopped months ago or started this morning.

use entity::archive_entry::EntryKind;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::EntityTrait;

use crate::helpers::TestApp;

fn day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&vocpath::clock::china()).date_naive()
}

async fn all<E: EntityTrait>(app: &TestApp) -> Vec<E::Model> {
    E::find().all(&app.state.db).await.expect("rows")
}

/// Collects what is wrong instead of stopping at the first, so a failure shows the whole story:
/// two examples of each kind of problem (the message without its numbers) and how many there are.
#[derive(Default)]
struct Problems(std::collections::BTreeMap<String, (usize, Vec<String>)>);

impl Problems {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            return;
        }
        let what = what();
        let kind: String = what.chars().filter(|c| !c.is_ascii_digit()).collect();
        let (n, examples) = self.0.entry(kind).or_default();
        *n += 1;
        if examples.len() < 2 {
            examples.push(what);
        }
    }

    fn report(&self) -> String {
        self.0
            .values()
            .map(|(n, examples)| format!("{n}× {}", examples.join(" | ")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[tokio::test]
async fn the_demo_county_tells_one_story_in_date_order_up_to_today() {
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    let db = &app.state.db;
    let today = vocpath::clock::today();
    let now = Utc::now();
    let mut p = Problems::default();

    // Routing: rules published before the run, the run before its offers.
    let runs = all::<entity::routing_run::Entity>(&app).await;
    let sets: HashMap<i32, entity::rule_set::Model> = all::<entity::rule_set::Entity>(&app)
        .await
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let run_at: HashMap<i32, DateTime<Utc>> = runs.iter().map(|r| (r.id, r.created_at)).collect();
    for r in &runs {
        let published = sets.get(&r.rule_set_id).and_then(|s| s.published_at);
        p.check(published.is_some_and(|at| at <= r.created_at), || {
            format!("run {} before its rules were published", r.id)
        });
        p.check(r.committed_at.is_none_or(|c| c >= r.created_at && c <= now), || {
            format!("run {} committed out of order", r.id)
        });
        p.check(day(r.created_at) < today - chrono::Days::new(30), || {
            format!("the routing run is dated {} (today {today})", day(r.created_at))
        });
    }

    // Placements: placed, then reported or released, all in the past.
    let placements = all::<entity::placement::Entity>(&app).await;
    let mut placed_on: HashMap<i32, NaiveDate> = HashMap::new();
    let mut reported_on: HashMap<i32, NaiveDate> = HashMap::new();
    for pl in &placements {
        p.check(pl.placed_at <= now, || {
            format!("placement {} placed in the future", pl.id)
        });
        if let Some(run) = pl.run_id.and_then(|r| run_at.get(&r)) {
            p.check(pl.placed_at >= *run, || format!("placement {} before its run", pl.id));
        }
        for (what, at) in [("reported", pl.reported_at), ("released", pl.released_at)] {
            p.check(at.is_none_or(|at| at >= pl.placed_at && at <= now), || {
                format!("placement {} {what} at {at:?}, placed {}", pl.id, pl.placed_at)
            });
        }
        if let Some(r) = pl.reported_at {
            reported_on.insert(pl.student_id, day(r));
        }
        let first = placed_on.entry(pl.student_id).or_insert(day(pl.placed_at));
        *first = (*first).min(day(pl.placed_at));
    }
    // Months into the school year no offer is still waiting for an answer.
    let waiting = placements
        .iter()
        .filter(|pl| pl.status == entity::placement::PlacementStatus::Offered)
        .count();
    p.check(waiting == 0, || format!("{waiting} offers still waiting in term time"));

    // Mentor assignments follow the placement; contacts follow the assignment.
    let assignments = all::<entity::mentor_assignment::Entity>(&app).await;
    let mut assigned_on: HashMap<(i32, i32), NaiveDate> = HashMap::new();
    for a in &assignments {
        let on = day(a.assigned_at);
        assigned_on.insert((a.student_id, a.mentor_id), on);
        p.check(placed_on.get(&a.student_id).is_some_and(|pl| *pl <= on), || {
            format!("assignment {} on {on} before the student's placement", a.id)
        });
        p.check(a.assigned_at <= now, || format!("assignment {} in the future", a.id));
        p.check(a.answered_at.is_none_or(|at| at >= a.assigned_at && at <= now), || {
            format!("assignment {} answered out of order", a.id)
        });
        p.check(a.last_contact_on.is_none_or(|c| c >= on && c <= today), || {
            format!(
                "assignment {} last contact {:?}, assigned {on}",
                a.id, a.last_contact_on
            )
        });
    }

    // The archive: in the past, recorded on or after the day it happened, each kind after the event
    // it follows.
    let entries = all::<entity::archive_entry::Entity>(&app).await;
    let mut offer_on: HashMap<i32, NaiveDate> = HashMap::new();
    for e in entries.iter().filter(|e| e.kind == EntryKind::EnrolmentOffer) {
        let first = offer_on.entry(e.student_id).or_insert(e.occurred_on);
        *first = (*first).min(e.occurred_on);
    }
    let mut sessions = 0;
    for e in &entries {
        p.check(e.occurred_on <= today && e.created_at <= now, || {
            format!(
                "entry {} ({}) dated {} / recorded {}",
                e.id, e.kind, e.occurred_on, e.created_at
            )
        });
        p.check(day(e.created_at) >= e.occurred_on, || {
            format!("entry {} ({}) recorded before {}", e.id, e.kind, e.occurred_on)
        });
        let after_offer = matches!(
            e.kind,
            EntryKind::MentorAssigned | EntryKind::MentorAnswered | EntryKind::MentorSession | EntryKind::LedgerChange
        ) || (e.kind == EntryKind::Enrolment && offer_on.contains_key(&e.student_id));
        if after_offer && let Some(offer) = offer_on.get(&e.student_id) {
            p.check(e.occurred_on >= *offer, || {
                format!(
                    "entry {} ({}) on {} before the offer on {offer}",
                    e.id, e.kind, e.occurred_on
                )
            });
        }
        if e.kind == EntryKind::MentorSession {
            sessions += 1;
            let assigned = e.recorded_by.and_then(|m| assigned_on.get(&(e.student_id, m)));
            let at_school = e.details.contains("\"at_school\"");
            let came = reported_on.get(&e.student_id);
            p.check(!at_school || came.is_some_and(|c| e.occurred_on >= *c), || {
                format!(
                    "help session {} at school on {} but reported {came:?}",
                    e.id, e.occurred_on
                )
            });
            p.check(assigned.is_some_and(|on| e.occurred_on >= *on), || {
                format!(
                    "help session {} on {} but the mentor was assigned {assigned:?}",
                    e.id, e.occurred_on
                )
            });
        }
    }
    let dated_today = entries.iter().filter(|e| e.occurred_on == today).count();
    p.check(dated_today * 20 < entries.len(), || {
        format!("{dated_today} of {} archive entries dated today", entries.len())
    });
    p.check(sessions > assignments.len(), || {
        format!("{sessions} help sessions for {} assignments", assignments.len())
    });

    // Contacts: most mentees seen within the month, a few overdue.
    let in_force = assignments.iter().filter(|a| a.in_force.is_some()).count();
    let overdue = vocpath::mentor::sessions::overdue(db, today, None)
        .await
        .expect("overdue");
    p.check(!overdue.is_empty() && overdue.len() * 5 < in_force, || {
        format!("{} of {in_force} assignments overdue for contact", overdue.len())
    });

    // Follow-up waves: most earlier waves done, a minority overdue, some due soon.
    let waves = vocpath::student::followup::due_follow_ups(db, None, false, today)
        .await
        .expect("waves");
    let late = waves.iter().filter(|w| w.overdue).count();
    let due = waves.len() - late;
    let done = entries.iter().filter(|e| e.kind == EntryKind::FollowUp).count();
    p.check(due > 0, || {
        format!("no follow-up wave due ({late} overdue, {done} done)")
    });
    p.check(late > 0 && late * 3 < done, || {
        format!("{late} waves overdue against {done} done")
    });

    // The ledger: follow-ups after the line opened, lines closed after they opened, most open
    // lines followed up in time.
    let lines: HashMap<i32, entity::ledger_entry::Model> = all::<entity::ledger_entry::Entity>(&app)
        .await
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    for l in lines.values() {
        p.check(l.opened_at <= now, || {
            format!("ledger line {} opened in the future", l.id)
        });
        p.check(l.closed_at.is_none_or(|c| c >= l.opened_at && c <= now), || {
            format!("ledger line {} closed out of order", l.id)
        });
    }
    for f in all::<entity::ledger_follow_up::Entity>(&app).await {
        let opened = lines.get(&f.ledger_entry_id).map(|l| day(l.opened_at));
        p.check(
            opened.is_some_and(|o| f.followed_on >= o) && f.followed_on <= today,
            || format!("ledger follow-up {} on {}, line opened {opened:?}", f.id, f.followed_on),
        );
        p.check(day(f.recorded_at) >= f.followed_on && f.recorded_at <= now, || {
            format!(
                "ledger follow-up {} recorded {} for {}",
                f.id, f.recorded_at, f.followed_on
            )
        });
    }
    let open: Vec<_> = lines.values().filter(|l| l.closed_at.is_none()).collect();
    let behind = open
        .iter()
        .filter(|l| vocpath::admissions::ledger_follow_ups::is_overdue(l, today))
        .count();
    p.check(behind * 3 < open.len(), || {
        format!("{behind} of {} open ledger lines overdue for follow-up", open.len())
    });

    // Training: registrations before the session, attendance on its days up to today,
    // certificates once it ended.
    let sessions: HashMap<i32, entity::training_session::Model> = all::<entity::training_session::Entity>(&app)
        .await
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let regs: HashMap<i32, entity::registration::Model> = all::<entity::registration::Entity>(&app)
        .await
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for r in regs.values() {
        let s = sessions.get(&r.session_id);
        p.check(
            s.is_some_and(|s| day(r.created_at) < s.starts_on) && r.created_at <= now,
            || {
                format!(
                    "registration {} on {} for a session starting {:?}",
                    r.id,
                    day(r.created_at),
                    s.map(|s| s.starts_on)
                )
            },
        );
    }
    let session_of = |reg: i32| regs.get(&reg).and_then(|r| sessions.get(&r.session_id));
    for a in all::<entity::attendance_day::Entity>(&app).await {
        let s = session_of(a.registration_id);
        p.check(
            s.is_some_and(|s| a.day >= s.starts_on && a.day <= s.ends_on) && a.day <= today,
            || format!("attendance on {} outside its session", a.day),
        );
        p.check(day(a.recorded_at) >= a.day && a.recorded_at <= now, || {
            format!("attendance for {} recorded {}", a.day, a.recorded_at)
        });
    }
    for c in all::<entity::certificate::Entity>(&app).await {
        let s = session_of(c.registration_id);
        p.check(
            s.is_some_and(|s| day(c.issued_at) >= s.ends_on) && c.issued_at <= now,
            || format!("certificate {} issued {} before its session ended", c.id, c.issued_at),
        );
    }

    // The audit trail and the delivery log read in the same time.
    for a in all::<entity::audit_log::Entity>(&app).await {
        p.check(a.at <= now, || format!("audit row {} in the future", a.id));
    }
    for o in all::<entity::outbox::Entity>(&app).await {
        p.check(o.sent_at.is_none_or(|s| s >= o.created_at && s <= now), || {
            format!("message {} sent {:?}, queued {}", o.id, o.sent_at, o.created_at)
        });
        p.check(day(o.created_at) < today, || {
            format!("message {} ({}) queued today", o.id, o.kind)
        });
    }

    assert!(p.0.is_empty(), "the demo contradicts itself:\n{}", p.report());
}
