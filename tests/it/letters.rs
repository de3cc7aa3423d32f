//! Admission letters (录取通知书): the facts on a letter, a school's letters one per page, one A4
//! page in Chromium's print-to-PDF, and the public verify code.

use std::path::{Path, PathBuf};

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::reporting_windows::{put_window, school_id, set_window};
use crate::routing::{Setup, commit_run, prefer, setup};

pub(crate) const FULL_IDS: [&str; 4] = [
    "410181200602024058",
    "410181200704209707",
    "410181200707295452",
    "410181200707170799",
];

/// Everyone chooses P01 then P02: three placed (one in P01, two in P02), one left over.
pub(crate) async fn committed(app: &TestApp) -> Setup {
    let s = setup(app).await;
    for st in &s.students {
        prefer(app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    commit_run(app, &s, 1).await;
    s
}

pub(crate) async fn placements(app: &TestApp, s: &Setup) -> Vec<Value> {
    let r = app
        .api(Method::GET, "/api/v1/placements?intake_year=2026", Some(&s.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"].as_array().expect("items").clone()
}

fn letter_count(html: &str) -> usize {
    html.matches("<article class=\"letter\"").count()
}

#[tokio::test]
async fn a_letter_shows_student_school_programme_reporting_and_aid_but_never_the_full_id() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    set_window(&app, &s).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    commit_run(&app, &s, 1).await;
    let placed = placements(&app, &s).await;
    let first = &placed[0];
    let mut b = app.browser_as(Role::Viewer).await;
    let r = b.get(&format!("/placements/{}/letter", first["id"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let html = r.body;
    assert_eq!(letter_count(&html), 1);
    let name = ["学生甲", "学生乙", "学生丙", "学生丁"][s
        .students
        .iter()
        .position(|st| i64::from(*st) == first["student_id"].as_i64().expect("sid"))
        .expect("student")];
    let programme = if first["programme_id"].as_i64() == Some(s.programmes[0]) {
        "数控技术应用"
    } else {
        "护理"
    };
    for fact in [
        "录取通知书",
        &format!("{name} 同学"),
        "巩义市第一中等职业学校",
        programme,
        "2026级",
        "2026年9月1日 至 2026年9月3日",
        "巩义市职教园区 3 号教学楼一楼大厅",
        "<li>户口本复印件</li>",
        "王老师 0371-64321234",
        "免除学费",
        "国家助学金每年 2000 元",
        "@page{size:A4",
        "/letters/verify/",
    ] {
        assert!(html.contains(fact), "{fact} missing from the letter:\n{html}");
    }
    assert!(html.contains("410181********"), "the masked ID is shown");
    for id in FULL_IDS {
        assert!(!html.contains(id), "a full national ID is on a letter");
    }
    assert!(!html.contains("https://"), "nothing from a CDN");

    // In English on request, from the same catalogues.
    b.get("/lang/en?next=/").await;
    let en = b.get(&format!("/placements/{}/letter", first["id"])).await.body;
    assert!(
        en.contains("Admission letter") && en.contains("2026-09-01 to 2026-09-03"),
        "{en}"
    );
    assert!(en.contains("the national grant of 2000 yuan a year"), "{en}");

    assert_eq!(b.get("/placements/99999/letter").await.status, StatusCode::NOT_FOUND);
    let mut anonymous = crate::helpers::Browser::new(&app);
    let r = anonymous.get(&format!("/placements/{}/letter", first["id"])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "staff only");
}

#[tokio::test]
async fn without_a_window_the_letter_says_details_follow_and_the_aid_is_as_the_county_configures() {
    let app = TestApp::spawn_with(&[
        ("VOCPATH_AID_FREE_TUITION", "false"),
        ("VOCPATH_AID_GRANT_YUAN", "3300"),
    ])
    .await;
    let s = committed(&app).await;
    let placed = placements(&app, &s).await;
    let mut b = app.browser_as(Role::Admissions).await;
    let html = b.get(&format!("/placements/{}/letter", placed[0]["id"])).await.body;
    assert!(html.contains("报到的时间、地点和所需材料将另行通知"), "{html}");
    assert!(html.contains("请联系巩义市第一中等职业学校招生办"), "{html}");
    assert!(html.contains("国家助学金每年 3300 元"), "{html}");
    assert!(!html.contains("免除学费"), "{html}");

    let none = TestApp::spawn_with(&[("VOCPATH_AID_FREE_TUITION", "no"), ("VOCPATH_AID_GRANT_YUAN", "0")]).await;
    let s = committed(&none).await;
    let placed = placements(&none, &s).await;
    let mut b = none.browser_as(Role::Admissions).await;
    let html = b.get(&format!("/placements/{}/letter", placed[0]["id"])).await.body;
    assert!(html.contains("资助政策请向学校咨询"), "{html}");
}

#[tokio::test]
async fn a_schools_letters_page_has_one_letter_per_placed_student() {
    let app = TestApp::spawn().await;
    let s = committed(&app).await;
    let school = school_id(&app, &s).await;
    let placed = placements(&app, &s).await;
    assert_eq!(placed.len(), 3);
    let mut b = app.browser_as(Role::Viewer).await;
    let r = b.get(&format!("/schools/{school}/letters?intake_year=2026")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(letter_count(&r.body), 3, "{}", r.body);
    for p in &placed {
        assert!(
            r.body.contains(&format!("data-placement=\"{}\"", p["id"])),
            "{}",
            r.body
        );
    }
    assert!(r.body.contains("page-break-after:always"));
    assert!(r.body.contains("共 3 份"));
    let empty = b.get(&format!("/schools/{school}/letters?intake_year=2027")).await;
    assert_eq!(letter_count(&empty.body), 0);
    assert!(empty.body.contains("还没有录取学生"));
    assert_eq!(
        b.get("/schools/9999/letters?intake_year=2026").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_letters_verify_code_shows_only_the_masked_name_school_programme_and_year() {
    let app = TestApp::spawn().await;
    let s = committed(&app).await;
    let placed = placements(&app, &s).await;
    let mut staff = app.browser_as(Role::Viewer).await;
    let html = staff.get(&format!("/placements/{}/letter", placed[0]["id"])).await.body;
    let code = html
        .split("<code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("verify code on the letter")
        .to_string();
    assert_eq!(code.len(), 10, "{code}");
    let again = staff.get(&format!("/placements/{}/letter", placed[0]["id"])).await.body;
    assert!(again.contains(&code), "a letter keeps its code");

    let mut public = crate::helpers::Browser::new(&app);
    for path in [
        format!("/letters/verify/{code}"),
        format!("/letters/verify?code=%20{}", code.to_lowercase()),
    ] {
        let r = public.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains("真实有效"), "{}", r.body);
        assert!(r.body.contains("学*"), "masked name: {}", r.body);
        assert!(r.body.contains("巩义市第一中等职业学校"));
        assert!(r.body.contains("2026"));
        for id in FULL_IDS {
            assert!(!r.body.contains(id));
        }
        assert!(!r.body.contains("410181"), "not even a masked ID");
        for full_name in ["学生甲", "学生乙", "学生丙", "学生丁"] {
            assert!(!r.body.contains(full_name), "the full name stays private");
        }
    }
    for bad in ["ABCDEFGHJK", "nonsense", "%3Cscript%3E"] {
        let r = public.get(&format!("/letters/verify?code={bad}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(r.body.contains("不对应任何录取通知书"), "{}", r.body);
        assert!(!r.body.contains("<script>"));
    }
    assert_eq!(
        public.get("/letters/verify").await.status,
        StatusCode::OK,
        "the empty form"
    );
}

pub(crate) fn chromium() -> Option<PathBuf> {
    [
        std::env::var("VOCPATH_CHROMIUM").ok().map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
}

/// Prints `html` to PDF in headless Chromium and counts its pages (`/Type /Page` objects, not the
/// `/Pages` tree).
pub(crate) fn pdf_pages(chromium: &Path, html: &str) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("letter.html");
    std::fs::write(&page, html).expect("write html");
    let pdf = dir.path().join("letter.pdf");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let bytes = std::fs::read(&pdf)
        .unwrap_or_else(|e| panic!("no PDF ({e}); chromium said: {}", String::from_utf8_lossy(&out.stderr)));
    // To look at the printout: VOCPATH_LETTER_PDF_DIR=/tmp/letters cargo test --test it letters::
    if let Ok(keep) = std::env::var("VOCPATH_LETTER_PDF_DIR") {
        std::fs::create_dir_all(&keep).expect("folder for the printouts");
        let name = format!("letters-{}.pdf", uuid::Uuid::new_v4().simple());
        std::fs::copy(&pdf, Path::new(&keep).join(name)).expect("keep the printout");
    }
    crate::helpers::count_pdf_pages(&bytes)
}

/// The longest texts a window and a school may have still print on one page.
#[tokio::test]
async fn a_letter_prints_on_exactly_one_a4_page_and_a_schools_letters_one_page_each() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("VOCPATH_REQUIRE_BROWSER").is_err(),
            "VOCPATH_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("SKIPPED a_letter_prints_on_exactly_one_a4_page: no chromium found (set VOCPATH_CHROMIUM)");
        return;
    };
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let school = school_id(&app, &s).await;
    let longest = json!({
        "starts_on": "2026-08-28",
        "ends_on": "2026-09-30",
        "place": "地".repeat(vocpath::admissions::reporting::MAX_PLACE),
        "bring": (0..vocpath::admissions::reporting::MAX_BRING_LINES)
            .map(|i| format!("第{i}项：{}", "材".repeat(vocpath::admissions::reporting::MAX_BRING / 10 - 4)))
            .collect::<Vec<_>>()
            .join("\n"),
        "contact": "电".repeat(vocpath::admissions::reporting::MAX_CONTACT),
    });
    let r = put_window(&app, &s.clerk, school, "2026", longest).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    commit_run(&app, &s, 1).await;
    let placed = placements(&app, &s).await;
    let mut b = app.browser_as(Role::Viewer).await;
    let one = b.get(&format!("/placements/{}/letter", placed[0]["id"])).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(pdf_pages(&chromium, &one.body), 1, "one letter, one page");
    let all = b.get(&format!("/schools/{school}/letters?intake_year=2026")).await;
    assert_eq!(letter_count(&all.body), 3);
    assert_eq!(
        pdf_pages(&chromium, &all.body),
        3,
        "one page per student, no blank page"
    );
}
