//! The dashboard (also the home page of staff who read students): exports from wherever it is
//! shown, typed spreadsheets, charts that say what they show in the reader's language, headline
//! figures with their change since the previous round, a stable order.

use calamine::{Data, Reader, Xlsx};
use entity::enums::Role;
use poem::Endpoint as _;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Browser, TestApp};
use crate::routing::{commit_run, prefer, setup};

/// The demo county, with a logged-in administrator.
async fn demo(app: &TestApp) -> Browser<'_> {
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    app.browser_as(Role::Admin).await
}

/// A GET whose body is read as bytes (an XLSX is not text).
async fn get_bytes(app: &TestApp, b: &Browser<'_>, path: &str) -> (StatusCode, String, Vec<u8>) {
    let req = poem::Request::builder()
        .method(Method::GET)
        .uri(path.parse::<poem::http::Uri>().expect("uri"))
        .header("cookie", b.cookie_string())
        .finish();
    let resp = app.endpoint.get_response(req).await;
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, resp.into_body().into_vec().await.expect("body"))
}

fn rows_of(xlsx: &[u8]) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_xml(xlsx: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet")
        .read_to_string(&mut xml)
        .expect("text");
    xml
}

/// Every `href="…"` in a page, unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .collect()
}

/// The part of a page from `id="{id}"` to the end of its section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let from = html
        .split(&format!("id=\"{id}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {id}"));
    from.split("</section>").next().unwrap_or(from)
}

fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x3000..=0x303F | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF))
}

#[tokio::test]
async fn every_export_link_on_the_home_page_downloads_its_table() {
    let app = TestApp::spawn().await;
    let mut b = demo(&app).await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let links: Vec<String> = hrefs(&home.body)
        .into_iter()
        .filter(|h| h.contains("export="))
        .collect();
    assert_eq!(links.len(), 12, "{links:?}");
    for link in &links {
        // A link relative to the page it is on.
        let link = &if link.starts_with('?') {
            format!("/{link}")
        } else {
            link.clone()
        };
        let (status, ct, bytes) = get_bytes(&app, &b, link).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        if link.contains("format=xlsx") {
            assert_eq!(ct, vocpath::export::XLSX, "{link}");
            assert!(rows_of(&bytes).len() > 1, "{link}: a header and rows");
        } else {
            assert!(ct.starts_with("text/csv"), "{link}: {ct}");
            let text = String::from_utf8(bytes).expect("utf8");
            assert!(
                text.starts_with('\u{feff}') && text.lines().count() > 1,
                "{link}: {text}"
            );
        }
    }
    // The address the issue names, on the home page itself.
    let (status, ct, _) = get_bytes(&app, &b, "/?year=2026&export=funnel&format=csv").await;
    assert_eq!((status, ct.starts_with("text/csv")), (StatusCode::OK, true), "{ct}");
    // Not signed in: the sign-in page, no figures.
    let anonymous = app.get("/?year=2026&export=funnel&format=csv").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/login"), "{}", anonymous.location());
}

