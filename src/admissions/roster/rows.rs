//! A school's enrolment roster (报到名单) read from a [`Table`]: each row's national ID and name,
//! found under the same headers the register import accepts (身份证号 / national_id / 身份证号码 …,
//! 姓名 / name …); other columns (class, programme, remarks) are ignored.
//!
//! Every bad cell is a [`RowError`] with the Excel row number and the header as the clerk sees it; a
//! row with any error is left out, and an ID met again is an error on the later row. Pure: no I/O,
//! no database; the reading of the file itself is `student::table`'s.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::i18n::Msg;
use crate::student::ids::{NationalId, PersonName};
use crate::student::register::{self, Column, ColumnMap, RowError};
use crate::student::table::{Table, TableRow};

/// The columns a roster cannot do without.
pub const REQUIRED: [Column; 2] = [Column::NationalId, Column::Name];

/// One student the school says reported.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// The Excel row number in the uploaded file.
    pub line: usize,
    pub national_id: NationalId,
    pub name: PersonName,
}

/// A roster read: its good rows, the errors of the bad ones, and the two headers as the file
/// spells them (for errors found later, when the rows are matched).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRoster {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<RowError>,
    pub id_column: String,
    pub name_column: String,
}

/// Parses every row of a roster. `Err` only for header problems (a required column missing or a
/// column given twice); bad rows come back as errors and are left out of the rows.
pub fn parse_roster(table: &Table) -> Result<ParsedRoster, Msg> {
    let map = register::map_headers_requiring(&table.headers, &REQUIRED).map_err(|m| match m.key {
        // The register's message points at the register template.
        "student.columns_missing" => Msg {
            key: "roster.columns_missing",
            args: m.args,
        },
        _ => m,
    })?;
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for row in &table.rows {
        let id = cell(&map, row, Column::NationalId, NationalId::parse);
        let name = cell(&map, row, Column::Name, PersonName::parse);
        let id = id.and_then(|id| match first_line_of.entry(id.as_str().to_owned()) {
            Entry::Occupied(first) => Err(Msg::new("student.id_duplicate").arg("first_line", *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(row.line);
                Ok(id)
            }
        });
        match (id, name) {
            (Ok(national_id), Ok(name)) => rows.push(RosterRow {
                line: row.line,
                national_id,
                name,
            }),
            (id, name) => {
                let bad = [(Column::NationalId, id.err()), (Column::Name, name.err())];
                errors.extend(bad.into_iter().filter_map(|(col, msg)| {
                    Some(RowError {
                        line: row.line,
                        column: map.header(col).to_owned(),
                        msg: msg?,
                    })
                }));
            }
        }
    }
    Ok(ParsedRoster {
        rows,
        errors,
        id_column: map.header(Column::NationalId).to_owned(),
        name_column: map.header(Column::Name).to_owned(),
    })
}

/// The cell of `col` in `row`, parsed; an Excel error value (`#N/A`) is named as such.
fn cell<T>(map: &ColumnMap, row: &TableRow, col: Column, parse: impl FnOnce(&str) -> Result<T, Msg>) -> Result<T, Msg> {
    let text = map
        .position(col)
        .and_then(|i| row.cells.get(i))
        .map_or("", String::as_str);
    register::excel_error(text).map_or_else(|| parse(text), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| TableRow {
                    line: i + 2,
                    cells: cells.iter().map(|c| (*c).to_owned()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn chinese_english_and_alias_headers_are_read_and_other_columns_ignored() {
        for headers in [
            ["姓名", "身份证号", "班级"],
            ["name", "national_id", "class"],
            ["学生姓名", "公民身份号码", "备注"],
        ] {
            let t = table(&headers, &[&["张三", " ４１０１８１200602024058", "一班"]]);
            let ParsedRoster { rows, errors, .. } = parse_roster(&t).expect("headers");
            assert!(errors.is_empty(), "{headers:?}: {errors:?}");
            assert_eq!(rows[0].national_id.as_str(), "410181200602024058");
            assert_eq!(rows[0].name.as_str(), "张三");
        }
    }

    #[test]
    fn a_roster_without_an_id_column_is_refused_naming_it() {
        let err = parse_roster(&table(&["姓名", "班级"], &[])).expect_err("no ID column");
        assert_eq!(err.key, "roster.columns_missing");
        assert_eq!(err.args, vec![("columns", "身份证号".to_owned())]);
    }

    #[test]
    fn bad_ids_bad_names_and_repeated_ids_are_errors_on_their_line() {
        let t = table(
            &["身份证号", "姓名"],
            &[
                &["410181200602024058", "张三"],
                &["410181200602024057", "李四"],
                &["410181200602024058", "张三"],
                &["#N/A", ""],
                &["410181200704209707", "王\u{202E}五"],
            ],
        );
        let ParsedRoster { rows, errors, .. } = parse_roster(&t).expect("headers");
        assert_eq!(rows.len(), 1);
        let found: Vec<(usize, &str, &str)> = errors.iter().map(|e| (e.line, e.column.as_str(), e.msg.key)).collect();
        assert_eq!(
            found,
            [
                (3, "身份证号", "student.id_check_digit"),
                (4, "身份证号", "student.id_duplicate"),
                (5, "身份证号", "student.cell_excel_error"),
                (5, "姓名", "student.name_empty"),
                (6, "姓名", "student.text_has_control"),
            ]
        );
    }
}
