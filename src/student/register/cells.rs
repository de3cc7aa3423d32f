//! One cell of a register row parsed into its value (sex, status, dates, scores, programme codes),
//! with the message a clerk sees when it cannot be. Pure.

use std::borrow::Cow;

use chrono::{Datelike, Days, NaiveDate};
use entity::enums::{SeniorHighStatus, Sex};

use super::columns::{Column, ColumnMap};
use crate::i18n::Msg;
use crate::student::ids::{half_width, is_blank};

pub(crate) fn nonempty(text: String) -> Option<String> {
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
pub(crate) fn ascii_form(cell: &str) -> Cow<'_, str> {
    if cell.is_ascii() {
        Cow::Borrowed(cell)
    } else {
        Cow::Owned(cell.chars().map(half_width).collect())
    }
}

pub(crate) fn parse_sex(cell: &str) -> Result<Sex, Msg> {
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

pub(crate) fn parse_status(cell: &str) -> Result<SeniorHighStatus, Msg> {
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

pub(crate) fn parse_disability(cell: &str) -> Result<bool, Msg> {
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
pub(crate) fn parse_whole_number(cell: &str, unit: char) -> Option<i64> {
    let cell = ascii_form(cell);
    let number = cell.strip_suffix(unit).unwrap_or(&cell).trim_matches(is_blank);
    let number = match number.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        _ => number,
    };
    number.parse().ok()
}

pub(crate) fn parse_graduation_year(cell: &str, map: &ColumnMap) -> Result<i32, Msg> {
    if cell.is_empty() {
        return Err(Msg::new("student.cell_required").arg("column", map.header(Column::GraduationYear)));
    }
    match parse_whole_number(cell, '年') {
        Some(year @ 2000..=2100) => Ok(year as i32),
        _ => Err(Msg::new("student.graduation_year_invalid").arg("value", cell)),
    }
}

pub(crate) fn parse_exam_score(cell: &str) -> Result<f64, Msg> {
    let text = ascii_form(cell);
    let number = text.strip_suffix('分').unwrap_or(&text).trim_matches(is_blank);
    match number.parse::<f64>() {
        Ok(score) if (0.0..=1000.0).contains(&score) => Ok(score),
        _ => Err(Msg::new("student.exam_score_invalid").arg("value", cell)),
    }
}

pub(crate) fn parse_date_cell(cell: &str) -> Result<NaiveDate, Msg> {
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

pub(crate) fn ymd(year: &str, month: &str, day: &str) -> Option<NaiveDate> {
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

/// Most programme codes a row may list.
pub const MAX_PREFERENCES: usize = 10;

/// Programme codes in order, separated by commas (also full-width), 、, semicolons or spaces.
pub(crate) fn parse_preferences(cell: &str) -> Result<Vec<String>, Msg> {
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
