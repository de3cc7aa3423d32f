//! The county's registered-household student list (the layout the poverty register exports), read
//! from a [`Table`] into typed [`RegisterRow`]s.
//!
//! Header problems (a required column missing, a column given twice) stop the import with one
//! message; every bad cell of every row is reported as a [`RowError`] with the Excel row number and
//! the header as the clerk sees it, and a row with any error is left out. Pure: no I/O, no database.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use entity::enums::{SeniorHighStatus, Sex};

use super::table::{Table, TableRow};
use crate::i18n::Msg;
use crate::student::ids::{HouseholdNumber, MobileNumber, NationalId, PersonName};

mod cells;
mod columns;

pub(crate) use cells::*;
pub use cells::{MAX_PREFERENCES, excel_serial_date, parse_date};
pub(crate) use columns::*;
pub use columns::{COLUMN_DOC, Column, ColumnMap, EXAMPLE_ROW, header_of, map_headers, map_headers_requiring};

/// One student as the register lists them, every field parsed and checked against the ID.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRow {
    /// The Excel row number in the uploaded file.
    pub line: usize,
    pub name: PersonName,
    /// As stated, or else from the ID; always agrees with the ID.
    pub sex: Option<Sex>,
    pub national_id: NationalId,
    /// As stated, or else from the ID; always agrees with the ID.
    pub birth_date: NaiveDate,
    pub household_number: HouseholdNumber,
    pub head_of_household: Option<PersonName>,
    pub town: String,
    /// May be empty.
    pub village: String,
    pub phone: Option<MobileNumber>,
    /// May be empty.
    pub junior_high_school: String,
    pub graduation_year: i32,
    pub exam_score: Option<f64>,
    /// `Unknown` when the cell is empty.
    pub senior_high_status: SeniorHighStatus,
    pub disability: bool,
    pub intended_skill: Option<String>,
    pub guardian: Option<String>,
    /// Programme codes, best first (upper-cased); empty when the column is absent or blank.
    pub preferences: Vec<String>,
}

/// A problem with one cell (or with a row as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The Excel row number.
    pub line: usize,
    /// The column's header text as it is in the file, or `""` for the row as a whole.
    pub column: String,
    pub msg: Msg,
}

/// Parses every row of a register table. `Err` only for header problems; bad rows come back as
/// errors (every bad cell of them) and are left out of the rows.
pub fn parse_rows(table: &Table) -> Result<(Vec<RegisterRow>, Vec<RowError>), Msg> {
    let map = map_headers(&table.headers)?;
    let mut seen = SeenInFile::default();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for row in &table.rows {
        let mut parser = RowParser {
            row,
            map: &map,
            errors: &mut errors,
            failed: false,
        };
        let parsed = parser.parse(&mut seen);
        if let (Some(parsed), false) = (parsed, parser.failed) {
            rows.push(parsed);
        }
    }
    Ok((rows, errors))
}

/// What earlier rows of the file held, to catch duplicates: ID → line, household → (head, line).
#[derive(Default)]
struct SeenInFile {
    ids: HashMap<String, usize>,
    heads: HashMap<String, (String, usize)>,
}

/// Parses one row, recording an error for each bad cell.
struct RowParser<'a> {
    row: &'a TableRow,
    map: &'a ColumnMap,
    errors: &'a mut Vec<RowError>,
    failed: bool,
}

