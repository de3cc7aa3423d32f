//! Every staff page and farmer page of the demo county in a real headless Chromium, at 1366 px
//! (a clerk's laptop) and 360 px (a cheap Android phone), in Chinese and in English: no page
//! scrolls sideways, every form control has a label, text has AA contrast, focus is visible and
//! `lang` names the page's language. Screenshots go to `<target>/e2e/tour/`.
//! Without Chromium and chromedriver the test says it was skipped, like the browser test.

use entity::enums::Role;

use fantoccini::Client;

use crate::browser::{Driver, chromedriver, screenshot_dir, serve, sign_in, start_chromium};
use crate::helpers::{Browser, PASSWORD, TestApp};

/// The checks run in the page: returns a list of problems (empty when the page is right).
const CHECKS: &str = r#"
const problems = [];
const expectLang = arguments[0];
const doc = document.documentElement;
if (doc.lang !== expectLang) problems.push(`html lang is "${doc.lang}", expected "${expectLang}"`);
if (doc.scrollWidth > window.innerWidth + 1) {
  // Name the widest element so the failure says where to look.
  let widest = null, right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > right && el.closest('.scroll') === null) { right = r.right; widest = el; }
  }
  const what = widest ? `${widest.tagName.toLowerCase()}.${widest.className}` : '?';
  problems.push(`scrolls sideways: ${doc.scrollWidth} px wide in a ${window.innerWidth} px window (widest: ${what}, ${Math.round(right)} px)`);
}
for (const el of document.querySelectorAll('input, select, textarea')) {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset'].includes(type)) continue;
  const named = el.labels.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title;
  if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name="${el.name}"`);
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (!(el.textContent.trim() || el.getAttribute('aria-label') || el.title || el.querySelector('img[alt]'))) {
    problems.push(`${el.tagName.toLowerCase()} without text: ${el.outerHTML.slice(0, 80)}`);
  }
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
}
// Contrast (WCAG AA): every element that holds text of its own.
function rgb(s) { const m = s.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 1]; }
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function background(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c;
  }
  return [255, 255, 255, 1];
}
const seen = new Set();
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('svg')) continue;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
  if (el.closest('.sr-only')) continue;
  const fg = rgb(style.color), bg = background(el);
  const a = lum(fg), b = lum(bg);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  const key = `${style.color} on ${bg.join(',')}`;
  if (ratio < need && !seen.has(key)) {
    seen.add(key);
    problems.push(`contrast ${ratio.toFixed(2)} < ${need}: ${style.color} on rgb(${bg.slice(0, 3).join(',')}) in <${el.tagName.toLowerCase()} class="${el.className}">${el.textContent.trim().slice(0, 30)}`);
  }
}
// Focus is visible: the style sheet outlines focused controls.
let focusRule = false;
for (const sheet of document.styleSheets) {
  let rules = [];
  try { rules = sheet.cssRules; } catch (e) { continue; }
  for (const r of rules) if (r.selectorText && r.selectorText.includes(':focus-visible') && r.style.outlineStyle && r.style.outlineStyle !== 'none') focusRule = true;
}
if (!focusRule) problems.push('no visible focus style (:focus-visible with an outline)');
return problems;
"#;

fn file_name(who: &str, lang: &str, width: u32, url: &str) -> String {
    let slug: String = url
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let slug = if slug.is_empty() { "home".to_string() } else { slug };
    format!("{who}-{lang}-{width}-{}.png", &slug[..slug.len().min(60)])
}

#[tokio::test]
async fn every_page_fits_a_phone_and_a_laptop_in_both_languages_with_labels_contrast_and_focus() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("VOCPATH_REQUIRE_BROWSER").is_err(),
            "VOCPATH_REQUIRE_BROWSER is set but no chromedriver was found"
        );
        eprintln!("SKIPPED the browser tour: no chromedriver found (install chromium and chromium-driver)");
        return;
    };
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    app.user("admin-tour@test.cn", Role::Admin).await;
    let people = [
        ("admin", "admin-tour@test.cn", PASSWORD),
        ("admissions", "zhaosheng@demo.vocpath", vocpath::demo::DEMO_PASSWORD),
        ("mentor", "mentor05@demo.vocpath", vocpath::demo::DEMO_PASSWORD),
        ("farmer", "", ""),
    ];
    // Which pages: one of each kind each person reaches by links (the crawl of the portal test).
    let mut tours = Vec::new();
    for (who, email, password) in people {
        let mut b = Browser::new(&app);
        let start: &[&str] = if email.is_empty() {
            &["/train", "/login"]
        } else {
            let r = b.login(email, password).await;
            assert!(r.status.is_redirection(), "{who} signs in");
            &["/"]
        };
        let pages = crate::portal::crawl(&mut b, start, 1, 200).await;
        tours.push((who, email, password, pages));
    }

    let base = serve(&app).await;
    let dir = screenshot_dir().join("tour");
    std::fs::create_dir_all(&dir).expect("tour folder");

    let mut problems = Vec::new();
    let mut printed = Vec::new();
    let mut visited = 0;
    for (who, email, password, pages) in &tours {
        let (c, driver) = start_chromium(&driver_path, &["--window-size=1366,900", "--hide-scrollbars"]).await;
        if !email.is_empty() {
            sign_in(&c, &base, email, password).await;
        }
        if *who == "admissions" {
            printed.extend(print_checks(&c, &driver, &base, &app).await);
        }
        for lang in ["zh-CN", "en"] {
            c.goto(&format!("{base}/lang/{lang}?next=/login"))
                .await
                .expect("language");
            for width in [1366u32, 360] {
                c.set_window_size(width, if width == 360 { 740 } else { 900 })
                    .await
                    .expect("window size");
                for url in pages {
                    c.goto(&format!("{base}{url}")).await.expect("page");
                    visited += 1;
                    let found = c
                        .execute(CHECKS, vec![serde_json::json!(lang)])
                        .await
                        .expect("checks run");
                    for p in found.as_array().into_iter().flatten() {
                        problems.push(format!("{who} {lang} {width}px {url}: {}", p.as_str().unwrap_or("?")));
                    }
                    let png = c.screenshot().await.expect("screenshot");
                    std::fs::write(dir.join(file_name(who, lang, width, url)), png).expect("write screenshot");
                }
            }
        }
        c.close().await.expect("close the browser");
    }
    assert!(visited > 100, "the tour saw {visited} pages");
    problems.extend(printed);
    assert!(
        problems.is_empty(),
        "{} problems on {visited} page views:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// In print, a page shows its content only: no header, navigation, forms, buttons or footer, and an
/// archive entry never splits across two sheets.
const PRINT_CHECKS: &str = r#"
const problems = [];
for (const el of document.querySelectorAll('header.top, footer, nav, form, button, .noprint')) {
  if (el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden') {
    problems.push(`prints <${el.tagName.toLowerCase()} class="${el.className}">${el.textContent.trim().slice(0, 30)}`);
  }
}
for (const li of document.querySelectorAll('ol.timeline li')) {
  const b = getComputedStyle(li).breakInside;
  if (b !== 'avoid' && b !== 'avoid-page') { problems.push(`an archive entry may split across sheets (break-inside: ${b})`); break; }
}
return problems;
"#;

/// The pages made for paper, printed in both languages: the summary and a certificate on one A4
/// sheet each; a student's archive without the portal around it. Returns what is wrong.
async fn print_checks(c: &Client, driver: &Driver, base: &str, app: &TestApp) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    let year = chrono::Datelike::year(&vocpath::clock::today());
    let certificate = entity::certificate::Entity::find()
        .order_by_asc(entity::certificate::Column::Id)
        .one(&app.state.db)
        .await
        .expect("certificates")
        .expect("the demo issues certificates");
    let student = entity::archive_entry::Entity::find()
        .order_by_asc(entity::archive_entry::Column::Id)
        .one(&app.state.db)
        .await
        .expect("archive")
        .expect("the demo writes archives")
        .student_id;
    let one_sheet = [
        format!("/dashboard/summary?year={year}"),
        format!("/training/registrations/{}/certificate", certificate.registration_id),
    ];
    let mut problems = Vec::new();
    for lang in ["zh-CN", "en"] {
        c.goto(&format!("{base}/lang/{lang}?next=/login"))
            .await
            .expect("language");
        for path in &one_sheet {
            c.goto(&format!("{base}{path}")).await.expect("page");
            let pages = driver.printed_pages(c).await;
            if pages != 1 {
                problems.push(format!("{lang} {path} prints on {pages} A4 pages, not one"));
            }
        }
        for path in [
            format!("/students/{student}"),
            format!("/dashboard/summary?year={year}"),
        ] {
            c.goto(&format!("{base}{path}")).await.expect("page");
            driver.emulate_media(c, "print").await;
            let found = c.execute(PRINT_CHECKS, vec![]).await.expect("print checks run");
            for p in found.as_array().into_iter().flatten() {
                problems.push(format!("{lang} {path} in print: {}", p.as_str().unwrap_or("?")));
            }
            driver.emulate_media(c, "").await;
        }
    }
    problems
}
