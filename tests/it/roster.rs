//! Reporting (报到) by a school's enrolment roster: upload (CSV in UTF-8 or GBK, or XLSX) → preview
//! of matches, offers already reported and bad rows by line → confirm, which reports exactly the
//! matched offers in one transaction, or nothing when an offer changed since the preview.

use entity::enums::Role;
use poem::Body;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, multipart_with};
use crate::reporting::{offers, three_offers};
use crate::routing::{IDS, Setup};

/// `first17` completed with its GB 11643 check character.
fn valid_id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{first17}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

/// A UTF-8 CSV of (ID, name) rows under `身份证号,姓名`.
fn csv(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut text = String::from("身份证号,姓名\n");
    for (id, name) in rows {
        text.push_str(&format!("{id},{name}\n"));
    }
    text.into_bytes()
}

/// Posts a roster for school 1, intake 2026, to the API with `token`.
async fn upload(app: &TestApp, token: &str, file_name: &str, bytes: &[u8]) -> Reply {
    upload_for(
        app,
        token,
        &[("school_id", "1"), ("intake_year", "2026")],
        file_name,
        bytes,
    )
    .await
}

async fn upload_for(app: &TestApp, token: &str, fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart_with(fields, file_name, bytes);
    let headers = [
        ("authorization", format!("Bearer {token}")),
        ("content-type", content_type),
    ];
    app.request(Method::POST, "/api/v1/reporting/roster", &headers, Body::from(body))
        .await
}

async fn confirm(app: &TestApp, token: &str, preview: &Value) -> Reply {
    let path = format!("/api/v1/reporting/roster/{}/confirm", preview["id"]);
    app.api(Method::POST, &path, Some(token), None).await
}

/// An offered student.
#[derive(Clone)]
struct Offered {
    placement: i64,
    student: i64,
    national_id: &'static str,
    name: String,
}

/// Three offers (see `three_offers`) and their students, in placement order.
async fn three_offered(app: &TestApp) -> (Setup, Vec<Offered>) {
    let (s, list) = three_offers(app).await;
    let three = list
        .iter()
        .map(|p| {
            let i = s
                .students
                .iter()
                .position(|st| p["student_id"] == *st)
                .expect("a setup student");
            Offered {
                placement: p["id"].as_i64().expect("id"),
                student: p["student_id"].as_i64().expect("student id"),
                national_id: IDS[i],
                name: format!("学生{}", ["甲", "乙", "丙", "丁"][i]),
            }
        })
        .collect();
    (s, three)
}

/// A roster of `students`.
fn roster_of(students: &[Offered]) -> Vec<u8> {
    let rows: Vec<(&str, &str)> = students.iter().map(|t| (t.national_id, t.name.as_str())).collect();
    csv(&rows)
}

/// Each placement's status, in placement order.
async fn statuses(app: &TestApp, s: &Setup) -> Vec<String> {
    offers(app, s)
        .await
        .iter()
        .map(|p| p["status"].as_str().expect("status").to_string())
        .collect()
}

/// Lines and codes of a preview's errors.
fn errors(preview: &Value) -> Vec<(i64, String)> {
    preview["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().expect("line"),
                e["code"].as_str().expect("code").to_string(),
            )
        })
        .collect()
}

fn placement_ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|m| m["placement_id"].as_i64().expect("placement id"))
        .collect()
}

