use std::io::Read;

use calamine::{Data, Reader, Xlsx};

use super::xlsx::display_width;
use super::*;

fn read_back(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet1")
        .read_to_string(&mut xml)
        .expect("utf8");
    xml
}

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

#[test]
fn text_columns_are_typed_as_numbers_and_dates_but_identifiers_stay_text() {
    let t = ExportTable {
        headers: vec![
            "姓名".into(),
            "人数".into(),
            "分值".into(),
            "出生日期".into(),
            "电话".into(),
            "代码".into(),
        ],
        rows: vec![
            vec![
                "张三".into(),
                "12".into(),
                "523.5".into(),
                "2010-03-04".into(),
                "13800138000".into(),
                "0101".into(),
            ],
            vec![
                "李四".into(),
                "".into(),
                "-1".into(),
                "2011-12-31".into(),
                "13900139000".into(),
                "12".into(),
            ],
        ],
    };
    let rows = read_back(&to_xlsx("t", &t).expect("xlsx"));
    assert_eq!(rows[1][0], Data::String("张三".into()));
    assert_eq!(rows[1][1], Data::Float(12.0));
    assert_eq!(rows[2][1], Data::Empty);
    assert_eq!(rows[1][2], Data::Float(523.5));
    assert!(matches!(rows[1][3], Data::DateTime(_)), "{:?}", rows[1][3]);
    assert_eq!(rows[1][4], Data::String("13800138000".into()), "phones stay text");
    assert_eq!(
        rows[1][5],
        Data::String("0101".into()),
        "a code with a leading zero stays text"
    );
    assert_eq!(rows[2][5], Data::String("12".into()), "the whole column is text");
}

