//! What staff read of the training catalogue, in their language: a base's opening days as words
//! (周一至周六, Mon–Sat), venues, skills and blackouts as lists, and the names in the session
//! form's choices with their units. Every word comes from the catalogues; this module only
//! arranges them. Pure: no I/O, nothing here decides what may be scheduled.

use serde::Serialize;
use serde_json::{Value, json};

use super::setup::Catalogue;
use crate::i18n::{Catalogues, Lang};

/// The words a list of days or items is written with in one language.
#[derive(Debug, Clone)]
pub struct Words {
    /// Monday first.
    weekdays: [String; 7],
    every_day: String,
    /// `{from}` … `{to}`: a run of three or more days.
    day_range: String,
    /// Between the items of a list: `、` or `, `.
    separator: String,
}

impl Words {
    pub fn new(i18n: &Catalogues, lang: Lang) -> Words {
        const DAYS: [&str; 7] = [
            "weekday.1",
            "weekday.2",
            "weekday.3",
            "weekday.4",
            "weekday.5",
            "weekday.6",
            "weekday.7",
        ];
        Words {
            weekdays: DAYS.map(|k| i18n.get(lang, k)),
            every_day: i18n.get(lang, "weekday.every_day"),
            day_range: i18n.get(lang, "weekday.range"),
            separator: i18n.get(lang, "training.list_separator"),
        }
    }

    /// `items` as one list in this language.
    pub fn list<S: AsRef<str>>(&self, items: &[S]) -> String {
        items
            .iter()
            .map(AsRef::as_ref)
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(&self.separator)
    }

    /// Opening days given as ISO weekday digits (`123456`) as words: every day, runs of three or
    /// more days as a range (周一至周五), the rest named one by one. Anything but a digit 1–7 is
    /// ignored (a base's days were checked when it was saved).
    pub fn open_days(&self, digits: &str) -> String {
        let mut days: Vec<usize> = digits
            .chars()
            .filter_map(|c| c.to_digit(10))
            .filter(|d| (1..=7).contains(d))
            .map(|d| d as usize - 1)
            .collect();
        days.sort_unstable();
        days.dedup();
        if days.len() == 7 {
            return self.every_day.clone();
        }
        let mut parts = Vec::new();
        let mut i = 0;
        while i < days.len() {
            let mut j = i;
            while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
                j += 1;
            }
            if j - i >= 2 {
                parts.push(
                    self.day_range
                        .replace("{from}", &self.weekdays[days[i]])
                        .replace("{to}", &self.weekdays[days[j]]),
                );
            } else {
                parts.extend(days[i..=j].iter().map(|d| self.weekdays[*d].clone()));
            }
            i = j + 1;
        }
        self.list(&parts)
    }
}

/// A training base as the set-up page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct BaseRow {
    pub id: i32,
    pub name: String,
    pub town: String,
    pub address: String,
    /// Opening days in words.
    pub days: String,
    /// Its venues with their seats, as one list.
    pub venues: String,
}

/// The set-up page's lists: bases, courses, instructors and blackouts, in catalogue order.
pub fn setup_lists(cat: &Catalogue, i18n: &Catalogues, lang: Lang) -> Value {
    let words = Words::new(i18n, lang);
    let bases: Vec<BaseRow> = cat
        .bases
        .iter()
        .map(|b| {
            let venues: Vec<String> = cat
                .venues
                .iter()
                .filter(|v| v.base_id == b.id)
                .map(|v| {
                    let seats = v.seats.to_string();
                    i18n.render(
                        lang,
                        "training.venue_seats",
                        [("venue", v.name.as_str()), ("seats", &seats)],
                    )
                })
                .collect();
            BaseRow {
                id: b.id,
                name: b.name.clone(),
                town: b.town.clone(),
                address: b.address.clone(),
                days: words.open_days(&b.open_days),
                venues: words.list(&venues),
            }
        })
        .collect();
    let instructors: Vec<Value> = cat
        .instructors
        .iter()
        .map(|i| json!({ "id": i.id, "name": i.name, "skills": words.list(&i.skills) }))
        .collect();
    json!({ "bases": bases, "courses": cat.courses, "instructors": instructors, "blackouts": cat.blackouts })
}

/// The session form's choices, each named with its units: a venue with its base and seats, a
/// course with its skill area and hours.
pub fn session_choices(cat: &Catalogue, i18n: &Catalogues, lang: Lang) -> Value {
    let venues: Vec<Value> = cat
        .venues
        .iter()
        .filter_map(|v| {
            let b = cat.bases.iter().find(|b| b.id == v.base_id)?;
            let seats = v.seats.to_string();
            let name = i18n.render(
                lang,
                "training.venue_choice",
                [("base", b.name.as_str()), ("venue", v.name.as_str()), ("seats", &seats)],
            );
            Some(json!({ "id": v.id.to_string(), "name": name }))
        })
        .collect();
    let courses: Vec<Value> = cat
        .courses
        .iter()
        .map(|c| {
            let hours = c.hours.to_string();
            let name = i18n.render(
                lang,
                "training.course_choice",
                [
                    ("title", c.title.as_str()),
                    ("skill", c.skill_area.as_str()),
                    ("hours", &hours),
                ],
            );
            json!({ "id": c.id.to_string(), "name": name })
        })
        .collect();
    let instructors: Vec<Value> = cat
        .instructors
        .iter()
        .map(|i| json!({ "id": i.id.to_string(), "name": i.name }))
        .collect();
    json!({ "courses": courses, "venues": venues, "instructors": instructors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lang: Lang) -> Words {
        let i18n = Catalogues::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/i18n"
        )))
        .expect("catalogues");
        Words::new(&i18n, lang)
    }

    #[test]
    fn opening_days_read_as_words_in_both_languages() {
        let zh = words(Lang::Zh);
        let en = words(Lang::En);
        for (digits, chinese, english) in [
            ("123456", "周一至周六", "Mon–Sat"),
            ("12345", "周一至周五", "Mon–Fri"),
            ("1234567", "每天", "Every day"),
            ("7654321", "每天", "Every day"),
            ("135", "周一、周三、周五", "Mon, Wed, Fri"),
            ("67", "周六、周日", "Sat, Sun"),
            ("12346", "周一至周四、周六", "Mon–Thu, Sat"),
            ("1,2,3", "周一至周三", "Mon–Wed"),
            ("", "", ""),
        ] {
            assert_eq!(zh.open_days(digits), chinese, "{digits}");
            assert_eq!(en.open_days(digits), english, "{digits}");
        }
    }

    #[test]
    fn a_list_has_no_trailing_or_doubled_separator() {
        let zh = words(Lang::Zh);
        assert_eq!(zh.list(&["设施蔬菜", "食用菌栽培"]), "设施蔬菜、食用菌栽培");
        assert_eq!(zh.list(&["设施蔬菜", " ", ""]), "设施蔬菜");
        assert_eq!(words(Lang::En).list(&["a", "b", "c"]), "a, b, c");
        assert_eq!(zh.list::<&str>(&[]), "");
    }
}
