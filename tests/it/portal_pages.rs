//! The training staff pages, the farmers' public pages, the sign-in page and the language switch,
//! as a reader sees them: the switch keeps the page's query and never leaves the site; English
//! pages hold no Chinese outside data values; skills, opening days and venues read as text; tables
//! have header rows and right-aligned figures; every form control has a label; lists keep their
//! order from one load to the next.

use entity::enums::Role;
use poem::http::StatusCode;
use serde_json::json;
use vocpath::audit::Actor;
use vocpath::training::registrations;
use vocpath::training::setup::{self, BaseForm, CourseForm, InstructorForm};

use crate::helpers::{Browser, TestApp};
use crate::training::{farmer, in_days, session, set_dates, world};
use crate::training_attendance::record;

/// What the fixture created, for the pages to show.
struct County {
    open: i32,
    past: i32,
    /// The registration holding a certificate.
    certified: i32,
    /// The certificate's number.
    code: String,
    /// Every data value the pages may show (typed by staff or farmers, so Chinese in English too).
    data: Vec<String>,
}

/// A county with an open session (three registered, one waitlisted), a finished one with a
/// certificate, a base open Monday to Saturday, an instructor of two skills and interest in a
/// course nobody teaches.
async fn county(app: &TestApp) -> County {
    let w = world(app).await;
    let actor = Actor::system("test");
    setup::create_base(
        &app.state.db,
        &actor,
        BaseForm {
            name: "站街实训基地".into(),
            address: "站街镇职教路 8 号".into(),
            town: "站街镇".into(),
            open_days: "123456".into(),
            venues: "实训车间: 30\n烹饪教室: 24".into(),
            ..Default::default()
        }
        .parse()
        .expect("base"),
    )
    .await
    .expect("base");
    setup::create_instructor(
        &app.state.db,
        &actor,
        InstructorForm {
            name: "王建国".into(),
            skills: "设施蔬菜,食用菌栽培".into(),
            ..Default::default()
        }
        .parse()
        .expect("instructor"),
    )
    .await
    .expect("instructor");
    let nobody_teaches = setup::create_course(
        &app.state.db,
        &actor,
        CourseForm {
            title: "家政服务员".into(),
            skill_area: "家政服务".into(),
            hours: "24".into(),
            min_cohort: "2".into(),
            max_cohort: "30".into(),
            ..Default::default()
        }
        .parse()
        .expect("course"),
    )
    .await
    .expect("course");
    let limits = &app.state.config.rate_limits.public;
    for n in 30..32 {
        vocpath::training::interest::register_interest(
            &app.state.db,
            limits,
            Some(nobody_teaches.id),
            &farmer(n),
            &format!("10.3.0.{n}"),
        )
        .await
        .expect("interest");
    }
    let open = session(app, &w, 14, 3).await;
    let past = session(app, &w, 20, 5).await;
    for (n, s) in [(1, open), (2, open), (3, open), (4, open), (5, past)] {
        registrations::register(
            &app.state.db,
            limits,
            s,
            farmer(n).parse().expect("farmer"),
            &format!("10.2.0.{n}"),
        )
        .await
        .expect("register");
    }
    set_dates(app, past, -3, -2).await;
    let certified = entity::registration::Entity::find()
        .all(&app.state.db)
        .await
        .expect("registrations")
        .into_iter()
        .find(|r| r.session_id == past)
        .expect("registration")
        .id;
    let token = app.token(Role::Admissions).await;
    for d in [-3, -2] {
        let body =
            json!({ "day": in_days(d).to_string(), "attendance": [{ "registration_id": certified, "present": true }]});
        assert_eq!(record(app, &token, past, body).await.status, StatusCode::OK);
    }
    vocpath::training::certificates::issue(&app.state.db, &actor, past)
        .await
        .expect("certificates");
    let code = entity::certificate::Entity::find()
        .all(&app.state.db)
        .await
        .expect("certificates")
        .pop()
        .expect("a certificate")
        .code;
    let mut data: Vec<String> = [
        "米河实训基地",
        "米河镇政府东 200 米",
        "米河镇",
        "实训大棚",
        "小教室",
        "设施蔬菜种植",
        "设施蔬菜",
        "刘师傅",
        "陈师傅",
        "电工",
        "新庄村",
        "站街实训基地",
        "站街镇职教路 8 号",
        "站街镇",
        "实训车间",
        "烹饪教室",
        "王建国",
        "食用菌栽培",
        "家政服务员",
        "家政服务",
        "测试用户",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    data.extend((1..40).map(|n| farmer(n).name));
    data.extend((1..40).map(|n| vocpath::verify::mask_name(&farmer(n).name)));
    // The skill areas suggested in the course form: the county's own names for them.
    data.extend(setup::SKILL_AREAS.iter().map(|s| s.to_string()));
    // Longest first, so a value is never cut by a shorter one inside it.
    data.sort_by_key(|d| std::cmp::Reverse(d.chars().count()));
    County {
        open,
        past,
        certified,
        code,
        data,
    }
}

use sea_orm::EntityTrait;

fn is_not_english(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Chinese characters or full-width punctuation a page shows outside `data`, each with some context.
fn not_english(body: &str, data: &[String]) -> Vec<String> {
    // The language link names Chinese in Chinese, on purpose.
    let mut text = body.replace("lang=\"zh-CN\">中文</a>", "");
    for d in data {
        text = text.replace(d.as_str(), "");
    }
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if is_not_english(chars[i]) {
            let from = i.saturating_sub(40);
            let mut to = i;
            while to < chars.len() && (is_not_english(chars[to]) || to < i + 20) {
                to += 1;
            }
            found.push(chars[from..to.min(chars.len())].iter().collect());
            i = to;
        } else {
            i += 1;
        }
    }
    found
}

async fn english(b: &mut Browser<'_>) {
    let r = b.get("/lang/en?next=/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// Every training staff page of the county's sessions.
fn staff_pages(c: &County) -> Vec<String> {
    vec![
        "/training".into(),
        "/training/setup".into(),
        format!("/training/sessions/{}", c.open),
        format!("/training/sessions/{}", c.past),
        format!("/training/sessions/{}/attendance", c.past),
        "/training/farmers".into(),
        format!("/training/farmers?phone={}", farmer(5).phone),
        format!("/training/farmers?phone={}", farmer(39).phone),
        format!("/training/registrations/{}/certificate", c.certified),
    ]
}

/// Every public page a farmer sees (no sign-in).
fn farmer_pages(c: &County) -> Vec<String> {
    vec![
        "/train".into(),
        "/train?town=米河镇".into(),
        format!("/train/sessions/{}", c.open),
        format!("/train/sessions/{}", c.past),
        "/train/sessions/99999".into(),
        "/train/my".into(),
        "/train/interest".into(),
        "/train/certificates".into(),
        format!("/train/certificates?code={}", c.code),
        format!("/train/certificates/{}", c.code),
        "/train/certificates?code=NOPE".into(),
        "/login".into(),
    ]
}

#[tokio::test]
async fn the_language_switch_link_carries_the_page_query_and_comes_back_to_it() {
    let app = TestApp::spawn().await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training/farmers?phone=13900000001&x=a%2Fb").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let encoded = "%2Ftraining%2Ffarmers%3Fphone%3D13900000001%26x%3Da%252Fb";
    assert!(
        page.body.contains(&format!("href=\"/lang/en?next={encoded}\"")),
        "the link keeps the query, encoded: {}",
        page.body
    );
    let back = clerk.get(&format!("/lang/en?next={encoded}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(back.location(), "/training/farmers?phone=13900000001&x=a%2Fb");
    let en = clerk.get(back.location()).await;
    assert!(
        en.body.contains(&format!("href=\"/lang/zh-CN?next={encoded}\"")),
        "{}",
        en.body
    );
    // The farmers' pages go back with their filters too.
    let mut phone = Browser::new(&app);
    let list = phone.get("/train?town=%E7%B1%B3%E6%B2%B3%E9%95%87").await;
    assert!(
        list.body
            .contains("next=%2Ftrain%3Ftown%3D%25E7%25B1%25B3%25E6%25B2%25B3%25E9%2595%2587"),
        "{}",
        list.body
    );
    let back = phone
        .get("/lang/en?next=%2Ftrain%3Ftown%3D%25E7%25B1%25B3%25E6%25B2%25B3%25E9%2595%2587")
        .await;
    assert_eq!(back.location(), "/train?town=%E7%B1%B3%E6%B2%B3%E9%95%87");
}

#[tokio::test]
async fn the_language_switch_never_sends_anyone_off_the_site() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    for bad in [
        "//evil.com",
        "/\\evil.com",
        "/\\/evil.com",
        "\\\\evil.com",
        "https://evil.com",
        "http:/evil.com",
        "javascript:alert(1)",
        "/\t/evil.com",
        "/\r\n/evil.com",
        "/\u{0}/evil.com",
        "/%2F/evil.com",
        "/%5cevil.com",
        " //evil.com",
        "evil.com",
        "",
    ] {
        let q = serde_urlencoded::to_string([("next", bad)]).expect("query");
        let r = b.get(&format!("/lang/en?{q}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(r.location(), "/", "{bad:?} must not be followed");
    }
    let r = b.get("/lang/zh-CN").await;
    assert_eq!(r.location(), "/");
    assert!(
        r.headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with("vocpath_lang=zh-CN")),
        "{:?}",
        r.headers
    );
}

#[tokio::test]
async fn signing_in_comes_back_to_the_page_with_its_query() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    let r = b.get("/training/farmers?phone=13900000001").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Ftraining%2Ffarmers%3Fphone%3D13900000001");
    app.user("clerk@test.cn", Role::Admissions).await;
    b.get(r.location()).await;
    let r = b
        .post(
            "/login",
            &[
                ("email", "clerk@test.cn"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/training/farmers?phone=13900000001"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/training/farmers?phone=13900000001");
}

#[tokio::test]
async fn training_and_farmer_pages_in_english_show_no_chinese_outside_data_values() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    english(&mut clerk).await;
    let mut phone = Browser::new(&app);
    english(&mut phone).await;
    let mut problems = Vec::new();
    for (who, pages) in [(&mut clerk, staff_pages(&c)), (&mut phone, farmer_pages(&c))] {
        for p in pages {
            let r = who.get(&p).await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
                "{p}: {}",
                r.status
            );
            for bad in not_english(&r.body, &c.data) {
                problems.push(format!("{p}: …{bad}…"));
            }
        }
    }
    // The pages after a farmer's action: registered, checked, asked for a course.
    let f = farmer(20);
    let fields = [
        ("name", f.name.as_str()),
        ("phone", f.phone.as_str()),
        ("town", "米河镇"),
        ("village", "新庄村"),
    ];
    let r = phone.post(&format!("/train/sessions/{}", c.open), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = phone.get(r.location()).await;
    let code = done
        .body
        .split("class=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("a code")
        .to_string();
    let check = phone
        .post("/train/my", &[("phone", f.phone.as_str()), ("code", code.as_str())])
        .await;
    let bad_form = phone
        .post(&format!("/train/sessions/{}", c.open), &[("name", ""), ("phone", "12")])
        .await;
    let interest = phone.post("/train/interest", &[("course_id", ""), ("name", "")]).await;
    for (p, body) in [
        ("registered", done.body),
        ("checked", check.body),
        ("registration errors", bad_form.body),
        ("interest errors", interest.body),
    ] {
        for bad in not_english(&body, &c.data) {
            problems.push(format!("{p}: …{bad}…"));
        }
    }
    // Staff forms with errors.
    for (p, fields) in [
        ("/training", vec![("capacity", "x")]),
        ("/training/bases", vec![("open_days", "89")]),
        ("/training/courses", vec![("hours", "x")]),
        ("/training/instructors", vec![("name", "")]),
        ("/training/blackouts", vec![("starts_on", "x")]),
    ] {
        let r = clerk.post(p, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        for bad in not_english(&r.body, &c.data) {
            problems.push(format!("POST {p}: …{bad}…"));
        }
    }
    // The account pages and the administrator's pages for accounts.
    let mut admin = app.browser_as(Role::Admin).await;
    english(&mut admin).await;
    let someone = app.user("someone@test.cn", Role::Mentor).await;
    for p in [
        "/account/password".to_string(),
        "/account/tokens".to_string(),
        "/admin/users".to_string(),
        "/admin/users/new".to_string(),
        format!("/admin/users/{someone}"),
    ] {
        let r = admin.get(&p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        for bad in not_english(&r.body, &c.data) {
            problems.push(format!("{p}: …{bad}…"));
        }
    }
    let r = admin.post("/account/tokens", &[("name", "")]).await;
    for bad in not_english(&r.body, &c.data) {
        problems.push(format!("POST /account/tokens: …{bad}…"));
    }
    assert!(problems.is_empty(), "not English:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn skills_opening_days_and_venues_read_as_text_in_both_languages() {
    let app = TestApp::spawn().await;
    county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let zh = clerk.get("/training/setup").await;
    assert_eq!(zh.status, StatusCode::OK);
    for shown in [
        "设施蔬菜、食用菌栽培",
        "周一至周六",
        "每天",
        "实训车间 30 座、烹饪教室 24 座",
    ] {
        assert!(zh.body.contains(shown), "{shown} missing: {}", zh.body);
    }
    for raw in ["[\"", "123456", "1234567", "、<", "、 <", "、\n"] {
        assert!(!zh.body.contains(raw), "{raw} shown raw: {}", zh.body);
    }
    english(&mut clerk).await;
    let en = clerk.get("/training/setup").await;
    for shown in [
        "设施蔬菜, 食用菌栽培",
        "Mon–Sat",
        "Every day",
        "实训车间 30 seats, 烹饪教室 24 seats",
    ] {
        assert!(en.body.contains(shown), "{shown} missing: {}", en.body);
    }
    for raw in ["[\"", "123456", "1234567", "、"] {
        assert!(!en.body.contains(raw), "{raw} shown raw: {}", en.body);
    }
}

/// The tables of `body`, each as its HTML.
fn tables(body: &str) -> Vec<&str> {
    body.split("<table")
        .skip(1)
        .filter_map(|t| t.split("</table>").next())
        .collect()
}

#[tokio::test]
async fn training_tables_have_header_rows_right_aligned_figures_and_no_raw_codes() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    for lang in ["zh-CN", "en"] {
        clerk.get(&format!("/lang/{lang}?next=/")).await;
        for p in staff_pages(&c) {
            let r = clerk.get(&p).await;
            for t in tables(&r.body) {
                assert!(t.contains("<thead>"), "{p}: a table without a header row: {t}");
                assert!(
                    t.contains("<th class=\"num\"") || !t.contains("<td class=\"num"),
                    "{p}: figures right-aligned but not their heading: {t}"
                );
            }
            let between = r.body.split("<main>").nth(1).unwrap_or_default();
            for raw in [
                ">#",
                "#1<",
                ">true<",
                ">false<",
                "waitlisted<",
                "confirmed<",
                ">proposed<",
            ] {
                assert!(!between.contains(raw), "{p} shows {raw} raw");
            }
            let tables_outside_scroll =
                between.matches("<table").count() - between.matches("<div class=\"scroll\"><table").count();
            assert_eq!(tables_outside_scroll, 0, "{p}: a wide table must scroll inside its box");
        }
    }
    let index = clerk.get("/training").await;
    let past = index.body.split("id=\"past\"").nth(1).expect("a past-sessions table");
    assert!(past.contains("<thead>"), "{past}");
    assert!(index.body.contains("<th class=\"num\">"), "{}", index.body);
}

/// Form controls in `body` without a label: an `id` no `<label for>` names, not wrapped in a label
/// and without `aria-label`.
fn unlabelled(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in ["<input", "<select", "<textarea"] {
        for (i, _) in body.match_indices(tag) {
            let el = &body[i..body[i..].find('>').map_or(body.len(), |e| i + e)];
            if ["type=\"hidden\"", "type=\"submit\"", "aria-label="]
                .iter()
                .any(|a| el.contains(a))
            {
                continue;
            }
            let labelled_by_for = el
                .split(" id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .is_some_and(|id| body.contains(&format!("for=\"{id}\"")));
            let before = &body[..i];
            let wrapped = before
                .rfind("<label")
                .is_some_and(|l| before.rfind("</label>").is_none_or(|c| c < l));
            if !labelled_by_for && !wrapped {
                out.push(el.to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn every_form_control_on_training_sign_in_and_farmer_pages_has_a_label() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let mut phone = Browser::new(&app);
    let mut problems = Vec::new();
    for (who, pages) in [(&mut clerk, staff_pages(&c)), (&mut phone, farmer_pages(&c))] {
        for p in pages {
            let r = who.get(&p).await;
            for el in unlabelled(&r.body) {
                problems.push(format!("{p}: {el}"));
            }
        }
    }
    for p in ["/account/password", "/account/tokens"] {
        let r = clerk.get(p).await;
        for el in unlabelled(&r.body) {
            problems.push(format!("{p}: {el}"));
        }
    }
    assert!(problems.is_empty(), "unlabelled:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn the_sign_in_page_says_what_the_portal_is_for_and_shows_farmers_the_way() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    let zh = b.get("/login").await;
    assert_eq!(zh.status, StatusCode::OK);
    for shown in ["职业教育精准招生与帮扶", "href=\"/train\"", "<h1", "县教育局"] {
        assert!(zh.body.contains(shown), "{shown} missing: {}", zh.body);
    }
    english(&mut b).await;
    let en = b.get("/login").await;
    for shown in ["href=\"/train\"", "vocational", "Sign in"] {
        assert!(en.body.contains(shown), "{shown} missing: {}", en.body);
    }
    assert!(
        not_english(&en.body, &[]).is_empty(),
        "{:?}",
        not_english(&en.body, &[])
    );
}

#[tokio::test]
async fn training_pages_list_everything_in_the_same_order_on_every_load() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let mut phone = Browser::new(&app);
    for (who, pages) in [(&mut clerk, staff_pages(&c)), (&mut phone, farmer_pages(&c))] {
        for p in pages {
            let once = who.get(&p).await.body;
            let again = who.get(&p).await.body;
            // The CSRF token is the same for one browser; anything else that differs is order.
            assert_eq!(once, again, "{p} changed between two loads");
        }
    }
}

/// The HTML from the control with `id` to the next label: where its error must stand.
fn after_control<'a>(body: &'a str, id: &str) -> &'a str {
    let from = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}: {body}"));
    let rest = &body[from..];
    let to = rest[1..].find("<label").map_or(rest.len(), |i| i + 1);
    &rest[..to]
}

#[tokio::test]
async fn a_wrong_capacity_or_move_shows_its_error_next_to_the_field() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    clerk.get(&format!("/training/sessions/{}", c.open)).await;
    let r = clerk
        .post(&format!("/training/sessions/{}/capacity", c.open), &[("capacity", "2")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let next_to = after_control(&r.body, "capacity");
    assert!(
        next_to.contains("class=\"field-error\"") && next_to.contains("aria-invalid=\"true\""),
        "{next_to}"
    );
    let from = in_days(20).to_string();
    let to = in_days(19).to_string();
    let session = entity::training_session::Entity::find_by_id(c.open)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("session");
    let r = clerk
        .post(
            &format!("/training/sessions/{}/move", c.open),
            &[
                ("venue_id", session.venue_id.to_string().as_str()),
                ("instructor_id", session.instructor_id.to_string().as_str()),
                ("starts_on", from.as_str()),
                ("ends_on", to.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let next_to = after_control(&r.body, "move_to");
    assert!(next_to.contains("class=\"field-error\""), "{next_to}");
    assert!(
        next_to.contains(&format!("value=\"{to}\"")),
        "what was typed stays: {next_to}"
    );
}

#[tokio::test]
async fn the_certificate_prints_on_one_a4_page_in_english_too() {
    let Some(chromium) = crate::letters::chromium() else {
        eprintln!(
            "SKIPPED the_certificate_prints_on_one_a4_page_in_english_too: no chromium found (set VOCPATH_CHROMIUM)"
        );
        return;
    };
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    english(&mut clerk).await;
    let r = clerk
        .get(&format!("/training/registrations/{}/certificate", c.certified))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Certificate of completion"), "{}", r.body);
    assert_eq!(
        crate::letters::pdf_pages(&chromium, &r.body),
        1,
        "one certificate, one page"
    );
}
