//! The tables behind the dashboard's charts, by name, as typed sheets for CSV/XLSX export:
//! counts are numbers, headers in the reader's language. Pure.

use super::figures::Figures;
use crate::export::{Cell, Sheet};

/// The export names, in the page's order.
pub const NAMES: [&str; 6] = ["funnel", "fill", "loads", "waves", "outcomes", "training"];

/// The table `name` of the figures; `t` translates a catalogue key.
pub fn table(f: &Figures, name: &str, t: &dyn Fn(&str) -> String) -> Option<Sheet> {
    let headers = |keys: &[&str]| keys.iter().map(|k| t(k)).collect::<Vec<_>>();
    let row = |key: &str, n: Cell| vec![Cell::Text(t(key)), n];
    Some(match name {
        "funnel" => Sheet {
            headers: headers(&["dash.x_figure", "dash.x_count"]),
            rows: vec![
                row("dash.eligible", f.funnel.eligible.into()),
                row("dash.placed", f.funnel.placed.into()),
                row("dash.on_ledger", f.funnel.on_ledger.into()),
                row("dash.crossed_off", f.funnel.crossed_off.into()),
                row("dash.x_brought_back", f.funnel.brought_back.into()),
                row("dash.x_unaccounted", f.funnel.unaccounted.into()),
                row("dash.x_counted_twice", f.funnel.counted_twice.into()),
            ],
        },
        "fill" => Sheet {
            headers: headers(&[
                "dash.x_code",
                "dash.programme",
                "admissions.school",
                "dash.capacity",
                "dash.placed",
                "admissions.cutoff",
            ]),
            rows: f
                .fill
                .iter()
                .map(|x| {
                    vec![
                        x.code.as_str().into(),
                        x.name.as_str().into(),
                        x.school.as_str().into(),
                        x.capacity.into(),
                        x.placed.into(),
                        x.cutoff.map(|c| (c * 10.0).round() / 10.0).into(),
                    ]
                })
                .collect(),
        },
        "loads" => Sheet {
            headers: headers(&[
                "mentoring.mentor",
                "admissions.school",
                "dash.mentees",
                "dash.max",
                "dash.overdue",
            ]),
            rows: f
                .loads
                .iter()
                .map(|x| {
                    vec![
                        x.name.as_str().into(),
                        x.school.as_str().into(),
                        x.mentees.into(),
                        x.max.into(),
                        x.overdue.into(),
                    ]
                })
                .collect(),
        },
        "waves" => Sheet {
            headers: headers(&["dash.months", "dash.due", "dash.overdue"]),
            rows: f
                .waves
                .iter()
                .map(|x| vec![x.months.into(), x.due.into(), x.overdue.into()])
                .collect(),
        },
        "outcomes" => Sheet {
            headers: headers(&[
                "dash.months",
                "dash.reached",
                "dash.employed",
                "dash.not_employed",
                "dash.further_study",
                "dash.unknown",
            ]),
            rows: f
                .outcomes
                .iter()
                .map(|x| {
                    vec![
                        x.months.into(),
                        x.reached.into(),
                        x.employed.into(),
                        x.not_employed.into(),
                        x.further_study.into(),
                        x.unknown.into(),
                    ]
                })
                .collect(),
        },
        "training" => {
            let tr = &f.training;
            Sheet {
                headers: headers(&["dash.x_figure", "dash.x_count"]),
                rows: vec![
                    row("dash.sessions", tr.sessions.into()),
                    row("dash.x_sessions_held", tr.held.into()),
                    row("dash.confirmed", tr.confirmed.into()),
                    row("dash.waitlisted", tr.waitlisted.into()),
                    row("dash.attended", tr.attended.into()),
                    row(
                        "dash.x_attendance_pct",
                        tr.attendance_rate.map(|r| (r * 10.0).round() / 10.0).into(),
                    ),
                    row("dash.certificates", tr.certificates.into()),
                ],
            }
        }
        _ => return None,
    })
}
