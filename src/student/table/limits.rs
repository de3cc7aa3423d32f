//! The bounds on the work one uploaded file may cause, in one place. A spreadsheet is a compressed
//! archive of XML whose few bytes can describe billions of cells, so every upload is measured
//! against these before and while it is read, and refused with a message naming the bound it broke.
//! The cells are bounded in number and the text kept from them in bytes: a few kilobytes of XLSX can
//! reference one long shared string from thousands of cells.
//! Nothing here reads the file's content beyond counting.

/// The last row a sheet (or CSV file) may use, header and title rows included: one and a half
/// times the 100,000-row register of the import benchmark.
pub const MAX_ROWS: usize = 150_000;
/// The number of columns a sheet (or CSV record) may use; the register has 16.
pub const MAX_COLUMNS: usize = 200;
/// Cells a sheet (or CSV file) may hold, counting each row up to its last filled cell: e.g.
/// 100,000 rows of 30 columns.
pub const MAX_CELLS: usize = 3_000_000;
/// What all the members of an XLSX archive may inflate to together. A 100,000-row register
/// inflates to about 65 MiB.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
/// What each member that calamine reads whole (shared strings, styles, workbook; everything but
/// the worksheets, which are streamed) may inflate to. The 100,000-row register's shared strings
/// are 11 MiB.
pub const MAX_HELD_PART_BYTES: u64 = 32 * 1024 * 1024;
/// The longest run of bytes without `<` or `>` in any XML member: one text or one tag, which the
/// XML reader holds whole. Excel keeps at most 32,767 characters in a cell.
pub const MAX_XML_RUN_BYTES: u64 = 1024 * 1024;
/// The characters one cell may hold: Excel's own limit. Checked before a cell's text is copied, so
/// a shared string of megabytes referenced by thousands of cells is refused at its first cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// The bytes of text all the kept cells of a sheet (or CSV file) may hold together. The
/// 100,000-row register holds about 15 MiB.
pub const MAX_SHEET_TEXT_BYTES: usize = 64 * 1024 * 1024;

use std::io::{Cursor, Read};

use crate::i18n::Msg;
use crate::student::register::column_letter;

/// Inflates every member of a zip archive into nothing, measuring, and refuses the archive once
/// it passes [`MAX_UNCOMPRESSED_BYTES`], [`MAX_HELD_PART_BYTES`] or [`MAX_XML_RUN_BYTES`]. The sizes
/// a zip declares are not trusted (the zip crate does not hold a member to its declared size), so
/// the bytes are counted as they inflate; the declared sizes only allow refusing an honest bomb
/// without inflating it.
pub fn check_archive(bytes: &[u8]) -> Result<(), Msg> {
    let unreadable = |e: &dyn std::fmt::Display| Msg::new("student.table_excel_unreadable").arg("error", e);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let declared = (0..archive.len())
        .filter_map(|i| archive.by_index_raw(i).ok().map(|f| f.size()))
        .fold(0u64, u64::saturating_add);
    if declared > MAX_UNCOMPRESSED_BYTES {
        return Err(too_large(MAX_UNCOMPRESSED_BYTES));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let member = archive.by_index(i).map_err(|e| unreadable(&e))?;
        let name = member.name().replace('\\', "/").to_lowercase();
        let remaining = MAX_UNCOMPRESSED_BYTES - total;
        let held = !name.starts_with("xl/worksheets/");
        let (limit, named) = if held && MAX_HELD_PART_BYTES < remaining {
            (MAX_HELD_PART_BYTES, MAX_HELD_PART_BYTES)
        } else {
            (remaining, MAX_UNCOMPRESSED_BYTES)
        };
        let mut sink = XmlRuns::new(name.ends_with(".xml") || name.ends_with(".rels"));
        let inflated = std::io::copy(&mut member.take(limit + 1), &mut sink).map_err(|e| unreadable(&e))?;
        if inflated > limit {
            return Err(too_large(named));
        }
        if sink.longest > MAX_XML_RUN_BYTES {
            return Err(Msg::new("student.table_xml_run_too_long").arg("max", MAX_XML_RUN_BYTES / (1024 * 1024)));
        }
        total += inflated;
    }
    Ok(())
}

fn too_large(limit: u64) -> Msg {
    Msg::new("student.table_archive_too_large").arg("max", limit / (1024 * 1024))
}

/// A sink that keeps only the longest run of bytes between `<` and `>` seen so far.
struct XmlRuns {
    measure: bool,
    current: u64,
    longest: u64,
}

impl XmlRuns {
    fn new(measure: bool) -> XmlRuns {
        XmlRuns {
            measure,
            current: 0,
            longest: 0,
        }
    }
}