impl<'a> RowParser<'a> {
    fn cell(&self, col: Column) -> &'a str {
        let (map, row) = (self.map, self.row);
        map.position(col)
            .and_then(|i| row.cells.get(i))
            .map_or("", String::as_str)
    }

    fn error(&mut self, col: Column, msg: Msg) {
        self.failed = true;
        let column = self.map.header(col).to_owned();
        self.errors.push(RowError {
            line: self.row.line,
            column,
            msg,
        });
    }

    /// A required value: `parse` decides what an empty cell means.
    fn required<T>(&mut self, col: Column, parse: impl FnOnce(&str) -> Result<T, Msg>) -> Option<T> {
        let cell = self.cell(col);
        let result = excel_error(cell).map_or_else(|| parse(cell), Err);
        result.map_err(|msg| self.error(col, msg)).ok()
    }

    /// An optional value: `Some(None)` for an empty cell, `None` after an error.
    fn optional<T>(&mut self, col: Column, parse: impl FnOnce(&str) -> Result<T, Msg>) -> Option<Option<T>> {
        if self.cell(col).is_empty() {
            return Some(None);
        }
        self.required(col, parse).map(Some)
    }

    /// Free text of at most [`MAX_TEXT_CHARS`]; `must_have` makes an empty cell an error.
    fn text(&mut self, col: Column, must_have: bool) -> Option<String> {
        let map = self.map;
        let header = map.header(col);
        self.required(col, |cell| {
            if must_have && cell.is_empty() {
                return Err(Msg::new("student.cell_required").arg("column", header));
            }
            let length = cell.chars().count();
            if length > MAX_TEXT_CHARS {
                return Err(Msg::new("student.text_too_long")
                    .arg("length", length)
                    .arg("max", MAX_TEXT_CHARS));
            }
            Ok(cell.to_owned())
        })
    }

    fn parse(&mut self, seen: &mut SeenInFile) -> Option<RegisterRow> {
        let name = self.required(Column::Name, PersonName::parse);
        let national_id = self.required(Column::NationalId, NationalId::parse);
        let sex = self.optional(Column::Sex, parse_sex);
        let birth_date = self.optional(Column::BirthDate, parse_date_cell);
        let household_number = self.required(Column::HouseholdNumber, HouseholdNumber::parse);
        let head_of_household = self.optional(Column::HeadOfHousehold, PersonName::parse);
        let town = self.text(Column::Town, true);
        let village = self.text(Column::Village, false);
        let phone = self.optional(Column::Phone, MobileNumber::parse);
        let junior_high_school = self.text(Column::JuniorHighSchool, false);
        let map = self.map;
        let graduation_year = self.required(Column::GraduationYear, |c| parse_graduation_year(c, map));
        let exam_score = self.optional(Column::ExamScore, parse_exam_score);
        let senior_high_status = self.optional(Column::SeniorHighStatus, parse_status);
        let disability = self.optional(Column::Disability, parse_disability);
        let intended_skill = self.text(Column::IntendedSkill, false);
        let guardian = self.text(Column::Guardian, false);
        let preferences = self.optional(Column::Preferences, parse_preferences);
        let (sex, birth_date) = match &national_id {
            Some(id) => self.agree_with_id(id, sex.flatten(), birth_date.flatten(), seen),
            None => (None, None),
        };
        if let (Some(household), Some(Some(head))) = (&household_number, &head_of_household) {
            self.check_household_head(household, head, seen);
        }
        Some(RegisterRow {
            line: self.row.line,
            name: name?,
            sex: Some(sex?),
            national_id: national_id?,
            birth_date: birth_date?,
            household_number: household_number?,
            head_of_household: head_of_household?,
            town: town?,
            village: village?,
            phone: phone?,
            junior_high_school: junior_high_school?,
            graduation_year: graduation_year?,
            exam_score: exam_score?,
            senior_high_status: senior_high_status?.unwrap_or(SeniorHighStatus::Unknown),
            disability: disability?.unwrap_or(false),
            intended_skill: nonempty(intended_skill?),
            guardian: nonempty(guardian?),
            preferences: preferences?.unwrap_or_default(),
        })
    }

    /// Checks the stated sex and birth date against the ID (filling them from it when empty) and
    /// the ID against earlier rows.
    fn agree_with_id(
        &mut self,
        id: &NationalId,
        sex: Option<Sex>,
        birth_date: Option<NaiveDate>,
        seen: &mut SeenInFile,
    ) -> (Option<Sex>, Option<NaiveDate>) {
        match seen.ids.entry(id.as_str().to_owned()) {
            Entry::Occupied(first) => {
                let msg = Msg::new("student.id_duplicate").arg("first_line", *first.get());
                self.error(Column::NationalId, msg);
            }
            Entry::Vacant(slot) => {
                slot.insert(self.row.line);
            }
        }
        let sex = match sex {
            Some(stated) if stated != id.sex() => {
                let key = match id.sex() {
                    Sex::Male => "student.sex_mismatch_id_male",
                    Sex::Female => "student.sex_mismatch_id_female",
                };
                let stated = self.cell(Column::Sex).to_owned();
                self.error(Column::Sex, Msg::new(key).arg("stated", stated));
                None
            }
            _ => Some(id.sex()),
        };
        let birth_date = match birth_date.map(|stated| id.check_birth_date(stated)) {
            Some(Err(msg)) => {
                self.error(Column::BirthDate, msg);
                None
            }
            _ => Some(id.birth_date()),
        };
        (sex, birth_date)
    }

    /// The same household number must have the same head of household throughout the file.
    fn check_household_head(&mut self, household: &HouseholdNumber, head: &PersonName, seen: &mut SeenInFile) {
        match seen.heads.entry(household.as_str().to_owned()) {
            Entry::Occupied(first) => {
                let (first_head, first_line) = first.get();
                if first_head != head.as_str() {
                    let msg = Msg::new("student.household_head_mismatch")
                        .arg("first_line", *first_line)
                        .arg("first_head", first_head)
                        .arg("head", head.as_str());
                    self.error(Column::HeadOfHousehold, msg);
                }
            }
            Entry::Vacant(slot) => {
                slot.insert((head.as_str().to_owned(), self.row.line));
            }
        }
    }
}

#[cfg(test)]
mod tests;
