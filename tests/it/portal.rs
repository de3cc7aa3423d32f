//! The whole portal, crawled as its people would see it after `vocpath demo`: as the bureau's
//! administrator, a school's admissions clerk, a mentor and a farmer without an account, every
//! page reachable by a link is opened in English and in Chinese. Every page answers, renders the
//! same twice (lists and each entry's fields have a defined order), and an English page shows no
//! Chinese outside data values (names, towns, schools, programmes…: what the database holds).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use entity::enums::Role;
use poem::http::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp};

/// The pages one person reaches by following links from `start`, at most `per_shape` per shape
/// (a path with its numbers replaced, plus its query's keys) and `limit` in all.
pub(crate) async fn crawl(b: &mut Browser<'_>, start: &[&str], per_shape: usize, limit: usize) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut pages = Vec::new();
    while let Some(url) = queue.pop_front() {
        if pages.len() >= limit || !seen.insert(url.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&url)).or_default();
        if *count >= per_shape {
            continue;
        }
        *count += 1;
        let reply = b.get(&url).await;
        if reply.status != StatusCode::OK || !reply.content_type().starts_with("text/html") {
            continue;
        }
        pages.push(url);
        for link in links(&reply.body) {
            if !seen.contains(&link) {
                queue.push_back(link);
            }
        }
    }
    pages
}

/// A URL's shape: numbers replaced by `N`, the query reduced to its sorted keys.
fn shape(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut out = String::new();
    let mut in_number = false;
    for ch in path.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(ch);
        }
    }
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

/// Same-site links worth opening: pages, not downloads, sign-out or the language switch.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let href = part[..end].replace("&amp;", "&");
        let href = href.split('#').next().unwrap_or_default().to_string();
        let skip = !href.starts_with('/')
            || href.starts_with("//")
            || ["/lang/", "/logout", "/static/", "/api/", "/metrics", "/healthz"]
                .iter()
                .any(|p| href.starts_with(p))
            || ["export=", "format=", ".csv", ".xlsx", ".pdf", ".eml", "/download"]
                .iter()
                .any(|p| href.contains(p));
        if !skip {
            out.push(href);
        }
    }
    out
}

