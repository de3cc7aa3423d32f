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

/// Asserts that a table of (name, count) rows is ranked: largest count first, then by name.
fn assert_ranked(table: &[Vec<String>], what: &str) {
    let counts: Vec<(i64, String)> = table
        .iter()
        .map(|r| (-r[1].parse::<i64>().expect("a count"), r[0].clone()))
        .collect();
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(counts, sorted, "{what}: largest first, then by name");
}

/// Renders `path` again and asserts the part `id` is the same as in `first`.
async fn assert_same_again(b: &mut Browser<'_>, path: &str, first: &str, id: &str) {
    let again = page(b, path).await;
    assert_eq!(
        part(&again, id, "</table>"),
        part(first, id, "</table>"),
        "{id} changed order"
    );
}

#[tokio::test]
async fn the_ledger_counts_per_town_and_school_keep_one_order_largest_first() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let first = page(&mut b, "/ledger").await;
    for id in ["id=\"by-town\"", "id=\"by-school\""] {
        let table = rows(part(&first, id, "</table>"));
        assert!(table.len() > 1, "{id}: {table:?}");
        assert_ranked(&table, id);
        for _ in 0..4 {
            assert_same_again(&mut b, "/ledger", &first, id).await;
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
        assert_ranked(&rows(part(&first, id, "</table>")), id);
        assert_same_again(&mut b, "/rule-sets/1?try_year=2026", &first, id).await;
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

/// A demo student with an entry of `kind` in the archive.
async fn student_with(app: &TestApp, kind: &str) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::archive_entry::Entity::find()
        .filter(entity::archive_entry::Column::Kind.eq(kind))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("a {kind} entry in the demo"))
        .student_id
}

/// The first open line of the demo's ledger.
async fn open_line(app: &TestApp) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .order_by_asc(entity::ledger_entry::Column::Id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("an open line")
        .id
}

/// The visible text of a page's main part (tags dropped).
fn main_text(body: &str) -> String {
    strip_tags(part(body, "<main", "</main>"))
}

#[tokio::test]
async fn an_english_archive_page_translates_roles_and_uses_ascii_punctuation() {
    let app = demo().await;
    let id = student_with(&app, "mentor_assigned").await;
    let mut b = officer(&app).await;
    b.get("/lang/en?next=/").await;
    let body = page(&mut b, &format!("/students/{id}")).await;
    let text = main_text(&body);
    for role in ["班主任", "辅导员", "专任教师"] {
        assert!(!text.contains(role), "{role} on an English page: {text}");
    }
    assert!(
        text.contains("Class teacher: ") || text.contains("Counsellor: "),
        "{text}"
    );
    for mark in ["：", "（", "）", "，"] {
        let labels: String = body
            .split("<dt>")
            .skip(1)
            .map(|d| &d[..d.find("</dt>").unwrap_or(0)])
            .collect();
        assert!(!labels.contains(mark), "{mark} in English labels: {labels}");
    }
    assert!(!text.contains("Recorded by：") && !text.contains("：（"), "{text}");
}

#[tokio::test]
async fn empty_facts_show_a_dash_and_chinese_pages_use_full_width_marks() {
    let app = demo().await;
    let id = student_with(&app, "mentor_assigned").await;
    let mut b = officer(&app).await;
    let body = page(&mut b, &format!("/students/{id}")).await;
    let facts = part(&body, "<dl class=\"facts\">", "</dl>");
    assert!(!facts.contains("<dd></dd>"), "an empty fact shows —: {facts}");
    assert!(body.contains("记录人："), "full-width colon in Chinese");
    assert!(
        body.contains("记录人：演示数据") && !body.contains("记录人：demo"),
        "the service is named, not its label"
    );
    assert!(!body.contains("记录人: "));
}

#[tokio::test]
async fn a_routing_run_is_headed_by_its_year_and_round_in_either_language() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let zh = page(&mut b, "/routing-runs/1").await;
    let h1 = strip_tags(part(&zh, "<h1>", "</h1>"));
    assert!(h1.contains("第 1 轮") && !h1.contains("第几轮"), "{h1}");
    b.get("/lang/en?next=/").await;
    let en = page(&mut b, "/routing-runs/1").await;
    let h1 = strip_tags(part(&en, "<h1>", "</h1>"));
    assert!(h1.contains("round 1"), "{h1}");
    // An eligibility refusal is repeated by the engine for each choice; the page says it once.
    for row in rows(part(&en, "<th>Why not a higher choice</th>", "</table>")) {
        if let Some(reasons) = row.last() {
            let lines: Vec<&str> = reasons.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let mut unique = lines.clone();
            unique.dedup();
            assert_eq!(lines, unique, "a reason repeated");
        }
    }
}

