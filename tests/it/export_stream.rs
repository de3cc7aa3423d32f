//! Streamed exports (issue 18 target 5): the student export reads its pages after the last row
//! sent (keyset), so each page must continue the list exactly where the previous one stopped, for
//! every order; a request that is wrong is still answered as an error, not as a cut download.

use entity::enums::Role;
use poem::http::StatusCode;
use vocpath::pagination::PageRequest;
use vocpath::student::students::{self, SortKey, StudentFilter, StudentSort};

use crate::helpers::TestApp;

#[tokio::test]
async fn each_keyset_page_continues_the_list_in_every_order() {
    let app = TestApp::spawn().await;
    // Repeated names and years, so the ties (name, then record) decide the order.
    for i in 0..12 {
        let name = ["王芳", "李静", "王芳", "张伟"][i % 4];
        app.seed_student(name, &format!("41018120070420{i:04}"), 2020 + (i % 3) as i32)
            .await;
    }
    let actor = vocpath::audit::Actor::system("test");
    for key in SortKey::ALL {
        for descending in [false, true] {
            let filter = StudentFilter {
                sort: StudentSort { key, descending },
                ..Default::default()
            };
            let all = students::search_students(&app.state.db, &actor, &filter, PageRequest::first(200))
                .await
                .expect("list")
                .items;
            let ids: Vec<i32> = all.iter().map(|s| s.id).collect();
            assert_eq!(ids.len(), 12);
            for (k, last) in all.iter().enumerate() {
                let rest = students::students_after(&app.state.db, &filter, last, 200)
                    .await
                    .expect("after");
                let rest: Vec<i32> = rest.iter().map(|s| s.id).collect();
                assert_eq!(rest, ids[k + 1..], "{key:?} descending={descending} after row {k}");
            }
            let two = students::students_after(&app.state.db, &filter, &all[0], 2)
                .await
                .expect("after");
            assert_eq!(two.iter().map(|s| s.id).collect::<Vec<_>>(), ids[1..3]);
        }
    }
}

/// A page of the list and the count of the whole list are one statement (the count was a
/// second round trip on every page); past the last page, where no row carries the count, a
/// second statement counts. The filter applies to the count too.
#[tokio::test]
async fn a_list_page_and_its_count_are_one_statement() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.seed_student("王芳", &format!("41018120070420{i:04}"), 2020 + i % 2)
            .await;
    }
    let log = crate::helpers::StatementLog::new(&app.state.db);
    let actor = vocpath::audit::Actor::system("test");
    for (year, page, rows, total, queries) in [
        (None, 1, 3, 5, 1),
        (None, 2, 2, 5, 1),
        (None, 3, 0, 5, 2),
        (Some(2021), 1, 2, 2, 1),
        (Some(2021), 2, 0, 2, 2),
    ] {
        log.take();
        let filter = StudentFilter {
            graduation_year: year,
            ..Default::default()
        };
        let found = students::search_students(
            &log.db,
            &actor,
            &filter,
            PageRequest::new(Some(page), Some(3)).expect("page"),
        )
        .await
        .expect("page");
        let sql = log.take();
        assert_eq!(
            (found.items.len(), found.total, sql.len()),
            (rows, total, queries),
            "{year:?} page {page}: {sql:#?}"
        );
    }
}

#[tokio::test]
async fn each_numbered_page_is_its_slice_of_the_whole_list_with_the_right_households() {
    let app = TestApp::spawn().await;
    // Repeated names and years, so the ties (name, then record) decide the order.
    for i in 0..13 {
        let name = ["王芳", "李静", "王芳", "张伟", "赵敏"][i % 5];
        app.seed_student(name, &format!("41018120070420{i:04}"), 2020 + (i % 3) as i32)
            .await;
    }
    let actor = vocpath::audit::Actor::system("test");
    let households: std::collections::HashMap<i32, entity::household::Model> = {
        use sea_orm::EntityTrait;
        entity::household::Entity::find()
            .all(&app.state.db)
            .await
            .expect("households")
            .into_iter()
            .map(|h| (h.id, h))
            .collect()
    };
    for year in [None, Some(2021)] {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let filter = StudentFilter {
                    graduation_year: year,
                    sort: StudentSort { key, descending },
                    ..Default::default()
                };
                let whole = students::search_students(&app.state.db, &actor, &filter, PageRequest::first(200))
                    .await
                    .expect("list");
                let mut paged = Vec::new();
                for page in 1..=5 {
                    let found = students::search_students(
                        &app.state.db,
                        &actor,
                        &filter,
                        PageRequest::new(Some(page), Some(3)).expect("page"),
                    )
                    .await
                    .expect("page");
                    assert_eq!(found.total, whole.total, "{key:?} {descending} page {page}");
                    assert!(found.items.len() <= 3);
                    paged.extend(found.items);
                }
                assert_eq!(paged, whole.items, "{key:?} descending={descending} year={year:?}");
                assert_eq!(whole.items.len() as u64, whole.total);
                if key == SortKey::GraduationYear {
                    let years: Vec<i32> = whole.items.iter().map(|s| s.graduation_year).collect();
                    let mut sorted = years.clone();
                    sorted.sort_unstable_by(|a, b| if descending { b.cmp(a) } else { a.cmp(b) });
                    assert_eq!(years, sorted);
                }
                assert_eq!(whole.total, if year.is_some() { 4 } else { 13 });
                for s in &whole.items {
                    let h = &households[&s.household_id];
                    assert_eq!(
                        (&s.household_number, &s.town, &s.village),
                        (&h.registration_number, &h.town, &h.village)
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_streamed_export_holds_every_student_in_list_order_and_refuses_a_wrong_request() {
    let app = TestApp::spawn().await;
    for (i, name) in ["丙", "甲", "乙"].iter().enumerate() {
        app.seed_student(name, &format!("41018120070420{i:04}"), 2022).await;
    }
    let mut b = app.browser_as(Role::Viewer).await;
    let csv = b.get("/students/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    let names: Vec<&str> = csv.body.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    let list = b.get("/students").await;
    let mut listed: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|n| list.body.find(n).map(|at| (at, *n)))
        .collect();
    listed.sort();
    assert_eq!(names.len(), 3);
    assert_eq!(
        names,
        listed.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        "export in the list's order"
    );
    let bad = b.get("/students/export?format=csv&graduation_year=abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !bad.content_type().starts_with("text/csv"),
        "an error page, not a download"
    );
    let bad_sort = b.get("/students/export?format=csv&sort=nonsense").await;
    assert_ne!(bad_sort.status, StatusCode::OK);
    assert!(!bad_sort.content_type().starts_with("text/csv"));
}

/// An export longer than its first page (100 rows, read before answering) continues from the
/// last row sent, a thousand at a time: every student once, in the list's order.
#[tokio::test]
async fn an_export_past_its_first_page_holds_every_student_once_in_order() {
    let app = TestApp::spawn().await;
    for i in 0..250 {
        app.seed_student(&format!("学生{i:04}"), &format!("41018120070420{i:04}"), 2022)
            .await;
    }
    let mut b = app.browser_as(Role::Viewer).await;
    let csv = b.get("/students/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let names: Vec<&str> = csv.body.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    let expected: Vec<String> = (0..250).map(|i| format!("学生{i:04}")).collect();
    assert_eq!(names, expected, "all 250, none twice, by name");
}
