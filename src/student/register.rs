//! The county's registered-household student list (the layout the poverty register exports), read
//! from a [`Table`] into typed [`RegisterRow`]s.
//!
//! Header problems (a required column missing, a column given twice) stop the import with one
//! message; every bad cell of every row is reported as a [`RowError`] with the Excel row number and
//! the header as the clerk sees it, and a row with any error is left out. Pure: no I/O, no database.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{Datelike, Days, NaiveDate};
use entity::enums::{SeniorHighStatus, Sex};

use super::ids::{HouseholdNumber, MobileNumber, NationalId, PersonName, half_width, is_blank};
use super::table::{Table, TableRow};
use crate::i18n::Msg;

/// A column of the register layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 序号: the row's number in the register; read but not kept.
    Seq,
    /// 姓名: the student's name (required).
    Name,
    /// 性别: 男/女; taken from the ID when empty.
    Sex,
    /// 身份证号: the 18-character national ID (required).
    NationalId,
    /// 出生日期: must agree with the ID; taken from it when empty.
    BirthDate,
    /// 建档立卡编号: the registered household's number (required).
    HouseholdNumber,
    /// 户主姓名: the head of the household.
    HeadOfHousehold,
    /// 镇(街道): town or sub-district (required).
    Town,
    /// 村: village.
    Village,
    /// 联系电话: an 11-digit mobile number.
    Phone,
    /// 初中学校: the junior high school.
    JuniorHighSchool,
    /// 毕业年份: year of junior-high graduation (required).
    GraduationYear,
    /// 中考成绩: the senior-high entrance exam score.
    ExamScore,
    /// 升学状态: what the student went on to.
    SeniorHighStatus,
    /// 是否残疾: whether the student has a registered disability.
    Disability,
    /// 意向专业: the skill area the student would like to learn.
    IntendedSkill,
    /// 监护人: the guardian's name.
    Guardian,
    /// 志愿: programme codes in order of preference, separated by commas, spaces or 、.
    Preferences,
}

const COLUMN_COUNT: usize = 18;

/// Every column in layout order with its Chinese and English header and whether it is required.
pub const COLUMN_DOC: &[(Column, &str, &str, bool)] = &[
    (Column::Seq, "序号", "seq", false),
    (Column::Name, "姓名", "name", true),
    (Column::Sex, "性别", "sex", false),
    (Column::NationalId, "身份证号", "national_id", true),
    (Column::BirthDate, "出生日期", "birth_date", false),
    (Column::HouseholdNumber, "建档立卡编号", "household_number", true),
    (Column::HeadOfHousehold, "户主姓名", "head_of_household", false),
    (Column::Town, "镇(街道)", "town", true),
    (Column::Village, "村", "village", false),
    (Column::Phone, "联系电话", "phone", false),
    (Column::JuniorHighSchool, "初中学校", "junior_high_school", false),
    (Column::GraduationYear, "毕业年份", "graduation_year", true),
    (Column::ExamScore, "中考成绩", "exam_score", false),
    (Column::SeniorHighStatus, "升学状态", "senior_high_status", false),
    (Column::Disability, "是否残疾", "disability", false),
    (Column::IntendedSkill, "意向专业", "intended_skill", false),
    (Column::Guardian, "监护人", "guardian", false),
    (Column::Preferences, "志愿", "preferences", false),
];

/// The example row of the import template, in [`COLUMN_DOC`] order: a made-up student whose ID
/// is valid (check digit included) so the template imports as it is.
pub const EXAMPLE_ROW: &[&str] = &[
    "1",
    "示例学生",
    "男",
    "410181201005010015",
    "2010-05-01",
    "H4101810001",
    "示例户主",
    "米河镇",
    "新庄村",
    "13800138000",
    "巩义市第一初级中学",
    "2026",
    "480",
    "未升学",
    "否",
    "数控技术应用",
    "示例监护人",
    "",
];