impl std::io::Write for XmlRuns {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.measure {
            for &b in buf {
                if b == b'<' || b == b'>' {
                    self.current = 0;
                } else {
                    self.current += 1;
                    self.longest = self.longest.max(self.current);
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Refuses a sheet that reaches beyond row [`MAX_ROWS`] or column [`MAX_COLUMNS`] (both 1-based).
pub fn check_rows_and_columns(rows: usize, columns: usize) -> Result<(), Msg> {
    if rows > MAX_ROWS {
        return Err(Msg::new("student.table_too_many_rows")
            .arg("rows", rows)
            .arg("max", MAX_ROWS));
    }
    if columns > MAX_COLUMNS {
        return Err(Msg::new("student.table_too_many_columns")
            .arg("columns", columns)
            .arg("letter", column_letter(columns - 1))
            .arg("max", MAX_COLUMNS));
    }
    Ok(())
}

/// The cells a sheet's rows span, counted as they are read: each row up to its last filled cell.
#[derive(Default)]
pub struct Extent {
    /// The row being counted and its width so far (cells normally come row by row).
    current: Option<(usize, usize)>,
    /// Widths of the rows already left, when cells come out of order.
    widths: std::collections::HashMap<usize, usize>,
    cells: usize,
}

impl Extent {
    /// Counts a filled cell at zero-based (`row`, `column`); refuses the sheet once it passes a limit.
    pub fn add_cell(&mut self, row: usize, column: usize) -> Result<(), Msg> {
        check_rows_and_columns(row + 1, column + 1)?;
        let width = match self.current {
            Some((r, w)) if r == row => w,
            Some((r, w)) => {
                self.widths.insert(r, w);
                self.widths.remove(&row).unwrap_or(0)
            }
            None => 0,
        };
        self.cells += (column + 1).saturating_sub(width);
        self.current = Some((row, width.max(column + 1)));
        if self.cells > MAX_CELLS {
            return Err(Msg::new("student.table_too_many_cells").arg("max", MAX_CELLS));
        }
        Ok(())
    }

    /// The cells counted so far.
    pub fn cells(&self) -> usize {
        self.cells
    }
}

/// The name Excel shows for the cell at zero-based (`row`, `column`), e.g. `B7`.
pub fn cell_name(row: usize, column: usize) -> String {
    format!("{}{}", column_letter(column), row + 1)
}

/// Refuses the cell at zero-based (`row`, `column`) when its text passes [`MAX_CELL_CHARS`]. Called
/// on the text as the reader hands it over, before any copy is made.
pub fn check_cell_text(row: usize, column: usize, text: &str) -> Result<(), Msg> {
    // Characters never outnumber bytes, so most cells need no counting.
    if text.len() <= MAX_CELL_CHARS {
        return Ok(());
    }
    let chars = text.chars().count();
    if chars <= MAX_CELL_CHARS {
        return Ok(());
    }
    Err(Msg::new("student.table_cell_too_long")
        .arg("cell", cell_name(row, column))
        .arg("chars", chars)
        .arg("max", MAX_CELL_CHARS))
}

/// The bytes of text kept from a sheet so far, refused once they pass [`MAX_SHEET_TEXT_BYTES`].
#[derive(Default)]
pub struct TextBudget {
    bytes: usize,
}

impl TextBudget {
    /// Counts `text` as kept; refuses the sheet once the total passes the limit.
    pub fn keep(&mut self, text: &str) -> Result<(), Msg> {
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_SHEET_TEXT_BYTES {
            return Err(Msg::new("student.table_text_too_large").arg("max", MAX_SHEET_TEXT_BYTES / (1024 * 1024)));
        }
        Ok(())
    }
}

/// Measures CSV text record by record with the same parser the csv crate uses, keeping nothing,
/// so that a record of millions of fields or millions of records is refused before being read.
pub fn check_csv(text: &str, delimiter: u8) -> Result<(), Msg> {
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = text.as_bytes();
    let mut field = [0u8; 4096];
    let (mut fields, mut records, mut cells) = (0usize, 0usize, 0usize);
    loop {
        let (result, read, _) = reader.read_field(input, &mut field);
        input = &input[read..];
        match result {
            csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                fields += 1;
                check_rows_and_columns(1, fields)?;
                if record_end {
                    records += 1;
                    cells += fields;
                    fields = 0;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    check_rows_and_columns(records, 1)?;
    if cells > MAX_CELLS {
        return Err(Msg::new("student.table_too_many_cells").arg("max", MAX_CELLS));
    }
    Ok(())
}
