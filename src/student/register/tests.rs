//! Tests of the parent module.
use super::*;
use crate::student::table::read_table;

const SAMPLE_UTF8: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/register-sample-utf8.csv");
const HEADER: &str = "姓名,身份证号,建档立卡编号,户主姓名,镇(街道),毕业年份,性别,出生日期,升学状态";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn parse_csv(text: &str) -> (Vec<RegisterRow>, Vec<RowError>) {
    parse_rows(&read_table(text.as_bytes(), None).expect("readable")).expect("headers fine")
}

/// `(line, column, key)` of each error, for exact comparison.
fn summary(errors: &[RowError]) -> Vec<(usize, &str, &str)> {
    errors.iter().map(|e| (e.line, e.column.as_str(), e.msg.key)).collect()
}

#[test]
fn chinese_english_and_variant_headers_are_recognised() {
    let cases = [
        ("序号", Column::Seq),
        (" Name ", Column::Name),
        ("NATIONAL_ID", Column::NationalId),
        ("National ID", Column::NationalId),
        ("身份证号码", Column::NationalId),
        ("公民身份号码", Column::NationalId),
        ("镇（街道）", Column::Town),
        ("镇/街道", Column::Town),
        ("手机号", Column::Phone),
        ("联系方式", Column::Phone),
        ("中考分数", Column::ExamScore),
        ("户主", Column::HeadOfHousehold),
        ("是否残疾人", Column::Disability),
        ("意向技能", Column::IntendedSkill),
        ("姓名*", Column::Name),
        ("毕业年份（必填）", Column::GraduationYear),
        ("Senior High Status", Column::SeniorHighStatus),
    ];
    for (header, col) in cases {
        assert_eq!(column_for_header(header), Some(col), "{header}");
    }
    assert_eq!(column_for_header("备注"), None);
    assert_eq!(column_for_header(""), None);
}

#[test]
fn every_documented_header_names_its_own_column() {
    for (i, (col, zh, en, _)) in COLUMN_DOC.iter().enumerate() {
        assert_eq!(*col as usize, i, "COLUMN_DOC must follow the enum order");
        assert_eq!(header_of(*col), *zh);
        assert_eq!(column_for_header(zh), Some(*col));
        assert_eq!(column_for_header(en), Some(*col));
    }
    assert_eq!(COLUMN_DOC.len(), COLUMN_COUNT);
    let required: Vec<Column> = COLUMN_DOC.iter().filter(|d| d.3).map(|d| d.0).collect();
    assert_eq!(required, REQUIRED);
}

#[test]
fn missing_required_columns_are_all_named_in_one_message() {
    let msg = map_headers(&strings(&["姓名", "身份证号", "镇(街道)", "备注"])).expect_err("missing");
    assert_eq!(msg.key, "student.columns_missing");
    assert_eq!(msg.args, [("columns", "建档立卡编号、毕业年份".to_owned())]);
}

#[test]
fn a_column_given_twice_is_refused() {
    let headers = strings(&[
        "姓名",
        "身份证号",
        "建档立卡编号",
        "镇(街道)",
        "毕业年份",
        "手机号",
        "联系电话",
    ]);
    let msg = map_headers(&headers).expect_err("twice");
    assert_eq!(msg.key, "student.column_duplicate");
    assert!(msg.args.contains(&("second", "联系电话".to_owned())), "{msg:?}");
    assert!(msg.args.contains(&("second_col", "G".to_owned())), "{msg:?}");
}

#[test]
fn unknown_columns_are_ignored_and_headers_keep_their_file_text() {
    let headers = strings(&["备注", "姓名", "身份证号码", "建档立卡编号", "镇（街道）", "毕业年份"]);
    let map = map_headers(&headers).expect("fine");
    assert_eq!(map.position(Column::Name), Some(1));
    assert_eq!(map.header(Column::NationalId), "身份证号码");
    assert_eq!(map.header(Column::Phone), "");
}

#[test]
fn column_letters_follow_excel() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

