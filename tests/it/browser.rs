//! End to end in a real headless Chromium, driven over WebDriver: a clerk logs in, imports a small
//! register file, publishes the rules, dry-runs and commits routing, confirms mentor assignments
//! (and the email file appears), a farmer registers for a session on a 360-px phone screen, and on
//! an 800-px tablet the clerk ticks today's attendance, reads the per-day roster and opens the
//! certificate the farmer earned.
//! Screenshots of each step go to `<target>/e2e/`. Without Chromium and chromedriver installed the
//! test says it was skipped (`.ci/run` installs Debian's `chromium` and `chromium-driver`).

use std::path::PathBuf;
use std::time::Duration;

use entity::enums::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use vocpath::audit::Actor;

use crate::helpers::{PASSWORD, TestApp};

pub(crate) fn chromedriver() -> Option<PathBuf> {
    let candidates = [
        std::env::var("VOCPATH_CHROMEDRIVER").ok().map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromedriver")),
        Some(PathBuf::from("/usr/lib/chromium/chromedriver")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub(crate) async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {port}");
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let dir = PathBuf::from(target).join("e2e");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write screenshot");
}

async fn page_text(c: &Client) -> String {
    c.source().await.expect("page source")
}

/// Kills chromedriver when the test ends, also on panic. The second field is its port.
pub(crate) struct Driver(std::process::Child, u16);

impl Driver {
    /// How many A4 pages the browser's current page prints on (WebDriver's print command).
    pub(crate) async fn printed_pages(&self, c: &Client) -> usize {
        use base64::Engine;
        let reply = self
            .command(c, "print", r#"{"page":{"width":21.0,"height":29.7},"background":true}"#)
            .await;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(reply["value"].as_str().expect("a PDF"))
            .expect("base64");
        crate::helpers::count_pdf_pages(&pdf)
    }

    /// Lays the current page out for print (or back for the screen, `media` empty) through the
    /// DevTools protocol, so checks that run in the page see what paper would get.
    pub(crate) async fn emulate_media(&self, c: &Client, media: &str) {
        let body = serde_json::json!({ "cmd": "Emulation.setEmulatedMedia", "params": { "media": media } });
        self.command(c, "goog/cdp/execute", &body.to_string()).await;
    }

    /// A session command fantoccini has no call for, sent to chromedriver by hand: POST
    /// `/session/{id}/{path}` with `body`; the JSON reply.
    async fn command(&self, c: &Client, path: &str, body: &str) -> serde_json::Value {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let session = c.session_id().await.expect("session").expect("a session id");
        // Asynchronous I/O: the page may still load from the app served on this same runtime.
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.1))
            .await
            .expect("chromedriver");
        let request = format!(
            "POST /session/{session}/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("send the command");
        // Read the head, then exactly Content-Length bytes (chromedriver may keep the connection open).
        let mut reply = Vec::new();
        let mut chunk = [0u8; 65536];
        let (head_end, length) = loop {
            let n = stream.read(&mut chunk).await.expect("read the reply");
            assert!(n > 0, "chromedriver closed the reply early");
            reply.extend_from_slice(&chunk[..n]);
            if let Some(i) = reply.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&reply[..i]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("a Content-Length");
                break (i + 4, length);
            }
        };
        while reply.len() < head_end + length {
            let n = stream.read(&mut chunk).await.expect("read the reply");
            assert!(n > 0, "chromedriver closed the reply early");
            reply.extend_from_slice(&chunk[..n]);
        }
        let json: serde_json::Value = serde_json::from_slice(&reply[head_end..head_end + length]).expect("JSON reply");
        assert!(json["value"].get("error").is_none(), "{path}: {json}");
        json
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The app served on a free port of 127.0.0.1; its base URL.
pub(crate) async fn serve(app: &TestApp) -> String {
    let port = free_port();
    let routes = vocpath::routes(app.state.clone());
    tokio::spawn(async move {
        poem::Server::new(poem::listener::TcpListener::bind(format!("127.0.0.1:{port}")))
            .run(routes)
            .await
    });
    wait_for_port(port).await;
    format!("http://127.0.0.1:{port}")
}

/// chromedriver on a free port and a headless Chromium session with `args` added.
pub(crate) async fn start_chromium(driver_path: &std::path::Path, args: &[&str]) -> (Client, Driver) {
    let dport = free_port();
    let driver = Driver(
        std::process::Command::new(driver_path)
            .arg(format!("--port={dport}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromedriver"),
        dport,
    );
    wait_for_port(dport).await;
    let mut all = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
    ];
    all.extend_from_slice(args);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": all, "prefs": { "intl.accept_languages": "zh-CN,zh" } }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{dport}"))
        .await
        .expect("connect to chromedriver");
    (c, driver)
}

/// Signs in through the login form and waits until the portal has left the login page.
pub(crate) async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    for (field, value) in [("email", email), ("password", password)] {
        c.find(Locator::Css(&format!("input[name={field}]")))
            .await
            .expect(field)
            .send_keys(value)
            .await
            .expect("type");
    }
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    for _ in 0..100 {
        if !c.current_url().await.expect("url").path().starts_with("/login") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{email} could not sign in");
}

const IDS: [&str; 4] = [
    "410181200602024058",
    "410181200704209707",
    "410181200707295452",
    "410181200707170799",
];

#[tokio::test]
async fn a_clerk_and_a_farmer_use_the_portal_in_a_real_browser() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("VOCPATH_REQUIRE_BROWSER").is_err(),
            "VOCPATH_REQUIRE_BROWSER is set but no chromedriver was found"
        );
        eprintln!(
            "SKIPPED a_clerk_and_a_farmer_use_the_portal_in_a_real_browser: no chromedriver found; install Debian's chromium and chromium-driver (.ci/run does) or set VOCPATH_CHROMEDRIVER"
        );
        return;
    };
    let app = TestApp::spawn().await;
    let actor = Actor::system("e2e");
    let db = &app.state.db;
    let year = chrono::Datelike::year(&vocpath::clock::today());

    // What the clerk builds on: a school, two programmes, a draft rule set, mentors, a training session.
    let school = vocpath::admissions::programmes::create_school(
        db,
        &actor,
        vocpath::admissions::programmes::NewSchool::parse("巩义市第一中等职业学校", "孝义街道", None).expect("school"),
    )
    .await
    .expect("school");
    for (code, name) in [("P01", "数控技术应用"), ("P02", "电子商务")] {
        let raw = vocpath::admissions::programmes::ProgrammeRaw {
            school_id: school.id,
            code: code.into(),
            name: name.into(),
            skill_area: name.into(),
            town: "孝义街道".into(),
            intake_year: i64::from(year),
            capacity: 2,
            reserved_seats: 0,
            reserved_rule: None,
            requirements: vec![],
        };
        vocpath::admissions::programmes::save_programme(
            db,
            &actor,
            None,
            vocpath::admissions::programmes::ProgrammeInput::parse(raw).expect("programme"),
        )
        .await
        .expect("programme");
    }
    let rules = vocpath::routing::instance::Rules {
        eligibility: vec![vocpath::routing::instance::Rule {
            name: "未升入普通高中".into(),
            when: "!student.in_senior_high".into(),
        }],
        priority: vec![vocpath::routing::instance::PriorityRule {
            name: "中考成绩".into(),
            when: "true".into(),
            points: vocpath::routing::instance::PointsSpec::Expression("double(student.exam_score) / 10.0".into()),
        }],
    };
    let set = vocpath::admissions::rule_sets::create_draft(db, &actor, "分流规则", rules)
        .await
        .expect("rule set");
    let mut n = 0;
    for (role, skills) in [
        ("counsellor", vec![]),
        ("class_teacher", vec![]),
        (
            "subject_teacher",
            vec!["数控技术应用".to_string(), "电子商务".to_string()],
        ),
    ] {
        n += 1;
        let id = app.user(&format!("mentor{n}@school.cn"), Role::Mentor).await;
        let input = vocpath::mentor::profiles::ProfileInput::parse(
            school.id,
            vec![vocpath::mentor::profiles::RoleCapacity {
                role: role.into(),
                max: 10,
            }],
            skills,
            "米河镇",
            true,
            &vocpath::config::MentorCaps::default(),
        )
        .expect("profile");
        vocpath::mentor::profiles::save_profile(db, &actor, id, input)
            .await
            .expect("profile");
    }
    let base = vocpath::training::setup::BaseForm {
        name: "米河实训基地".into(),
        address: "米河镇工业园区".into(),
        town: "米河镇".into(),
        open_days: "1234567".into(),
        venues: "日光温室大棚: 40".into(),
        ..Default::default()
    };
    vocpath::training::setup::create_base(db, &actor, base.parse().expect("base"))
        .await
        .expect("base");
    let course = vocpath::training::setup::CourseForm {
        title: "日光温室蔬菜种植".into(),
        skill_area: "设施蔬菜".into(),
        hours: "12".into(),
        min_cohort: "5".into(),
        max_cohort: "40".into(),
        ..Default::default()
    };
    let course = vocpath::training::setup::create_course(db, &actor, course.parse().expect("course"))
        .await
        .expect("course");
    let instructor = vocpath::training::setup::InstructorForm {
        name: "王建国".into(),
        skills: "设施蔬菜".into(),
        ..Default::default()
    };
    let instructor = vocpath::training::setup::create_instructor(db, &actor, instructor.parse().expect("i"))
        .await
        .expect("instructor");
    let venue = vocpath::training::setup::catalogue(db).await.expect("cat").venues[0].id;
    let start = vocpath::clock::today() + chrono::Duration::days(10);
    let session = vocpath::training::schedule::create_session(
        db,
        &actor,
        vocpath::training::schedule::Plan {
            course_id: course.id,
            venue_id: venue,
            instructor_id: instructor.id,
            starts_on: start,
            ends_on: start + chrono::Duration::days(1),
            capacity: 30,
        },
    )
    .await
    .expect("session");
    let clerk_email = "zs@school.cn";
    app.user(clerk_email, Role::Admin).await;

    // The service on a real port, and chromedriver.
    let base = serve(&app).await;
    let (c, _driver) = start_chromium(&driver_path, &["--window-size=1280,1000", "--lang=zh-CN"]).await;
    let url = |path: &str| format!("{base}{path}");

    // 1. Log in: the dashboard is the home page.
    sign_in(&c, &url(""), clerk_email, PASSWORD).await;
    c.wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .expect("dashboard with charts");
    assert!(
        page_text(&c).await.contains("统计看板"),
        "the portal speaks Chinese first"
    );
    shot(&c, "01-dashboard").await;

    // 2. Import a small register file (with the students' choices).
    let mut csv = String::from("姓名,身份证号,建档立卡编号,户主姓名,镇(街道),村,毕业年份,中考成绩,升学状态,志愿\n");
    for (i, id) in IDS.iter().enumerate() {
        csv.push_str(&format!(
            "{},{id},4101810{i:07},户主{},米河镇,新庄村,{year},{},未升学,\"P01, P02\"\n",
            ["王磊", "李静", "张伟", "刘芳"][i],
            ["甲", "乙", "丙", "丁"][i],
            500 - i * 20
        ));
    }
    let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("temp file");
    std::fs::write(file.path(), csv).expect("write csv");
    c.goto(&url("/imports/new")).await.expect("import page");
    c.find(Locator::Css("input[type=file]"))
        .await
        .expect("file input")
        .send_keys(&file.path().display().to_string())
        .await
        .expect("choose file");
    c.find(Locator::Css("form[enctype] button[type=submit]"))
        .await
        .expect("preview")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("form[action$='/commit'] button"))
        .await
        .expect("preview page");
    shot(&c, "02-import-preview").await;
    c.find(Locator::Css("form[action$='/commit'] button"))
        .await
        .expect("commit")
        .click()
        .await
        .expect("click");
    for _ in 0..100 {
        if app.count("student").await == 4 && !page_text(&c).await.contains("<progress") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.count("student").await, 4);
    c.refresh().await.expect("reload");
    shot(&c, "03-import-committed").await;

    // 3. Publish the rules (the confirmation dialog is accepted).
    c.goto(&url(&format!("/rule-sets/{}", set.id))).await.expect("rule set");
    c.find(Locator::Css("form[action$='/publish'] button"))
        .await
        .expect("publish")
        .click()
        .await
        .expect("click");
    c.accept_alert().await.expect("confirm the publication");
    for _ in 0..50 {
        if page_text(&c).await.contains("/rule-sets") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let published = entity::rule_set::Entity::find_by_id(set.id)
        .one(db)
        .await
        .expect("q")
        .expect("set");
    assert_eq!(
        published.status,
        entity::rule_set::RuleSetStatus::Published,
        "the rule set is published"
    );
    shot(&c, "04-rules-published").await;

    // 4. Dry run, then commit.
    c.goto(&url("/routing-runs")).await.expect("runs");
    c.find(Locator::Css("input[name=intake_year]"))
        .await
        .expect("year")
        .send_keys(&year.to_string())
        .await
        .expect("type");
    c.find(Locator::Css("form[action='/routing-runs'] button"))
        .await
        .expect("dry run")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("form[action$='/commit'] button"))
        .await
        .expect("run page");
    shot(&c, "05-dry-run").await;
    c.find(Locator::Css("form[action$='/commit'] button"))
        .await
        .expect("commit")
        .click()
        .await
        .expect("click");
    c.accept_alert().await.expect("confirm the commit");
    for _ in 0..50 {
        if app.count("ledger_entry").await + app.count("archive_entry").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "06-run-committed").await;

    // 5. Confirm the mentor assignments; the emails are written as .eml files.
    c.goto(&url("/mentoring")).await.expect("mentoring");
    c.find(Locator::Css("form[action='/mentoring/confirm'] button"))
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("p.notice.ok"))
        .await
        .expect("confirmed");
    shot(&c, "07-mentors-confirmed").await;
    let assigned = app.count("mentor_assignment").await;
    assert!(assigned >= 3, "{assigned} assignments");
    vocpath::outbox::deliver_due(db, &app.state.mailer, &app.state.config.mail_from, 100)
        .await
        .expect("deliver");
    let mail_dir = app.state.config.data_dir.join("mail");
    let emails: Vec<String> = std::fs::read_dir(&mail_dir)
        .expect("mail folder")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .filter(|t| t.contains("/mentor-links/"))
        .collect();
    let mentors: std::collections::BTreeSet<i32> = entity::mentor_assignment::Entity::find()
        .all(db)
        .await
        .expect("assignments")
        .into_iter()
        .map(|a| a.mentor_id)
        .collect();
    assert_eq!(emails.len(), mentors.len(), "one email file per mentor");
    let links: usize = emails
        .iter()
        .map(|t| {
            t.matches("answer=3Daccept")
                .count()
                .max(t.matches("answer=accept").count())
        })
        .sum();
    assert!(
        links as i64 >= assigned,
        "an accept link per assignment: {links} for {assigned}"
    );

    // 6. A farmer on a 360-px phone screen registers for a session.
    c.set_window_size(360, 740).await.expect("phone size");
    c.goto(&url("/train")).await.expect("sessions");
    shot(&c, "08-phone-sessions").await;
    c.find(Locator::Css(".card h2 a"))
        .await
        .expect("a session")
        .click()
        .await
        .expect("open");
    c.find(Locator::Css("input[name=name]"))
        .await
        .expect("name")
        .send_keys("王大明")
        .await
        .expect("type");
    c.find(Locator::Css("input[name=phone]"))
        .await
        .expect("phone")
        .send_keys("13800138000")
        .await
        .expect("type");
    c.find(Locator::Css("input[name=town]"))
        .await
        .expect("town")
        .send_keys("米河镇")
        .await
        .expect("type");
    c.find(Locator::Css("input[name=village]"))
        .await
        .expect("village")
        .send_keys("新庄村")
        .await
        .expect("type");
    shot(&c, "09-phone-form").await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("p.code"))
        .await
        .expect("confirmation code");
    let code = c
        .find(Locator::Css("p.code"))
        .await
        .expect("code")
        .text()
        .await
        .expect("text");
    assert_eq!(code.trim().len(), 8, "an 8-digit code: {code}");
    shot(&c, "10-phone-registered").await;
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .expect("width");
    assert!(
        width.as_i64().unwrap_or(999) <= 360,
        "no sideways scrolling on a phone: {width}"
    );

    // 7. On a tablet in the training room: the session ran yesterday and runs today (its last day).
    // Yesterday is recorded; the clerk ticks today, the farmer has earned the certificate.
    entity::training_session::Entity::update_many()
        .col_expr(
            entity::training_session::Column::StartsOn,
            sea_orm::sea_query::Expr::value(vocpath::clock::today() - chrono::Duration::days(1)),
        )
        .col_expr(
            entity::training_session::Column::EndsOn,
            sea_orm::sea_query::Expr::value(vocpath::clock::today()),
        )
        .filter(entity::training_session::Column::Id.eq(session.id))
        .exec(db)
        .await
        .expect("dates");
    let farmer = entity::registration::Entity::find()
        .filter(entity::registration::Column::Phone.eq("13800138000"))
        .one(db)
        .await
        .expect("q")
        .expect("the farmer's registration");
    let yesterday = vocpath::training::attendance::DayAttendance {
        day: vocpath::clock::today() - chrono::Duration::days(1),
        entries: vec![vocpath::training::attendance::DayEntry {
            registration_id: farmer.id,
            present: true,
            hours: None,
        }],
        note: None,
    };
    vocpath::training::attendance::record_day(db, &actor, session.id, yesterday)
        .await
        .expect("yesterday");
    c.set_window_size(800, 1100).await.expect("tablet size");
    c.goto(&url(&format!("/training/sessions/{}/attendance", session.id)))
        .await
        .expect("today's attendance");
    c.find(Locator::Css("label.tick"))
        .await
        .expect("a big checkbox per farmer")
        .click()
        .await
        .expect("tick");
    shot(&c, "11-tablet-today").await;
    c.find(Locator::Css(".save-bar button"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    c.wait().for_element(Locator::Css("p.notice.ok")).await.expect("saved");
    c.goto(&url(&format!("/training/sessions/{}", session.id)))
        .await
        .expect("roster");
    let roster = page_text(&c).await;
    assert_eq!(roster.matches("<th class=\"day\">").count(), 2, "a column per day");
    assert_eq!(roster.matches("class=\"present\"").count(), 2, "both days ticked");
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .expect("width");
    assert!(
        width.as_i64().unwrap_or(9999) <= 800,
        "the roster fits a tablet: {width}"
    );
    shot(&c, "12-tablet-roster").await;
    c.find(Locator::Css("a[href$='/certificate']"))
        .await
        .expect("the certificate earned")
        .click()
        .await
        .expect("open");
    c.wait()
        .for_element(Locator::Css("article.cert svg"))
        .await
        .expect("the certificate with its QR code");
    let cert = page_text(&c).await;
    assert!(
        cert.contains("结业证书") && cert.contains("王大明") && cert.contains("12 / 12 学时"),
        "{cert}"
    );
    shot(&c, "13-certificate").await;
    // The day view also works on a phone.
    c.set_window_size(360, 740).await.expect("phone size");
    c.goto(&url(&format!("/training/sessions/{}/attendance", session.id)))
        .await
        .expect("today's attendance on a phone");
    let width: serde_json::Value = c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .expect("width");
    assert!(
        width.as_i64().unwrap_or(9999) <= 360,
        "the day view fits a phone: {width}"
    );
    shot(&c, "14-phone-today").await;
    c.close().await.expect("close");
    eprintln!("screenshots in {}", screenshot_dir().display());
}
