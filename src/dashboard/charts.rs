//! The dashboard's charts and headline cards, drawn from the figures: every word through the
//! reader's catalogue, every chart and card linked to the list behind it (only lists the reader
//! may open). Pure: figures, a translator and the reader's rights in, JSON for the template out.

use serde_json::{Value, json};

use super::figures::Figures;
use super::headline::Kpi;
use super::svg::{self, AMBER, BLUE, Bar, EMPTY, GREEN, GREY, RED, Scale};

/// How many mentors the load chart draws (all are in the table under it).
pub const TOP_MENTORS: usize = 20;

/// Translates a catalogue key, with `{name}` placeholders filled.
pub type Tr<'a> = &'a dyn Fn(&str, &[(&str, String)]) -> String;

/// Which lists the reader may open from the dashboard.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rights {
    pub mentoring: bool,
    pub training: bool,
}

/// The addresses of the lists behind the figures.
struct Lists<'a> {
    f: &'a Figures,
    rights: Rights,
}

impl Lists<'_> {
    fn year(&self) -> i32 {
        self.f.filter.year
    }
    fn students(&self) -> String {
        format!("/students?graduation_year={}", self.year())
    }
    fn offers(&self, school_id: Option<i32>) -> String {
        match school_id.or(self.f.filter.school_id) {
            Some(s) => format!("/reporting?intake_year={}&school_id={s}", self.year()),
            None => format!("/reporting?intake_year={}", self.year()),
        }
    }
    fn ledger(&self, state: &str) -> String {
        format!("/ledger?intake_year={}&state={state}", self.year())
    }
    fn follow_ups(&self) -> String {
        let school = self.f.school.clone().unwrap_or_default();
        format!(
            "/follow-ups?{}",
            serde_urlencoded::to_string([("school", school.as_str())]).unwrap_or_default()
        )
    }
    fn mentor(&self, id: i32) -> Option<String> {
        self.rights.mentoring.then(|| format!("/mentoring/mentors/{id}"))
    }
}

