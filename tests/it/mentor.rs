//! Mentor profiles.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn admins_save_mentor_profiles_and_bad_ones_are_refused_naming_each_field() {
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
    let mentor = app.user("wang@school.cn", Role::Mentor).await;
    let viewer = app.user("view@school.cn", Role::Viewer).await;
    let bad = json!({"school_id": school, "roles": [{"role": "coach", "max": 0}, {"role": "subject_teacher", "max": 3}], "home_town": " "});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&admin),
            Some(bad),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["field"].as_str().expect("s").to_string())
        .collect();
    assert_eq!(fields, vec!["roles.0.role", "roles.0.max", "skill_areas", "home_town"]);
    let good = json!({"school_id": school, "roles": [{"role": "counsellor", "max": 5}, {"role": "subject_teacher", "max": 3}], "skill_areas": ["机械制造"], "home_town": "米河镇"});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{viewer}"),
            Some(&admin),
            Some(good.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["code"], "not_a_mentor");
    assert_eq!(app.count("mentor_profile").await, 0);
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&admin),
            Some(good),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/mentors?school_id={school}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(list[0]["roles"][1]["role"], "subject_teacher");
    let clerk = app.token(Role::Admissions).await;
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&clerk),
            Some(json!({"school_id": school, "roles": [], "home_town": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