/// Other headers seen in real exports, in normalised form (see [`normalise_header`]).
const ALIASES: &[(Column, &[&str])] = &[
    (Column::Seq, &["编号", "no", "no.", "number"]),
    (Column::Name, &["学生姓名", "studentname"]),
    (Column::Sex, &["gender"]),
    (
        Column::NationalId,
        &[
            "身份证号码",
            "公民身份号码",
            "身份证",
            "学生身份证号",
            "idnumber",
            "idcard",
        ],
    ),
    (
        Column::BirthDate,
        &["出生年月日", "出生年月", "生日", "birthdate", "dateofbirth", "dob"],
    ),
    (
        Column::HouseholdNumber,
        &["建档立卡户编号", "户编号", "户号", "householdno"],
    ),
    (Column::HeadOfHousehold, &["户主"]),
    (
        Column::Town,
        &[
            "镇/街道",
            "乡镇(街道)",
            "乡镇/街道",
            "乡镇街道",
            "镇街道",
            "乡镇",
            "镇",
            "township",
        ],
    ),
    (Column::Village, &["村(社区)", "村/社区", "行政村", "村名"]),
    (
        Column::Phone,
        &[
            "手机号",
            "手机号码",
            "手机",
            "联系方式",
            "电话",
            "mobile",
            "phonenumber",
        ],
    ),
    (Column::JuniorHighSchool, &["毕业学校", "初中", "就读初中", "school"]),
    (Column::GraduationYear, &["初中毕业年份", "毕业年度", "毕业时间"]),
    (Column::ExamScore, &["中考分数", "中考总分", "中考成绩(分)", "score"]),
    (Column::SeniorHighStatus, &["升学情况", "status"]),
    (Column::Disability, &["是否残疾人", "残疾", "残疾人", "disabled"]),
    (
        Column::IntendedSkill,
        &["意向技能", "意向", "意向专业(技能)", "intendedmajor"],
    ),
    (Column::Guardian, &["监护人姓名", "guardianname"]),
    (Column::Preferences, &["填报志愿", "志愿专业", "志愿代码", "choices"]),
];

/// The columns an import cannot do without.
const REQUIRED: [Column; 5] = [
    Column::Name,
    Column::NationalId,
    Column::HouseholdNumber,
    Column::Town,
    Column::GraduationYear,
];

/// The longest free text accepted in a cell (town, village, school, skill, guardian), in characters.
const MAX_TEXT_CHARS: usize = 100;

/// The Chinese header of a column, as the template and the messages name it.
pub fn header_of(col: Column) -> &'static str {
    COLUMN_DOC[col as usize].1
}

/// Lower-cases a header and removes what varies between exports: spaces, `_`, `-`, `*` (a
/// "required" marker), full-width forms and a `(必填)`/`(选填)` note.
fn normalise_header(header: &str) -> String {
    let plain: String = header
        .chars()
        .map(half_width)
        .filter(|c| !is_blank(*c) && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect();
    plain.replace("(必填)", "").replace("(选填)", "")
}

/// The column a header names, if any.
fn column_for_header(header: &str) -> Option<Column> {
    let wanted = normalise_header(header);
    if wanted.is_empty() {
        return None;
    }
    let documented = COLUMN_DOC
        .iter()
        .find(|(_, zh, en, _)| normalise_header(zh) == wanted || normalise_header(en) == wanted)
        .map(|(col, ..)| *col);
    documented.or_else(|| {
        ALIASES
            .iter()
            .find(|(_, names)| names.contains(&wanted.as_str()))
            .map(|(col, _)| *col)
    })
}

/// The Excel letter of a 0-based column index (`0` → `A`, `26` → `AA`).
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Where each register column sits in a file, and its header text there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    positions: [Option<usize>; COLUMN_COUNT],
    headers: Vec<String>,
}

impl ColumnMap {
    /// The 0-based cell index of `col`, if the file has it.
    pub fn position(&self, col: Column) -> Option<usize> {
        self.positions[col as usize]
    }

    /// The header text of `col` as it is in the file, or `""` if the file lacks it.
    pub fn header(&self, col: Column) -> &str {
        self.position(col)
            .and_then(|i| self.headers.get(i))
            .map_or("", String::as_str)
    }
}

