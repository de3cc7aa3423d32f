//! Domain types for the identifiers and names that arrive dirty from the poverty register: the
//! 18-digit national ID (GB 11643), a mainland mobile number, the registered-household number and a
//! person's name. Each is parsed once, normalised (full-width digits, a lower-case `x`, stray spaces)
//! and is valid from then on; a failure is a [`Msg`] that tells the clerk what is wrong and what to do.
//!
//! This module is pure: no I/O, no database. A national ID never prints in full — `Display` and
//! `Debug` both show the masked form, so it cannot leak into logs by accident.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use entity::enums::Sex;

use crate::i18n::Msg;

/// GB 11643 weights of the first 17 digits.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643 check character for each remainder mod 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Maps a full-width ASCII variant (`０`, `Ｘ`, `－`, …) to its ASCII form and the ideographic space
/// to a plain space; every other character is returned unchanged.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether `c` is white space as spreadsheets produce it (including no-break and ideographic spaces,
/// zero-width spaces and a stray byte-order mark).
pub(crate) fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')
}

/// Characters no one types on purpose that change how text shows: control characters and the
/// invisible direction and joiner marks (which can make a name read differently from what it is).
pub fn is_invisible(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}')
}

/// Whether `s` (already ASCII) looks like a number Excel wrote in scientific notation, such as
/// `4.10181E+17` — the sign that a long identifier was stored as a number and lost its digits.
pub(crate) fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction) && digits(exponent)
}

/// Masks an identifier for display: the first 6 and last 4 characters around 8 asterisks
/// (`410181********123X`). A string shorter than 18 characters shows only asterisks, one per character.
pub fn mask(id: &str) -> String {
    let count = id.chars().count();
    if count < 18 {
        return "*".repeat(count);
    }
    let head: String = id.chars().take(6).collect();
    let tail: String = id.chars().skip(count - 4).collect();
    format!("{head}********{tail}")
}

/// `text` with every run of 15 or more ID characters (digits, also full-width, and `X`) masked as
/// by [`mask`]: a cell quoted back in a message may hold a national ID typed into the wrong column.
/// The run may be broken by spaces or dashes (`410181 2006 0202 4518`, `410181-20060202-4518`), at
/// most [`MAX_SEPARATORS`] in a row; a masked run is shown without them.
pub fn mask_ids_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = IdRun::default();
    for c in text.chars() {
        if is_id_char(c) {
            run.push_id_char(c);
        } else if is_id_separator(c) && !run.ids.is_empty() && run.separators < MAX_SEPARATORS {
            run.push_separator(c);
        } else {
            run.flush_into(&mut out);
            out.push(c);
        }
    }
    run.flush_into(&mut out);
    out
}

/// How many separators in a row may break a run of ID characters that is still masked as one.
const MAX_SEPARATORS: usize = 3;

fn is_id_char(c: char) -> bool {
    matches!(half_width(c), '0'..='9' | 'X' | 'x')
}

/// Spaces (also full-width and no-break) and dashes, which people type inside long numbers.
fn is_id_separator(c: char) -> bool {
    is_blank(c) || matches!(half_width(c), '-') || matches!(c, '\u{2010}'..='\u{2015}')
}

/// A run of ID characters being read by [`mask_ids_in`], with any separators typed inside it.
#[derive(Default)]
struct IdRun {
    /// The ID characters alone.
    ids: String,
    /// The run as typed, up to its last ID character.
    typed: String,
    /// Separators read since the last ID character: kept in the run only if another follows.
    trailing: String,
    separators: usize,
}

impl IdRun {
    fn push_id_char(&mut self, c: char) {
        self.typed.push_str(&self.trailing);
        self.trailing.clear();
        self.separators = 0;
        self.ids.push(c);
        self.typed.push(c);
    }

    fn push_separator(&mut self, c: char) {
        self.trailing.push(c);
        self.separators += 1;
    }

    /// Writes the run, masked if it holds 15 or more ID characters, then the trailing separators.
    fn flush_into(&mut self, out: &mut String) {
        if self.ids.chars().count() >= 15 {
            out.push_str(&mask(&self.ids));
        } else {
            out.push_str(&self.typed);
        }
        out.push_str(&self.trailing);
        *self = IdRun::default();
    }
}