#[tokio::test]
async fn mentoring_pages_show_a_programme_once_when_its_skill_area_is_the_same() {
    let app = demo().await;
    let id = student_with(&app, "mentor_assigned").await;
    let mut b = officer(&app).await;
    let body = page(&mut b, &format!("/mentoring/students/{id}")).await;
    use sea_orm::EntityTrait;
    for p in entity::programme::Entity::find()
        .all(&app.state.db)
        .await
        .expect("programmes")
    {
        assert!(!body.contains(&format!("{0}（{0}）", p.name)), "{} doubled", p.name);
    }
}

#[tokio::test]
async fn ledger_pages_name_the_staff_member_who_crossed_a_line_off() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let path = format!("/ledger/{}", open_line(&app).await);
    page(&mut b, &path).await;
    let crossed = b
        .post(
            &format!("{path}/cross-off"),
            &[("reason", "moved_away"), ("note", "迁往广东东莞")],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::SEE_OTHER, "{}", crossed.body);
    let line = page(&mut b, &path).await;
    assert!(
        line.contains("招生办 刘老师") && !line.contains("· zhaosheng@demo.vocpath"),
        "named, not an address"
    );
    assert!(
        line.contains("已迁出本县（迁往广东东莞）"),
        "full-width around the note"
    );
    b.get("/lang/en?next=/").await;
    let line = page(&mut b, &path).await;
    assert!(
        line.contains("Moved away (迁往广东东莞)"),
        "ASCII around the note in English"
    );
}

/// The pages of this area a demo county shows, for an admissions officer.
async fn officer_pages(app: &TestApp) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    let student = student_with(app, "mentor_assigned").await;
    let employed = student_with(app, "employment").await;
    let line = entity::ledger_entry::Entity::find()
        .order_by_asc(entity::ledger_entry::Column::Id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("a ledger line")
        .id;
    [
        "/ledger".to_string(),
        format!("/ledger/{line}"),
        "/students".into(),
        format!("/students/{student}"),
        format!("/students/{employed}"),
        format!("/students/{student}/entries/new?kind=follow_up"),
        "/follow-ups".into(),
        "/imports/new".into(),
        "/programmes".into(),
        "/routing-runs".into(),
        "/routing-runs/1".into(),
        "/rule-sets".into(),
        "/rule-sets/1".into(),
        "/placements".into(),
        "/reporting".into(),
        "/reporting-windows".into(),
        "/recommendations".into(),
        "/mentoring".into(),
        "/mentoring/assignments".into(),
        "/mentoring/overdue".into(),
        "/mentoring/mentors".into(),
        format!("/mentoring/students/{student}"),
    ]
    .to_vec()
}

/// The attributes text of each opening `tag` on the page, with its byte offset.
fn tags<'a>(body: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{tag}");
    body.match_indices(&open)
        .filter(|(i, _)| body[i + open.len()..].starts_with([' ', '>']))
        .map(|(i, _)| (i, &body[i..i + body[i..].find('>').unwrap_or(0)]))
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// Every form control is labelled, every table scrolls on its own, no raw booleans or JSON arrays.
fn check_page(path: &str, body: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let main = part(body, "<main", "</main>");
    for tag in ["input", "select", "textarea"] {
        for (at, t) in tags(main, tag) {
            if matches!(attr(t, "type"), Some("hidden" | "submit" | "button")) {
                continue;
            }
            let wrapped = main[..at]
                .rfind("<label")
                .is_some_and(|l| main[..at].rfind("</label>").is_none_or(|c| c < l));
            let for_id = attr(t, "id").is_some_and(|id| main.contains(&format!("for=\"{id}\"")));
            if !(wrapped || for_id || attr(t, "aria-label").is_some()) {
                problems.push(format!("{path}: unlabelled {t}"));
            }
        }
    }
    for (at, _) in tags(main, "table") {
        let before = &main[..at];
        let in_scroll = before
            .rfind("<div class=\"scroll\"")
            .is_some_and(|d| !before[d..].contains("</div>"));
        if !in_scroll {
            problems.push(format!("{path}: a table outside <div class=\"scroll\"> at {at}"));
        }
    }
    for (at, t) in tags(main, "td") {
        let inner = &main[at + t.len() + 1..];
        let cell = &inner[..inner.find("</td>").unwrap_or(0)];
        let text = strip_tags(cell);
        // Figures, not identifiers: phone numbers, years and code samples stay as text.
        let identifier = text.len() == 11 || (text.len() == 4 && text.starts_with("20")) || cell.starts_with("<code>");
        let figure =
            text.chars().any(|c| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_digit() || "., /".contains(c));
        if figure && !identifier && attr(t, "class") != Some("num") {
            problems.push(format!("{path}: a figure not right-aligned: {t}>{text}"));
        }
    }
    for raw in [
        "<td>true</td>",
        "<td>false</td>",
        "<dd>true</dd>",
        "<dd>false</dd>",
        "[&quot;",
        "<dd></dd>",
    ] {
        if main.contains(raw) {
            problems.push(format!("{path}: raw value {raw}"));
        }
    }
    problems
}

