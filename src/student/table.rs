//! Reads an uploaded spreadsheet — XLSX (or old XLS), or CSV in UTF-8, UTF-8 with BOM, GBK or
//! UTF-16 — into a plain [`Table`] of trimmed strings, each row carrying the row number Excel shows,
//! so that every later error can point the clerk at the right line.
//!
//! It knows nothing of the register's columns (that is `register.rs`) and does no I/O beyond the
//! bytes it is given. Spreadsheet values become text the way a clerk would read them: whole numbers
//! without `.0`, dates as `YYYY-MM-DD`, and numbers too long for Excel to have kept exactly in
//! scientific form, so that the ID parser can explain what Excel did to them.

use std::borrow::Cow;

use calamine::Data;

use super::ids::is_blank;
use crate::i18n::Msg;

pub mod limits;
mod xlsx;

/// The zip signature that starts every XLSX file.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE compound-file signature that starts an old binary `.xls` file.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// 2^53: above it a spreadsheet number can no longer hold every whole number exactly.
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// A sheet of text cells: the header row and the non-empty rows under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row's cells, trimmed.
    pub headers: Vec<String>,
    /// The data rows, fully empty ones left out.
    pub rows: Vec<TableRow>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The row number Excel shows for this row (the header is usually row 1).
    pub line: usize,
    /// The row's cells, trimmed; a row may have fewer or more cells than there are headers.
    pub cells: Vec<String>,
}

/// Reads an uploaded file. XLSX is recognised by its signature and read from `sheet` (or the
/// first visible worksheet); anything else is read as CSV, delimited by commas, tabs or semicolons.
/// Either is refused, with a message naming the bound, when it passes one of the [`limits`].
///
/// An old binary `.xls` is refused: calamine builds every sheet of one as a dense grid, sized
/// from values in the file, as soon as it is opened, so a 2 KB file could claim gigabytes before
/// anything could be checked. Excel saves it as `.xlsx` in two clicks.
///
/// The header is the first row with at least two filled cells, so a title row above it (often a
/// merged cell such as 「2021 年建档立卡学生名单」) is skipped.
pub fn read_table(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Msg> {
    if bytes.starts_with(ZIP_MAGIC) {
        xlsx::read_xlsx(bytes, sheet)
    } else if bytes.starts_with(OLE_MAGIC) {
        Err(Msg::new("student.table_xls_refused"))
    } else {
        read_csv(&decode_text(bytes)?)
    }
}

/// Collects rows, picks the header and drops empty rows.
#[derive(Default)]
struct TableBuilder {
    headers: Option<Vec<String>>,
    /// Rows with a single filled cell seen before any header: titles, unless nothing better follows.
    before_header: Vec<TableRow>,
    rows: Vec<TableRow>,
}

impl TableBuilder {
    fn push(&mut self, line: usize, cells: Vec<String>) {
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        if filled == 0 {
            return;
        }
        let row = TableRow { line, cells };
        if self.headers.is_some() {
            self.rows.push(row);
        } else if filled >= 2 {
            self.headers = Some(row.cells);
            self.before_header.clear();
        } else {
            self.before_header.push(row);
        }
    }

    fn finish(self) -> Result<Table, Msg> {
        if let Some(headers) = self.headers {
            return Ok(Table {
                headers,
                rows: self.rows,
            });
        }
        // A one-column sheet: its first row is the header after all.
        let mut rows = self.before_header.into_iter();
        let header = rows.next().ok_or_else(|| Msg::new("student.table_empty"))?;
        Ok(Table {
            headers: header.cells,
            rows: rows.collect(),
        })
    }
}

/// A cell's text without surrounding white space (including full-width and no-break spaces).
fn clean(cell: &str) -> String {
    cell.trim_matches(is_blank).to_owned()
}

/// A spreadsheet cell as the text a clerk would read.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => clean(s),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(true) => "TRUE".to_owned(),
        Data::Bool(false) => "FALSE".to_owned(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (year, month, day, ..) = dt.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(duration) => number_text(duration.as_f64()),
        Data::DateTimeIso(s) => iso_date_part(s).to_owned(),
        Data::DurationIso(s) => clean(s),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as text: whole numbers without `.0`; whole numbers too large to be exact in scientific
/// form (`4.10181200602024E17`), because Excel has already lost their last digits.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 {
        if f.abs() < EXACT_INTEGER_LIMIT {
            // Exact: |f| < 2^53 fits an i64 without rounding.
            return format!("{}", f as i64);
        }
        return format!("{f:E}");
    }
    format!("{f}")
}

