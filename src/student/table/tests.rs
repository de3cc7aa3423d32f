//! Tests of the parent module.
use super::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SAMPLE_UTF8: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/register-sample-utf8.csv");
const SAMPLE_GBK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/register-sample-gbk.csv");

fn csv(text: &str) -> Table {
    read_table(text.as_bytes(), None).expect("readable CSV")
}

fn lines(table: &Table) -> Vec<usize> {
    table.rows.iter().map(|r| r.line).collect()
}

fn sample(path: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok();
    if bytes.is_none() {
        println!("note: {path} is absent; test skipped");
    }
    bytes
}

#[test]
fn a_utf8_csv_is_read_with_trimmed_cells() {
    let table = csv("姓名,身份证号\n 黎磊\u{3000},\u{a0}410181200602024058 \n");
    assert_eq!(table.headers, ["姓名", "身份证号"]);
    assert_eq!(
        table.rows,
        [TableRow {
            line: 2,
            cells: vec!["黎磊".into(), "410181200602024058".into()]
        }]
    );
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_header() {
    let table = read_table("\u{feff}序号,姓名\r\n1,黎磊\r\n".as_bytes(), None).expect("readable");
    assert_eq!(table.headers, ["序号", "姓名"]);
    assert_eq!(table.rows[0].cells, ["1", "黎磊"]);
}

#[test]
fn a_gbk_csv_reads_the_same_as_utf8() {
    let text = "序号,姓名,镇(街道)\r\n1,黎磊,鲁庄镇\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert_eq!(read_table(&gbk, None).expect("GBK"), csv(text));
}

#[test]
fn a_utf16_tab_separated_export_is_read() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("姓名\t村\r\n黎磊\t西村\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    let table = read_table(&bytes, None).expect("UTF-16");
    assert_eq!(table.rows[0].cells, ["黎磊", "西村"]);
}

#[test]
fn bytes_that_are_neither_utf8_nor_gbk_are_refused_with_advice() {
    let msg = read_table(b"a,b\n\x81\x20,\xff\n", None).expect_err("undecodable");
    assert_eq!(msg.key, "student.table_bad_encoding");
}

#[test]
fn quoted_cells_with_commas_and_line_breaks_keep_line_numbers_right() {
    let table = csv("姓名,村\n\"李, 磊\",\"西村\n二组\"\n王芳,东村\n\n赵强,北村\n");
    assert_eq!(table.rows[0].cells, ["李, 磊", "西村\n二组"]);
    assert_eq!(lines(&table), [2, 3, 5]);
    let crlf = csv("姓名,村\r\n李磊,西村\r\n\r\n\"王\r\n芳\",东村\r\n赵强,北村\r\n");
    assert_eq!(lines(&crlf), [2, 4, 5]);
}

#[test]
fn empty_rows_are_skipped_but_later_lines_keep_their_numbers() {
    let table = csv("姓名,村\n李磊,西村\n,\n ,\u{3000}\n王芳,东村\n");
    assert_eq!(lines(&table), [2, 5]);
}

#[test]
fn the_delimiter_is_detected_from_the_header() {
    assert_eq!(csv("姓名\t村\n李,磊\t西村\n").rows[0].cells, ["李,磊", "西村"]);
    assert_eq!(csv("姓名;村\n李磊;西村\n").rows[0].cells, ["李磊", "西村"]);
    assert_eq!(csv("姓名,村\n李磊,西村;东\n").rows[0].cells, ["李磊", "西村;东"]);
}

#[test]
fn a_title_row_above_the_header_is_skipped() {
    let table = csv("2021年建档立卡学生名单,,\n姓名,村,镇\n李磊,西村,鲁庄镇\n");
    assert_eq!(table.headers, ["姓名", "村", "镇"]);
    assert_eq!(lines(&table), [3]);
}

#[test]
fn a_one_column_file_uses_its_first_row_as_header() {
    let table = csv("姓名\n李磊\n王芳\n");
    assert_eq!(table.headers, ["姓名"]);
    assert_eq!(lines(&table), [2, 3]);
}

#[test]
fn rows_may_be_shorter_or_longer_than_the_header() {
    let table = csv("a,b,c\n1\n1,2,3,4\n");
    assert_eq!(table.rows[0].cells, ["1"]);
    assert_eq!(table.rows[1].cells.len(), 4);
}

#[test]
fn an_empty_file_is_refused() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b" \r\n,,\r\n"] {
        assert_eq!(read_table(bytes, None).expect_err("empty").key, "student.table_empty");
    }
}

