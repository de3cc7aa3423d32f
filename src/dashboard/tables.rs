//! The tables behind the dashboard's charts, by name, as typed sheets for CSV/XLSX export:
//! counts are numbers, headers in the reader's language. Pure.

use super::figures::Figures;
use crate::export::{Cell, Sheet};

/// The export names, in the page's order.
pub const NAMES: [&str; 6] = ["funnel", "fill", "loads", "waves", "outcomes", "training"];

/// The table `name` of the figures; `t` translates a catalogue key.
pub fn table(f: &Figures, name: &str, t: &dyn Fn(&str) -> String) -> Option<Sheet> {
    let sheet = match name {
        "funnel" => funnel(f, t),
        "fill" => fill(f, t),
        "loads" => loads(f, t),
        "waves" => waves(f, t),
        "outcomes" => outcomes(f, t),
        "training" => training(f, t),
        _ => return None,
    };
    Some(sheet)
}

fn headers(t: &dyn Fn(&str) -> String, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| t(k)).collect()
}

/// A figure's name and its value.
fn row(t: &dyn Fn(&str) -> String, key: &str, n: Cell) -> Vec<Cell> {
    vec![Cell::Text(t(key)), n]
}

fn funnel(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    Sheet {
        headers: headers(t, &["dash.x_figure", "dash.x_count"]),
        rows: vec![
            row(t, "dash.eligible", f.funnel.eligible.into()),
            row(t, "dash.placed", f.funnel.placed.into()),
            row(t, "dash.on_ledger", f.funnel.on_ledger.into()),
            row(t, "dash.crossed_off", f.funnel.crossed_off.into()),
            row(t, "dash.x_brought_back", f.funnel.brought_back.into()),
            row(t, "dash.x_unaccounted", f.funnel.unaccounted.into()),
            row(t, "dash.x_counted_twice", f.funnel.counted_twice.into()),
        ],
    }
}

fn fill(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    Sheet {
        headers: headers(
            t,
            &[
                "dash.x_code",
                "dash.programme",
                "admissions.school",
                "dash.capacity",
                "dash.placed",
                "admissions.cutoff",
            ],
        ),
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
    }
}

fn loads(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    Sheet {
        headers: headers(
            t,
            &[
                "mentoring.mentor",
                "admissions.school",
                "dash.mentees",
                "dash.max",
                "dash.overdue",
            ],
        ),
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
    }
}

fn waves(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    Sheet {
        headers: headers(t, &["dash.months", "dash.due", "dash.overdue"]),
        rows: f
            .waves
            .iter()
            .map(|x| vec![x.months.into(), x.due.into(), x.overdue.into()])
            .collect(),
    }
}

fn outcomes(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    Sheet {
        headers: headers(
            t,
            &[
                "dash.months",
                "dash.reached",
                "dash.employed",
                "dash.not_employed",
                "dash.further_study",
                "dash.unknown",
            ],
        ),
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
    }
}

fn training(f: &Figures, t: &dyn Fn(&str) -> String) -> Sheet {
    let tr = &f.training;
    Sheet {
        headers: headers(t, &["dash.x_figure", "dash.x_count"]),
        rows: vec![
            row(t, "dash.sessions", tr.sessions.into()),
            row(t, "dash.x_sessions_held", tr.held.into()),
            row(t, "dash.confirmed", tr.confirmed.into()),
            row(t, "dash.waitlisted", tr.waitlisted.into()),
            row(t, "dash.attended", tr.attended.into()),
            row(
                t,
                "dash.x_attendance_pct",
                tr.attendance_rate.map(|r| (r * 10.0).round() / 10.0).into(),
            ),
            row(t, "dash.certificates", tr.certificates.into()),
        ],
    }
}
