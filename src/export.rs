//! Table exports: CSV (UTF-8 with BOM, so Excel on Chinese Windows opens it correctly) and XLSX.
//! Cells that a spreadsheet would turn into formulas are neutralised (CSV injection).
//!
//! Every XLSX goes through [`to_xlsx_sheet`]: numbers are written as numbers and dates as dates
//! (with a date format), the header row is frozen and each column is as wide as its longest cell
//! (a CJK character counts as two). A [`Sheet`] says each cell's type; an [`ExportTable`] of text
//! cells is typed column by column by [`ExportTable::to_sheet`], conservatively: a column becomes
//! numbers only when every cell is a plain number that cannot be an identifier (no leading zero,
//! at most nine integer digits, so phone and ID numbers stay text), dates only when every cell is
//! an ISO date. This module must not know any page's columns. Long lists stream ([`stream`]): CSV as
//! its pages are read, XLSX through a constant-memory worksheet and a temporary file ([`xlsx`]).

use chrono::NaiveDate;
use poem::Response;
use poem::http::header;

use crate::error::AppError;

mod stream;
mod xlsx;

pub use stream::{RowPages, stream_csv, stream_xlsx};
pub use xlsx::SheetWriter;

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

/// XLSX bytes of text cells, typed column by column.
pub fn to_xlsx(sheet: &str, table: &ExportTable) -> Result<Vec<u8>, AppError> {
    to_xlsx_sheet(sheet, &table.to_sheet())
}

/// XLSX bytes: typed cells, a frozen bold header row, columns wide enough for their text.
pub fn to_xlsx_sheet(name: &str, sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    let mut writer = SheetWriter::new(name, &sheet.headers, None)?;
    writer.write_rows(&sheet.rows)?;
    writer.into_bytes()
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
