//! Admissions routing from the database: programmes, rule sets, preferences, dry runs, diff,
//! commit, later rounds and the ledger.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The national IDs of `Setup::students`, in order.
pub(crate) const IDS: [&str; 4] = [
    "410181200602024058",
    "410181200704209707",
    "410181200707295452",
    "410181200707170799",
];

pub(crate) struct Setup {
    pub(crate) admin: String,
    pub(crate) clerk: String,
    pub(crate) students: Vec<i32>,
    pub(crate) programmes: Vec<i64>,
    pub(crate) rule_set: i64,
}

pub(crate) async fn setup(app: &TestApp) -> Setup {
    let admin = app.token(Role::Admin).await;
    let clerk = app.token(Role::Admissions).await;
    let school = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(json!({"name": "巩义市第一中等职业学校", "town": "孝义街道"})),
        )
        .await;
    assert_eq!(school.status, StatusCode::OK, "{}", school.body);
    let school_id = school.json()["id"].as_i64().expect("id");
    let mut programmes = Vec::new();
    for (code, name, capacity, reserved) in [("P01", "数控技术应用", 1, 0), ("P02", "护理", 2, 1)] {
        let body = json!({"school_id": school_id, "code": code, "name": name, "skill_area": "机械", "town": "米河镇", "intake_year": 2026, "capacity": capacity, "reserved_seats": reserved,
                          "requirements": [{"name": "score 200+", "when": "student.exam_score >= 200.0"}]});
        let r = app
            .api(Method::POST, "/api/v1/programmes", Some(&admin), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        programmes.push(r.json()["id"].as_i64().expect("id"));
    }
    let rules = json!({"name": "2026 分流规则", "rules": {
    "eligibility": [{"name": "not in senior high", "when": "!student.in_senior_high"}],
    "priority": [
        {"name": "registered household", "when": "student.registered_poor", "points": 100},
        {"name": "exam score", "when": "true", "points": "double(student.exam_score) / 10.0"}
    ]}});
    let set = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(rules))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let rule_set = set.json()["id"].as_i64().expect("id");
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/rule-sets/{rule_set}/publish"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let mut students = Vec::new();
    for (i, id) in IDS.iter().enumerate() {
        let s = app
            .seed_student(&format!("学生{}", ["甲", "乙", "丙", "丁"][i]), id, 2026)
            .await;
        students.push(s);
    }
    Setup {
        admin,
        clerk,
        students,
        programmes,
        rule_set,
    }
}

