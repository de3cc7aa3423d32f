//! Reading an XLSX sheet without ever holding more than the [`limits`] allow: the archive is
//! measured before calamine opens it, the sheet's declared dimensions are checked, and its cells
//! are read one at a time (calamine's cell reader), never as a dense rows × columns grid, so a cell
//! placed at XFD1048576 costs a refusal, not 512 GB.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible, Xlsx, XlsxError, open_workbook_from_rs};

use super::limits::{self, Extent};
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
    let declared = reader.dimensions();
    limits::check_rows_and_columns(declared.end.0 as usize + 1, declared.end.1 as usize + 1)?;
    // calamine does not export its cell reader's type, so it is handed over as a closure.
    let cells = read_cells(|| {
        let cell = reader.next_cell().map_err(unreadable)?;
        Ok(cell.map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
    })?;
    cells.into_builder().finish()
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
    let mut sheet = SheetCells::default();
    while let Some(((row, column), value)) = next_cell()? {
        if value == Data::Empty {
            continue;
        }
        extent.add_cell(row as usize, column as usize)?;
        sheet.first_column = Some(sheet.first_column.map_or(column, |c| c.min(column)));
        sheet.rows.entry(row).or_default().push((column, cell_text(&value)));
    }
    Ok(sheet)
}

impl SheetCells {
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