#[tokio::test]
async fn every_page_of_the_area_labels_its_controls_and_scrolls_its_tables_in_both_languages() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let paths = officer_pages(&app).await;
    let mut problems = Vec::new();
    for lang in ["zh", "en"] {
        b.get(&format!("/lang/{lang}?next=/")).await;
        for path in &paths {
            let body = page(&mut b, path).await;
            problems.extend(check_page(path, &body));
        }
    }
    let mut admin = app.browser_as(Role::Admin).await;
    for path in ["/admin/outbox", "/admin/audit"] {
        let body = page(&mut admin, path).await;
        problems.extend(check_page(path, &body));
    }
    let mut mentor = Browser::new(&app);
    mentor
        .login("mentor05@demo.vocpath", vocpath::demo::DEMO_PASSWORD)
        .await;
    let mine = page(&mut mentor, "/my-mentees").await;
    problems.extend(check_page("/my-mentees", &mine));
    let first = mine.split("href=\"/my-mentees/").nth(1).expect("a mentee");
    let mentee = format!("/my-mentees/{}", &first[..first.find('"').unwrap_or(0)]);
    let body = page(&mut mentor, &mentee).await;
    problems.extend(check_page(&mentee, &body));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_english_catalogues_of_these_pages_use_ascii_punctuation() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/i18n/en");
    for file in [
        "admissions",
        "archive",
        "letters",
        "mentor",
        "outbox",
        "roster",
        "routing",
        "student",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{file}.toml"))).expect("catalogue");
        for (n, line) in text.lines().enumerate() {
            let wide = line
                .chars()
                .find(|c| matches!(*c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF));
            assert!(wide.is_none(), "en/{file}.toml line {}: {line}", n + 1);
        }
    }
}

#[tokio::test]
async fn an_empty_list_says_what_to_do_next() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let ledger = page(&mut b, "/ledger?town=%E6%97%A0%E6%AD%A4%E9%95%87").await;
    let empty = part(&ledger, "<p class=\"empty\">", "</p>");
    assert!(
        empty.contains("href=\"/ledger\"") && empty.contains("清除筛选条件"),
        "{empty}"
    );
    let students = page(&mut b, "/students?name=%E6%97%A0%E6%AD%A4%E4%BA%BA").await;
    let empty = part(&students, "<p class=\"empty\">", "</p>");
    assert!(
        empty.contains("href=\"/imports/new\"") && empty.contains("href=\"/students\""),
        "{empty}"
    );
}

#[tokio::test]
async fn a_refused_follow_up_shows_each_error_next_to_its_field() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let path = format!("/ledger/{}", open_line(&app).await);
    page(&mut b, &path).await;
    let fields = [
        ("followed_on", "2999-01-01"),
        ("who", "school_staff"),
        ("who_name", "张老师"),
        ("how", "phone"),
        ("outcome", ""),
    ];
    let refused = b.post(&format!("{path}/follow-ups"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let outcome = part(&refused.body, "id=\"outcome\"", "</p>");
    assert!(
        outcome.contains("aria-invalid=\"true\"") && outcome.contains("class=\"field-error\""),
        "{outcome}"
    );
    let date = part(&refused.body, "id=\"followed_on\"", "</p>");
    assert!(date.contains("class=\"field-error\""), "{date}");
    assert!(refused.body.contains("value=\"张老师\""), "what was typed is kept");
}

#[tokio::test]
async fn the_audit_log_names_record_kinds_and_actors_in_words() {
    let app = demo().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let zh = page(&mut admin, "/admin/audit?record_type=routing_run").await;
    let table = part(&zh, "<tbody>", "</tbody>");
    assert!(table.contains("分流运行 <a href=\"/routing-runs/"), "{table}");
    assert!(
        !table.contains("routing_run #") && !table.contains("<td>demo</td>"),
        "{table}"
    );
    admin.get("/lang/en?next=/").await;
    let en = page(&mut admin, "/admin/audit?record_type=routing_run").await;
    assert!(en.contains("Routing run <a href=\"/routing-runs/"));
}

#[tokio::test]
async fn direct_placements_name_who_placed_the_student_in_words() {
    let app = demo().await;
    let mut b = officer(&app).await;
    let body = page(&mut b, "/placements?intake_year=2026").await;
    let rows = rows(part(&body, "<table", "</table>"));
    assert!(!rows.is_empty(), "the demo places one student directly");
    for row in rows {
        assert!(!row.iter().any(|c| c == "demo" || c.contains('@')), "{row:?}");
    }
}
