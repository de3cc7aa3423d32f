//! Table exports: CSV (UTF-8 with BOM, so Excel on Chinese Windows opens it correctly) and XLSX.
//! Cells that a spreadsheet would turn into formulas are neutralised (CSV injection).
//!
//! Every XLSX goes through [`to_xlsx_sheet`]: numbers are written as numbers and dates as dates
//! (with a date format), the header row is frozen and each column is as wide as its longest cell
//! (a CJK character counts as two). A [`Sheet`] says each cell's type; an [`ExportTable`] of text
//! cells is typed column by column by [`ExportTable::to_sheet`], conservatively: a column becomes
//! numbers only when every cell is a plain number that cannot be an identifier (no leading zero,
//! at most nine integer digits, so phone and ID numbers stay text), dates only when every cell is
//! an ISO date. This module must not know any page's columns.

use chrono::{Datelike, NaiveDate};
use poem::Response;
use poem::http::header;

use crate::error::AppError;

/// A table to export: a header row and text cells.
pub struct ExportTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One typed cell of a [`Sheet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

/// A table to export with typed cells.
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}

macro_rules! number_cell {
    ($($t:ty),*) => {$(
        impl From<$t> for Cell {
            fn from(n: $t) -> Cell {
                Cell::Number(n as f64)
            }
        }
    )*};
}
number_cell!(usize, u32, i32, i64, f64);

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map(Into::into).unwrap_or(Cell::Empty)
    }
}

impl Cell {
    /// The cell as CSV text (dates ISO, numbers without a needless `.0`).
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => neutralise(s),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A plain number that is a quantity, not an identifier written in digits.
fn plain_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int_ok = !int.is_empty()
        && int.len() <= 9
        && int.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'));
    let frac_ok = !digits.contains('.') || (!frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()));
    if int_ok && frac_ok { s.parse().ok() } else { None }
}

fn iso_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

impl ExportTable {
    /// The table typed column by column (see the module note).
    pub fn to_sheet(&self) -> Sheet {
        let columns = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let filled = |c: usize| self.rows.iter().filter_map(move |r| r.get(c)).filter(|v| !v.is_empty());
        let kinds: Vec<fn(&str) -> Cell> = (0..columns)
            .map(|c| -> fn(&str) -> Cell {
                if filled(c).next().is_none() {
                    |s| Cell::Text(s.to_string())
                } else if filled(c).all(|v| plain_number(v).is_some()) {
                    |s| plain_number(s).map(Cell::Number).unwrap_or(Cell::Empty)
                } else if filled(c).all(|v| iso_date(v).is_some()) {
                    |s| iso_date(s).map(Cell::Date).unwrap_or(Cell::Empty)
                } else {
                    |s| Cell::Text(s.to_string())
                }
            })
            .collect();
        Sheet {
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&kinds)
                        .map(|(v, kind)| if v.is_empty() { Cell::Empty } else { kind(v) })
                        .collect()
                })
                .collect(),
        }
    }
}

fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// CSV bytes with a UTF-8 BOM.
pub fn to_csv(table: &ExportTable) -> Result<Vec<u8>, AppError> {
    write_csv(
        &table.headers,
        table.rows.iter().map(|r| r.iter().map(|c| neutralise(c)).collect()),
    )
}

/// CSV bytes with a UTF-8 BOM, from typed cells.
pub fn sheet_to_csv(sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    write_csv(
        &sheet.headers,
        sheet.rows.iter().map(|r| r.iter().map(Cell::text).collect()),
    )
}

fn write_csv(headers: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, AppError> {
    let mut out = BOM.to_vec();
    out.extend(csv_records(std::iter::once(headers.to_vec()).chain(rows))?);
    Ok(out)
}

/// The UTF-8 byte order mark every CSV download starts with.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// CSV records (no BOM). The writer keeps no state between records that changes their bytes, so
/// records written in pieces concatenate to the same bytes as written at once.
fn csv_records(rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, AppError> {
    let err = |e: csv::Error| AppError::internal_from("writing CSV", e);
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        for row in rows {
            w.write_record(&row).map_err(err)?;
        }
        w.flush().map_err(|e| AppError::internal_from("writing CSV", e))?;
    }
    Ok(out)
}

/// Rows of text cells for [`stream_csv`], a page at a time.
pub type RowPages = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Vec<Vec<String>>, AppError>> + Send>>;

/// A CSV download (UTF-8 BOM, cells neutralised like [`to_csv`]) sent while its rows are read:
/// `first` is the first page, already read, so that an error in the request is still answered as
/// an error; `rest` yields the following pages. Memory holds about one page, whatever the row count;
/// an error after the first page cuts the download short (logged), as the status is already sent.
pub fn stream_csv(
    headers: &[String],
    first: Vec<Vec<String>>,
    rest: RowPages,
    base_name: &str,
) -> Result<Response, AppError> {
    use futures_util::StreamExt;
    let neutral = |rows: Vec<Vec<String>>| rows.into_iter().map(|r| r.iter().map(|c| neutralise(c)).collect());
    let head = write_csv(headers, neutral(first))?;
    let tail = rest.map(move |page| {
        page.and_then(|rows| csv_records(neutral(rows))).map_err(|e| {
            tracing::error!("csv export cut short: {e}");
            std::io::Error::other(e.to_string())
        })
    });
    let body = poem::Body::from_bytes_stream(futures_util::stream::once(std::future::ready(Ok(head))).chain(tail));
    Ok(download(body, &format!("{base_name}.csv"), CSV))
}
/// How many character widths a text takes: two for a CJK or full-width character.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// The width (in Excel character units) of a column holding these cells.
fn column_width<'a>(cells: impl Iterator<Item = &'a Cell>, header: &str) -> f64 {
    let longest = cells
        .map(|c| match c {
            Cell::Text(s) => display_width(s),
            Cell::Number(n) => n.to_string().len(),
            Cell::Date(_) => 10,
            Cell::Empty => 0,
        })
        .chain([display_width(header)])
        .max()
        .unwrap_or(0);
    (longest as f64 + 2.0).clamp(6.0, 80.0)
}

/// XLSX bytes of text cells, typed column by column.
pub fn to_xlsx(sheet: &str, table: &ExportTable) -> Result<Vec<u8>, AppError> {
    to_xlsx_sheet(sheet, &table.to_sheet())
}

/// XLSX bytes: typed cells, a frozen bold header row, columns wide enough for their text.
pub fn to_xlsx_sheet(name: &str, sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::internal_from("xlsx export", e);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(name).map_err(err)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
        let width = column_width(sheet.rows.iter().filter_map(|r| r.get(c)), h);
        ws.set_column_width(c as u16, width).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, neutralise(s)).map(|_| ()),
                Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::Date(d) => {
                    let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(err)?;
                    ws.write_date_with_format(r, c, &day, &date).map(|_| ())
                }
                Cell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(err)
}

/// A download response.
pub fn download(bytes: impl Into<poem::Body>, file_name: &str, content_type: &str) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Response::builder()
        .content_type(content_type)
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\""))
        .body(bytes)
}

/// The content type of a CSV download.
const CSV: &str = "text/csv; charset=utf-8";

/// The content type of an XLSX download.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `format=csv` or `format=xlsx` as a response.
pub fn respond(table: &ExportTable, base_name: &str, format: &str) -> Result<Response, AppError> {
    match format {
        "xlsx" => respond_sheet(&table.to_sheet(), base_name, format),
        _ => Ok(download(to_csv(table)?, &format!("{base_name}.csv"), CSV)),
    }
}

/// `format=csv` or `format=xlsx` of typed cells as a response.
pub fn respond_sheet(sheet: &Sheet, base_name: &str, format: &str) -> Result<Response, AppError> {
    match format {
        "xlsx" => Ok(download(
            to_xlsx_sheet(base_name, sheet)?,
            &format!("{base_name}.xlsx"),
            XLSX,
        )),
        _ => Ok(download(sheet_to_csv(sheet)?, &format!("{base_name}.csv"), CSV)),
    }
}

#[cfg(test)]
mod tests;