#[test]
fn dates_are_read_in_every_common_form() {
    let day = Some(date(2006, 9, 1));
    for text in [
        "2006-09-01",
        "2006/9/1",
        "2006.9.1",
        "2006年9月1日",
        "20060901",
        "2006-09-01 00:00:00",
    ] {
        assert_eq!(parse_date(text), day, "{text}");
    }
    assert_eq!(parse_date("２００６－０９－０１"), day);
    assert_eq!(parse_date("38961"), day);
    assert_eq!(parse_date("38961.75"), day);
    for text in [
        "2006-02-30",
        "06/9/1",
        "9/1/2006",
        "2006",
        "2006-9",
        "20060931",
        "明天",
        "",
    ] {
        assert_eq!(parse_date(text), None, "{text}");
    }
}

#[test]
fn excel_serials_match_excel_including_its_1900_leap_year_bug() {
    let serial = |y, m, d| {
        rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, d)
            .expect("date")
            .to_excel() as u32
    };
    assert_eq!(serial(2006, 9, 1), 38961);
    assert_eq!(excel_serial_date(38961), Some(date(2006, 9, 1)));
    assert_eq!(excel_serial_date(1), Some(date(1900, 1, 1)));
    assert_eq!(excel_serial_date(59), Some(date(1900, 2, 28)));
    assert_eq!(excel_serial_date(60), None);
    assert_eq!(excel_serial_date(61), Some(date(1900, 3, 1)));
    assert_eq!(excel_serial_date(0), None);
}

#[test]
fn coded_values_accept_chinese_english_and_short_forms() {
    assert_eq!(parse_sex("男").ok(), Some(Sex::Male));
    assert_eq!(parse_sex("FEMALE").ok(), Some(Sex::Female));
    assert_eq!(parse_sex("f").ok(), Some(Sex::Female));
    assert_eq!(parse_sex("未知").expect_err("bad").key, "student.sex_invalid");
    assert_eq!(parse_status("职高").ok(), Some(SeniorHighStatus::Vocational));
    assert_eq!(parse_status("技校").ok(), Some(SeniorHighStatus::Vocational));
    assert_eq!(parse_status("Not_Entered").ok(), Some(SeniorHighStatus::NotEntered));
    assert_eq!(parse_status("在读").expect_err("bad").key, "student.status_invalid");
    for (text, value) in [
        ("是", true),
        ("无", false),
        ("Y", true),
        ("no", false),
        ("TRUE", true),
        ("０", false),
    ] {
        assert_eq!(parse_disability(text).ok(), Some(value), "{text}");
    }
    assert_eq!(
        parse_disability("轻度").expect_err("bad").key,
        "student.disability_invalid"
    );
}

#[test]
fn graduation_years_and_scores_accept_excel_leftovers() {
    let map = map_headers(&strings(&["姓名", "身份证号", "建档立卡编号", "镇(街道)", "毕业年份"])).expect("map");
    for text in ["2021", "2021年", "2021.0", "２０２１"] {
        assert_eq!(parse_graduation_year(text, &map).ok(), Some(2021), "{text}");
    }
    for text in ["21", "1999", "2101", "2021.5", "二〇二一"] {
        assert!(parse_graduation_year(text, &map).is_err(), "{text}");
    }
    assert_eq!(
        parse_graduation_year("", &map).expect_err("empty").key,
        "student.cell_required"
    );
    assert_eq!(parse_exam_score("603.5").ok(), Some(603.5));
    assert_eq!(parse_exam_score("603分").ok(), Some(603.0));
    for text in ["-1", "1000.5", "NaN", "缺考"] {
        assert_eq!(
            parse_exam_score(text).expect_err(text).key,
            "student.exam_score_invalid"
        );
    }
}

#[test]
fn empty_sex_and_birth_date_are_taken_from_the_id() {
    let (rows, errors) = parse_csv(&format!(
        "{HEADER}\n王芳,41018120060901002x,4101849226687149,崔超,站街镇,2021,,,\n"
    ));
    assert!(errors.is_empty(), "{errors:?}");
    let row = &rows[0];
    assert_eq!((row.sex, row.birth_date), (Some(Sex::Female), date(2006, 9, 1)));
    assert_eq!(row.national_id.as_str(), "41018120060901002X");
    assert_eq!(row.senior_high_status, SeniorHighStatus::Unknown);
    assert_eq!((row.phone.clone(), row.exam_score, row.disability), (None, None, false));
    assert_eq!((row.village.as_str(), row.intended_skill.clone()), ("", None));
}