#[test]
fn a_sheet_keeps_its_header_visible_and_is_wide_enough_for_chinese() {
    let sheet = Sheet {
        headers: vec!["专业".into(), "录取数".into(), "日期".into()],
        rows: vec![vec![
            "数控技术应用与维修专业".into(),
            Cell::from(260usize),
            Cell::from(NaiveDate::from_ymd_opt(2026, 9, 1).expect("date")),
        ]],
    };
    let bytes = to_xlsx_sheet("fill", &sheet).expect("xlsx");
    let xml = sheet_xml(&bytes);
    assert!(xml.contains(r#"state="frozen""#), "{xml}");
    assert!(xml.contains(r#"ySplit="1""#), "{xml}");
    // Eleven CJK characters are 22 widths, plus the margin.
    assert!(xml.contains(r#"width="24.7"#), "{xml}");
    let rows = read_back(&bytes);
    assert_eq!(rows[1][1], Data::Float(260.0));
    assert!(matches!(rows[1][2], Data::DateTime(_)), "{:?}", rows[1][2]);
    let csv = String::from_utf8(sheet_to_csv(&sheet).expect("csv")[3..].to_vec()).expect("utf8");
    assert!(csv.ends_with("数控技术应用与维修专业,260,2026-09-01\n"), "{csv}");
}

#[test]
fn display_width_counts_cjk_and_full_width_as_two() {
    assert_eq!(display_width("abc"), 3);
    assert_eq!(display_width("数控（1）"), 9);
}

fn rows(from: usize, to: usize) -> Vec<Vec<String>> {
    (from..to)
        .map(|i| {
            vec![
                format!("学生{i}"),
                format!("=cmd|{i}"),
                format!("a \"quoted\", {i}\nline"),
            ]
        })
        .collect()
}

fn cells(rows: Vec<Vec<String>>) -> Vec<Vec<Cell>> {
    rows.into_iter()
        .map(|r| r.into_iter().map(Cell::Text).collect())
        .collect()
}

async fn streamed(pages: Vec<Result<Vec<Vec<String>>, AppError>>) -> Result<Vec<u8>, std::io::Error> {
    let headers = vec!["姓名".to_string(), "备注".to_string(), "地址".to_string()];
    let pages = pages.into_iter().map(|p| p.map(cells));
    let resp = stream_csv(
        &headers,
        cells(rows(0, 3)),
        Box::pin(futures_util::stream::iter(pages)),
        "t",
    )
    .expect("response");
    assert_eq!(resp.content_type(), Some(CSV));
    resp.into_body().into_vec().await.map_err(std::io::Error::other)
}

#[tokio::test]
async fn a_streamed_csv_is_byte_identical_to_one_written_at_once() {
    let whole = to_csv(&ExportTable {
        headers: vec!["姓名".into(), "备注".into(), "地址".into()],
        rows: rows(0, 10),
    })
    .expect("csv");
    let pages = vec![Ok(rows(3, 5)), Ok(vec![]), Ok(rows(5, 10))];
    assert_eq!(streamed(pages).await.expect("body"), whole);
    let first_only = to_csv(&ExportTable {
        headers: vec!["姓名".into(), "备注".into(), "地址".into()],
        rows: rows(0, 3),
    })
    .expect("csv");
    assert_eq!(streamed(vec![]).await.expect("body"), first_only);
}

#[tokio::test]
async fn an_error_after_the_first_page_cuts_the_download_short() {
    let pages = vec![
        Ok(rows(3, 5)),
        Err(AppError::internal("database gone")),
        Ok(rows(5, 10)),
    ];
    assert!(
        streamed(pages).await.is_err(),
        "a failed page must not end the body as if complete"
    );
}

fn typed(from: usize, to: usize) -> Vec<Vec<Cell>> {
    (from..to)
        .map(|i| {
            vec![
                Cell::from(format!("学生{i}")),
                Cell::from(i),
                Cell::from(NaiveDate::from_ymd_opt(2010, 1, 1 + (i % 28) as u32)),
                Cell::from(""),
            ]
        })
        .collect()
}

async fn streamed_xlsx(
    tmp: &std::path::Path,
    pages: Vec<Result<Vec<Vec<Cell>>, AppError>>,
) -> Result<Vec<u8>, std::io::Error> {
    let headers = vec![
        "姓名".to_string(),
        "序号".to_string(),
        "出生日期".to_string(),
        "备注".to_string(),
    ];
    let rest = Box::pin(futures_util::stream::iter(pages));
    let resp = stream_xlsx(tmp, &headers, typed(0, 3), rest, "students").expect("response");
    assert_eq!(resp.content_type(), Some(XLSX));
    resp.into_body().into_vec().await.map_err(std::io::Error::other)
}

#[tokio::test]
async fn a_streamed_xlsx_holds_every_page_in_order_typed_and_sized_by_every_row() {
    let dir = tempfile::tempdir().expect("dir");
    let tmp = dir.path().join("tmp");
    let mut last = typed(5, 7);
    last[1][3] = Cell::from("一个很长的备注写在最后一页上");
    let bytes = streamed_xlsx(&tmp, vec![Ok(typed(3, 5)), Ok(vec![]), Ok(last)])
        .await
        .expect("body");
    let rows = read_back(&bytes);
    assert_eq!(rows.len(), 1 + 7);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], Data::String(format!("学生{i}")));
        assert_eq!(row[1], Data::Float(i as f64));
        assert!(matches!(row[2], Data::DateTime(_)), "{:?}", row[2]);
    }
    assert_eq!(rows[1][3], Data::Empty, "empty text is an empty cell");
    let xml = sheet_xml(&bytes);
    assert!(xml.contains(r#"state="frozen""#), "{xml}");
    // The last page's fourteen CJK characters (28 widths) size the column, plus the margin.
    assert!(xml.contains(r#"width="30.7"#), "{xml}");
    assert_eq!(
        std::fs::read_dir(&tmp).expect("tmp").count(),
        0,
        "no temporary file is left behind"
    );
}

#[tokio::test]
async fn an_error_after_the_first_page_cuts_the_xlsx_short() {
    let dir = tempfile::tempdir().expect("dir");
    let pages = vec![Ok(typed(3, 5)), Err(AppError::internal("database gone"))];
    assert!(
        streamed_xlsx(&dir.path().join("tmp"), pages).await.is_err(),
        "a failed page must not end the body as if complete"
    );
}