#[tokio::test]
async fn the_dashboards_spreadsheets_hold_numbers_with_a_frozen_header_and_wide_columns() {
    let app = TestApp::spawn().await;
    let b = demo(&app).await;
    let (_, _, fill) = get_bytes(&app, &b, "/dashboard?export=fill&format=xlsx").await;
    let rows = rows_of(&fill);
    assert!(matches!(rows[1][1], Data::String(_)), "a name: {:?}", rows[1][1]);
    assert!(matches!(rows[1][3], Data::Float(_)), "capacity: {:?}", rows[1][3]);
    assert!(matches!(rows[1][4], Data::Float(_)), "placed: {:?}", rows[1][4]);
    let xml = sheet_xml(&fill);
    assert!(xml.contains("state=\"frozen\""), "{xml}");
    let widths: Vec<f64> = xml
        .split("width=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    // Adjacent columns of one width share a `<col>`; the widest holds a school's name.
    assert!(widths.iter().any(|w| *w >= 16.0), "{widths:?}");
    let (_, _, funnel) = get_bytes(&app, &b, "/dashboard?export=funnel&format=xlsx").await;
    assert!(rows_of(&funnel)[1..].iter().all(|r| matches!(r[1], Data::Float(_))));
}

#[tokio::test]
async fn in_english_the_charts_and_legends_have_no_chinese_and_tables_scroll_in_their_card() {
    let app = TestApp::spawn().await;
    let mut b = demo(&app).await;
    b.get("/lang/en?next=/").await;
    let page = b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    // Charts whose labels are not data: no Chinese at all.
    for id in ["funnel", "waves", "outcomes", "training"] {
        let s = section(&page.body, id);
        let svg = s.split("<svg class=\"chart\"").nth(1).expect("a chart");
        assert!(!has_cjk(svg.split("</svg>").next().unwrap_or(svg)), "{id}: {svg}");
    }
    // Titles and legends everywhere.
    for title in page.body.split("<title>").skip(2) {
        let t = title.split("</title>").next().unwrap_or_default();
        assert!(!has_cjk(t), "{t}");
    }
    for legend in page.body.split("class=\"legend\"").skip(1) {
        let l = legend.split("</p>").next().unwrap_or_default();
        assert!(!has_cjk(l), "{l}");
    }
    // Every table may scroll inside its card instead of being cut off.
    let grid = page.body.split("class=\"dash-grid\"").nth(1).expect("grid");
    assert_eq!(
        grid.matches("<table").count(),
        grid.split("<div class=\"scroll")
            .skip(1)
            .filter(|d| d.split_once('>').is_some_and(|(_, rest)| rest.starts_with("<table")))
            .count(),
        "{grid}"
    );
}

#[tokio::test]
async fn the_fill_chart_shows_each_programme_against_its_own_capacity_and_the_mentor_chart_says_what_it_leaves_out() {
    let app = TestApp::spawn().await;
    let mut b = demo(&app).await;
    let page = b.get("/dashboard").await;
    let f = vocpath::dashboard::figures::figures(
        &app.state.db,
        vocpath::dashboard::figures::Filter {
            year: 2026,
            school_id: None,
        },
        vocpath::clock::today(),
    )
    .await
    .expect("figures");
    // Each programme's bar is its seats filled of its own capacity (a full programme a full bar),
    // whatever the largest programme's size.
    let fill = section(&page.body, "fill");
    let svg = fill.split("</svg>").next().unwrap_or_default();
    assert!(f.fill.len() > 1, "the demo has programmes of several sizes");
    for p in &f.fill {
        let share = p.placed as f64 / (p.capacity as f64).max(p.placed as f64);
        let bar = format!(
            "width=\"{:.1}\" height=\"18\" fill=\"{}\"",
            share * vocpath::dashboard::svg::BAR_W,
            vocpath::dashboard::svg::BLUE
        );
        assert!(
            svg.contains(&bar),
            "{} {}/{}: {bar} in {svg}",
            p.name,
            p.placed,
            p.capacity
        );
    }
    // Attendance is a share of the farmers of sessions already held: never above 100 %, though a
    // session still running has farmers present too.
    let rate = f.training.attendance_rate.expect("sessions held");
    assert!(rate <= 100.0, "attendance {rate:.1} %");
    // The mentor chart shows at most 20 and says so when there are more.
    let loads = section(&page.body, "loads");
    if f.loads.len() > 20 {
        assert!(
            loads.contains(&format!("前 20 名（共 {} 名）", f.loads.len())),
            "{loads}"
        );
    }
}

#[tokio::test]
async fn headline_figures_show_their_change_since_the_previous_round() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    let mut admin = app.browser_as(Role::Admin).await;
    let first = admin.get("/dashboard?year=2026").await;
    let kpi = |html: &str, id: &str| -> (String, String) {
        let part = section(html, &format!("kpi-{id}"));
        let value = part.split("class=\"kpi-value\">").nth(1).expect("value");
        let change = part.split("class=\"kpi-change").nth(1).expect("change");
        let strip = |s: &str| {
            s.split('>')
                .nth(usize::from(s.starts_with('"') || s.starts_with(' ')))
                .unwrap_or(s)
                .split('<')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        (strip(value), strip(change))
    };
    assert_eq!(
        kpi(&first.body, "placed"),
        ("1".into(), "—".into()),
        "no previous round"
    );
    assert_eq!(kpi(&first.body, "on_ledger"), ("3".into(), "—".into()));
    // More seats, round 2: three more placed, the ledger empties.
    let programme = json!({"school_id": 1, "code": "P01", "name": "数控技术应用", "skill_area": "机械", "town": "米河镇",
                           "intake_year": 2026, "capacity": 4, "reserved_seats": 0, "requirements": []});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/programmes/{}", s.programmes[0]),
            Some(&s.admin),
            Some(programme),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    commit_run(&app, &s, 2).await;
    let second = admin.get("/dashboard?year=2026").await;
    assert_eq!(kpi(&second.body, "eligible"), ("4".into(), "±0".into()));
    assert_eq!(kpi(&second.body, "placed"), ("4".into(), "+3".into()));
    assert_eq!(kpi(&second.body, "on_ledger"), ("0".into(), "−3".into()));
    assert!(section(&second.body, "kpi-placed").contains("href=\"/reporting?intake_year=2026"));
}

#[tokio::test]
async fn dashboard_tables_align_numbers_right_and_every_chart_links_to_its_list_in_a_stable_order() {
    let app = TestApp::spawn().await;
    let mut b = demo(&app).await;
    let one = b.get("/dashboard").await;
    let grid = one.body.split("class=\"dash-grid\"").nth(1).expect("grid");
    // A cell holding a figure is right-aligned.
    for cell in grid.split("<td").skip(1) {
        let (attrs, rest) = cell.split_once('>').expect("cell");
        let text = rest.split("</td>").next().unwrap_or_default().trim();
        let figure = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || ".%/ —+−±".contains(c));
        assert!(!figure || attrs.contains("num"), "<td{attrs}>{text}");
    }
    for head in grid.split("<th").skip(1) {
        let (attrs, rest) = head.split_once('>').expect("header");
        let _ = (attrs, rest);
    }
    // Each chart leads to the list behind it, and that list opens.
    for id in ["funnel", "fill", "loads", "waves", "outcomes", "training"] {
        let s = section(&one.body, id);
        let links: Vec<String> = hrefs(s)
            .into_iter()
            .filter(|h| h.starts_with('/') && !h.contains("export="))
            .collect();
        assert!(!links.is_empty(), "{id}: {s}");
        let r = b.get(&links[0]).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", links[0]);
    }
    // Rendered twice, the same page.
    let two = b.get("/dashboard").await;
    assert_eq!(one.body, two.body);
}