/// The text a reader sees: text between tags plus `title`, `placeholder`, `aria-label` and `alt`,
/// without scripts, styles, comments and what text areas hold, entities decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode(&rest[..lt]));
        out.push('\n');
        rest = &rest[lt..];
        let lower_start: String = rest.chars().take(8).collect::<String>().to_ascii_lowercase();
        let closing = if lower_start.starts_with("<!--") {
            Some("-->")
        } else if lower_start.starts_with("<script") {
            Some("</script>")
        } else if lower_start.starts_with("<style") {
            Some("</style>")
        } else if lower_start.starts_with("<textarea") {
            // What a form holds for editing is data, laid out as the form parses it.
            Some("</textarea>")
        } else {
            None
        };
        if let Some(close) = closing {
            match rest.find(close) {
                Some(i) => rest = &rest[i + close.len()..],
                None => return out,
            }
            continue;
        }
        let Some(gt) = rest.find('>') else { return out };
        let tag = &rest[..gt];
        // Text marked as Chinese on purpose (the language switch, the column headers a county
        // file must carry) is skipped up to the element's end.
        if tag.contains(" lang=\"zh-CN\"") && !tag.starts_with("<html") {
            let name: String = tag[1..].chars().take_while(char::is_ascii_alphanumeric).collect();
            let close = format!("</{name}>");
            match rest.find(&close) {
                Some(i) => rest = &rest[i + close.len()..],
                None => return out,
            }
            continue;
        }
        for attr in ["title=\"", "placeholder=\"", "aria-label=\"", "alt=\""] {
            if let Some(i) = tag.find(attr) {
                let value = &tag[i + attr.len()..];
                if let Some(end) = value.find('"') {
                    out.push_str(&decode(&value[..end]));
                    out.push('\n');
                }
            }
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(&decode(rest));
    out
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Chinese characters and full-width punctuation.
fn is_cjk(ch: char) -> bool {
    matches!(ch as u32, 0x3000..=0x303F | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Full-width punctuation (the CJK block's marks and the full-width forms).
fn is_cjk_mark(ch: char) -> bool {
    matches!(ch as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// Maximal runs of CJK characters in `text`.
fn cjk_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        if is_cjk(ch) {
            current.push(ch);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// A page with the per-request parts (its CSRF token, wherever it appears) blanked, to compare
/// two renderings.
fn stable_part(html: &str) -> String {
    let token = ["name=\"csrf_token\" value=\"", "csrf_token="]
        .iter()
        .find_map(|marker| {
            let i = html.find(marker)?;
            let rest = &html[i + marker.len()..];
            let end = rest.find(['"', '&']).unwrap_or(rest.len());
            Some(rest[..end].to_string()).filter(|t| !t.is_empty())
        });
    match token {
        Some(t) => html.replace(&t, ""),
        None => html.to_string(),
    }
}

/// Where two renderings part: the first differing line of each.
fn first_difference(a: &str, b: &str) -> Option<(String, String)> {
    a.lines()
        .zip(b.lines())
        .find(|(x, y)| x != y)
        .map(|(x, y)| (x.trim().to_string(), y.trim().to_string()))
        .or_else(|| (a.lines().count() != b.lines().count()).then(|| ("(length)".into(), "(length)".into())))
}

struct Findings {
    problems: Vec<String>,
}

impl Findings {
    fn check_page(&mut self, who: &str, lang: &str, url: &str, first: &str, second: &str, data: &str) {
        if let Some((x, y)) = first_difference(&stable_part(first), &stable_part(second)) {
            self.problems.push(format!(
                "{who} {lang} {url}: renders differently twice:\n    {x}\n    {y}"
            ));
        }
        if lang != "en" {
            let text = visible_text(first);
            let mut half: Vec<String> = text
                .lines()
                .filter(|line| !data.contains(line.trim()))
                .filter(|line| {
                    let chars: Vec<char> = line.chars().collect();
                    chars
                        .windows(2)
                        .any(|w| is_cjk(w[0]) && !is_cjk_mark(w[0]) && matches!(w[1], ':' | '(' | ';'))
                })
                .map(|line| line.trim().chars().take(40).collect())
                .collect();
            half.sort();
            half.dedup();
            if !half.is_empty() {
                self.problems.push(format!(
                    "{who} {lang} {url}: half-width marks after Chinese (use the catalogue's mark.*): {}",
                    half.join(" | ")
                ));
            }
            return;
        }
        let mut foreign: Vec<String> = cjk_runs(&visible_text(first))
            .into_iter()
            .filter(|run| !data.contains(run.as_str()))
            .collect();
        foreign.sort();
        foreign.dedup();
        if !foreign.is_empty() {
            self.problems.push(format!(
                "{who} en {url}: Chinese outside data values: {}",
                foreign.join(" | ")
            ));
        }
    }
}

async fn visit_all(findings: &mut Findings, who: &str, b: &mut Browser<'_>, start: &[&str], data: &str) -> usize {
    let mut total = 0;
    for lang in ["zh-CN", "en"] {
        b.get(&format!("/lang/{lang}?next=/")).await;
        let pages = crawl(b, start, 2, 400).await;
        for url in &pages {
            let first = b.get(url).await;
            let second = b.get(url).await;
            if first.status != StatusCode::OK || second.status != StatusCode::OK {
                findings
                    .problems
                    .push(format!("{who} {lang} {url}: {} then {}", first.status, second.status));
                continue;
            }
            findings.check_page(who, lang, url, &first.body, &second.body, data);
        }
        total += pages.len();
    }
    total
}

#[tokio::test]
async fn every_page_answers_renders_the_same_twice_and_english_pages_show_no_chinese_but_data() {
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    app.user("admin-crawl@test.cn", Role::Admin).await;
    let data = app.every_value().await;
    let mut findings = Findings { problems: Vec::new() };
    let mut visited = 0;
    for (who, email, password) in [
        ("admin", "admin-crawl@test.cn", PASSWORD),
        ("admissions", "zhaosheng@demo.vocpath", vocpath::demo::DEMO_PASSWORD),
        ("mentor", "mentor05@demo.vocpath", vocpath::demo::DEMO_PASSWORD),
    ] {
        let mut b = Browser::new(&app);
        let r = b.login(email, password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who} signs in: {}", r.body);
        visited += visit_all(&mut findings, who, &mut b, &["/"], &data).await;
    }
    let mut farmer = Browser::new(&app);
    visited += visit_all(&mut findings, "farmer", &mut farmer, &["/train", "/login"], &data).await;
    assert!(visited > 100, "the crawl reached {visited} pages");
    assert!(
        findings.problems.is_empty(),
        "{} problems on {visited} pages:\n{}",
        findings.problems.len(),
        findings.problems.join("\n")
    );
}

#[test]
fn the_crawlers_own_helpers_read_pages_as_a_reader_would() {
    assert_eq!(shape("/students/12?page=3&q=x"), "/students/N?page&q");
    assert_eq!(
        links("<a href=\"/a?x=1&amp;y=2#top\">a</a><a href=\"//evil\">b</a><a href=\"/logout\">c</a>"),
        vec!["/a?x=1&y=2".to_string()]
    );
    let text = visible_text(
        "<p title=\"标题\">Hi &amp; 你好</p><script>var x='脚本';</script><!-- 注释 --><a lang=\"zh-CN\" href=\"/\">中文</a>",
    );
    assert_eq!(cjk_runs(&text), vec!["标题".to_string(), "你好".to_string()]);
    assert_eq!(cjk_runs("5（held 2）"), vec!["（".to_string(), "）".to_string()]);
}

fn render_pager(app: &TestApp, lang: vocpath::i18n::Lang, page: u64, pages: u64, total: u64, query: &str) -> String {
    let mut ctx = tera::Context::new();
    ctx.insert_value("t", app.state.i18n.template_value(lang));
    ctx.insert(
        "page",
        &serde_json::json!({ "page": page, "pages": pages, "total": total }),
    );
    ctx.insert("query", query);
    app.state.templates.render("pager.html", &ctx).expect("pager renders")
}

#[tokio::test]
async fn the_pager_shows_the_total_and_page_numbers_around_the_current_page_keeping_the_filters() {
    let app = TestApp::spawn().await;
    let html = render_pager(&app, vocpath::i18n::Lang::Zh, 7, 20, 987, "town=%E7%B1%B3&status=x");
    assert!(html.contains("共 987 条"), "{html}");
    let numbers: Vec<&str> = html
        .split("<li>")
        .skip(1)
        .map(|li| {
            let text = li.split('>').nth(1).unwrap_or_default();
            text.split('<').next().unwrap_or_default()
        })
        .collect();
    assert_eq!(numbers, ["1", "…", "5", "6", "7", "8", "9", "…", "20"], "{html}");
    assert!(html.contains("<span aria-current=\"page\">7</span>"), "{html}");
    assert!(
        html.contains("href=\"?page=6&amp;town=%E7%B1%B3&amp;status=x\" rel=\"prev\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"?page=20&amp;town=%E7%B1%B3&amp;status=x\""),
        "{html}"
    );
    // One page: the total, no links.
    let one = render_pager(&app, vocpath::i18n::Lang::En, 1, 1, 3, "");
    assert!(one.contains("3 in all") && !one.contains("href"), "{one}");
    // Hostile filters stay escaped.
    let hostile = render_pager(&app, vocpath::i18n::Lang::En, 1, 2, 60, "q=\"><script>");
    assert!(!hostile.contains("<script>"), "{hostile}");
}

#[tokio::test]
async fn the_student_list_sorts_by_a_column_both_ways_keeping_the_filters_and_refuses_an_unknown_order() {
    let app = TestApp::spawn().await;
    for (name, id, year) in [
        ("甲同学", "410181200602024058", 2025),
        ("乙同学", "410181200704209707", 2026),
        ("丙同学", "410181200707295452", 2024),
    ] {
        app.seed_student(name, id, year).await;
    }
    let mut b = app.browser_as(Role::Admin).await;
    let order = |body: &str| -> Vec<String> {
        body.split("<tr><td><a href=\"/students/")
            .skip(1)
            .filter_map(|row| {
                row.split('>')
                    .nth(1)
                    .and_then(|s| s.split('<').next())
                    .map(str::to_string)
            })
            .collect()
    };
    let down = b
        .get("/students?town=%E7%B1%B3%E6%B2%B3%E9%95%87&sort=-graduation_year")
        .await;
    assert_eq!(down.status, StatusCode::OK, "{}", down.body);
    assert_eq!(order(&down.body), ["乙同学", "甲同学", "丙同学"]);
    assert!(
        down.body.contains("aria-sort=\"descending\""),
        "the sorted column says so"
    );
    // The header of the sorted column turns the order round and keeps the filter.
    assert!(
        down.body
            .contains("href=\"?name=&amp;id_last_digits=&amp;national_id=&amp;household_number=&amp;town=%E7%B1%B3%E6%B2%B3%E9%95%87&amp;school=&amp;graduation_year=&amp;status=&amp;sort=graduation_year\""),
        "{}",
        down.body
    );
    let up = b.get("/students?sort=graduation_year").await;
    assert_eq!(order(&up.body), ["丙同学", "甲同学", "乙同学"]);
    let wrong = b.get("/students?sort=national_id").await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("不能按“national_id”排序"), "{}", wrong.body);
    assert!(
        order(&wrong.body).is_empty(),
        "nothing listed under an order it cannot keep"
    );
}

#[tokio::test]
async fn a_page_past_the_end_or_a_bad_page_number_says_what_to_do_in_the_readers_words() {
    let app = TestApp::spawn().await;
    app.seed_student("甲同学", "410181200602024058", 2026).await;
    let mut b = app.browser_as(Role::Admin).await;
    let past = b.get("/students?page=99&town=%E7%B1%B3%E6%B2%B3%E9%95%87").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.body.contains("没有第 99 页：共 1 条，1 页。"), "{}", past.body);
    assert!(
        past.body.contains("href=\"?page=1&amp;name=&amp;"),
        "the last page keeps the filters"
    );
    for bad in ["-1", "18446744073709551616", "x"] {
        let r = b.get(&format!("/students?page={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(r.body.contains("网址里的参数不对"), "{}", r.body);
        assert!(
            !r.body.contains("invalid digit") && !r.body.contains("too large"),
            "no serde words"
        );
    }
    let nul = b.get("/students?sort=%00%1B").await;
    assert!(nul.body.contains("不能按“”排序"), "{}", nul.body);
    assert!(
        !nul.body.contains('\u{0}') && !nul.body.contains('\u{1b}'),
        "control characters are not echoed"
    );
}