fn bar(label: String, segments: Vec<(f64, &'static str)>, note: String, href: Option<String>) -> Bar {
    Bar {
        label,
        segments,
        note,
        href,
    }
}

/// `+3`, `−3` (a true minus), `±0`, or `—` without a previous round.
pub fn change_text(change: Option<i64>) -> String {
    match change {
        None => "—".into(),
        Some(0) => "±0".into(),
        Some(n) if n > 0 => format!("+{n}"),
        Some(n) => format!("−{}", n.unsigned_abs()),
    }
}

/// The headline cards (label, value, change, where it leads) and the line saying what the
/// changes compare with.
pub fn headline(f: &Figures, t: Tr, rights: Rights) -> Value {
    let lists = Lists { f, rights };
    let caption = match f.headline.previous_round {
        Some(r) => t("dash.since_round", &[("round", r.to_string())]),
        None => t("dash.no_previous", &[]),
    };
    let cards: Vec<Value> = f
        .headline
        .kpis
        .iter()
        .map(|k: &Kpi| {
            let href = match k.key {
                "eligible" => Some(lists.students()),
                "placed" => Some(lists.offers(None)),
                "on_ledger" => Some(lists.ledger("open")),
                "mentors_overdue" => rights.mentoring.then(|| "/mentoring/overdue".to_string()),
                _ => rights.training.then(|| "/training".to_string()),
            };
            let note = match (f.headline.previous_round, k.change) {
                (Some(_), None) => t("dash.no_history", &[]),
                _ => caption.clone(),
            };
            json!({
                "key": k.key,
                "label": t(&format!("dash.kpi_{}", k.key), &[]),
                "value": k.value,
                "change": change_text(k.change),
                "note": note,
                "href": href,
            })
        })
        .collect();
    json!({ "cards": cards, "caption": caption })
}

/// The charts, their legends and the links under them.
pub fn charts(f: &Figures, t: Tr, rights: Rights) -> Value {
    let l = Lists { f, rights };
    let w = |k: &str| t(k, &[]);
    let months = |m: u32| t("dash.c_months", &[("n", m.to_string())]);
    let funnel = funnel_chart(f, &w, &l);
    let fill = fill_chart(f, &w, &l);
    let loads = loads_chart(f, &w, &l);
    let outcomes = outcomes_chart(f, &w, &months);
    let waves = waves_chart(f, &w, &l, &months);
    let training_href = rights.training.then(|| "/training".to_string());
    let training = training_chart(f, &w, training_href.clone());
    let link = |href: Option<String>, key: &str| href.map(|h| json!({ "href": h, "label": w(key) }));
    json!({
        "funnel": funnel, "fill": fill, "loads": loads, "outcomes": outcomes, "waves": waves, "training": training,
        "loads_legend": svg::legend(&[(w("dash.c_on_time"), GREEN), (w("dash.c_overdue_contact"), RED)]),
        "outcomes_legend": svg::legend(&[(w("dash.employed"), GREEN), (w("dash.further_study"), BLUE), (w("dash.not_employed"), RED), (w("dash.unknown"), GREY)]),
        "waves_legend": svg::legend(&[(w("dash.due"), AMBER), (w("dash.overdue"), RED)]),
        "loads_top": (f.loads.len() > TOP_MENTORS).then(|| t("dash.top_mentors", &[("n", TOP_MENTORS.to_string()), ("total", f.loads.len().to_string())])),
        "links": {
            "funnel": link(Some(l.ledger("all")), "dash.view_ledger"),
            "fill": link(Some(l.offers(None)), "dash.view_offers"),
            "loads": link(rights.mentoring.then(|| "/mentoring/mentors".to_string()), "dash.view_mentors"),
            "waves": link(Some(l.follow_ups()), "dash.view_follow_ups"),
            "outcomes": link(Some("/students?status=graduated_employed".to_string()), "dash.view_employed"),
            "outcomes_not": link(Some("/students?status=graduated_not_employed".to_string()), "dash.view_not_employed"),
            "training": link(training_href.clone(), "dash.view_training"),
        },
    })
}

/// Eligible, placed, on the ledger, crossed off.
fn funnel_chart(f: &Figures, w: &dyn Fn(&str) -> String, l: &Lists) -> String {
    let fu = &f.funnel;
    svg::bars(
        &w("dash.funnel"),
        &[
            bar(
                w("dash.c_eligible"),
                vec![(fu.eligible as f64, BLUE)],
                fu.eligible.to_string(),
                Some(l.students()),
            ),
            bar(
                w("dash.c_placed"),
                vec![(fu.placed as f64, GREEN)],
                fu.placed.to_string(),
                Some(l.offers(None)),
            ),
            bar(
                w("dash.c_on_ledger"),
                vec![(fu.on_ledger as f64, AMBER)],
                fu.on_ledger.to_string(),
                Some(l.ledger("open")),
            ),
            bar(
                w("dash.c_crossed_off"),
                vec![(fu.crossed_off as f64, GREY)],
                fu.crossed_off.to_string(),
                Some(l.ledger("crossed_off")),
            ),
        ],
        Scale::Largest,
    )
}

/// Each programme's seats taken of its capacity.
fn fill_chart(f: &Figures, w: &dyn Fn(&str) -> String, l: &Lists) -> String {
    let fill_bars: Vec<Bar> = f
        .fill
        .iter()
        .map(|p| {
            bar(
                p.name.clone(),
                vec![
                    (p.placed as f64, BLUE),
                    ((p.capacity as f64 - p.placed as f64).max(0.0), EMPTY),
                ],
                format!("{}/{}", p.placed, p.capacity),
                Some(l.offers(Some(p.school_id))),
            )
        })
        .collect();
    svg::bars(&w("dash.fill"), &fill_bars, Scale::Own)
}

/// The mentors with the most mentees: on time and overdue.
fn loads_chart(f: &Figures, w: &dyn Fn(&str) -> String, l: &Lists) -> String {
    let load_bars: Vec<Bar> = f
        .loads
        .iter()
        .take(TOP_MENTORS)
        .map(|m| {
            bar(
                m.name.clone(),
                vec![
                    ((m.mentees as f64 - m.overdue as f64).max(0.0), GREEN),
                    (m.overdue as f64, RED),
                ],
                format!("{}/{}", m.mentees, m.max),
                l.mentor(m.mentor_id),
            )
        })
        .collect();
    svg::bars(&w("dash.loads"), &load_bars, Scale::Largest)
}

/// Outcomes of each follow-up wave.
fn outcomes_chart(f: &Figures, w: &dyn Fn(&str) -> String, months: &dyn Fn(u32) -> String) -> String {
    let outcome_bars: Vec<Bar> = f
        .outcomes
        .iter()
        .map(|o| {
            bar(
                months(o.months),
                vec![
                    (o.employed as f64, GREEN),
                    (o.further_study as f64, BLUE),
                    (o.not_employed as f64, RED),
                    (o.unknown as f64, GREY),
                ],
                o.reached.to_string(),
                None,
            )
        })
        .collect();
    svg::bars(&w("dash.outcomes"), &outcome_bars, Scale::Largest)
}

/// Follow-ups due and overdue by wave.
fn waves_chart(f: &Figures, w: &dyn Fn(&str) -> String, l: &Lists, months: &dyn Fn(u32) -> String) -> String {
    let wave_bars: Vec<Bar> = f
        .waves
        .iter()
        .map(|x| {
            bar(
                months(x.months),
                vec![(x.due as f64, AMBER), (x.overdue as f64, RED)],
                format!("{} + {}", x.due, x.overdue),
                Some(l.follow_ups()),
            )
        })
        .collect();
    svg::bars(&w("dash.waves"), &wave_bars, Scale::Largest)
}

/// Training registrations, attendance and certificates.
fn training_chart(f: &Figures, w: &dyn Fn(&str) -> String, training_href: Option<String>) -> String {
    let tr = &f.training;
    svg::bars(
        &w("dash.training"),
        &[
            (w("dash.confirmed"), tr.confirmed, BLUE),
            (w("dash.waitlisted"), tr.waitlisted, AMBER),
            (w("dash.attended"), tr.attended, GREEN),
            (w("dash.certificates"), tr.certificates, GREEN),
        ]
        .map(|(label, n, colour)| bar(label, vec![(n as f64, colour)], n.to_string(), training_href.clone())),
        Scale::Largest,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reads_with_its_sign_and_a_dash_without_a_previous_round() {
        assert_eq!(change_text(None), "—");
        assert_eq!(change_text(Some(0)), "±0");
        assert_eq!(change_text(Some(3)), "+3");
        assert_eq!(change_text(Some(-3)), "−3");
    }
}
