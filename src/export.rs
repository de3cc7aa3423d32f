//! Table exports: CSV (UTF-8 with BOM, so Excel on Chinese Windows opens it correctly) and XLSX.
//! Cells that a spreadsheet would turn into formulas are neutralised (CSV injection).

use poem::Response;
use poem::http::header;

use crate::error::AppError;

/// A table to export: a header row and text cells.
pub struct ExportTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
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
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&table.headers)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| neutralise(c)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(out)
}

/// XLSX bytes; every cell is text so IDs and phone numbers keep all their digits.
pub fn to_xlsx(sheet: &str, table: &ExportTable) -> Result<Vec<u8>, AppError> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx export: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, neutralise(cell)).map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(err)
}

/// A download response.
pub fn download(bytes: Vec<u8>, file_name: &str, content_type: &str) -> Response {
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

/// `format=csv` or `format=xlsx` as a response.
pub fn respond(table: &ExportTable, base_name: &str, format: &str) -> Result<Response, AppError> {
    match format {
        "xlsx" => Ok(download(
            to_xlsx(base_name, table)?,
            &format!("{base_name}.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        _ => Ok(download(
            to_csv(table)?,
            &format!("{base_name}.csv"),
            "text/csv; charset=utf-8",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_and_defuses_formulas() {
        let t = ExportTable {
            headers: vec!["姓名".into(), "备注".into()],
            rows: vec![vec!["张三".into(), "=HYPERLINK(1)".into()]],
        };
        let bytes = to_csv(&t).expect("csv");
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf8");
        assert!(text.contains("'=HYPERLINK(1)"));
        assert!(text.starts_with("姓名,备注"));
    }

    #[test]
    fn xlsx_is_a_zip() {
        let t = ExportTable {
            headers: vec!["a".into()],
            rows: vec![vec!["-5".into()]],
        };
        assert!(to_xlsx("students", &t).expect("xlsx").starts_with(b"PK"));
    }
}