#[tokio::test]
async fn a_good_roster_confirms_exactly_its_matched_offers_into_the_archive() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let roster = roster_of(&[three[0].clone(), three[2].clone()]);
    let preview = upload(&app, &s.clerk, "报到名单.csv", &roster).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let preview = preview.json();
    assert_eq!(preview["status"], "previewed");
    assert_eq!(preview["rows"], 2);
    assert_eq!(
        placement_ids(&preview["matches"]),
        [three[0].placement, three[2].placement]
    );
    assert!(errors(&preview).is_empty(), "{preview}");
    let masked = preview["matches"][0]["national_id"].as_str().expect("masked");
    assert!(masked.contains("********") && !preview.to_string().contains(three[0].national_id));
    assert_eq!(
        statuses(&app, &s).await,
        ["offered", "offered", "offered"],
        "a preview writes nothing"
    );
    let done = confirm(&app, &s.clerk, &preview).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["status"], "confirmed");
    assert_eq!(statuses(&app, &s).await, ["reported", "offered", "reported"]);
    for student in [three[0].student, three[2].student] {
        let entries = app
            .get_json(&format!("/api/v1/students/{student}/entries"), &s.clerk)
            .await;
        let enrolments = entries["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["kind"] == "enrolment")
            .count();
        assert_eq!(enrolments, 1, "{entries}");
    }
    let twice = confirm(&app, &s.clerk, &preview).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert!(twice.body.contains("already_confirmed"), "{}", twice.body);
}

#[tokio::test]
async fn every_kind_of_bad_row_is_reported_by_line_and_only_the_good_row_is_confirmed() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    // A fifth student placed directly at another school.
    let other = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&s.admin),
            Some(json!({"name": "巩义市第二中等职业学校", "town": "米河镇"})),
        )
        .await
        .json()["id"]
        .clone();
    let programme = app
        .api(Method::POST, "/api/v1/programmes", Some(&s.admin), Some(json!({"school_id": other, "code": "Q01", "name": "电子商务", "skill_area": "商贸", "town": "米河镇", "intake_year": 2026, "capacity": 5})))
        .await;
    assert_eq!(programme.status, StatusCode::OK, "{}", programme.body);
    let elsewhere_id = valid_id("41018120100501003");
    let fifth = app.seed_student("学生戊", &elsewhere_id, 2026).await;
    let direct = app
        .api(
            Method::POST,
            "/api/v1/placements",
            Some(&s.clerk),
            Some(json!({"student_id": fifth, "programme_id": programme.json()["id"], "reason": "补报名"})),
        )
        .await;
    assert_eq!(direct.status, StatusCode::OK, "{}", direct.body);
    let left_out = IDS
        .iter()
        .position(|id| three.iter().all(|t| t.national_id != *id))
        .expect("one student has no offer");
    let (unplaced, unplaced_name) = (IDS[left_out], format!("学生{}", ["甲", "乙", "丙", "丁"][left_out]));
    let mut bad_check = three[1].national_id.to_string();
    bad_check.replace_range(17.., if bad_check.ends_with('0') { "1" } else { "0" });
    let nobody = valid_id("41018120090909001");
    let rows = [
        (three[0].national_id, three[0].name.as_str()),
        (bad_check.as_str(), three[1].name.as_str()),
        (nobody.as_str(), "无此人"),
        (unplaced, unplaced_name.as_str()),
        (elsewhere_id.as_str(), "学生戊"),
        (three[0].national_id, three[0].name.as_str()),
        (three[2].national_id, "张冠李戴"),
    ];
    let reply = upload(&app, &s.clerk, "roster.csv", &csv(&rows)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let preview = reply.json();
    assert_eq!(placement_ids(&preview["matches"]), [three[0].placement]);
    let expected = [
        (3, "id_check_digit"),
        (4, "no_student"),
        (5, "no_offer"),
        (6, "offer_elsewhere"),
        (7, "id_duplicate"),
        (8, "name_mismatch"),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, c)| (*l, c.to_string())).collect();
    assert_eq!(errors(&preview), expected, "{preview}");
    assert!(reply.body.contains("巩义市第二中等职业学校"), "names the other school");
    assert_eq!(statuses(&app, &s).await[..3], ["offered", "offered", "offered"]);
    let bad_header = upload(&app, &s.clerk, "roster.csv", "姓名,班级\n学生甲,一班\n".as_bytes()).await;
    assert_eq!(
        bad_header.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_header.body
    );
    assert!(bad_header.body.contains("身份证号"), "{}", bad_header.body);
    let done = confirm(&app, &s.clerk, &preview).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        statuses(&app, &s).await,
        ["reported", "offered", "offered", "offered"],
        "only the good row; the other school's offer untouched"
    );
}