/// Finds the register columns among a file's headers. Unknown columns are ignored; a column named
/// twice, or any required column missing, is an error (all missing ones in one message).
pub fn map_headers(headers: &[String]) -> Result<ColumnMap, Msg> {
    map_headers_requiring(headers, &REQUIRED)
}

/// [`map_headers`] for another list read with the register's header names (Chinese, English and
/// the aliases), which cannot do without `required`.
pub fn map_headers_requiring(headers: &[String], required: &[Column]) -> Result<ColumnMap, Msg> {
    let mut positions = [None; COLUMN_COUNT];
    for (i, header) in headers.iter().enumerate() {
        let Some(col) = column_for_header(header) else { continue };
        if let Some(first) = positions[col as usize] {
            return Err(Msg::new("student.column_duplicate")
                .arg("column", header_of(col))
                .arg("first", &headers[first])
                .arg("first_col", column_letter(first))
                .arg("second", header)
                .arg("second_col", column_letter(i)));
        }
        positions[col as usize] = Some(i);
    }
    let missing: Vec<&str> = required
        .iter()
        .filter(|col| positions[**col as usize].is_none())
        .map(|col| header_of(*col))
        .collect();
    if !missing.is_empty() {
        return Err(Msg::new("student.columns_missing").arg("columns", missing.join("、")));
    }
    Ok(ColumnMap {
        positions,
        headers: headers.to_vec(),
    })
}

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

fn nonempty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

/// An Excel error value (`#N/A`, `#REF!`, …) left in a cell by a broken formula.
pub(crate) fn excel_error(cell: &str) -> Option<Msg> {
    const ERRORS: [&str; 8] = [
        "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#DATA!",
    ];
    if cell.starts_with('#') && ERRORS.iter().any(|e| cell.eq_ignore_ascii_case(e)) {
        Some(Msg::new("student.cell_excel_error").arg("value", cell))
    } else {
        None
    }
}

/// The text with full-width digits and punctuation turned into ASCII; borrowed when already ASCII.
fn ascii_form(cell: &str) -> Cow<'_, str> {
    if cell.is_ascii() {
        Cow::Borrowed(cell)
    } else {
        Cow::Owned(cell.chars().map(half_width).collect())
    }
}

fn parse_sex(cell: &str) -> Result<Sex, Msg> {
    const MALE: [&str; 4] = ["男", "男性", "m", "male"];
    const FEMALE: [&str; 4] = ["女", "女性", "f", "female"];
    if MALE.iter().any(|v| cell.eq_ignore_ascii_case(v)) {
        Ok(Sex::Male)
    } else if FEMALE.iter().any(|v| cell.eq_ignore_ascii_case(v)) {
        Ok(Sex::Female)
    } else {
        Err(Msg::new("student.sex_invalid").arg("value", cell))
    }
}

fn parse_status(cell: &str) -> Result<SeniorHighStatus, Msg> {
    const VALUES: [(&str, SeniorHighStatus); 13] = [
        ("未升学", SeniorHighStatus::NotEntered),
        ("not_entered", SeniorHighStatus::NotEntered),
        ("普通高中", SeniorHighStatus::Regular),
        ("普高", SeniorHighStatus::Regular),
        ("regular", SeniorHighStatus::Regular),
        ("中职", SeniorHighStatus::Vocational),
        ("职高", SeniorHighStatus::Vocational),
        ("技校", SeniorHighStatus::Vocational),
        ("中专", SeniorHighStatus::Vocational),
        ("vocational", SeniorHighStatus::Vocational),
        ("未知", SeniorHighStatus::Unknown),
        ("unknown", SeniorHighStatus::Unknown),
        ("不详", SeniorHighStatus::Unknown),
    ];
    VALUES
        .iter()
        .find(|(text, _)| cell.eq_ignore_ascii_case(text))
        .map(|(_, status)| *status)
        .ok_or_else(|| Msg::new("student.status_invalid").arg("value", cell))
}

