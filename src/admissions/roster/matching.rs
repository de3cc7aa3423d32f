//! Matching a roster row to the offer it confirms: the row's student (found by the keyed hash of
//! the ID, by the service) must be registered under that name and hold a waiting offer at the
//! roster's school for the roster's intake year. The verdict is a match, an offer already
//! confirmed, or a row error saying what is wrong.
//!
//! Pure: no I/O. What is kept of a row never holds a full national ID, only the masked one.

use entity::placement::PlacementStatus;
use serde::{Deserialize, Serialize};

use super::rows::{ParsedRoster, RosterRow};
use crate::i18n::Msg;
use crate::student::ids::{half_width, is_blank};
use crate::student::import::ReportError;
use crate::student::register::RowError;

/// A student as registered, with their placements of the roster's intake year.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub student_id: i32,
    pub name: String,
    pub national_id_masked: String,
    pub offers: Vec<Offer>,
}

/// One placement of a registered student.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub placement_id: i32,
    pub programme_id: i32,
    /// Code and name, `P01 数控技术应用`.
    pub programme: String,
    pub school_id: i32,
    pub school: String,
    pub status: PlacementStatus,
    /// Not released (declined, no-show and dropout release the seat).
    pub in_force: bool,
}

/// A roster row matched to an offer at the school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterLine {
    pub line: usize,
    pub placement_id: i32,
    pub student_id: i32,
    pub programme_id: i32,
    /// The name as registered.
    pub name: String,
    /// Masked, `410181********4058`.
    pub national_id: String,
    pub programme: String,
    /// The placement's status when the roster was previewed.
    pub status: PlacementStatus,
}

/// What a roster found (preview) or confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterReport {
    pub file_name: String,
    /// Data rows read (not counting the header).
    pub rows: usize,
    /// Rows whose offer is waiting: these are confirmed.
    pub matched: Vec<RosterLine>,
    /// Rows whose student already reported: nothing to do.
    pub already_reported: Vec<RosterLine>,
    /// Bad rows, by line.
    pub errors: Vec<ReportError>,
}

impl RosterReport {
    /// Rows with at least one problem (a row may have two).
    pub fn bad_rows(&self) -> usize {
        let mut lines: Vec<usize> = self.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    }

    /// The placements a confirm reports.
    pub fn placement_ids(&self) -> Vec<i32> {
        self.matched.iter().map(|m| m.placement_id).collect()
    }
}

/// What one row comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Matched(RosterLine),
    AlreadyReported(RosterLine),
    Bad(RowError),
}

/// The verdict on `row` for a roster of `school_id`, `registered` being the student with the row's
/// ID (if any) and their placements of the roster's year.
pub fn classify(row: &RosterRow, roster: &ParsedRoster, school_id: i32, registered: Option<&Registered>) -> Verdict {
    let bad = |column: &str, msg: Msg| {
        Verdict::Bad(RowError {
            line: row.line,
            column: column.to_owned(),
            msg,
        })
    };
    let Some(student) = registered else {
        return bad(&roster.id_column, Msg::new("roster.no_student"));
    };
    if comparable(&student.name) != comparable(row.name.as_str()) {
        let msg = Msg::new("roster.name_mismatch").arg("registered", &student.name);
        return bad(&roster.name_column, msg);
    }
    let Some(offer) = student.offers.iter().find(|o| o.in_force) else {
        return bad("", Msg::new("roster.no_offer"));
    };
    if offer.school_id != school_id {
        return bad("", Msg::new("roster.offer_elsewhere").arg("school", &offer.school));
    }
    let line = RosterLine {
        line: row.line,
        placement_id: offer.placement_id,
        student_id: student.student_id,
        programme_id: offer.programme_id,
        name: student.name.clone(),
        national_id: student.national_id_masked.clone(),
        programme: offer.programme.clone(),
        status: offer.status,
    };
    if offer.status == PlacementStatus::Offered {
        Verdict::Matched(line)
    } else {
        Verdict::AlreadyReported(line)
    }
}

