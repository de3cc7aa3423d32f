//! The register layout's columns: their headers (and the aliases clerks write), which are required,
//! and the map from a file's header row to them. Pure.

use crate::i18n::Msg;
use crate::student::ids::{half_width, is_blank};

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

pub(crate) const COLUMN_COUNT: usize = 18;

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
pub(crate) const ALIASES: &[(Column, &[&str])] = &[
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
pub(crate) const REQUIRED: [Column; 5] = [
    Column::Name,
    Column::NationalId,
    Column::HouseholdNumber,
    Column::Town,
    Column::GraduationYear,
];

/// The longest free text accepted in a cell (town, village, school, skill, guardian), in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 100;

/// The Chinese header of a column, as the template and the messages name it.
pub fn header_of(col: Column) -> &'static str {
    COLUMN_DOC[col as usize].1
}

/// Lower-cases a header and removes what varies between exports: spaces, `_`, `-`, `*` (a
/// "required" marker), full-width forms and a `(必填)`/`(选填)` note.
pub(crate) fn normalise_header(header: &str) -> String {
    let plain: String = header
        .chars()
        .map(half_width)
        .filter(|c| !is_blank(*c) && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect();
    plain.replace("(必填)", "").replace("(选填)", "")
}

/// The column a header names, if any.
pub(crate) fn column_for_header(header: &str) -> Option<Column> {
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