#[test]
fn an_excel_error_value_in_a_cell_is_reported_as_such() {
    let (rows, errors) = parse_csv(&format!("{HEADER}\n王芳,41018120060901002X,#N/A,崔超,站街镇,2021,,,\n"));
    assert!(rows.is_empty());
    assert_eq!(summary(&errors), [(2, "建档立卡编号", "student.cell_excel_error")]);
}

#[test]
fn a_household_with_two_heads_is_an_error_but_siblings_are_fine() {
    let text = format!(
        "{HEADER}\n王芳,41018120060901002X,4101849226687149,崔超,站街镇,2021,,,\n\
         王刚,410181200609010011,4101849226687149,崔超,站街镇,2021,,,\n\
         王强,410181200609010038,4101849226687149,崔朝,站街镇,2021,,,\n"
    );
    let (rows, errors) = parse_csv(&text);
    assert_eq!(rows.len(), 2);
    assert_eq!(summary(&errors), [(4, "户主姓名", "student.household_head_mismatch")]);
    assert!(errors[0].msg.args.contains(&("first_line", "2".to_owned())));
}

/// A register as a clerk really sends it: padded and full-width cells, variant headers, Excel
/// serial dates, a quoted line break, an empty row and a mistake of every kind.
const MESSY: &str = concat!(
    "序号, 姓名 ,性别,身份证号码,出生日期,建档立卡编号,户主,镇（街道）,村,手机号,初中学校,毕业年份,中考分数,升学状态,是否残疾人,意向技能,备注\r\n",
    "1,\u{3000}黎磊\u{3000}, 男 ,４１０１８１２００６０２０２４０５８,38750,4101857648925713,尹丽,鲁庄镇,新庄村,150 1661 3186,一中,2021,603,未升学,否,计算机应用,\r\n",
    "2,王芳,女,41018120060901002x,2006/9/1,4101849226687149,崔超,站街镇,西村,,二中,2021年,460.5,中职,是,,\r\n",
    "3,李强,男,410181200609010012,,4101800000000003,李一,站街镇,西村,,二中,2021,,,,,\r\n",
    "4,赵敏,女,410181200602300032,,4101800000000004,赵一,站街镇,西村,,二中,2021,,,,,\r\n",
    "5,钱进,男,410181200609010038,2006.9.2,4101800000000005,钱一,站街镇,西村,,二中,2021,,,,,\r\n",
    "6, ,女,410181200609010046,,4101800000000006,孙一,站街镇,西村,,二中,2021,,,,,\r\n",
    "7,黎磊,男,410181200602024058,,4101800000000007,周一,站街镇,西村,,二中,2021,,,,,\r\n",
    "8,吴用,女,410181200703150125,,4101800000000008,吴一,站街镇,西村,,二中,2021,,在读,,,\r\n",
    ",,,,,,,,,,,,,,,,\r\n",
    "10,郑和,男,410181200609010054,,4101800000000010,郑一,站街镇,西村,1501661318,二中,21,满分,,,,\r\n",
    "11,王丽,,410181200609010062,2006年9月1日,4101849226687149,崔超,站街镇,西村,,二中,2021.0,,,,,\r\n",
    "12,尹雪,男,410181200611150072,,4101857648925713,尹莉,鲁庄镇,新庄村,,一中,2021,,,,,\r\n",
    "13,冯云,男,410181200611150080,,4101800000000013,冯一,站街镇,西村,,二中,2021,,,,,\r\n",
    "14,陈晨,男,4.10181E+17,,4101800000000014,陈一,站街镇,西村,,二中,2021,,,,,\r\n",
    "15,褚楚,男,410181200703150117,,4101800000000015,褚一,,西村,,二中,2021,,,,,\r\n",
    "16,卫卫,女,410181200703150168,,,卫一,站街镇,西村,,二中,2021,,,,,\r\n",
    "17,蒋江,男,410181200703150133,,4101800000000017,蒋一,站街镇,西村,,二中,2021,,,否,\"计算机\r\n应用\",\r\n",
    "18,沈深,女,410181200703150141,20070315,4101800000000018,沈一,站街镇,西村,,二中,2021,,,Y,,\r\n",
);