/// Builds the report of a roster: every row's verdict, `found` giving each row's registered
/// student. Errors come out by line, the file's own first.
pub fn report<'a>(
    file_name: String,
    row_count: usize,
    roster: &ParsedRoster,
    school_id: i32,
    found: impl Fn(&RosterRow) -> Option<&'a Registered>,
) -> RosterReport {
    let mut report = RosterReport {
        file_name,
        rows: row_count,
        errors: roster.errors.iter().map(ReportError::from_row_error).collect(),
        ..RosterReport::default()
    };
    for row in &roster.rows {
        match classify(row, roster, school_id, found(row)) {
            Verdict::Matched(line) => report.matched.push(line),
            Verdict::AlreadyReported(line) => report.already_reported.push(line),
            Verdict::Bad(e) => report.errors.push(ReportError::from_row_error(&e)),
        }
    }
    report.errors.sort_by_key(|e| e.line);
    report
}

/// A name as compared with the register: without spaces, full-width forms and case, and with the
/// middle dots of transliterated names (`·`, `•`, `・`, `.`) as one.
fn comparable(name: &str) -> String {
    name.chars()
        .map(half_width)
        .filter(|c| !is_blank(*c))
        .map(|c| {
            if matches!(c, '•' | '・' | '.' | '‧') {
                '·'
            } else {
                c
            }
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::student::ids::{NationalId, PersonName};

    fn roster_of(rows: &[(usize, &str, &str)]) -> ParsedRoster {
        ParsedRoster {
            rows: rows
                .iter()
                .map(|(line, id, name)| RosterRow {
                    line: *line,
                    national_id: NationalId::parse(id).expect("id"),
                    name: PersonName::parse(name).expect("name"),
                })
                .collect(),
            errors: Vec::new(),
            id_column: "身份证号".into(),
            name_column: "姓名".into(),
        }
    }

    fn offer(id: i32, school_id: i32, status: &str, in_force: bool) -> Offer {
        Offer {
            placement_id: id,
            programme_id: 10 + school_id,
            programme: "P01 数控技术应用".into(),
            school_id,
            school: format!("学校{school_id}"),
            status: sea_orm::ActiveEnum::try_from_value(&status.to_string()).expect("a placement status"),
            in_force,
        }
    }

    fn student(id: i32, name: &str, offers: Vec<Offer>) -> Registered {
        Registered {
            student_id: id,
            name: name.into(),
            national_id_masked: "410181********4058".into(),
            offers,
        }
    }

    #[test]
    fn each_row_gets_the_verdict_that_says_what_to_do() {
        let roster = roster_of(&[
            (2, "410181200602024058", "张 三"),
            (3, "410181200704209707", "李四"),
            (4, "410181200707295452", "王五"),
            (5, "410181200707170799", "赵六"),
            (6, "410181201005010015", "孙七"),
            (7, "410181200602024058", "周八"),
        ]);
        let students = [
            student(
                1,
                "张三",
                vec![offer(100, 1, "declined", false), offer(101, 1, "offered", true)],
            ),
            student(2, "李四", vec![offer(102, 1, "reported", true)]),
            student(3, "王五", vec![offer(103, 2, "offered", true)]),
            student(4, "赵六", vec![offer(104, 1, "no_show", false)]),
        ];
        let by_line = |row: &RosterRow| match row.line {
            2 | 7 => Some(&students[0]),
            3 => Some(&students[1]),
            4 => Some(&students[2]),
            5 => Some(&students[3]),
            _ => None,
        };
        let r = report("roster.csv".into(), 6, &roster, 1, by_line);
        assert_eq!(r.placement_ids(), [101]);
        assert_eq!(r.matched[0].name, "张三", "the registered name, spaces or not");
        assert_eq!(r.already_reported.len(), 1);
        assert_eq!(r.already_reported[0].status.as_str(), "reported");
        let errors: Vec<(usize, &str, &str)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.key.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (4, "", "roster.offer_elsewhere"),
                (5, "", "roster.no_offer"),
                (6, "身份证号", "roster.no_student"),
                (7, "姓名", "roster.name_mismatch"),
            ]
        );
        assert_eq!(r.bad_rows(), 4);
    }

    #[test]
    fn names_compare_without_spaces_width_case_or_the_kind_of_middle_dot() {
        assert_eq!(comparable("买买提·艾力"), comparable("买买提•艾力"));
        assert_eq!(comparable("Ｌｉ Ｍｉｎｇ"), comparable("li ming"));
        assert_ne!(comparable("张三"), comparable("张山"));
    }
}