/// An 18-character resident identity number (GB 11643), normalised: ASCII digits and an upper-case
/// `X` check character. Prints masked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalId {
    digits: String,
    birth_date: NaiveDate,
}

impl NationalId {
    /// Parses a national ID as typed or exported: trims, removes inner spaces, turns full-width
    /// digits and `Ｘ`/`x` into ASCII, then checks the length, the characters, the birth date inside
    /// it (a real date, from 1900, not in the future) and the check digit.
    pub fn parse(raw: &str) -> Result<NationalId, Msg> {
        Self::parse_on(raw, chrono::Local::now().date_naive())
    }

    fn parse_on(raw: &str, today: NaiveDate) -> Result<NationalId, Msg> {
        let digits: String = raw
            .chars()
            .filter(|c| !is_blank(*c))
            .map(|c| match half_width(c) {
                'x' => 'X',
                c => c,
            })
            .collect();
        if digits.is_empty() {
            return Err(Msg::new("student.id_empty"));
        }
        if is_scientific(&digits) {
            return Err(Msg::new("student.id_excel_number").arg("value", &digits));
        }
        if let Some((i, c)) = digits
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit() && *c != 'X')
        {
            return Err(Msg::new("student.id_not_digits").arg("char", c).arg("position", i + 1));
        }
        if digits.len() != 18 {
            return Err(Msg::new("student.id_wrong_length").arg("length", digits.len()));
        }
        if let Some(i) = digits[..17].find('X') {
            return Err(Msg::new("student.id_not_digits")
                .arg("char", 'X')
                .arg("position", i + 1));
        }
        let birth_date = birth_date_in(&digits[6..14])
            .filter(|d| d.year() >= 1900 && *d <= today)
            .ok_or_else(|| Msg::new("student.id_birth_date_impossible").arg("digits", &digits[6..14]))?;
        let expected = check_char(&digits[..17]);
        let found = char::from(digits.as_bytes()[17]);
        if expected != found {
            return Err(Msg::new("student.id_check_digit")
                .arg("expected", expected)
                .arg("found", found));
        }
        Ok(NationalId { digits, birth_date })
    }

    /// The full 18 characters. Only for storage and for roles allowed to see it.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The full 18 characters, consuming the ID.
    pub fn into_inner(self) -> String {
        self.digits
    }

    /// The birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The sex encoded in the 17th digit: odd is male, even is female.
    pub fn sex(&self) -> Sex {
        if (self.digits.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The masked form, `410181********123X`.
    pub fn masked(&self) -> String {
        mask(&self.digits)
    }

    /// Checks a birth date stated elsewhere (the register's own column) against the one in the ID.
    pub fn check_birth_date(&self, stated: NaiveDate) -> Result<(), Msg> {
        if stated == self.birth_date {
            Ok(())
        } else {
            Err(Msg::new("student.id_birth_date_mismatch")
                .arg("stated", stated)
                .arg("from_id", self.birth_date))
        }
    }
}

/// The date in eight ASCII digits `YYYYMMDD`, if it exists on the calendar.
fn birth_date_in(yyyymmdd: &str) -> Option<NaiveDate> {
    let year = yyyymmdd.get(..4)?.parse().ok()?;
    let month = yyyymmdd.get(4..6)?.parse().ok()?;
    let day = yyyymmdd.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The GB 11643 check character of 17 ASCII digits.
fn check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    char::from(ID_CHECK_CHARS[(sum % 11) as usize])
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

/// A mainland China mobile number: 11 ASCII digits, starting `13`–`19`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

impl MobileNumber {
    /// Parses a mobile number, ignoring spaces and dashes, turning full-width digits into ASCII and
    /// dropping a country code `+86`, `0086`, or `86` in front of 11 digits.
    pub fn parse(raw: &str) -> Result<MobileNumber, Msg> {
        let cleaned: String = raw
            .chars()
            .map(half_width)
            .filter(|c| !is_blank(*c) && !matches!(c, '-' | '\u{2010}'..='\u{2015}'))
            .collect();
        if cleaned.is_empty() {
            return Err(Msg::new("student.phone_empty"));
        }
        let number = match cleaned.strip_prefix("+86").or_else(|| cleaned.strip_prefix("0086")) {
            Some(rest) => rest,
            None if cleaned.len() == 13 && cleaned.starts_with("86") => &cleaned[2..],
            None => &cleaned,
        };
        if let Some(c) = number.chars().find(|c| !c.is_ascii_digit()) {
            return Err(Msg::new("student.phone_invalid_chars").arg("char", c));
        }
        if number.len() != 11 {
            return Err(Msg::new("student.phone_wrong_length").arg("length", number.len()));
        }
        let bytes = number.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(Msg::new("student.phone_wrong_prefix").arg("prefix", &number[..2]));
        }
        Ok(MobileNumber(number.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 11 digits, consuming the number.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registered household's number (建档立卡编号): 6–32 ASCII letters and digits, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HouseholdNumber(String);

impl HouseholdNumber {
    /// Parses a household number: trims, turns full-width characters into ASCII, upper-cases.
    pub fn parse(raw: &str) -> Result<HouseholdNumber, Msg> {
        let value: String = raw.trim_matches(is_blank).chars().map(half_width).collect();
        if value.is_empty() {
            return Err(Msg::new("student.household_empty"));
        }
        if is_scientific(&value) {
            return Err(Msg::new("student.household_excel_number").arg("value", &value));
        }
        if let Some(c) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(Msg::new("student.household_invalid_chars").arg("char", c));
        }
        if !(6..=32).contains(&value.len()) {
            return Err(Msg::new("student.household_wrong_length").arg("length", value.len()));
        }
        Ok(HouseholdNumber(value.to_ascii_uppercase()))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised number, consuming it.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for HouseholdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name: trimmed, inner runs of white space collapsed to one space, 1–50 characters,
/// no digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 50;

    /// Parses a name as typed in the register.
    pub fn parse(raw: &str) -> Result<PersonName, Msg> {
        let mut name = String::with_capacity(raw.len());
        for word in raw.split(is_blank).filter(|w| !w.is_empty()) {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(word);
        }
        if name.is_empty() {
            return Err(Msg::new("student.name_empty"));
        }
        let length = name.chars().count();
        if length > Self::MAX_CHARS {
            return Err(Msg::new("student.name_too_long")
                .arg("length", length)
                .arg("max", Self::MAX_CHARS));
        }
        if name.chars().any(|c| half_width(c).is_ascii_digit()) {
            return Err(Msg::new("student.name_has_digits").arg("value", &name));
        }
        if name.chars().any(is_invisible) {
            return Err(Msg::new("student.text_has_control"));
        }
        Ok(PersonName(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised name, consuming it.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "410181200602024058";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Builds a valid ID from 17 digits by appending the right check character.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17))
    }

    fn key(result: Result<impl fmt::Debug, Msg>) -> &'static str {
        result.expect_err("should fail").key
    }

    fn arg(msg: &Msg, name: &str) -> String {
        msg.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .expect("argument present")
    }

    #[test]
    fn a_valid_id_parses_and_knows_its_birth_date_and_sex() {
        let id = NationalId::parse(ID).expect("valid");
        assert_eq!(id.as_str(), ID);
        assert_eq!(id.birth_date(), date(2006, 2, 2));
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(
            NationalId::parse("410181200704209707").expect("valid").sex(),
            Sex::Female
        );
    }

    #[test]
    fn a_lower_case_x_check_digit_is_normalised() {
        let raw = with_check("11010519491231002");
        assert!(raw.ends_with('X'), "test data must end in X: {raw}");
        let id = NationalId::parse(&raw.to_lowercase()).expect("valid");
        assert_eq!(id.as_str(), raw);
        assert_eq!(NationalId::parse(&raw.replace('X', "ｘ")).expect("valid").as_str(), raw);
    }

    #[test]
    fn full_width_digits_and_spaces_are_normalised() {
        let full: String = ID
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).expect("char"))
            .collect();
        assert_eq!(
            NationalId::parse(&format!("\u{3000}{full} ")).expect("valid").as_str(),
            ID
        );
        assert_eq!(NationalId::parse("410181 20060202 4058").expect("valid").as_str(), ID);
    }

    #[test]
    fn an_empty_id_is_reported_as_empty() {
        assert_eq!(key(NationalId::parse("  \u{3000} ")), "student.id_empty");
    }

    #[test]
    fn a_wrong_length_reports_the_length_found() {
        let msg = NationalId::parse("41018120060202405").expect_err("17 digits");
        assert_eq!(msg.key, "student.id_wrong_length");
        assert_eq!(arg(&msg, "length"), "17");
    }

    #[test]
    fn non_digit_characters_are_reported_with_their_position() {
        let msg = NationalId::parse("4101812006020240A8").expect_err("letter");
        assert_eq!(msg.key, "student.id_not_digits");
        assert_eq!((arg(&msg, "char"), arg(&msg, "position")), ("A".into(), "17".into()));
        let msg = NationalId::parse("41018120060202X058").expect_err("X inside");
        assert_eq!((msg.key, arg(&msg, "position")), ("student.id_not_digits", "15".into()));
    }

    #[test]
    fn an_impossible_birth_date_is_rejected() {
        for first17 in ["41018120060230405", "41018118991231405", "41018129990101405"] {
            let msg = NationalId::parse(&with_check(first17)).expect_err(first17);
            assert_eq!(msg.key, "student.id_birth_date_impossible", "{first17}");
            assert_eq!(arg(&msg, "digits"), &first17[6..14]);
        }
    }

    #[test]
    fn a_birth_date_after_today_is_rejected() {
        let raw = with_check("41018120260601405");
        assert!(NationalId::parse_on(&raw, date(2026, 6, 1)).is_ok());
        assert_eq!(
            key(NationalId::parse_on(&raw, date(2026, 5, 31))),
            "student.id_birth_date_impossible"
        );
    }

    #[test]
    fn a_wrong_check_digit_says_expected_and_found() {
        let msg = NationalId::parse("410181200602024055").expect_err("bad check");
        assert_eq!(msg.key, "student.id_check_digit");
        assert_eq!((arg(&msg, "expected"), arg(&msg, "found")), ("8".into(), "5".into()));
    }

    #[test]
    fn an_id_excel_stored_as_a_number_gets_the_excel_hint() {
        for raw in ["4.10181E+17", "4.10181200602024E17", "4.10181e+017", "4E17"] {
            assert_eq!(key(NationalId::parse(raw)), "student.id_excel_number", "{raw}");
        }
    }

    #[test]
    fn display_and_debug_never_show_the_full_id() {
        let id = NationalId::parse(ID).expect("valid");
        assert_eq!(id.to_string(), "410181********4058");
        assert_eq!(id.masked(), "410181********4058");
        let debug = format!("{id:?}");
        assert!(!debug.contains(ID) && debug.contains("410181********4058"), "{debug}");
    }

    #[test]
    fn ids_inside_a_text_are_masked_and_other_numbers_kept() {
        assert_eq!(
            mask_ids_in("“41018120070729545X” 电话 13800138000"),
            "“410181********545X” 电话 13800138000"
        );
        assert_eq!(
            mask_ids_in("４１０１８１２００６０２０２４０５８"),
            "４１０１８１********４０５８"
        );
        assert_eq!(mask_ids_in("410181200602024"), "*".repeat(15));
    }

    #[test]
    fn ids_typed_with_spaces_or_dashes_are_masked() {
        assert_eq!(mask_ids_in("410181 2006 0202 4518"), "410181********4518");
        assert_eq!(
            mask_ids_in("身份证 410181-20060202-4518。"),
            "身份证 410181********4518。"
        );
        assert_eq!(
            mask_ids_in("４１０１８１　２００６０２０２　４５１８"),
            "４１０１８１********４５１８"
        );
        assert_eq!(mask_ids_in("410181 - 20060202 - 451X"), "410181********451X");
        assert_eq!(mask_ids_in("410181–2006–0202–4518"), "410181********4518");
    }

    #[test]
    fn short_numbers_keep_their_separators_and_trailing_spaces() {
        assert_eq!(mask_ids_in("150 1661 3186 "), "150 1661 3186 ");
        assert_eq!(mask_ids_in("2006-02-02, 603"), "2006-02-02, 603");
        assert_eq!(mask_ids_in("- 12 -"), "- 12 -");
    }

    #[test]
    fn numbers_far_apart_are_not_joined_into_one_id() {
        assert_eq!(mask_ids_in("41018120    06020245"), "41018120    06020245");
    }

    #[test]
    fn mask_hides_short_strings_entirely() {
        assert_eq!(mask("410181200602024058"), "410181********4058");
        assert_eq!(mask("12345"), "*****");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn a_stated_birth_date_must_match_the_id() {
        let id = NationalId::parse(ID).expect("valid");
        assert!(id.check_birth_date(date(2006, 2, 2)).is_ok());
        let msg = id.check_birth_date(date(2006, 2, 3)).expect_err("mismatch");
        assert_eq!(msg.key, "student.id_birth_date_mismatch");
        assert_eq!(
            (arg(&msg, "stated"), arg(&msg, "from_id")),
            ("2006-02-03".into(), "2006-02-02".into())
        );
    }

    #[test]
    fn a_mobile_number_loses_spaces_dashes_and_country_code() {
        for raw in [
            "150 1661 3186",
            "150-1661-3186",
            "+86 150 1661 3186",
            "0086-15016613186",
            "8615016613186",
        ] {
            assert_eq!(MobileNumber::parse(raw).expect(raw).as_str(), "15016613186", "{raw}");
        }
        assert_eq!(
            MobileNumber::parse("１５０１６６１３１８６")
                .expect("full width")
                .as_str(),
            "15016613186"
        );
    }

    #[test]
    fn a_mobile_number_of_the_wrong_length_or_prefix_is_rejected() {
        let msg = MobileNumber::parse("1501661318").expect_err("10 digits");
        assert_eq!(
            (msg.key, arg(&msg, "length")),
            ("student.phone_wrong_length", "10".into())
        );
        let msg = MobileNumber::parse("12016613186").expect_err("prefix 12");
        assert_eq!(
            (msg.key, arg(&msg, "prefix")),
            ("student.phone_wrong_prefix", "12".into())
        );
        assert_eq!(key(MobileNumber::parse("25016613186")), "student.phone_wrong_prefix");
        assert_eq!(key(MobileNumber::parse("0371-6412345")), "student.phone_wrong_prefix");
        assert_eq!(key(MobileNumber::parse("6412345")), "student.phone_wrong_length");
        assert_eq!(
            key(MobileNumber::parse("150166131８6转1")),
            "student.phone_invalid_chars"
        );
        assert_eq!(key(MobileNumber::parse(" ")), "student.phone_empty");
    }

    #[test]
    fn a_household_number_is_normalised_to_upper_case_ascii() {
        assert_eq!(
            HouseholdNumber::parse(" ４１０１ab123 ").expect("valid").as_str(),
            "4101AB123"
        );
        assert_eq!(
            HouseholdNumber::parse("4101857648925713").expect("valid").to_string(),
            "4101857648925713"
        );
    }

    #[test]
    fn a_bad_household_number_is_rejected_with_a_reason() {
        assert_eq!(key(HouseholdNumber::parse("")), "student.household_empty");
        assert_eq!(key(HouseholdNumber::parse("12345")), "student.household_wrong_length");
        assert_eq!(
            key(HouseholdNumber::parse(&"1".repeat(33))),
            "student.household_wrong_length"
        );
        assert_eq!(
            key(HouseholdNumber::parse("4101-8576")),
            "student.household_invalid_chars"
        );
        assert_eq!(
            key(HouseholdNumber::parse("4.10186E+15")),
            "student.household_excel_number"
        );
    }

    #[test]
    fn a_name_has_its_white_space_collapsed() {
        assert_eq!(PersonName::parse("  黎磊 ").expect("valid").as_str(), "黎磊");
        assert_eq!(
            PersonName::parse("阿依古丽\u{3000}\u{3000}买买提")
                .expect("valid")
                .as_str(),
            "阿依古丽 买买提"
        );
        assert_eq!(PersonName::parse("Li \t Lei").expect("valid").to_string(), "Li Lei");
    }

    #[test]
    fn an_empty_long_or_numeric_name_is_rejected() {
        assert_eq!(key(PersonName::parse(" \u{3000} ")), "student.name_empty");
        assert!(PersonName::parse(&"李".repeat(50)).is_ok());
        assert_eq!(key(PersonName::parse(&"李".repeat(51))), "student.name_too_long");
        assert_eq!(key(PersonName::parse("李磊2")), "student.name_has_digits");
        assert_eq!(key(PersonName::parse("李磊２")), "student.name_has_digits");
    }

    #[test]
    fn scientific_notation_is_recognised_only_in_its_number_form() {
        assert!(is_scientific("4.10181E+17"));
        assert!(is_scientific("1e5"));
        assert!(!is_scientific("E17"));
        assert!(!is_scientific("4.E17"));
        assert!(!is_scientific("ABCE12"));
        assert!(!is_scientific("410181200602024058"));
    }
}