fn parse_disability(cell: &str) -> Result<bool, Msg> {
    const YES: [&str; 6] = ["是", "有", "y", "yes", "true", "1"];
    const NO: [&str; 6] = ["否", "无", "n", "no", "false", "0"];
    let cell = ascii_form(cell);
    if YES.iter().any(|v| cell.eq_ignore_ascii_case(v)) {
        Ok(true)
    } else if NO.iter().any(|v| cell.eq_ignore_ascii_case(v)) {
        Ok(false)
    } else {
        Err(Msg::new("student.disability_invalid").arg("value", cell))
    }
}

/// A whole number written plainly, with a trailing unit (`年`) or as `2021.0`.
fn parse_whole_number(cell: &str, unit: char) -> Option<i64> {
    let cell = ascii_form(cell);
    let number = cell.strip_suffix(unit).unwrap_or(&cell).trim_matches(is_blank);
    let number = match number.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        _ => number,
    };
    number.parse().ok()
}

fn parse_graduation_year(cell: &str, map: &ColumnMap) -> Result<i32, Msg> {
    if cell.is_empty() {
        return Err(Msg::new("student.cell_required").arg("column", map.header(Column::GraduationYear)));
    }
    match parse_whole_number(cell, '年') {
        Some(year @ 2000..=2100) => Ok(year as i32),
        _ => Err(Msg::new("student.graduation_year_invalid").arg("value", cell)),
    }
}

fn parse_exam_score(cell: &str) -> Result<f64, Msg> {
    let text = ascii_form(cell);
    let number = text.strip_suffix('分').unwrap_or(&text).trim_matches(is_blank);
    match number.parse::<f64>() {
        Ok(score) if (0.0..=1000.0).contains(&score) => Ok(score),
        _ => Err(Msg::new("student.exam_score_invalid").arg("value", cell)),
    }
}

fn parse_date_cell(cell: &str) -> Result<NaiveDate, Msg> {
    parse_date(cell).ok_or_else(|| Msg::new("student.date_invalid").arg("value", cell))
}

/// A date as registers write it: `2006-09-01`, `2006/9/1`, `2006.9.1`, `2006年9月1日`, `20060901`,
/// any of these followed by a time, or an Excel serial number of five digits (`38961`).
pub fn parse_date(cell: &str) -> Option<NaiveDate> {
    let text = ascii_form(cell);
    let date = text.split([' ', 'T']).next().unwrap_or_default();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = date.split_once('.').unwrap_or((date, "0"));
    // Smaller serials (before 1927) are far more likely a bare year or a typo than a date.
    if whole.len() == 5 && digits(whole) && digits(fraction) {
        return excel_serial_date(whole.parse().ok()?);
    }
    if date.len() == 8 && digits(date) {
        return ymd(&date[..4], &date[4..6], &date[6..]);
    }
    let mut parts = date.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty());
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    ymd(year, month, day)
}

fn ymd(year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// The date of an Excel serial number (1900 date system). Excel counts a 29 February 1900 that never
/// was, as Lotus 1-2-3 did: serials from 61 on are days since 1899-12-30, those up to 59 days since
/// 1899-12-31, and 60 is no date at all.
pub fn excel_serial_date(serial: u32) -> Option<NaiveDate> {
    let base = match serial {
        0 | 60 => return None,
        1..=59 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    base.checked_add_days(Days::new(u64::from(serial)))
        .filter(|d| d.year() <= 9999)
}

#[cfg(test)]
mod tests;

/// Most programme codes a row may list.
pub const MAX_PREFERENCES: usize = 10;

/// Programme codes in order, separated by commas (also full-width), 、, semicolons or spaces.
fn parse_preferences(cell: &str) -> Result<Vec<String>, Msg> {
    let codes: Vec<String> = cell
        .split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace())
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.len() > MAX_PREFERENCES {
        return Err(Msg::new("student.preferences_too_many").arg("max", MAX_PREFERENCES));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = codes.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(Msg::new("student.preferences_repeated").arg("code", dup));
    }
    Ok(codes)
}