/// The page's widest content against its viewport, and the smallest chart text in CSS pixels.
async fn measure(c: &fantoccini::Client) -> (i64, i64, f64) {
    let js = r#"
        let min = 1e9;
        for (const svg of document.querySelectorAll('svg.chart')) {
            const vb = svg.viewBox.baseVal;
            if (!vb || !vb.width) continue;
            const width = svg.getBoundingClientRect().width;
            if (!width) continue; // the layout for the other screen size, not shown
            const scale = width / vb.width;
            for (const t of svg.querySelectorAll('text')) {
                min = Math.min(min, parseFloat(t.getAttribute('font-size')) * scale);
            }
        }
        return [document.documentElement.scrollWidth, window.innerWidth, min];"#;
    let v = c.execute(js, vec![]).await.expect("measure");
    (
        v[0].as_i64().expect("scroll width"),
        v[1].as_i64().expect("inner width"),
        v[2].as_f64().expect("font"),
    )
}

/// A W3C WebDriver command fantoccini has no method for: `POST /session/{id}/{path}` with a
/// JSON body (print to PDF, a Chrome DevTools command).
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }
    fn method_and_body(&self, _: &reqwest::Url) -> (poem::http::Method, Option<String>) {
        (poem::http::Method::POST, Some(self.body.to_string()))
    }
}

/// The current page printed by Chromium on A4 with 15-mm margins, as PDF bytes.
async fn print_a4(c: &fantoccini::Client) -> Vec<u8> {
    use base64::Engine as _;
    let body = json!({"page": {"width": 21.0, "height": 29.7}, "margin": {"top": 1.5, "bottom": 1.5, "left": 1.5, "right": 1.5}, "background": true});
    let pdf = c.issue_cmd(SessionPost { path: "print", body }).await.expect("print");
    base64::engine::general_purpose::STANDARD
        .decode(pdf.as_str().expect("base64 PDF"))
        .expect("PDF")
}

/// The cards holding an element of `selector` wider than its box (cut off, or scrolling).
async fn overflowing(c: &fantoccini::Client, selector: &str) -> serde_json::Value {
    let js = "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.closest('.card').id)";
    c.execute(js, vec![json!(selector)]).await.expect("measure")
}

/// One Chrome DevTools command through chromedriver.
async fn cdp(c: &fantoccini::Client, cmd: &str, params: serde_json::Value) {
    c.issue_cmd(SessionPost {
        path: "goog/cdp/execute",
        body: json!({"cmd": cmd, "params": params}),
    })
    .await
    .unwrap_or_else(|e| panic!("{cmd}: {e}"));
}

