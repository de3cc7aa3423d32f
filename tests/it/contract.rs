//! The OpenAPI document is the contract. Walked as an admin over the demo county, every operation
//! in the served document answers only statuses that operation documents, and every JSON body it
//! answers with fits the documented schema — with a valid body built from the schema, with no
//! body, and with a body of the wrong content type.
//!
//! The schema checker below covers the subset poem-openapi emits (type, properties, required,
//! items, additionalProperties, nullable, enum, $ref, allOf, oneOf, anyOf); a general JSON Schema
//! crate would pull in far more than this needs.

use entity::enums::Role;
use poem::Body;
use poem::http::Method;
use serde_json::{Map, Value, json};

use crate::helpers::TestApp;

/// Follows a local `$ref` (`#/components/schemas/Name`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut at = doc;
            for part in r.trim_start_matches("#/").split('/') {
                at = &at[part];
            }
            resolve(doc, at)
        }
        None => schema,
    }
}

/// Every way `value` departs from `schema`, each as `path: what`.
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, errs: &mut Vec<String>) {
    check_part(doc, schema, value, path, errs, false);
}

/// The names of the properties `schema` declares, through `$ref` and `allOf`.
fn declared(doc: &Value, schema: &Value, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    out.extend(
        schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone()),
    );
    for part in schema["allOf"].as_array().into_iter().flatten() {
        declared(doc, part, out);
    }
}

/// [`check`]; `part` when `schema` is one part of an `allOf`, whose other parts declare the other
/// properties.
fn check_part(doc: &Value, schema: &Value, value: &Value, path: &str, errs: &mut Vec<String>, part: bool) {
    if schema.get("$ref").is_some() {
        return check_part(doc, resolve(doc, schema), value, path, errs, part);
    }
    if value.is_null() {
        if schema["nullable"] != json!(true) {
            errs.push(format!("{path}: null where the schema does not say nullable"));
        }
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check_part(doc, s, value, path, errs, true);
        }
        if let (false, Some(map)) = (part, value.as_object()) {
            let mut names = Vec::new();
            declared(doc, schema, &mut names);
            for k in map.keys().filter(|k| !names.contains(k)) {
                errs.push(format!("{path}.{k}: sent but not documented"));
            }
        }
    }
    for (key, at_least_one) in [("oneOf", true), ("anyOf", true)] {
        if let Some(alts) = schema[key].as_array() {
            let fits = alts.iter().any(|s| {
                let mut e = Vec::new();
                check(doc, s, value, path, &mut e);
                e.is_empty()
            });
            if at_least_one && !fits {
                errs.push(format!("{path}: fits none of {key}"));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errs.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    let ty = schema["type"]
        .as_str()
        .or_else(|| schema.get("properties").map(|_| "object"));
    let fits = match ty {
        None => true,
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(doc, &schema["items"], item, &format!("{path}[{i}]"), errs);
                }
                true
            }
            None => false,
        },
        Some("object") => match value.as_object() {
            Some(map) => {
                check_object(doc, schema, map, path, errs, part || schema.get("allOf").is_some());
                true
            }
            None => false,
        },
        Some(other) => {
            errs.push(format!("{path}: unknown schema type {other}"));
            true
        }
    };
    if !fits {
        errs.push(format!("{path}: {value} is not of type {}", ty.unwrap_or("?")));
    }
}

fn check_object(doc: &Value, schema: &Value, map: &Map<String, Value>, path: &str, errs: &mut Vec<String>, part: bool) {
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !map.contains_key(name) {
            errs.push(format!("{path}.{name}: required but missing"));
        }
    }
    let props = schema["properties"].as_object();
    for (k, v) in map {
        match props.and_then(|p| p.get(k)) {
            Some(s) => check(doc, s, v, &format!("{path}.{k}"), errs),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => errs.push(format!("{path}.{k}: not in the schema")),
                Some(extra @ Value::Object(_)) => check(doc, extra, v, &format!("{path}.{k}"), errs),
                // Undeclared fields are allowed by JSON Schema, but a documented object should
                // document what it sends.
                _ if props.is_some() && !part => errs.push(format!("{path}.{k}: sent but not documented")),
                _ => {}
            },
        }
    }
}

/// Strings that satisfy the patterns the document states, tried in order.
const PATTERN_SAMPLES: &[&str] = &["13800138000", "12345678", "123456", "410000", "2026"];