#[tokio::test]
async fn a_confirm_is_refused_whole_when_an_offer_changed_after_the_preview() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let preview = upload(&app, &s.clerk, "roster.csv", &roster_of(&three)).await.json();
    assert_eq!(placement_ids(&preview["matches"]).len(), 3, "{preview}");
    let declined = app
        .api(
            Method::POST,
            &format!("/api/v1/placements/{}/decline", three[1].placement),
            Some(&s.clerk),
            Some(json!({"reason": "chose_work"})),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let entries_before = app.count("archive_entry").await;
    let refused = confirm(&app, &s.clerk, &preview).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("changed_since_preview"), "{}", refused.body);
    assert_eq!(
        statuses(&app, &s).await,
        ["offered", "declined", "offered"],
        "nothing written"
    );
    assert_eq!(app.count("archive_entry").await, entries_before);
    let still = app
        .get_json(&format!("/api/v1/reporting/roster/{}", preview["id"]), &s.clerk)
        .await;
    assert_eq!(still["status"], "previewed", "the refused confirm left no trace");
    // Previewed again, the declined student is a bad row and the others confirm.
    let again = upload(&app, &s.clerk, "roster.csv", &roster_of(&three)).await.json();
    assert_eq!(errors(&again), [(3, "no_offer".to_string())]);
    assert_eq!(confirm(&app, &s.clerk, &again).await.status, StatusCode::OK);
    assert_eq!(statuses(&app, &s).await, ["reported", "declined", "reported"]);
}

#[tokio::test]
async fn reimporting_a_confirmed_roster_shows_everyone_reported_and_confirms_nothing_twice() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let first = upload(&app, &s.clerk, "roster.csv", &roster_of(&three)).await.json();
    assert_eq!(confirm(&app, &s.clerk, &first).await.status, StatusCode::OK);
    let entries = app.count("archive_entry").await;
    let again = upload(&app, &s.clerk, "roster.csv", &roster_of(&three)).await.json();
    assert_eq!(again["matches"], json!([]));
    assert_eq!(placement_ids(&again["already_reported"]).len(), 3, "{again}");
    assert!(errors(&again).is_empty());
    let nothing = confirm(&app, &s.clerk, &again).await;
    assert_eq!(nothing.status, StatusCode::CONFLICT, "{}", nothing.body);
    assert!(nothing.body.contains("nothing_to_confirm"), "{}", nothing.body);
    assert_eq!(app.count("archive_entry").await, entries, "nothing written twice");
}

#[tokio::test]
async fn gbk_csv_and_xlsx_rosters_are_read_alike() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let text = format!(
        "序号,身份证号码,学生姓名,班级\r\n1,{},{},数控一班\r\n",
        three[0].national_id, three[0].name
    );
    let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
    let reply = upload(&app, &s.clerk, "报到名单.csv", &gbk).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(placement_ids(&reply.json()["matches"]), [three[0].placement]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "national_id"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, t) in three.iter().enumerate() {
        sheet.write_string(r as u32 + 1, 0, &t.name).expect("name");
        sheet.write_string(r as u32 + 1, 1, t.national_id).expect("id");
    }
    let xlsx = book.save_to_buffer().expect("xlsx");
    let reply = upload(&app, &s.clerk, "roster.xlsx", &xlsx).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let ids: Vec<i64> = three.iter().map(|t| t.placement).collect();
    assert_eq!(placement_ids(&reply.json()["matches"]), ids);
}