#[tokio::test]
async fn in_chromium_the_dashboard_fits_a_phone_and_a_laptop_with_readable_charts_and_the_summary_prints_on_one_a4_page()
 {
    use crate::browser::{chromedriver, screenshot_dir, serve, sign_in, start_chromium};
    use fantoccini::Locator;
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("VOCPATH_REQUIRE_BROWSER").is_err(),
            "VOCPATH_REQUIRE_BROWSER is set but no chromedriver was found"
        );
        eprintln!("SKIPPED the dashboard in Chromium: no chromedriver found (see browser.rs)");
        return;
    };
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    let email = "dash-e2e@test.cn";
    app.user(email, Role::Admin).await;
    let base = serve(&app).await;
    let (c, _driver) = start_chromium(&driver_path, &["--window-size=1366,900", "--lang=zh-CN"]).await;
    let url = |path: &str| format!("{base}{path}");
    sign_in(&c, &base, email, crate::helpers::PASSWORD).await;
    c.wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .expect("dashboard");
    for lang in ["zh-CN", "en"] {
        c.goto(&url(&format!("/lang/{lang}?next=/dashboard")))
            .await
            .expect("language");
        for (w, h) in [(1366u32, 900u32), (360, 740)] {
            c.set_window_size(w, h).await.expect("size");
            c.goto(&url("/dashboard")).await.expect("dashboard");
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(screenshot_dir().join(format!("dashboard-{lang}-{w}.png")), png).expect("write");
            let (scroll, inner, font) = measure(&c).await;
            assert!(
                scroll <= inner,
                "{lang} at {w} px: the page is {scroll} px wide in {inner}"
            );
            if w == 360 {
                assert!(font >= 12.0, "{lang}: chart text of {font:.1} px on a phone");
            }
            if w == 1366 {
                assert!(font >= 13.0, "{lang}: chart text of {font:.1} px at 1366 px");
                // On a laptop every table fits its card (on a phone a wide one scrolls in its card).
                let cut = overflowing(&c, ".dash .scroll").await;
                assert_eq!(cut, json!([]), "{lang}: tables wider than their card at 1366 px");
            }
        }
        c.set_window_size(1366, 900).await.expect("size");
        c.goto(&url("/dashboard/summary")).await.expect("summary");
        let pdf = print_a4(&c).await;
        std::fs::write(screenshot_dir().join(format!("summary-{lang}.pdf")), &pdf).expect("write");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        assert_eq!(
            crate::helpers::count_pdf_pages(&pdf),
            1,
            "{lang}: the one-page summary prints on one A4 page"
        );
        // Laid out for print on A4's 180 mm (680 px), no table is wider than its card or cut off.
        c.set_window_size(680, 1000).await.expect("size");
        cdp(&c, "Emulation.setEmulatedMedia", json!({"media": "print"})).await;
        let cut = overflowing(&c, ".summary .card, .summary .scroll").await;
        assert_eq!(cut, json!([]), "{lang}: printed cards whose content overflows");
        cdp(&c, "Emulation.setEmulatedMedia", json!({"media": ""})).await;
    }
    c.close().await.expect("close");
}

/// Not only the dashboard's: the students export (through the same helpers) holds birth dates as
/// dates, years as numbers, phone numbers and masked IDs as text, under a frozen header.
#[tokio::test]
async fn the_student_list_spreadsheet_types_its_columns_and_keeps_phone_numbers_as_text() {
    let app = TestApp::spawn().await;
    let b = demo(&app).await;
    let (status, ct, xlsx) = get_bytes(&app, &b, "/students/export?graduation_year=2026&format=xlsx").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, vocpath::export::XLSX));
    let rows = rows_of(&xlsx);
    let col = |header: &str| {
        rows[0]
            .iter()
            .position(|h| matches!(h, Data::String(s) if s == header))
            .unwrap_or_else(|| panic!("no column {header}: {:?}", rows[0]))
    };
    let (birth, year, phone, id) = (col("出生日期"), col("毕业年份"), col("联系电话"), col("身份证号"));
    for row in &rows[1..] {
        assert!(matches!(row[birth], Data::DateTime(_)), "{:?}", row[birth]);
        assert_eq!(row[year], Data::Float(2026.0));
        assert!(matches!(row[phone], Data::String(_) | Data::Empty), "{:?}", row[phone]);
        assert!(matches!(row[id], Data::String(_)), "{:?}", row[id]);
    }
    assert!(sheet_xml(&xlsx).contains("state=\"frozen\""));
}