pub(crate) async fn prefer(app: &TestApp, s: &Setup, student: i32, choices: &[i64]) {
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/preferences/{student}"),
            Some(&s.clerk),
            Some(json!({"programme_ids": choices})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

pub(crate) async fn dry_run(app: &TestApp, s: &Setup, seed: i64) -> Value {
    let r = app
        .api(
            Method::POST,
            "/api/v1/routing-runs",
            Some(&s.clerk),
            Some(json!({"intake_year": 2026, "rule_set_id": s.rule_set, "seed": seed})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// Every per-student line of a run (up to 200), from the paged API.
async fn placements(app: &TestApp, s: &Setup, run: &Value) -> Vec<Value> {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/routing-runs/{}/placements?per_page=200", run["id"]),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn bad_programmes_and_rules_are_refused_naming_the_problem_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let school = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(json!({"name": "一职专", "town": "孝义街道"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let before = app.count("programme").await;
    let bad = json!({"school_id": school, "code": "P 1", "name": "", "skill_area": "x", "town": "y", "intake_year": 2026, "capacity": 5, "reserved_seats": 9});
    let r = app
        .api(Method::POST, "/api/v1/programmes", Some(&admin), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("f").to_string())
        .collect();
    assert_eq!(fields, vec!["code", "name", "reserved_seats"]);
    let bad_rule = json!({"school_id": school, "code": "P1", "name": "护理", "skill_area": "x", "town": "y", "intake_year": 2026, "capacity": 5,
                          "requirements": [{"name": "height", "when": "student.height > 150"}]});
    let r = app
        .api(Method::POST, "/api/v1/programmes", Some(&admin), Some(bad_rule))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["detail"].as_str().expect("detail").contains("height"),
        "{}",
        r.body
    );
    assert_eq!(app.count("programme").await, before);
    let clerk = app.token(Role::Admissions).await;
    let ok = json!({"school_id": school, "code": "P1", "name": "护理", "skill_area": "x", "town": "y", "intake_year": 2026, "capacity": 5});
    assert_eq!(
        app.api(Method::POST, "/api/v1/programmes", Some(&clerk), Some(ok))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_rule_with_an_error_is_refused_with_its_name_and_a_published_set_never_changes() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let before = app.count("rule_set").await;
    let bad = json!({"name": "r", "rules": {"eligibility": [], "priority": [{"name": "score mix", "when": "true", "points": "student.exam_score + 1"}]}});
    let r = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["detail"].as_str().expect("detail").contains("score mix"),
        "{}",
        r.body
    );
    let syntax = json!({"name": "r", "rules": {"eligibility": [{"name": "broken", "when": "student.town == "}]}});
    let r = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(syntax))
        .await;
    assert!(
        r.json()["detail"].as_str().expect("detail").contains("broken"),
        "{}",
        r.body
    );
    assert_eq!(app.count("rule_set").await, before);
    let ok = json!({"name": "r", "rules": {"eligibility": [{"name": "all", "when": "true"}], "priority": []}});
    let id = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(ok.clone()))
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    app.api(
        Method::POST,
        &format!("/api/v1/rule-sets/{id}/publish"),
        Some(&admin),
        None,
    )
    .await;
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/rule-sets/{id}"),
            Some(&admin),
            Some(ok["rules"].clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let v2 = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(ok))
        .await
        .json();
    assert_eq!(v2["version"], 2);
}

#[tokio::test]
async fn a_dry_run_touches_no_archive_and_the_same_seed_gives_the_same_result() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    let a = dry_run(&app, &s, 7).await;
    let b = dry_run(&app, &s, 7).await;
    assert_eq!(a["input_digest"], b["input_digest"]);
    assert_eq!(a["result"], b["result"]);
    assert_eq!(placements(&app, &s, &a).await, placements(&app, &s, &b).await);
    assert_eq!(a["placed"], 3, "{a}");
    assert_eq!(a["unplaced"], 1);
    assert_eq!(app.count("archive_entry").await, 0);
    assert_eq!(app.count("ledger_entry").await, 0);
    let lines = placements(&app, &s, &a).await;
    assert_eq!(lines.len(), 4, "every student appears once");
    let unplaced = lines.iter().find(|p| p["programme"].is_null()).expect("one unplaced");
    assert!(
        unplaced["not_placed_higher"]
            .as_array()
            .expect("reasons")
            .iter()
            .all(|r| r["reason"] == "full")
    );
}

#[tokio::test]
async fn committing_writes_offers_and_the_ledger_and_a_later_round_fills_new_seats() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students[..3] {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    // The fourth student made no choice: eligible, unplaced, on the ledger.
    let run = dry_run(&app, &s, 1).await;
    let id = run["id"].as_i64().expect("id");
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/routing-runs/{id}/commit"),
            Some(&viewer),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/routing-runs/{id}/commit"),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/routing-runs/{id}/commit"),
            Some(&s.clerk),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(app.count("archive_entry").await, 3);
    let ledger = app
        .api(Method::GET, "/api/v1/ledger?open=true", Some(&s.clerk), None)
        .await
        .json();
    let on_ledger: Vec<i64> = ledger["items"]
        .as_array()
        .expect("ledger")
        .iter()
        .map(|l| l["student_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(on_ledger, vec![s.students[3] as i64]);
    let st = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{}", s.students[0]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(st["student"]["status"], "placed");

    // Round 2: a new programme; the unplaced student chooses it.
    let mut body = app
        .api(
            Method::GET,
            &format!("/api/v1/programmes/{}", s.programmes[0]),
            Some(&s.admin),
            None,
        )
        .await
        .json();
    body["capacity"] = json!(2);
    app.api(
        Method::PUT,
        &format!("/api/v1/programmes/{}", s.programmes[0]),
        Some(&s.admin),
        Some(body),
    )
    .await;
    prefer(&app, &s, s.students[3], &[s.programmes[0]]).await;
    let round2 = dry_run(&app, &s, 2).await;
    assert_eq!(round2["round"], 2);
    assert_eq!(round2["students"], 1, "only the still-unplaced student is routed");
    assert_eq!(round2["placed"], 1);
    let diff = app
        .api(
            Method::GET,
            &format!("/api/v1/routing-runs/{id}/diff/{}", round2["id"]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(diff["items"].as_array().expect("moves").len(), 1, "{diff}");
    assert_eq!(diff["total"], 1, "the list shape: {diff}");
    app.api(
        Method::POST,
        &format!("/api/v1/routing-runs/{}/commit", round2["id"]),
        Some(&s.clerk),
        None,
    )
    .await;
    let ledger = app
        .api(Method::GET, "/api/v1/ledger", Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(ledger["items"][0]["close_reason"], "placed");
}

#[tokio::test]
async fn crossing_off_needs_a_reason_and_records_who_and_when() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let run = dry_run(&app, &s, 1).await;
    app.api(
        Method::POST,
        &format!("/api/v1/routing-runs/{}/commit", run["id"]),
        Some(&s.clerk),
        None,
    )
    .await;
    let ledger = app
        .api(Method::GET, "/api/v1/ledger", Some(&s.clerk), None)
        .await
        .json();
    let ledger = &ledger["items"];
    assert_eq!(ledger.as_array().expect("l").len(), 4, "nobody chose anything");
    assert_eq!(ledger[0]["why"], json!([]), "made no choice");
    let line = ledger[0]["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{line}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "other"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{line}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "moved_away", "note": "随父母迁往郑州"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed = r.json();
    assert_eq!(closed["close_reason"], "moved_away");
    assert!(closed["closed_by"].as_str().expect("by").starts_with("admissions-"));
    let again = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{line}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "working", "note": "县城饭店"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_routing_pages_show_runs_results_diffs_and_the_ledger() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[1], s.programmes[0]]).await;
    }
    let a = dry_run(&app, &s, 3).await;
    let b = dry_run(&app, &s, 4).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let list = clerk.get("/routing-runs").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let page = clerk.get(&format!("/routing-runs/{}", a["id"])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("提交录取结果") && page.body.contains("学生甲"),
        "{}",
        page.body
    );
    let csv = clerk.get(&format!("/routing-runs/{}?format=csv", a["id"])).await;
    assert!(csv.body.contains("学生甲"));
    let diff = clerk
        .get(&format!("/routing-runs/{}/diff?other={}", a["id"], b["id"]))
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    clerk.get(&format!("/routing-runs/{}", a["id"])).await;
    let committed = clerk.post(&format!("/routing-runs/{}/commit", a["id"]), &[]).await;
    assert_eq!(committed.status, StatusCode::SEE_OTHER, "{}", committed.body);
    let ledger = clerk.get("/ledger").await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    let mut viewer = app.browser_as(Role::Viewer).await;
    assert_eq!(viewer.get("/programmes?intake_year=2026").await.status, StatusCode::OK);
    let page = viewer.get(&format!("/routing-runs/{}", b["id"])).await;
    assert!(!page.body.contains("提交录取结果"), "viewers cannot commit");
}

#[tokio::test]
async fn ineligible_students_are_explained_and_stay_off_the_ledger() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let strict = json!({"name": "strict", "rules": {"eligibility": [{"name": "score above 500", "when": "student.exam_score > 500.0"}], "priority": []}});
    let set = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&s.admin), Some(strict))
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    app.api(
        Method::POST,
        &format!("/api/v1/rule-sets/{set}/publish"),
        Some(&s.admin),
        None,
    )
    .await;
    let draft = app
        .api(
            Method::POST,
            "/api/v1/rule-sets",
            Some(&s.admin),
            Some(json!({"name": "draft", "rules": {}})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let r = app
        .api(
            Method::POST,
            "/api/v1/routing-runs",
            Some(&s.clerk),
            Some(json!({"intake_year": 2026, "rule_set_id": draft})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "drafts cannot be used");
    let run = app
        .api(
            Method::POST,
            "/api/v1/routing-runs",
            Some(&s.clerk),
            Some(json!({"intake_year": 2026, "rule_set_id": set, "seed": 1})),
        )
        .await
        .json();
    assert_eq!(run["eligible"], 0);
    let lines = placements(&app, &s, &run).await;
    assert!(lines.iter().all(|p| p["outcome"] == "not_in_scope"), "{lines:?}");
    let first = &lines[0]["not_placed_higher"][0];
    assert_eq!(first["reason"], "ineligible");
    assert_eq!(first["rule"], "score above 500");
    app.api(
        Method::POST,
        &format!("/api/v1/routing-runs/{}/commit", run["id"]),
        Some(&s.clerk),
        None,
    )
    .await;
    assert_eq!(app.count("ledger_entry").await, 0);
}

#[tokio::test]
async fn a_draft_can_be_tried_on_current_data_without_storing_anything() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    // Two choices each: a student left out is counted once per rule, not once per choice.
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    let draft = json!({"name": "trial", "rules": {"eligibility": [{"name": "score above 500", "when": "student.exam_score > 500.0"}], "priority": []}});
    let id = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&s.admin), Some(draft))
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let runs_before = app.count("routing_run").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/rule-sets/{id}/try?intake_year=2026"),
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.json();
    assert_eq!(report["students"], 4);
    assert_eq!(report["eligible"], 0);
    assert_eq!(report["ineligible_by_rule"]["score above 500"], 4);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/rule-sets/{}/try?intake_year=2026", s.rule_set),
            Some(&s.admin),
            None,
        )
        .await
        .json();
    assert_eq!(r["placed"], 3, "one seat in P01, two in P02");
    assert_eq!(r["points_distribution"][0]["from"], 140.0, "100 + 480/10 = 148 points");
    assert_eq!(app.count("routing_run").await, runs_before);
}