/// The `YYYY-MM-DD` part of an ISO date-time, or the text unchanged if it is not one.
fn iso_date_part(s: &str) -> &str {
    let s = s.trim_matches(is_blank);
    match s.get(..10) {
        Some(date) if date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-' => date,
        _ => s,
    }
}

/// The text of a CSV file: UTF-8 (a BOM removed), UTF-16 with a BOM, or else GBK/GB18030.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, Msg> {
    let utf16 = if bytes.starts_with(b"\xFF\xFE") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    let decoded = match utf16 {
        Some(encoding) => encoding.decode_without_bom_handling_and_without_replacement(&bytes[2..]),
        None => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            match std::str::from_utf8(bytes) {
                Ok(text) => Some(Cow::Borrowed(text)),
                Err(_) => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes),
            }
        }
    };
    decoded.ok_or_else(|| Msg::new("student.table_bad_encoding"))
}

/// The delimiter of the first line that has any: whichever of comma, tab and semicolon occurs most.
fn detect_delimiter(text: &str) -> u8 {
    for line in text.lines().take(10) {
        let count = |d: u8| line.bytes().filter(|b| *b == d).count();
        let (comma, tab, semicolon) = (count(b','), count(b'\t'), count(b';'));
        if comma + tab + semicolon > 0 {
            return if tab > comma && tab >= semicolon {
                b'\t'
            } else if semicolon > comma {
                b';'
            } else {
                b','
            };
        }
    }
    b','
}

/// Reads CSV text. A record's line is the row Excel shows: the physical line it starts on, less
/// the line breaks inside quoted cells of earlier records (blank lines still count, as in Excel).
fn read_csv(text: &str) -> Result<Table, Msg> {
    let delimiter = detect_delimiter(text);
    limits::check_csv(text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut builder = TableBuilder::default();
    let mut lines = LineCounter {
        text: text.as_bytes(),
        scanned: 0,
        line: 1,
    };
    let mut breaks_inside_cells = 0;
    let mut budget = limits::TextBudget::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.record() + 1);
                return Err(Msg::new("student.table_csv_unreadable")
                    .arg("line", line)
                    .arg("error", e));
            }
        }
        let start_line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
        let line = start_line - breaks_inside_cells;
        builder.push(line, keep_record(&record, line, &mut budget)?);
        breaks_inside_cells += record.as_slice().bytes().filter(|b| *b == b'\n').count();
    }
    builder.finish()
}

/// A CSV record's cells, trimmed, refused when one passes [`limits::MAX_CELL_CHARS`] or the text kept
/// so far passes [`limits::MAX_SHEET_TEXT_BYTES`], as for a sheet.
fn keep_record(record: &csv::StringRecord, line: usize, budget: &mut limits::TextBudget) -> Result<Vec<String>, Msg> {
    record
        .iter()
        .enumerate()
        .map(|(column, field)| {
            limits::check_cell_text(line.saturating_sub(1), column, field)?;
            let text = clean(field);
            budget.keep(&text)?;
            Ok(text)
        })
        .collect()
}

/// Physical line numbers of record starts. The csv crate's own line count goes astray on `\r\n`
/// and blank lines, and its byte offset may point at the end of the previous line, so blank-line
/// bytes after the offset are skipped before counting.
struct LineCounter<'a> {
    text: &'a [u8],
    scanned: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The 1-based line of the first non-line-break byte at or after `byte` (offsets never decrease).
    fn line_at(&mut self, byte: usize) -> usize {
        let mut start = byte.max(self.scanned);
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let end = start.min(self.text.len());
        self.line += self.text[self.scanned..end].iter().filter(|b| **b == b'\n').count();
        self.scanned = end;
        self.line
    }
}

#[cfg(test)]
mod tests;