/// A value the schema accepts (required properties only), or `None` where none can be built.
fn example(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(all) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for s in all {
            match example(doc, s) {
                Value::Object(m) => merged.extend(m),
                Value::Null => {}
                other => return other,
            }
        }
        if !merged.is_empty() || schema.get("type").is_none() {
            return Value::Object(merged);
        }
    }
    if let Some(first) = schema["oneOf"].as_array().and_then(|a| a.first()) {
        return example(doc, first);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|a| a.first()) {
        return first.clone();
    }
    let ty = schema["type"]
        .as_str()
        .or_else(|| schema.get("properties").map(|_| "object"));
    match ty {
        Some("string") => json!(sample_string(schema)),
        Some("integer") | Some("number") => {
            let min = schema["minimum"].as_f64().unwrap_or(1.0).max(1.0);
            let max = schema["maximum"].as_f64().unwrap_or(f64::MAX);
            json!(min.min(max) as i64)
        }
        Some("boolean") => json!(false),
        Some("array") => match schema["minItems"].as_u64() {
            Some(n) if n > 0 => json!([example(doc, &schema["items"])]),
            _ => json!([]),
        },
        Some("object") => {
            let mut map = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                map.insert(name.to_string(), example(doc, &schema["properties"][name]));
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

fn sample_string(schema: &Value) -> String {
    match schema["format"].as_str() {
        Some("date") => return "2026-09-01".into(),
        Some("date-time") => return "2026-09-01T08:00:00Z".into(),
        Some("email") => return "contract@test.cn".into(),
        _ => {}
    }
    let min = schema["minLength"].as_u64().unwrap_or(1) as usize;
    let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX) as usize;
    if schema.get("pattern").is_some() {
        return PATTERN_SAMPLES
            .iter()
            .find(|s| (min..=max).contains(&s.chars().count()))
            .map(|s| s.to_string())
            .unwrap_or_else(|| "1".repeat(min));
    }
    "合同".chars().cycle().take(min.max(2).min(max)).collect()
}

/// One request the walk sends, described for failure messages.
struct Probe {
    label: String,
    content_type: Option<&'static str>,
    body: Option<String>,
}

/// The probes for one operation: with a body built from the schema, with none, and with a body
/// of the wrong content type (the last two only for operations that take a body).
fn probes(doc: &Value, op: &Value) -> Vec<Probe> {
    let Some(content) = op["requestBody"]["content"].as_object() else {
        return vec![Probe {
            label: "no body".into(),
            content_type: None,
            body: None,
        }];
    };
    let mut out = Vec::new();
    if let Some(media) = content.get("application/json") {
        out.push(Probe {
            label: "valid body".into(),
            content_type: Some("application/json"),
            body: Some(example(doc, &media["schema"]).to_string()),
        });
    }
    out.push(Probe {
        label: "no body".into(),
        content_type: None,
        body: None,
    });
    out.push(Probe {
        label: "wrong content type".into(),
        content_type: Some("text/plain"),
        body: Some("hello".into()),
    });
    out
}

/// Fills `{name}` path parameters from the demo data (the first row of each table is there).
fn fill_path(doc: &Value, path: &str, op: &Value, ids: &Map<String, Value>) -> String {
    let mut out = path.to_string();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "path" {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default();
        let value = match ids.get(name) {
            Some(v) => v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
            None => match example(doc, &p["schema"]) {
                Value::String(s) => s,
                other => other.to_string(),
            },
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

/// Required query parameters, built from their schemas.
fn query(doc: &Value, op: &Value) -> String {
    let parts: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == json!(true))
        .map(|p| {
            let v = match example(doc, &p["schema"]) {
                Value::String(s) => s,
                other => other.to_string(),
            };
            format!("{}={}", p["name"].as_str().unwrap_or_default(), v)
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Checks one answer against the operation's documented responses.
fn check_answer(doc: &Value, op: &Value, status: u16, content_type: &str, body: &str) -> Vec<String> {
    let responses = &op["responses"];
    let Some(documented) = responses.get(status.to_string()).or_else(|| responses.get("default")) else {
        let listed: Vec<&String> = responses.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        return vec![format!(
            "status {status} is not documented (documented: {listed:?}); body {body}"
        )];
    };
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.contains("json") {
        return Vec::new();
    }
    let schema = documented["content"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(k, _)| k.split(';').next().unwrap_or_default().trim() == media)
        .and_then(|(_, m)| m.get("schema"));
    let Some(schema) = schema else {
        return vec![format!(
            "status {status} answers {media}, which is not documented for it"
        )];
    };
    let value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return vec![format!("status {status}: body is not JSON ({e})")],
    };
    let mut errs = Vec::new();
    check(doc, schema, &value, "body", &mut errs);
    errs.into_iter().map(|e| format!("status {status}: {e}")).collect()
}

/// The operations of the document, deletions last so that they do not take away what the
/// others read.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            ops.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    ops.sort_by_key(|(m, p, _)| (m == "DELETE", p.clone(), m.clone()));
    ops
}

#[tokio::test]
async fn every_operation_answers_only_what_the_document_says() {
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    let token = app.token(Role::Admin).await;
    // A second token of the admin's own to revoke, so the walk keeps its own.
    let spare = app.token(Role::Viewer).await;
    let tokens = app.get_json("/api/v1/tokens", &spare).await;
    let spare_id = tokens["items"][0]["id"].clone();
    let ids = json!({"id": 1, "token_id": spare_id, "run_id": 1, "session_id": 1, "student_id": 1});
    let ids = ids.as_object().cloned().unwrap_or_default();

    let doc = app.get("/api/openapi.json").await.json();
    let base = doc["servers"][0]["url"].as_str().unwrap_or("/api/v1").to_string();
    let prefix = base.find("/api/").map(|i| base[i..].to_string()).unwrap_or(base);
    let mut failures = Vec::new();
    let mut walked = 0;
    for (method, path, op) in operations(&doc) {
        for probe in probes(&doc, &op) {
            let uri = format!("{prefix}{}{}", fill_path(&doc, &path, &op, &ids), query(&doc, &op));
            let mut headers = vec![("authorization", format!("Bearer {token}"))];
            if let Some(ct) = probe.content_type {
                headers.push(("content-type", ct.to_string()));
            }
            let body = probe.body.clone().map(Body::from_string).unwrap_or_else(Body::empty);
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            let r = app.request(m, &uri, &headers, body).await;
            walked += 1;
            for e in check_answer(&doc, &op, r.status.as_u16(), r.content_type(), &r.body) {
                failures.push(format!("{method} {path} ({}): {e}", probe.label));
            }
        }
    }
    assert!(walked > 50, "walked only {walked} requests");
    assert!(
        failures.is_empty(),
        "{} answers break the contract:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_should() {
    let doc = json!({"components": {"schemas": {
        "T": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"},
            "revoked_at": {"type": "string", "format": "date-time"},
            "note": {"type": "string", "nullable": true},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "tags": {"type": "array", "items": {"type": "string"}}
        }}
    }}});
    let schema = json!({"$ref": "#/components/schemas/T"});
    let errs = |v: Value| {
        let mut e = Vec::new();
        check(&doc, &schema, &v, "body", &mut e);
        e
    };
    assert!(errs(json!({"id": 1, "note": null, "kind": "a", "tags": ["x"]})).is_empty());
    assert_eq!(errs(json!({"id": 1, "revoked_at": null})).len(), 1);
    assert_eq!(errs(json!({})).len(), 1);
    assert_eq!(errs(json!({"id": "1"})).len(), 1);
    assert_eq!(errs(json!({"id": 1, "kind": "c"})).len(), 1);
    assert_eq!(errs(json!({"id": 1, "tags": [1]})).len(), 1);
    assert_eq!(errs(json!({"id": 1, "extra": 1})).len(), 1);
    assert_eq!(example(&doc, &schema), json!({"id": 1}));
}

#[tokio::test]
async fn the_public_operations_state_the_rules_the_service_checks() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api/openapi.json").await.json();
    for schema in ["PublicRegistration", "InterestRequest"] {
        let phone = &doc["components"]["schemas"][schema]["properties"]["phone"];
        assert_eq!(phone["pattern"], vocpath::api_doc::PHONE_PATTERN, "{schema}: {phone}");
        assert_eq!(phone["minLength"], 11, "{schema}");
        let town = &doc["components"]["schemas"][schema]["properties"]["town"];
        assert_eq!(town["maxLength"], 50, "{schema}");
    }
    let lookup = &doc["paths"]["/public/registrations/{code}"]["get"]["parameters"];
    let param = |name: &str| {
        lookup
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(param("phone")["schema"]["pattern"], vocpath::api_doc::PHONE_PATTERN);
    assert_eq!(param("code")["schema"]["pattern"], vocpath::api_doc::CODE_PATTERN);
    let tokens = &doc["components"]["schemas"];
    let revoked = tokens
        .as_object()
        .into_iter()
        .flatten()
        .find_map(|(_, s)| s["properties"].get("revoked_at"));
    assert_eq!(revoked.map(|r| r["nullable"].clone()), Some(json!(true)));
}
