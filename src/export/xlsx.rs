//! XLSX writing, row after row: typed cells, a frozen bold header row, and each column as wide as
//! its longest cell (widths are kept while the rows go by and set before the file is saved, so
//! they need no second pass). With a temporary folder the worksheet is in rust_xlsxwriter's
//! constant-memory mode: each row goes to a temporary file there once written, so memory does not
//! grow with the rows; without, the sheet is held in memory (small tables already in memory).

use std::path::Path;

use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::{Cell, neutralise};
use crate::error::AppError;

fn err(e: XlsxError) -> AppError {
    AppError::internal_from("xlsx export", e)
}

/// How many character widths a text takes: two for a CJK or full-width character.
pub(super) fn display_width(s: &str) -> usize {
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

/// How many character widths a cell takes.
fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => display_width(s),
        Cell::Number(n) => n.to_string().len(),
        Cell::Date(_) => 10,
        Cell::Empty => 0,
    }
}

/// The width (in Excel character units) of a column whose longest cell takes `longest` widths.
pub(super) fn column_width(longest: usize) -> f64 {
    (longest as f64 + 2.0).clamp(6.0, 80.0)
}

/// One worksheet written a row at a time, in order.
pub struct SheetWriter {
    book: Workbook,
    /// The longest cell of each header's column so far.
    longest: Vec<usize>,
    next_row: u32,
    date: Format,
}

impl SheetWriter {
    /// A sheet named `name` with its header row written; with `tempdir`, in constant memory (its
    /// rows go to an anonymous temporary file there).
    pub fn new(name: &str, headers: &[String], tempdir: Option<&Path>) -> Result<SheetWriter, AppError> {
        let mut book = Workbook::new();
        let ws = match tempdir {
            Some(dir) => {
                // Checks that a temporary file can be made there (rust_xlsxwriter would panic later).
                book.set_tempdir(dir).map_err(err)?;
                book.add_worksheet_with_constant_memory()
            }
            None => book.add_worksheet(),
        };
        ws.set_name(name).map_err(err)?;
        let bold = Format::new().set_bold();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        Ok(SheetWriter {
            book,
            longest: headers.iter().map(|h| display_width(h)).collect(),
            next_row: 1,
            date: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    /// Writes the next rows.
    pub fn write_rows<'a>(&mut self, rows: impl IntoIterator<Item = &'a Vec<Cell>>) -> Result<(), AppError> {
        let ws = self.book.worksheet_from_index(0).map_err(err)?;
        for row in rows {
            let r = self.next_row;
            self.next_row += 1;
            for (c, cell) in row.iter().enumerate() {
                if let Some(longest) = self.longest.get_mut(c) {
                    *longest = (*longest).max(cell_width(cell));
                }
                let c = c as u16;
                match cell {
                    Cell::Text(s) if s.is_empty() => Ok(()),
                    Cell::Text(s) => ws.write_string(r, c, neutralise(s)).map(|_| ()),
                    Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                    Cell::Date(d) => {
                        let day =
                            ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(err)?;
                        ws.write_date_with_format(r, c, &day, &self.date).map(|_| ())
                    }
                    Cell::Empty => Ok(()),
                }
                .map_err(err)?;
            }
        }
        Ok(())
    }

    /// Sets each column's width from its longest cell (the `<cols>` part is written on saving).
    fn set_widths(&mut self) -> Result<(), AppError> {
        let ws = self.book.worksheet_from_index(0).map_err(err)?;
        for (c, longest) in self.longest.iter().enumerate() {
            ws.set_column_width(c as u16, column_width(*longest)).map_err(err)?;
        }
        Ok(())
    }

    /// The finished file's bytes.
    pub fn into_bytes(mut self) -> Result<Vec<u8>, AppError> {
        self.set_widths()?;
        self.book.save_to_buffer().map_err(err)
    }

    /// Saves the finished file into `file` (from its current position).
    pub fn save_into(mut self, file: &mut std::fs::File) -> Result<(), AppError> {
        self.set_widths()?;
        self.book.save_to_writer(file).map_err(err)
    }
}