/// An in-memory workbook; `fill` writes the first sheet.
fn xlsx(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet());
    workbook.save_to_buffer().expect("xlsx written")
}

#[test]
fn xlsx_cells_become_the_text_a_clerk_sees() {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bytes = xlsx(|ws| {
        for (col, header) in ["姓名", "电话", "成绩", "日期", "残疾", "身份证号"]
            .into_iter()
            .enumerate()
        {
            ws.write_string(0, col as u16, header).expect("write");
        }
        ws.write_string(1, 0, " 黎磊 ").expect("write");
        ws.write_number(1, 1, 15016613186.0).expect("write");
        ws.write_number(1, 2, 603.5).expect("write");
        let day = ExcelDateTime::from_ymd(2006, 9, 1).expect("date");
        ws.write_datetime_with_format(1, 3, &day, &date).expect("write");
        ws.write_boolean(1, 4, false).expect("write");
        ws.write_number(1, 5, 410181200602024058.0).expect("write");
    });
    let table = read_table(&bytes, None).expect("xlsx");
    assert_eq!(table.headers[0], "姓名");
    let cells = &table.rows[0].cells;
    assert_eq!(cells[..5], ["黎磊", "15016613186", "603.5", "2006-09-01", "FALSE"]);
    assert!(cells[5].contains('E'), "{}", cells[5]);
    let id = crate::student::ids::NationalId::parse(&cells[5]).expect_err("digits lost");
    assert_eq!(id.key, "student.id_excel_number");
    assert_eq!(table.rows[0].line, 2);
}

#[test]
fn xlsx_line_numbers_are_excel_row_numbers() {
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "学生名单").expect("write");
        ws.write_string(2, 0, "姓名").expect("write");
        ws.write_string(2, 1, "村").expect("write");
        ws.write_string(3, 0, "李磊").expect("write");
        ws.write_string(6, 1, "东村").expect("write");
    });
    let table = read_table(&bytes, None).expect("xlsx");
    assert_eq!(table.headers, ["姓名", "村"]);
    assert_eq!(lines(&table), [4, 7]);
    assert_eq!(table.rows[1].cells, ["", "东村"]);
}

#[test]
fn a_named_sheet_is_read_and_an_unknown_one_lists_the_sheets() {
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet()
        .set_name("说明")
        .expect("name")
        .write_string(0, 0, "x")
        .expect("write");
    let ws = workbook.add_worksheet().set_name("名单").expect("name");
    ws.write_string(0, 0, "姓名").expect("write");
    ws.write_string(0, 1, "村").expect("write");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    assert_eq!(
        read_table(&bytes, Some(" 名单 ")).expect("sheet").headers,
        ["姓名", "村"]
    );
    let msg = read_table(&bytes, Some("Sheet9")).expect_err("unknown");
    assert_eq!(msg.key, "student.table_sheet_not_found");
    assert!(msg.args.contains(&("sheets", "说明、名单".to_owned())), "{msg:?}");
}

#[test]
fn a_broken_zip_is_reported_as_an_unreadable_excel_file() {
    let msg = read_table(b"PK\x03\x04 not really a zip", None).expect_err("broken");
    assert_eq!(msg.key, "student.table_excel_unreadable");
}

#[test]
fn numbers_print_without_a_trailing_zero_and_huge_ones_in_scientific_form() {
    assert_eq!(number_text(15016613186.0), "15016613186");
    assert_eq!(number_text(-3.0), "-3");
    assert_eq!(number_text(0.25), "0.25");
    assert_eq!(number_text(4101857648925713.0), "4101857648925713");
    assert_eq!(number_text(410181200602024000.0), "4.10181200602024E17");
}

#[test]
fn the_sample_register_reads_the_same_in_utf8_and_gbk() {
    let (Some(utf8), Some(gbk)) = (sample(SAMPLE_UTF8), sample(SAMPLE_GBK)) else {
        return;
    };
    let table = read_table(&utf8, None).expect("UTF-8 sample");
    assert_eq!(table.headers.len(), 16);
    assert_eq!(table.rows.len(), 500);
    assert_eq!(table.rows[499].line, 501);
    assert_eq!(read_table(&gbk, None).expect("GBK sample"), table);
}

