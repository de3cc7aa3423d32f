//! Staff pages of admissions, the archive, mentoring, the delivery log, the audit log and routing
//! runs as the demo county shows them: a defined order on every load, English without Chinese
//! punctuation or codes, no raw values, right-aligned figures and tables that scroll on a phone.

use entity::enums::Role;
use poem::http::StatusCode;

use crate::helpers::{Browser, TestApp};

/// A signed-in demo admissions officer on a demo county of 300 students.
async fn demo() -> TestApp {
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    app
}

async fn officer(app: &TestApp) -> Browser<'_> {
    let mut b = Browser::new(app);
    let r = b.login("zhaosheng@demo.vocpath", vocpath::demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

async fn page(b: &mut Browser<'_>, path: &str) -> String {
    let r = b.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

/// The text of the element with `id` (up to its closing `</table>` / `</section>`).
fn part<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body.find(start).unwrap_or_else(|| panic!("{start} not on the page"));
    let rest = &body[i..];
    &rest[..rest.find(end).map_or(rest.len(), |j| j + end.len())]
}

/// The texts of the cells of each row of a table part.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').map_or(0, |i| i + 1)..];
                    strip_tags(&inner[..inner.find("</td>").unwrap_or(inner.len())])
                })
                .collect()
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[tokio::test]
async fn the_ledger_counts_per_town_and_school_keep_one_order_largest_first() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let first = page(&mut b, "/ledger").await;
    for id in ["id=\"by-town\"", "id=\"by-school\""] {
        let table = rows(part(&first, id, "</table>"));
        assert!(table.len() > 1, "{id}: {table:?}");
        let counts: Vec<(i64, String)> = table
            .iter()
            .map(|r| (-r[1].parse::<i64>().expect("a count"), r[0].clone()))
            .collect();
        let mut sorted = counts.clone();
        sorted.sort();
        assert_eq!(counts, sorted, "{id}: most open lines first, then by name");
        for _ in 0..4 {
            let again = page(&mut b, "/ledger").await;
            assert_eq!(
                part(&again, id, "</table>"),
                part(&first, id, "</table>"),
                "{id} changed order"
            );
        }
    }
    assert!(first.contains("<th class=\"num\">"), "counts are right-aligned");
}

#[tokio::test]
async fn an_archive_entry_shows_its_fields_in_one_defined_order() {
    let app = demo().await;
    let mut b = officer(&app).await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let employed = entity::archive_entry::Entity::find()
        .filter(entity::archive_entry::Column::Kind.eq("employment"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("an employment entry in the demo");
    let path = format!("/students/{}", employed.student_id);
    let first = page(&mut b, &path).await;
    let entry = part(&first, &format!("id=\"entry-{}\"", employed.id), "</dl>").to_string();
    let labels: Vec<&str> = entry
        .split("<dt>")
        .skip(1)
        .map(|d| &d[..d.find("</dt>").unwrap_or(0)])
        .collect();
    assert_eq!(labels[..2], ["用人单位", "岗位"], "{entry}");
    for _ in 0..4 {
        let again = page(&mut b, &path).await;
        assert_eq!(part(&again, &format!("id=\"entry-{}\"", employed.id), "</dl>"), entry);
    }
}

#[tokio::test]
async fn a_rule_set_trial_lists_its_counts_per_rule_in_one_order() {
    let app = demo().await;
    let mut b = app.browser_as(Role::Admin).await;
    let first = page(&mut b, "/rule-sets/1?try_year=2026").await;
    for id in ["id=\"ineligible-by\"", "id=\"requirement-failures\""] {
        let table = rows(part(&first, id, "</table>"));
        let counts: Vec<(i64, String)> = table
            .iter()
            .map(|r| (-r[1].parse::<i64>().expect("a count"), r[0].clone()))
            .collect();
        let mut sorted = counts.clone();
        sorted.sort();
        assert_eq!(counts, sorted, "{id}");
        let again = page(&mut b, "/rule-sets/1?try_year=2026").await;
        assert_eq!(
            part(&again, id, "</table>"),
            part(&first, id, "</table>"),
            "{id} changed order"
        );
    }
}

/// Every page of the delivery log, in the reader's language.
async fn delivery_log(b: &mut Browser<'_>, app: &TestApp) -> String {
    let pages = (app.count("outbox").await + 49) / 50;
    let mut all = String::new();
    for n in 1..=pages {
        all.push_str(&page(b, &format!("/admin/outbox?page={n}")).await);
    }
    all
}

#[tokio::test]
async fn the_delivery_log_names_its_channels_and_translates_subjects_and_notes() {
    let app = demo().await;
    assert!(
        app.count_outbox("training_confirmed").await > 0,
        "the demo texts farmers"
    );
    let mut b = app.browser_as(Role::Admin).await;
    let zh = delivery_log(&mut b, &app).await;
    assert!(zh.contains("<h1>消息发送记录</h1>"), "titled for emails and texts");
    assert!(
        zh.contains("<td>短信</td>") && zh.contains("<td>邮件</td>"),
        "a channel column"
    );
    assert!(zh.contains("培训报名成功"), "a text's subject is readable");
    assert!(
        !zh.contains("training_confirmed") && !zh.contains("demo data"),
        "no codes or English"
    );
    assert!(zh.contains("演示数据：标记为已发送，未实际投递"));
    b.get("/lang/en?next=/").await;
    let en = delivery_log(&mut b, &app).await;
    assert!(en.contains("Training place confirmed") && en.contains("<td>Text message</td>"));
    assert!(en.contains("Demo data: marked sent, not delivered"));
}
