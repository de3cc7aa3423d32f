//! Reading an XLSX sheet without ever holding more than the [`limits`] allow: the archive is
//! measured before calamine opens it, and its cells are read one at a time (calamine's cell
//! reader), never as a dense rows × columns grid, so a cell placed at XFD1048576 costs a refusal,
//! not 512 GB. Each cell's text is measured while calamine still lends it (a shared string is one
//! copy however many cells use it; each kept cell is another), the text kept is counted, and a
//! position met twice is refused, so neither a long string nor a repeated cell can grow memory.
//!
//! The dimension a sheet declares is not checked: Excel and WPS declare `A1:P1048576` when whole
//! columns are formatted, and the cells actually read are what the limits bound.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError, open_workbook_from_rs};

use super::limits::{self, Extent, TextBudget};
use super::{Table, TableBuilder, cell_text};
use crate::i18n::Msg;

/// Reads `sheet` (or the first visible worksheet) of an XLSX file.
pub(super) fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Msg> {
    limits::check_archive(bytes)?;
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let name = choose_sheet(&workbook, sheet)?;
    let mut reader = match workbook.worksheet_cells_reader(&name) {
        Ok(reader) => reader,
        // A chart sheet has no cells.
        Err(XlsxError::NotAWorksheet(_)) => return TableBuilder::default().finish(),
        Err(e) => return Err(unreadable(e)),
    };
    // calamine does not export its cell reader's type, so it is handed over as a closure.
    let cells = read_cells(|| {
        let Some(cell) = reader.next_cell().map_err(unreadable)? else {
            return Ok(None);
        };
        let (row, column) = cell.get_position();
        limits::check_cell_text(row as usize, column as usize, lent_text(cell.get_value()))?;
        Ok(Some(((row, column), Data::from(cell.get_value().clone()))))
    })?;
    cells.into_builder().finish()
}

/// The text a cell holds as calamine hands it over (a shared string is only borrowed).
fn lent_text<'a>(value: &'a DataRef<'_>) -> &'a str {
    match value {
        DataRef::SharedString(s) => s,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s,
        _ => "",
    }
}

fn unreadable(e: XlsxError) -> Msg {
    Msg::new("student.table_excel_unreadable").arg("error", e)
}

/// The filled cells of a sheet by row, each row as (column, text) in the order read.
#[derive(Default)]
struct SheetCells {
    rows: BTreeMap<u32, Vec<(u32, String)>>,
    /// The leftmost filled column: rows start there, as calamine's ranges did.
    first_column: Option<u32>,
}

/// Streams the sheet's cells, refusing it as soon as it passes a limit.
fn read_cells(mut next_cell: impl FnMut() -> Result<Option<((u32, u32), Data)>, Msg>) -> Result<SheetCells, Msg> {
    let mut extent = Extent::default();
    let mut budget = TextBudget::default();
    let mut sheet = SheetCells::default();
    while let Some(((row, column), value)) = next_cell()? {
        if value == Data::Empty {
            continue;
        }
        extent.add_cell(row as usize, column as usize)?;
        let text = cell_text(&value);
        budget.keep(&text)?;
        sheet.push(row, column, text)?;
    }
    Ok(sheet)
}

impl SheetCells {
    /// Keeps a filled cell; refuses a position already filled. Cells out of order are kept (the
    /// [`Extent`] bounds how many distinct positions there can be); only a repeat could grow
    /// memory without bound.
    fn push(&mut self, row: u32, column: u32, text: String) -> Result<(), Msg> {
        let cells = self.rows.entry(row).or_default();
        let in_order = cells.last().is_none_or(|(last, _)| *last < column);
        // Out of order, the row is searched: at most MAX_COLUMNS cells.
        if !in_order && cells.iter().any(|(c, _)| *c == column) {
            return Err(
                Msg::new("student.table_cell_repeated").arg("cell", limits::cell_name(row as usize, column as usize))
            );
        }
        cells.push((column, text));
        self.first_column = Some(self.first_column.map_or(column, |c| c.min(column)));
        Ok(())
    }

    /// Each row from the first filled column up to its own last filled cell.
    fn into_builder(self) -> TableBuilder {
        let first = self.first_column.unwrap_or(0);
        let mut builder = TableBuilder::default();
        for (row, cells) in self.rows {
            let width = cells.iter().map(|(c, _)| c - first + 1).max().unwrap_or(0);
            let mut texts = vec![String::new(); width as usize];
            for (column, text) in cells {
                texts[(column - first) as usize] = text;
            }
            builder.push(row as usize + 1, texts);
        }
        builder
    }
}

/// The named sheet (matched ignoring case and surrounding spaces), or the first visible worksheet.
fn choose_sheet<RS, R>(workbook: &R, wanted: Option<&str>) -> Result<String, Msg>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    let sheets = workbook.sheets_metadata();
    let found = match wanted {
        Some(wanted) => {
            let wanted = wanted.trim().to_lowercase();
            sheets.iter().find(|s| s.name.trim().to_lowercase() == wanted)
        }
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or(sheets.first()),
    };
    match (found, wanted) {
        (Some(sheet), _) => Ok(sheet.name.clone()),
        (None, Some(wanted)) => {
            let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
            Err(Msg::new("student.table_sheet_not_found")
                .arg("sheet", wanted.trim())
                .arg("sheets", names.join("、")))
        }
        (None, None) => Err(Msg::new("student.table_empty")),
    }
}