#[tokio::test]
async fn the_rule_set_editor_explains_a_bad_rule_saves_publishes_and_tries() {
    let app = TestApp::spawn().await;
    let _ = setup(&app).await;
    let mut admin = app.browser_as(Role::Admin).await;
    let page = admin.get("/rule-sets").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("student.exam_score"),
        "the variable reference is on the page"
    );
    let bad = admin
        .post(
            "/rule-sets",
            &[
                ("name", "试验"),
                ("e_name", "范围"),
                ("e_when", "!student.in_senior_high"),
                ("p_name", "成绩"),
                ("p_when", ""),
                ("p_points", "student.exam_score / 10"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("成绩"), "{}", bad.body);
    let ok = admin
        .post(
            "/rule-sets",
            &[
                ("name", "试验"),
                ("e_name", "范围"),
                ("e_when", "!student.in_senior_high"),
                ("p_name", "成绩"),
                ("p_when", ""),
                ("p_points", "double(student.exam_score) / 10.0"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let editor = admin.get(ok.location()).await;
    assert!(editor.body.contains("double(student.exam_score) / 10.0"));
    let tried = admin.get(&format!("{}?try_year=2026", ok.location())).await;
    assert!(tried.body.contains("试算结果"), "{}", tried.body);
    let published = admin.post(&format!("{}/publish", ok.location()), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let after = admin.get(ok.location()).await;
    assert!(after.body.contains("不能修改"));
    let mut clerk = app.browser_as(Role::Admissions).await;
    let r = clerk.get("/rule-sets").await;
    assert!(!r.body.contains("保存草稿"), "only admins edit rule sets");
}

#[tokio::test]
async fn choices_are_set_by_code_on_the_student_page_and_recommendations_confirmed() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get(&format!("/students/{}", s.students[0])).await;
    assert!(page.body.contains("还没有志愿"), "{}", page.body);
    let bad = clerk
        .post(
            &format!("/students/{}/preferences", s.students[0]),
            &[("codes", "P02, P99")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("P99"), "{}", bad.body);
    assert_eq!(app.count("preference").await, 0);
    let ok = clerk
        .post(
            &format!("/students/{}/preferences", s.students[0]),
            &[("codes", "p02，P01")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let prefs = app
        .api(
            Method::GET,
            &format!("/api/v1/preferences/{}", s.students[0]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    let codes: Vec<&str> = prefs["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| c["programme_code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["P02", "P01"]);
    let r = app
        .api(
            Method::POST,
            "/api/v1/preferences/recommend",
            Some(&s.clerk),
            Some(json!({"graduation_year": 2026, "intake_year": 2026})),
        )
        .await;
    assert_eq!(r.json()["students"], 3, "the three without choices");
    let rec = app
        .api(
            Method::GET,
            &format!("/api/v1/preferences/{}", s.students[1]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(rec["choices"][0]["confirmed"], false);
    let page = clerk.get(&format!("/students/{}", s.students[1])).await;
    assert!(page.body.contains("待确认"));
    clerk
        .post(&format!("/students/{}/preferences/confirm", s.students[1]), &[])
        .await;
    let rec = app
        .api(
            Method::GET,
            &format!("/api/v1/preferences/{}", s.students[1]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(rec["choices"][0]["confirmed"], true);
}

#[tokio::test]
async fn choices_can_come_with_the_register_import_and_unknown_codes_are_bad_rows() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let csv = "姓名,身份证号,建档立卡编号,镇(街道),毕业年份,升学状态,中考成绩,志愿\n\
               学生甲,410181200602024058,H1000001,米河镇,2026,未升学,480,\"P02, P01\"\n\
               新学生,410181200707170799,H1000002,米河镇,2026,未升学,480,P09\n";
    let actor = vocpath::audit::Actor::system("test");
    let report = vocpath::student::import::import_now(
        &app.state.db,
        &app.state.vault,
        &actor,
        "c.csv",
        csv.as_bytes().to_vec(),
        None,
    )
    .await
    .expect("import");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!((report.errors[0].line, report.errors[0].column.as_str()), (3, "志愿"));
    let prefs = app
        .api(
            Method::GET,
            &format!("/api/v1/preferences/{}", s.students[0]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    let codes: Vec<&str> = prefs["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| c["programme_code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["P02", "P01"]);
}

#[tokio::test]
async fn admins_add_schools_and_programmes_on_the_portal_with_rule_errors_next_to_the_field() {
    let app = TestApp::spawn().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let form = admin.get("/programmes/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let school = admin
        .post("/schools", &[("name", "巩义市第二中等职业学校"), ("town", "回郭镇")])
        .await;
    assert_eq!(school.status, StatusCode::SEE_OTHER, "{}", school.body);
    admin.get("/programmes/new").await;
    use sea_orm::EntityTrait;
    let school_id = entity::school::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("school")
        .id
        .to_string();
    let fields = |req: &'static str| {
        vec![
            ("school_id", school_id.clone()),
            ("code", "P05".into()),
            ("name", "电子商务".into()),
            ("skill_area", "商贸".into()),
            ("town", "回郭镇".into()),
            ("intake_year", "2026".into()),
            ("capacity", "80".into()),
            ("reserved_seats", "10".into()),
            ("reserved_rule", "student.registered_poor".into()),
            ("requirements", req.to_string()),
        ]
    };
    let bad = fields("score: student.score > 1");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = admin.post("/programmes", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("score"), "{}", r.body);
    assert_eq!(app.count("programme").await, 0);
    let good = fields("score 300+: student.exam_score >= 300.0");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = admin.post("/programmes", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = admin.get("/programmes?intake_year=2026").await;
    assert!(list.body.contains("电子商务") && list.body.contains("P05"));
    let mut clerk = app.browser_as(Role::Admissions).await;
    assert_eq!(clerk.get("/programmes/new").await.status, StatusCode::FORBIDDEN);
}

/// Issue 12, defect 4: a programme's capacity cannot go below the students committed runs placed.
#[tokio::test]
async fn capacity_cannot_go_below_the_students_already_placed() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students[..3] {
        prefer(&app, &s, *st, &[s.programmes[1], s.programmes[0]]).await;
    }
    let run = dry_run(&app, &s, 1).await;
    let id = run["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/routing-runs/{id}/commit"),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let programme = |capacity: i64| {
        json!({"school_id": 1, "code": "P02", "name": "护理", "skill_area": "机械", "town": "米河镇", "intake_year": 2026,
               "capacity": capacity, "reserved_seats": 0, "requirements": []})
    };
    let path = format!("/api/v1/programmes/{}", s.programmes[1]);
    let refused = app.api(Method::PUT, &path, Some(&s.admin), Some(programme(1))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.json()["detail"].as_str().unwrap_or("").contains('2'),
        "{}",
        refused.body
    );
    let unchanged = app.api(Method::GET, &path, Some(&s.admin), None).await.json();
    assert_eq!(unchanged["capacity"], 2);
    let grown = app.api(Method::PUT, &path, Some(&s.admin), Some(programme(5))).await;
    assert_eq!(grown.status, StatusCode::OK, "{}", grown.body);
}

pub(crate) async fn commit_run(app: &TestApp, s: &Setup, seed: i64) {
    let id = dry_run(app, s, seed).await["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/routing-runs/{id}/commit"),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

pub(crate) async fn ledger_lines(app: &TestApp, s: &Setup) -> Vec<Value> {
    app.api(Method::GET, "/api/v1/ledger", Some(&s.clerk), None)
        .await
        .json()["items"]
        .as_array()
        .expect("ledger")
        .clone()
}

/// Issue 12, defect 1: a crossed-off student stays crossed off — out of later rounds, never on the
/// ledger twice — until reinstated; the dashboard adds up after every round.
#[tokio::test]
async fn a_crossed_off_student_stays_out_of_later_rounds_until_reinstated() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    let lines = ledger_lines(&app, &s).await;
    assert_eq!(lines.len(), 3, "one seat, three left over");
    let crossed = &lines[0];
    let (line_id, student) = (
        crossed["id"].as_i64().expect("id"),
        crossed["student_id"].as_i64().expect("sid"),
    );
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{line_id}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "moved_away", "note": "迁往郑州"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Seats for everyone still on the ledger, then round 2.
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
    let lines = ledger_lines(&app, &s).await;
    let of_student: Vec<&Value> = lines.iter().filter(|l| l["student_id"] == student).collect();
    assert_eq!(of_student.len(), 1, "no second line: {lines:?}");
    assert_eq!(of_student[0]["close_reason"], "moved_away", "still crossed off");
    let placed = app
        .api(Method::GET, "/api/v1/students?status=placed", Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(placed["total"], 3, "the crossed-off student took no seat");
    let mut admin = app.browser_as(Role::Admin).await;
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");

    // Reinstating needs a reason, is recorded in the archive, and round 3 routes the student.
    let path = format!("/api/v1/ledger/{line_id}/reinstate");
    let bad = app
        .api(Method::POST, &path, Some(&s.clerk), Some(json!({"reason": " "})))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .api(
            Method::POST,
            &path,
            Some(&s.clerk),
            Some(json!({"reason": "家长来电，已回到本县"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.json()["closed_at"].is_null());
    let again = app
        .api(Method::POST, &path, Some(&s.clerk), Some(json!({"reason": "再次"})))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let timeline = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{student}/entries"),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "ledger_change").count(), 2, "{kinds:?}");
    commit_run(&app, &s, 3).await;
    let placed = app
        .api(Method::GET, "/api/v1/students?status=placed", Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(placed["total"], 4);
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");
}

/// Issue 12, defect 6: a re-import whose 志愿 column changes students' choices previews them as
/// changed, and the commit records the change in the archive.
#[tokio::test]
async fn a_reimport_that_changes_choices_is_previewed_as_changed() {
    let app = TestApp::spawn().await;
    let _s = setup(&app).await;
    let actor = vocpath::audit::Actor::system("test");
    let file = |choices: [&str; 2]| {
        format!(
            "姓名,身份证号,建档立卡编号,镇(街道),毕业年份,升学状态,中考成绩,志愿\n\
             学生甲,410181200602024058,H1000001,米河镇,2026,未升学,480,{}\n\
             学生乙,410181200704209707,H1000001,米河镇,2026,未升学,480,{}\n",
            choices[0], choices[1]
        )
    };
    let first = file(["P01", "\"P02, P01\""]);
    let import = |text: String| {
        let (app, actor) = (&app, &actor);
        async move {
            vocpath::student::import::import_now(
                &app.state.db,
                &app.state.vault,
                actor,
                "c.csv",
                text.into_bytes(),
                None,
            )
            .await
            .expect("import")
        }
    };
    import(first.clone()).await;
    let same = vocpath::student::import::preview(&app.state.db, &app.state.vault, "c.csv", first.as_bytes(), None)
        .await
        .expect("preview");
    assert_eq!((same.students.changed, same.students.unchanged), (0, 2));
    let second = file(["P02", "\"P02, P01\""]);
    let report = vocpath::student::import::preview(&app.state.db, &app.state.vault, "c.csv", second.as_bytes(), None)
        .await
        .expect("preview");
    assert_eq!(
        (report.students.changed, report.students.unchanged),
        (1, 1),
        "{report:?}"
    );
    let before = app.count("archive_entry").await;
    import(second).await;
    assert_eq!(
        app.count("archive_entry").await,
        before + 1,
        "the choice change is recorded once"
    );
}

/// A valid national ID for test student `n` (born 2010-01-01 + n days).
fn test_id(n: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(2010, 1, 1).expect("date") + chrono::Duration::days(i64::from(n));
    vocpath::demo::national_id(birth, n as usize)
}

/// Issue 12: the ledger at county scale — pages of 100, filters, why each student is there, bulk
/// cross-off of ticked lines, CSV export, and the API in the list shape.
#[tokio::test]
async fn the_ledger_pages_filters_explains_exports_and_crosses_off_in_bulk() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for n in 0..246 {
        app.seed_student(&format!("学生{n}"), &test_id(n), 2026).await;
    }
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    // 250 students, one seat: 249 on the ledger.
    let first = app
        .api(
            Method::GET,
            "/api/v1/ledger?state=open&per_page=50",
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!((first["total"].as_i64(), first["pages"].as_i64()), (Some(249), Some(5)));
    assert_eq!(first["items"].as_array().map(Vec::len), Some(50));
    let full = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["why"].as_array().is_some_and(|w| !w.is_empty()));
    assert_eq!(full.expect("a student who chose P01")["why"][0]["reason"], "full");
    let bad = app
        .api(Method::GET, "/api/v1/ledger?state=gone", Some(&s.clerk), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = app
        .api(Method::GET, "/api/v1/ledger?reason=bored", Some(&s.clerk), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/ledger?state=open").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("name=\"ids\"").count(), 100, "a page of 100");
    assert!(page.body.len() < 150_000, "page size {} bytes", page.body.len());
    assert!(page.body.contains("未填报志愿"), "why each student is there");
    let town = clerk.get("/ledger?state=open&town=%E7%B1%B3%E6%B2%B3%E9%95%87").await;
    assert!(
        town.body.contains("共 249 条")
            && town.body.contains("<span aria-current=\"page\">1</span>")
            && town.body.contains(">3</a>"),
        "every seeded household is in 米河镇: page 1 of 3"
    );
    let nowhere = clerk
        .get("/ledger?state=open&school=%E6%97%A0%E6%AD%A4%E5%AD%A6%E6%A0%A1")
        .await;
    assert!(nowhere.body.contains("class=\"empty\""));

    // Tick three lines and cross them off with one reason.
    let ids: Vec<String> = first["items"].as_array().expect("items")[..3]
        .iter()
        .map(|l| l["id"].as_i64().expect("id").to_string())
        .collect();
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", i.as_str())).collect();
    let mut no_evidence = fields.clone();
    no_evidence.extend([("reason", "moved_away"), ("note", " "), ("back", "state=open")]);
    let refused = clerk.post("/ledger/cross-off", &no_evidence).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "evidence is required");
    assert!(refused.body.contains("迁往何处"), "the page says what is missing");
    assert_eq!(
        app.api(Method::GET, "/api/v1/ledger?state=crossed_off", Some(&s.clerk), None)
            .await
            .json()["total"],
        0,
        "nothing written"
    );
    fields.extend([
        ("reason", "moved_away"),
        ("note", "随父母迁往郑州"),
        ("back", "state=open"),
    ]);
    let done = clerk.post("/ledger/cross-off", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let crossed = app
        .api(Method::GET, "/api/v1/ledger?state=crossed_off", Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(crossed["total"], 3);
    // All or none: one already closed line refuses the whole request.
    let again: Vec<(&str, &str)> = vec![
        ("ids", ids[0].as_str()),
        ("ids", "999999"),
        ("reason", "moved_away"),
        ("note", "迁往郑州"),
    ];
    clerk.get("/ledger").await;
    let refused = clerk.post("/ledger/cross-off", &again).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert_eq!(
        app.api(Method::GET, "/api/v1/ledger?state=crossed_off", Some(&s.clerk), None)
            .await
            .json()["total"],
        3
    );

    let csv = clerk.get("/ledger/export?format=csv&state=crossed_off").await;
    assert!(csv.content_type().starts_with("text/csv"), "{}", csv.content_type());
    assert_eq!(csv.body.lines().count(), 4, "a header and three lines: {}", csv.body);
}

/// Puts a student into regular senior high, so the setup's eligibility rule leaves them out.
async fn enter_senior_high(app: &TestApp, student: i32) {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let s = entity::student::Entity::find_by_id(student)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("student");
    let mut s = s.into_active_model();
    s.senior_high_status = Set(entity::enums::SeniorHighStatus::Regular);
    s.update(&app.state.db).await.expect("update");
}

/// A dry run where 学生甲 and 学生乙 want P01's one seat (one gets it), 学生丙 made no choice and
/// 学生丁 is in senior high (out of routing scope).
async fn one_of_each_outcome(app: &TestApp) -> (Setup, Value) {
    let s = setup(app).await;
    for st in &s.students[..2] {
        prefer(app, &s, *st, &[s.programmes[0]]).await;
    }
    enter_senior_high(app, s.students[3]).await;
    let run = dry_run(app, &s, 1).await;
    (s, run)
}

/// Issue 12, run results: a student the eligibility rules leave out is "not in routing scope"
/// (不在分流范围) on the result page and in the export, never "unplaced" (未安置), and can be
/// filtered as such.
#[tokio::test]
async fn ineligible_students_are_shown_as_not_in_routing_scope_not_as_unplaced() {
    let app = TestApp::spawn().await;
    let (_, run) = one_of_each_outcome(&app).await;
    let id = run["id"].as_i64().expect("id");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get(&format!("/routing-runs/{id}?outcome=not_in_scope")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let table = page.body.split("<tbody>").last().expect("rows");
    assert!(table.contains("学生丁") && table.contains("不在分流范围"), "{table}");
    assert!(!table.contains("学生甲") && !table.contains("学生丙"), "{table}");
    assert!(!table.contains("<strong>未安置</strong>"), "{table}");
    let unplaced = clerk.get(&format!("/routing-runs/{id}?outcome=unplaced")).await;
    let table = unplaced.body.split("<tbody>").last().expect("rows");
    // P01 has one seat for 甲 and 乙; 丙 made no choice.
    assert_eq!(table.matches("<tr>").count(), 2, "{table}");
    assert!(table.contains("学生丙"), "{table}");
    assert!(!table.contains("学生丁"), "ineligible is not unplaced: {table}");
    let csv = clerk.get(&format!("/routing-runs/{id}?format=csv")).await;
    let line = csv.body.lines().find(|l| l.contains("学生丁")).expect("row");
    assert!(line.contains("不在分流范围") && !line.contains("未安置"), "{line}");
    let line = csv.body.lines().find(|l| l.contains("学生丙")).expect("row");
    assert!(line.contains("未安置"), "{line}");
}

/// Issue 12, run results: exports carry the student number and the masked national ID, so two
/// students with the same name can be told apart; they honour the filters and are not paged.
#[tokio::test]
async fn run_exports_tell_students_with_the_same_name_apart() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let twin = app.seed_student("学生甲", "410181200701015556", 2026).await;
    prefer(&app, &s, s.students[0], &[s.programmes[0]]).await;
    let run = dry_run(&app, &s, 1).await;
    let id = run["id"].as_i64().expect("id");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let csv = clerk
        .get(&format!(
            "/routing-runs/{id}?format=csv&name=%E5%AD%A6%E7%94%9F%E7%94%B2"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let header = csv.body.lines().next().expect("header");
    assert!(header.contains("学生编号") && header.contains("身份证号"), "{header}");
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "only the two named 学生甲: {}", csv.body);
    for (student, id_number) in [(s.students[0], IDS[0]), (twin, "410181200701015556")] {
        let masked = vocpath::student::ids::mask(id_number);
        assert!(
            rows.iter()
                .any(|r| r.starts_with(&format!("{student},")) && r.contains(&masked)),
            "{student} {masked}: {}",
            csv.body
        );
    }
    assert!(!csv.body.contains(&IDS[0][6..14]), "the ID is masked");
    let xlsx = clerk
        .get(&format!("/routing-runs/{id}?format=xlsx&outcome=placed"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type().contains("spreadsheetml"));
}

/// Seeds `n` students of 2026 in bulk (20 towns, 40 junior-high schools), one household each.
async fn seed_county(app: &TestApp, n: usize) -> Vec<i32> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    let now = chrono::Utc::now();
    let households: Vec<entity::household::ActiveModel> = (0..n)
        .map(|i| entity::household::ActiveModel {
            registration_number: Set(format!("HC{i:08}")),
            town: Set(format!("第{}镇街道", i % 20)),
            village: Set("新庄村".into()),
            head_of_household: Set("户主".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in households.chunks(500) {
        entity::household::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .expect("households");
    }
    // By number, not by the smallest id: a household of the setup may also start with "HC".
    let by_number: std::collections::HashMap<String, i32> = entity::household::Entity::find()
        .filter(entity::household::Column::RegistrationNumber.starts_with("HC"))
        .all(&app.state.db)
        .await
        .expect("households")
        .into_iter()
        .map(|h| (h.registration_number, h.id))
        .collect();
    let students: Vec<entity::student::ActiveModel> = (0..n)
        .map(|i| entity::student::ActiveModel {
            household_id: Set(by_number[&format!("HC{i:08}")]),
            name: Set(format!("欧阳{}", ["子涵", "一诺", "浩然", "梓萱"][i % 4])),
            sex: Set(entity::enums::Sex::Female),
            national_id_enc: Set("-".into()),
            national_id_hash: Set(format!("county-{i}")),
            national_id_masked: Set(format!("410181********{:04}", i % 10_000)),
            birth_date: Set(chrono::NaiveDate::from_ymd_opt(2010, 5, 1).expect("date")),
            phone: Set(None),
            guardian: Set(None),
            junior_high_school: Set(format!("巩义市第{}初级中学", i % 40)),
            graduation_year: Set(2026),
            exam_score: Set(Some(400.0)),
            senior_high_status: Set(entity::enums::SeniorHighStatus::NotEntered),
            disability: Set(false),
            intended_skill: Set(None),
            current_status: Set(entity::student::StudentStatus::AwaitingPlacement),
            current_programme: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in students.chunks(500) {
        entity::student::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .expect("students");
    }
    let mut ids: Vec<i32> = entity::student::Entity::find()
        .all(&app.state.db)
        .await
        .expect("students")
        .into_iter()
        .filter(|s| s.national_id_hash.starts_with("county-"))
        .map(|s| s.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// A stored dry run over `students`: a third placed, a third unplaced with ten full choices each
/// (the longest rows), a third left out by an eligibility rule; 60 programmes.
async fn store_county_run(app: &TestApp, s: &Setup, students: &[i32]) -> i32 {
    use sea_orm::{ActiveModelTrait, Set};
    let full = |c: u32| json!({"programme": format!("P{c:02}"), "choice": c, "reason": "full", "cutoff_points": 61.5, "cutoff_lottery": 0.25, "points": 40.0});
    let placements: Vec<Value> = students
        .iter()
        .enumerate()
        .map(|(i, id)| match i % 3 {
            0 => json!({"student": format!("S{id}"), "programme": "P01", "choice": 1, "points": 72.5, "lottery": 0.5, "not_placed_higher": []}),
            1 => json!({"student": format!("S{id}"), "programme": null, "choice": null, "points": null, "lottery": 0.5, "not_placed_higher": (1..=10).map(full).collect::<Vec<_>>()}),
            _ => json!({"student": format!("S{id}"), "programme": null, "choice": null, "points": null, "lottery": 0.5, "not_placed_higher": [{"reason": "ineligible", "rule": "not in senior high"}]}),
        })
        .collect();
    let programmes: Vec<Value> = (1..=60)
        .map(|c| json!({"code": format!("P{c:02}"), "capacity": 150, "filled": 150, "reserved_filled": 10, "cutoff_points": 61.5, "cutoff_lottery": 0.25}))
        .collect();
    let n = students.len() as u64;
    let summary =
        json!({"students": n, "eligible": n - n / 3, "placed": n.div_ceil(3), "unplaced": n - n / 3 - n.div_ceil(3)});
    let result = json!({"placements": placements, "programmes": programmes, "summary": summary});
    entity::routing_run::ActiveModel {
        intake_year: Set(2026),
        round: Set(1),
        rule_set_id: Set(s.rule_set as i32),
        seed: Set(1),
        input_digest: Set("0".repeat(64)),
        status: Set(entity::routing_run::RunStatus::DryRun),
        result: Set(result.to_string()),
        summary: Set(summary.to_string()),
        created_by: Set(None),
        created_at: Set(chrono::Utc::now()),
        committed_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("run")
    .id
}

/// Issue 12, pages at county scale: with 25,000 students no result page reaches 1 MB, each shows
/// one page of 100 rows with page links that keep the filters, and the export holds every filtered
/// row; the ledger, recommendations, student list, dashboard and runs pages stay under 1 MB too.
/// `cargo test --test it county -- --nocapture` prints each page's size.
#[tokio::test]
async fn a_county_run_result_page_shows_one_page_of_rows_under_a_megabyte() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let students = seed_county(&app, 25_000).await;
    let id = store_county_run(&app, &s, &students).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    for (query, total) in [
        ("", 25_000),
        ("?outcome=unplaced", 8_333),
        ("?outcome=unplaced&page=84", 8_333),
    ] {
        let page = clerk.get(&format!("/routing-runs/{id}{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.len() < 1_000_000, "{query}: {} bytes", page.body.len());
        println!("county run page {query:?}: {} bytes", page.body.len());
        let rows = page.body.split("<tbody>").last().expect("rows").matches("<tr>").count();
        let expected = if query.ends_with("page=84") { 33 } else { 100 };
        assert_eq!(rows, expected, "{query}");
        assert!(
            page.body.contains(&format!("共 {total} 条")),
            "{query}: the pager counts {total}"
        );
    }
    let page = clerk.get(&format!("/routing-runs/{id}?outcome=unplaced")).await;
    assert!(
        page.body.contains("?page=2&amp;outcome=unplaced"),
        "page links keep the filters"
    );
    let csv = clerk
        .get(&format!(
            "/routing-runs/{id}?format=csv&outcome=not_in_scope&town=%E7%AC%AC3%E9%95%87%E8%A1%97%E9%81%93"
        ))
        .await;
    let rows = csv.body.lines().count() - 1;
    // Students 2, 5, 8, … are out of scope; towns cycle every 20: the rows with i % 60 == 23.
    assert_eq!(
        rows,
        25_000 / 60 + usize::from(25_000 % 60 > 23),
        "every filtered row, unpaged"
    );

    // The other pages a clerk opens at this scale: the ledger (the unplaced third, each with ten
    // reasons), recommendations awaiting confirmation (two for each student), the student list
    // and the dashboard.
    use sea_orm::{EntityTrait, Set};
    let now = chrono::Utc::now();
    let why = json!((1..=10).map(|c| json!({"programme": format!("P{c:02}"), "choice": c, "reason": "full", "cutoff_points": 61.5, "cutoff_lottery": 0.25, "points": 40.0})).collect::<Vec<_>>()).to_string();
    let lines: Vec<entity::ledger_entry::ActiveModel> = students
        .iter()
        .skip(1)
        .step_by(3)
        .map(|sid| entity::ledger_entry::ActiveModel {
            student_id: Set(*sid),
            intake_year: Set(2026),
            run_id: Set(Some(id)),
            opened_at: Set(now),
            why: Set(why.clone()),
            opened_because: Set(entity::ledger_entry::OpenedBecause::Unplaced),
            ..Default::default()
        })
        .collect();
    for chunk in lines.chunks(500) {
        entity::ledger_entry::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .expect("ledger");
    }
    let choice = [s.programmes[0] as i32, s.programmes[1] as i32];
    let prefs: Vec<entity::preference::ActiveModel> = students
        .iter()
        .flat_map(|sid| {
            (0..2).map(move |rank| entity::preference::ActiveModel {
                student_id: Set(*sid),
                programme_id: Set(choice[rank]),
                rank: Set(rank as i32 + 1),
                confirmed: Set(false),
                created_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    for chunk in prefs.chunks(500) {
        entity::preference::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .expect("preferences");
    }
    let mut admin = app.browser_as(Role::Admin).await;
    for path in [
        "/ledger?intake_year=2026",
        "/ledger?intake_year=2026&state=open&page=80",
        "/recommendations?graduation_year=2026",
        "/students",
        "/dashboard?year=2026",
        "/routing-runs",
    ] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.len() < 1_000_000, "{path}: {} bytes", page.body.len());
        println!("county page {path}: {} bytes", page.body.len());
    }
}

/// Issue 12, run results in the API: the per-student lines come a page at a time in the shared
/// list shape, with the result page's filters; the run itself no longer carries every placement.
#[tokio::test]
async fn the_run_placements_api_pages_and_filters_in_the_list_shape() {
    let app = TestApp::spawn().await;
    let (s, run) = one_of_each_outcome(&app).await;
    assert!(run["result"]["placements"].is_null(), "{run}");
    assert!(run["result"]["programmes"].is_array(), "{run}");
    let get = |query: &str| {
        let path = format!("/api/v1/routing-runs/{}/placements{query}", run["id"]);
        let token = s.clerk.clone();
        let app = &app;
        async move { app.api(Method::GET, &path, Some(&token), None).await }
    };
    let page = get("?per_page=3&page=2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = page.json();
    assert_eq!(
        (&body["page"], &body["per_page"], &body["total"], &body["pages"]),
        (&json!(2), &json!(3), &json!(4), &json!(2)),
        "{body}"
    );
    assert_eq!(body["items"].as_array().expect("items").len(), 1);
    let out = get("?outcome=not_in_scope").await.json();
    assert_eq!(out["total"], 1, "{out}");
    assert_eq!(out["items"][0]["student_id"], s.students[3]);
    assert_eq!(out["items"][0]["name"], "学生丁");
    assert_eq!(out["items"][0]["national_id"], vocpath::student::ids::mask(IDS[3]));
    let unplaced = get("?outcome=unplaced&name=%E5%AD%A6%E7%94%9F%E4%B8%99").await.json();
    assert_eq!(unplaced["total"], 1, "{unplaced}");
    let placed = get("?outcome=placed&programme=P01&town=%E7%B1%B3%E6%B2%B3%E9%95%87")
        .await
        .json();
    assert_eq!(placed["total"], 1, "{placed}");
    let bad = get("?outcome=ineligible").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}

/// Issue 12: recommendations reviewed on one page and confirmed in bulk — per school, per town or
/// all shown — instead of one request per student.
#[tokio::test]
async fn recommendations_are_reviewed_and_confirmed_in_bulk_by_filter() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for n in 0..6 {
        app.seed_student(&format!("推荐{n}"), &test_id(1000 + n), 2026).await;
    }
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/recommendations?graduation_year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let made = clerk
        .post("/recommendations/generate", &[("graduation_year", "2026")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(
        made.body.contains("10 名学生"),
        "four from the setup and six more: {}",
        made.body
    );
    assert!(
        made.body.contains("推荐0") && made.body.contains("P01"),
        "{}",
        made.body
    );
    // Confirm one school's students only (nobody's school matches): nothing changes.
    let none = clerk
        .post(
            "/recommendations",
            &[("graduation_year", "2026"), ("school", "无此学校"), ("town", "")],
        )
        .await;
    assert!(none.body.contains("已确认 0 名学生"), "{}", none.body);
    // Confirm everyone shown.
    let done = clerk
        .post(
            "/recommendations",
            &[("graduation_year", "2026"), ("school", ""), ("town", "米河镇")],
        )
        .await;
    assert!(done.body.contains("已确认 10 名学生"), "{}", done.body);
    assert!(done.body.contains("class=\"empty\""), "nothing left to confirm");
    let prefs = app
        .api(
            Method::GET,
            &format!("/api/v1/preferences/{}", s.students[0]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert!(
        prefs["choices"]
            .as_array()
            .expect("choices")
            .iter()
            .all(|c| c["confirmed"] == true),
        "{prefs}"
    );
    let mut viewer = app.browser_as(Role::Viewer).await;
    assert_eq!(viewer.get("/recommendations").await.status, StatusCode::FORBIDDEN);
    // The API does the same in one call.
    let r = app
        .api(
            Method::POST,
            "/api/v1/preferences/confirm-all",
            Some(&s.clerk),
            Some(json!({"graduation_year": 2026})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["students"], 0, "all were confirmed already");
}

/// A cross-off note or reinstatement reason with invisible control characters is refused and the
/// line stays as it was.
#[tokio::test]
async fn ledger_notes_with_control_characters_are_refused_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    let id = ledger_lines(&app, &s).await[0]["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{id}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "other", "note": "外出\u{202E}务工"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("text_has_control"), "{}", r.body);
    assert!(ledger_lines(&app, &s).await[0]["closed_at"].is_null(), "still open");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{id}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "moved_away", "note": "迁往郑州"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{id}/reinstate"),
            Some(&s.clerk),
            Some(json!({"reason": "回到\u{0}本县"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        ledger_lines(&app, &s).await[0]["close_reason"],
        "moved_away",
        "still crossed off"
    );
}