fn assert_messy_result(rows: &[RegisterRow], errors: &[RowError]) {
    assert_eq!(
        summary(errors),
        [
            (4, "身份证号码", "student.id_check_digit"),
            (5, "身份证号码", "student.id_birth_date_impossible"),
            (6, "出生日期", "student.id_birth_date_mismatch"),
            (7, "姓名", "student.name_empty"),
            (8, "身份证号码", "student.id_duplicate"),
            (9, "升学状态", "student.status_invalid"),
            (11, "手机号", "student.phone_wrong_length"),
            (11, "毕业年份", "student.graduation_year_invalid"),
            (11, "中考分数", "student.exam_score_invalid"),
            (13, "户主", "student.household_head_mismatch"),
            (14, "性别", "student.sex_mismatch_id_female"),
            (15, "身份证号码", "student.id_excel_number"),
            (16, "镇（街道）", "student.cell_required"),
            (17, "建档立卡编号", "student.household_empty"),
        ]
    );
    assert!(
        errors[4].msg.args.contains(&("first_line", "2".to_owned())),
        "{:?}",
        errors[4]
    );
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 12, 18, 19]);
    let first = &rows[0];
    assert_eq!(first.name.as_str(), "黎磊");
    assert_eq!(first.national_id.as_str(), "410181200602024058");
    assert_eq!(first.birth_date, date(2006, 2, 2));
    assert_eq!(first.phone.as_ref().map(MobileNumber::as_str), Some("15016613186"));
    assert_eq!(first.senior_high_status, SeniorHighStatus::NotEntered);
    assert_eq!(rows[1].exam_score, Some(460.5));
    assert!(rows[1].disability);
    assert_eq!(rows[2].graduation_year, 2021);
    assert_eq!(rows[3].intended_skill.as_deref(), Some("计算机\r\n应用"));
    assert!(rows[4].disability);
}

#[test]
fn a_messy_utf8_register_with_a_bom_reports_every_bad_cell_at_its_line() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), MESSY.as_bytes()].concat();
    let (rows, errors) = parse_rows(&read_table(&bytes, None).expect("readable")).expect("headers");
    assert_messy_result(&rows, &errors);
}

#[test]
fn a_messy_gbk_register_gives_the_same_result() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(MESSY);
    assert!(!unmappable);
    let (rows, errors) = parse_rows(&read_table(&gbk, None).expect("readable")).expect("headers");
    assert_messy_result(&rows, &errors);
}

#[test]
fn a_register_without_the_required_columns_is_refused_whole() {
    let table = read_table(
        "姓名,身份证号,镇(街道)\n黎磊,410181200602024058,鲁庄镇\n".as_bytes(),
        None,
    )
    .expect("csv");
    let msg = parse_rows(&table).expect_err("missing columns");
    assert_eq!(msg.key, "student.columns_missing");
}

#[test]
fn the_sample_register_parses_without_a_single_error() {
    let Ok(bytes) = std::fs::read(SAMPLE_UTF8) else {
        println!("note: {SAMPLE_UTF8} is absent; test skipped");
        return;
    };
    let (rows, errors) = parse_rows(&read_table(&bytes, None).expect("sample")).expect("headers");
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
    assert_eq!(rows.len(), 500);
    assert_eq!(rows[0].national_id.as_str(), "410181200602024058");
    assert_eq!(rows[499].line, 501);
}

#[test]
fn every_message_key_of_the_student_parsers_is_in_both_catalogues() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/i18n");
    let catalogues = crate::i18n::Catalogues::load(&dir).expect("catalogues load");
    let sources = [
        include_str!("../ids.rs"),
        include_str!("../table.rs"),
        include_str!("mod.rs"),
        include_str!("cells.rs"),
        include_str!("columns.rs"),
    ];
    let needle = concat!("\"student", ".");
    let mut keys = 0;
    for source in sources {
        for (start, _) in source.match_indices(needle) {
            let rest = &source[start + 1..];
            let key = &rest[..rest.find('"').expect("closing quote")];
            for lang in crate::i18n::Lang::ALL {
                let text = catalogues.text(lang, &Msg::new(key));
                assert_ne!(text, key, "{key} missing from the {} catalogue", lang.code());
            }
            keys += 1;
        }
    }
    assert!(keys > 30, "found only {keys} keys");
}
