//! Archive entry kinds in the OpenAPI document: one typed object per kind in a union tagged by
//! `kind`, examples an integrator can post as they are, and the direct-placement reason of an offer.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use sea_orm::ActiveModelTrait;
use serde_json::{Value, json};
use vocpath::audit::Actor;
use vocpath::student::students::{HAND_WRITTEN_KINDS, new_entry};
use vocpath::student::timeline::EntryDetails;

use crate::helpers::TestApp;

const ID: &str = "410181200602024058";

/// Each kind with the fields its object must document.
const KINDS: &[(&str, &[&str])] = &[
    (
        "enrolment_offer",
        &["school", "programme", "round", "why_not_higher", "direct_reason"],
    ),
    ("enrolment", &["school", "programme", "class_name"]),
    ("term_result", &["term", "average_score", "remarks"]),
    ("skill_certificate", &["name", "level", "issuer", "certificate_no"]),
    ("internship", &["employer", "position", "place", "end"]),
    ("graduation", &["school", "programme"]),
    (
        "employment",
        &[
            "employer",
            "position",
            "place",
            "monthly_wage",
            "contract_type",
            "end",
            "evidence",
        ],
    ),
    ("follow_up", &["outcome", "wave", "method", "notes"]),
    ("mentor_session", &["mode", "duration_minutes", "notes", "mentor"]),
    ("mentor_assigned", &["mentor", "role", "reason"]),
    ("mentor_answered", &["mentor", "role", "answer"]),
    ("mentor_replaced", &["mentor", "role", "replaced_by", "reason"]),
    ("financial_aid", &["programme", "amount_yuan"]),
    ("note", &["text"]),
    ("record_change", &["source", "changes"]),
    ("ledger_change", &["action", "reason", "note"]),
];

async fn spec(app: &TestApp) -> Value {
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

fn schema<'a>(spec: &'a Value, reference: &str) -> &'a Value {
    let name = reference.trim_start_matches("#/components/schemas/");
    &spec["components"]["schemas"][name]
}

/// The kinds of a tagged union and, for each, its object schema (the variant is `allOf` the tag
/// and the object).
fn union_kinds<'a>(spec: &'a Value, union: &str) -> Vec<(String, &'a Value)> {
    let u = &spec["components"]["schemas"][union];
    assert_eq!(u["discriminator"]["propertyName"], "kind", "{u}");
    u["discriminator"]["mapping"]
        .as_object()
        .unwrap_or_else(|| panic!("{union} has no mapping: {u}"))
        .iter()
        .map(|(kind, variant)| {
            let variant = schema(spec, variant.as_str().expect("ref"));
            assert_eq!(
                variant["allOf"][0]["properties"]["kind"]["enum"],
                json!([kind]),
                "{variant}"
            );
            let object = schema(spec, variant["allOf"][1]["$ref"].as_str().expect("object ref"));
            (kind.clone(), object)
        })
        .collect()
}

#[tokio::test]
async fn the_document_gives_every_entry_kind_its_own_typed_object() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let all = union_kinds(&spec, "EntryDetails");
    let names: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
    let mut expected: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    expected.sort_unstable();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    for (kind, fields) in KINDS {
        let (_, object) = all.iter().find(|(k, _)| k == kind).expect("kind");
        for field in *fields {
            assert!(
                object["properties"].get(*field).is_some(),
                "{kind}: `{field}` undocumented: {object}"
            );
        }
    }
    // Enums name their values.
    let (_, employment) = all.iter().find(|(k, _)| k == "employment").expect("employment");
    let evidence = schema(
        &spec,
        employment["properties"]["evidence"]["$ref"].as_str().expect("ref"),
    );
    assert_eq!(
        evidence["enum"],
        json!(["self_reported", "school_verified", "employer_confirmed"])
    );
    // What the API accepts lists only the kinds staff write, each with an example.
    let writable = union_kinds(&spec, "NewEntryDetails");
    let mut kinds: Vec<&str> = writable.iter().map(|(k, _)| k.as_str()).collect();
    kinds.sort_unstable();
    let mut hand: Vec<&str> = HAND_WRITTEN_KINDS.iter().map(|k| k.as_str()).collect();
    hand.sort_unstable();
    assert_eq!(kinds, hand);
    for (kind, object) in &writable {
        assert!(object["example"].is_object(), "{kind}: no example: {object}");
    }
    // The operations use them.
    let request = &spec["components"]["schemas"]["NewEntryRequest"]["properties"]["details"];
    assert!(
        request.to_string().contains("#/components/schemas/NewEntryDetails\""),
        "{request}"
    );
    let entry = &spec["components"]["schemas"]["EntryDto"]["properties"]["details"];
    assert_eq!(entry["$ref"], "#/components/schemas/EntryDetails", "{entry}");
}

#[tokio::test]
async fn every_writable_kind_is_accepted_as_its_documented_example_and_read_back_alike() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    let mut sent = Vec::new();
    for (kind, object) in union_kinds(&spec, "NewEntryDetails") {
        let mut details = object["example"].clone();
        details["kind"] = json!(kind);
        let r = app
            .api(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({"occurred_on": "2026-09-01", "details": details})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
        assert_eq!(r.json()["details"], details, "{kind}");
        sent.push(details);
    }
    let timeline = app
        .api(Method::GET, &format!("{path}?per_page=50"), Some(&token), None)
        .await
        .json();
    let read: Vec<Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["details"].clone())
        .collect();
    assert_eq!(read, sent);
}

#[tokio::test]
async fn a_direct_placement_reason_shows_in_the_api_and_on_the_timeline() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let on = chrono::NaiveDate::from_ymd_opt(2021, 8, 20).expect("date");
    let offer = EntryDetails::EnrolmentOffer {
        school: "巩义市第一中等职业学校".into(),
        programme: "护理".into(),
        round: None,
        why_not_higher: None,
        direct_reason: Some("外省转回，补录".into()),
    };
    new_entry(id, on, &offer, None, &Actor::system("test"))
        .expect("entry")
        .insert(&app.state.db)
        .await
        .expect("insert");
    let timeline = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{id}/entries"),
            Some(&token),
            None,
        )
        .await
        .json();
    let details = &timeline["items"][0]["details"];
    assert_eq!(details["kind"], "enrolment_offer", "{timeline}");
    assert_eq!(details["direct_reason"], "外省转回，补录", "{timeline}");
    assert!(details.get("why_not_higher").is_none(), "{timeline}");
    let mut b = app.browser_as(Role::Admissions).await;
    let page = b.get(&format!("/students/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("直接安置原因") && page.body.contains("外省转回，补录"),
        "{}",
        page.body
    );
}