#[test]
fn an_old_binary_xls_file_is_refused_with_advice_to_save_it_as_xlsx() {
    let msg = read_table(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest of an xls", None).expect_err("xls");
    assert_eq!(msg.key, "student.table_xls_refused");
}

/// A zip whose one member `name` inflates to `len` copies of `byte`, and whose headers claim 100.
fn lying_zip(name: &str, byte: u8, len: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(name, options).expect("member");
    let chunk = vec![byte; 64 * 1024];
    for _ in 0..len / chunk.len() {
        zip.write_all(&chunk).expect("write");
    }
    let mut out = zip.finish().expect("zip").into_inner();
    let real = (len as u32).to_le_bytes();
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = out.windows(4).position(|w| w == signature).expect("header") + offset;
        assert_eq!(out[at..at + 4], real, "the size field is where the spec puts it");
        out[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
    }
    out
}

#[test]
fn a_zip_member_inflating_past_its_limit_is_refused_even_when_its_header_lies() {
    let held = limits::MAX_HELD_PART_BYTES as usize;
    let bytes = lying_zip("xl/sharedStrings.xml", b'<', held + 64 * 1024);
    let msg = limits::check_archive(&bytes).expect_err("too large");
    assert_eq!(msg.key, "student.table_archive_too_large");
    assert!(msg.args.contains(&("max", "32".to_owned())), "{msg:?}");
    assert!(limits::check_archive(&lying_zip("xl/sharedStrings.xml", b'<', held)).is_ok());
}

#[test]
fn a_text_longer_than_any_cell_in_an_xml_member_is_refused() {
    let run = limits::MAX_XML_RUN_BYTES as usize;
    let msg = limits::check_archive(&lying_zip("xl/worksheets/sheet1.xml", b' ', run + 64 * 1024)).expect_err("long");
    assert_eq!(msg.key, "student.table_xml_run_too_long");
    assert!(limits::check_archive(&lying_zip("xl/worksheets/sheet1.xml", b' ', run)).is_ok());
    assert!(
        limits::check_archive(&lying_zip("xl/media/image1.png", b' ', run * 2)).is_ok(),
        "not XML"
    );
}

#[test]
fn cells_spread_over_rows_count_up_to_each_rows_last_filled_cell() {
    let mut extent = limits::Extent::default();
    let last_column = limits::MAX_COLUMNS - 1;
    let rows_allowed = limits::MAX_CELLS / limits::MAX_COLUMNS;
    for row in 0..rows_allowed {
        extent.add_cell(row, last_column).expect("within the cell limit");
    }
    let msg = extent
        .add_cell(rows_allowed, last_column)
        .expect_err("one row too many");
    assert_eq!(msg.key, "student.table_too_many_cells");
}

#[test]
fn cells_out_of_row_order_are_counted_once_and_wide_rows_name_their_column() {
    let mut extent = limits::Extent::default();
    for _ in 0..3 {
        for row in [5, 1, 5, 1] {
            extent.add_cell(row, 9).expect("same cells again");
        }
    }
    assert_eq!(extent.cells(), 20, "two rows of ten cells");
    assert!(limits::check_rows_and_columns(limits::MAX_ROWS, limits::MAX_COLUMNS).is_ok());
    let msg = limits::check_rows_and_columns(1, limits::MAX_COLUMNS + 1).expect_err("wide");
    assert!(msg.args.contains(&("letter", "GS".to_owned())), "{msg:?}");
}

#[test]
fn a_csv_cell_longer_than_excel_allows_is_refused_naming_the_cell() {
    let text = format!(
        "姓名,备注\n黎磊,短\n黄静国,{}\n",
        "x".repeat(limits::MAX_CELL_CHARS + 1)
    );
    let msg = read_table(text.as_bytes(), None).expect_err("refused");
    assert_eq!(msg.key, "student.table_cell_too_long");
    assert!(
        msg.args.iter().any(|(k, v)| *k == "cell" && v == "B3"),
        "{:?}",
        msg.args
    );
}

#[test]
fn a_csv_cell_of_exactly_excels_limit_is_kept() {
    let long = "长".repeat(limits::MAX_CELL_CHARS);
    let table = csv(&format!("姓名,备注\n黎磊,{long}\n"));
    assert_eq!(table.rows[0].cells[1], long);
}

#[test]
fn a_csv_holding_more_text_than_the_sheet_limit_is_refused() {
    let row = format!("黎磊,{}\n", "x".repeat(32_000));
    let rows = limits::MAX_SHEET_TEXT_BYTES / 32_000 + 1;
    let text = format!("姓名,备注\n{}", row.repeat(rows));
    let msg = read_table(text.as_bytes(), None).expect_err("refused");
    assert_eq!(msg.key, "student.table_text_too_large");
}