#[tokio::test]
async fn hostile_rosters_are_refused_with_a_clear_message_and_nothing_kept() {
    let app = TestApp::spawn().await;
    let (s, _) = three_offers(&app).await;
    let tiny = crate::hostile_files::xlsx_with_cells(&[(0, 0), (0, 1), (1_048_575, 16_383)]);
    let reply = upload(&app, &s.clerk, "cells.xlsx", &tiny).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains("150000"), "names the row limit: {}", reply.body);
    let bomb = crate::hostile_files::zip_bomb(1_000_000, 240);
    let reply = upload(&app, &s.clerk, "bomb.xlsx", &bomb).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(
        reply.body.contains("256 MB"),
        "names the uncompressed limit: {}",
        reply.body
    );
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let reply = upload(&app, &s.clerk, "junk.csv", &junk).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let huge = vec![b'1'; 2 * 1024 * 1024];
    let reply = upload(&app, &s.clerk, "huge.csv", &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    // Control characters and a right-to-left mark in cells are bad rows, not a crash.
    let sneaky = format!("身份证号,姓名\n{}\u{0},学生甲\n{},学生\u{202E}乙\n", IDS[0], IDS[1]);
    let reply = upload(&app, &s.clerk, "sneaky.csv", sneaky.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let codes: Vec<String> = errors(&reply.json()).into_iter().map(|(_, c)| c).collect();
    assert_eq!(codes, ["id_not_digits", "text_has_control"]);
    assert_eq!(app.count("roster_preview").await, 1, "only the readable roster kept");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK, "still up");
}

#[tokio::test]
async fn only_admissions_staff_and_admins_import_rosters() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let roster = roster_of(&three[..1]);
    for role in [Role::Viewer, Role::Mentor] {
        let token = app.token(role).await;
        let reply = upload(&app, &token, "roster.csv", &roster).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role:?}: {}", reply.body);
    }
    let anonymous = app
        .request(Method::POST, "/api/v1/reporting/roster", &[], Body::empty())
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let preview = upload(&app, &s.admin, "roster.csv", &roster).await;
    assert_eq!(preview.status, StatusCode::OK, "admins may: {}", preview.body);
    let preview = preview.json();
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(confirm(&app, &viewer, &preview).await.status, StatusCode::FORBIDDEN);
    let unknown_school = upload_for(
        &app,
        &s.clerk,
        &[("school_id", "99"), ("intake_year", "1999")],
        "r.csv",
        &roster,
    )
    .await;
    assert_eq!(
        unknown_school.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown_school.body
    );
    let mut browser = app.browser_as(Role::Viewer).await;
    assert_eq!(browser.get("/reporting/roster/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(confirm(&app, &s.clerk, &preview).await.status, StatusCode::OK);
}

/// The portal: link on the class list, template, upload, preview, confirm.
#[tokio::test]
async fn a_school_imports_its_roster_on_the_portal_and_confirms_it() {
    let app = TestApp::spawn().await;
    let (s, three) = three_offered(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let class = clerk.get("/reporting?intake_year=2026&school_id=1").await;
    assert!(
        class.body.contains("/reporting/roster/new?intake_year=2026"),
        "{}",
        class.body
    );
    assert!(class.body.contains("导入报到名单"));
    let template = clerk.get("/reporting/roster/template").await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.content_type().starts_with("text/csv"));
    assert!(template.body.contains("身份证号,姓名"), "{}", template.body);
    let form = clerk.get("/reporting/roster/new?intake_year=2026&school_id=1").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let (content_type, body) = multipart_with(&[("school_id", "1"), ("intake_year", "")], "r.csv", b"");
    let refused = clerk.post_multipart("/reporting/roster", content_type, body).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("role=\"alert\""), "the errors are on the form");
    let rows = [(three[1].national_id, three[1].name.as_str()), ("123", "学生乙")];
    let (content_type, body) = multipart_with(&[("school_id", "1"), ("intake_year", "2026")], "r.csv", &csv(&rows));
    let uploaded = clerk.post_multipart("/reporting/roster", content_type, body).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let page = clerk.get(uploaded.location()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("确认这 1 名学生已报到"), "{}", page.body);
    assert!(
        page.body.contains(&three[1].name) && !page.body.contains(three[1].national_id),
        "masked IDs only"
    );
    let confirmed = clerk.post(&format!("{}/confirm", uploaded.location()), &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    let page = clerk.get(uploaded.location()).await;
    assert!(page.body.contains("已确认：1 名学生"), "{}", page.body);
    assert_eq!(statuses(&app, &s).await, ["offered", "reported", "offered"]);
    let twice = clerk.post(&format!("{}/confirm", uploaded.location()), &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("已经确认过"), "{}", twice.body);
}
