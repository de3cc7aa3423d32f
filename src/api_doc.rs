//! The served OpenAPI document, finished: what poem-openapi's derives cannot say on their own is
//! added here once, for every operation, so that the document stays the contract
//! (`tests/it/contract.rs` walks it).
//!
//! - An optional field is sent as `null` when it has no value: every optional property without a
//!   default is marked `nullable`.
//! - A union of scalars (`PointsSpec`: a number or a string) is not an object.
//! - Statuses every operation can answer from the shared layers: 500 (a bug), and for an
//!   operation that takes a body, 413 (too large) and 415 (no body, or not JSON).
//! - The public farmer operations' input rules (phone, code, name, place), as the services check
//!   them (`MobileNumber::parse`, `PersonName::parse`, `RegistrationForm::parse`). The services
//!   stay the ones enforcing them, with their own messages; the document states the same rules
//!   so generated clients do not send what will be refused.
//!
//! Pure: takes the document as JSON and returns it; no I/O.

use serde_json::{Map, Value, json};

/// A mainland mobile number as `MobileNumber::parse` accepts it in ASCII: 11 digits starting
/// `13`–`19`, optionally after `+86`, `0086` or `86`, with spaces or dashes anywhere.
pub const PHONE_PATTERN: &str = r"^[\s-]*(\+86|0086|86)?[\s-]*1[\s-]*[3-9]([\s-]*[0-9]){9}[\s-]*$";
/// A confirmation or certificate code as issued: 8 digits (surrounding blanks are ignored).
pub const CODE_PATTERN: &str = r"^\s*[0-9]{8}\s*$";
/// A name as `PersonName::parse` accepts it: something not blank, no digits (at most 50
/// characters once blanks are collapsed).
const NAME_PATTERN: &str = r"^[^0-9０-９]*\S[^0-9０-９]*$";
/// A town or village: something not blank, at most 50 characters.
const PLACE_PATTERN: &str = r"\S";

/// Finishes `doc` (the document poem-openapi generated).
pub fn finish(mut doc: Value) -> Value {
    mark_nullable(&mut doc);
    document_shared_statuses(&mut doc);
    state_public_rules(&mut doc);
    doc
}

/// Walks every schema: optional properties without a default become nullable, and a union of
/// non-objects loses its `type: object`.
fn mark_nullable(v: &mut Value) {
    match v {
        Value::Object(map) => {
            fix_scalar_union(map);
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (name, prop) in props.iter_mut() {
                    if !required.contains(name) && prop.get("default").is_none() {
                        make_nullable(prop);
                    }
                }
            }
            for child in map.values_mut() {
                mark_nullable(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mark_nullable),
        _ => {}
    }
}

/// `nullable` beside a `$ref` is ignored by OpenAPI 3.0, so a reference is wrapped in `allOf`.
fn make_nullable(prop: &mut Value) {
    let Value::Object(map) = prop else { return };
    if let Some(reference) = map.remove("$ref") {
        map.insert("allOf".into(), json!([{ "$ref": reference }]));
    }
    map.insert("nullable".into(), Value::Bool(true));
}

fn fix_scalar_union(map: &mut Map<String, Value>) {
    let scalar = |alts: &Value| {
        alts.as_array()
            .is_some_and(|a| a.iter().any(|s| s.get("type").is_some_and(|t| t != "object")))
    };
    let is_scalar_union = ["anyOf", "oneOf"].iter().any(|k| map.get(*k).is_some_and(scalar));
    if is_scalar_union && map.get("type").is_some_and(|t| t == "object") {
        map.remove("type");
    }
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn document_shared_statuses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|i| i.values_mut())
    {
        let takes_body = op.get("requestBody").is_some();
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        responses
            .entry("500")
            .or_insert_with(|| problem("A fault on the server (`internal_error`); logged with its cause"));
        if takes_body {
            responses
                .entry("413")
                .or_insert_with(|| problem("The body is over the configured limit (`payload_too_large`)"));
            responses.entry("415").or_insert_with(|| {
                problem("No body, or a body that is not `application/json` (`unsupported_media_type`)")
            });
        }
    }
}

/// Sets the rules of `property` in the schema named `schema`.
fn rule(doc: &mut Value, schema: &str, property: &str, rules: Value) {
    if let (Some(p), Value::Object(rules)) = (
        doc.pointer_mut(&format!("/components/schemas/{schema}/properties/{property}"))
            .and_then(Value::as_object_mut),
        rules,
    ) {
        p.extend(rules);
    }
}

/// Sets the rules of the parameter `name` of every operation under `path`.
fn param_rule(doc: &mut Value, path: &str, name: &str, rules: &Value) {
    let Some(item) = doc.pointer_mut(&format!("/paths/{}", path.replace('/', "~1"))) else {
        return;
    };
    for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
        for p in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if p["name"] == name
                && let (Some(s), Some(r)) = (p.get_mut("schema").and_then(Value::as_object_mut), rules.as_object())
            {
                s.extend(r.clone());
            }
        }
    }
}

fn state_public_rules(doc: &mut Value) {
    let phone = json!({"pattern": PHONE_PATTERN, "minLength": 11, "maxLength": 40,
        "description": "11-digit mainland mobile number (13–19…); `+86`/`0086`/`86` in front, spaces and dashes are ignored"});
    let name = json!({"pattern": NAME_PATTERN, "minLength": 1, "maxLength": 200,
        "description": "The farmer's name: not blank, no digits, at most 50 characters once blanks are collapsed"});
    let place = json!({"pattern": PLACE_PATTERN, "minLength": 1, "maxLength": 50});
    let household = json!({"minLength": 0, "maxLength": 40});
    for schema in ["PublicRegistration", "InterestRequest"] {
        rule(doc, schema, "phone", phone.clone());
        rule(doc, schema, "name", name.clone());
        rule(doc, schema, "town", place.clone());
        rule(doc, schema, "village", place.clone());
    }
    rule(doc, "PublicRegistration", "household_number", household);
    rule(doc, "InterestRequest", "course_id", json!({"minimum": 1}));
    let code = json!({"pattern": CODE_PATTERN, "minLength": 8, "maxLength": 40});
    param_rule(doc, "/public/registrations/{code}", "phone", &phone);
    param_rule(doc, "/public/registrations/{code}", "code", &code);
    param_rule(
        doc,
        "/public/certificates/{code}",
        "code",
        &json!({"minLength": 1, "maxLength": 40}),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_property_without_a_default_becomes_nullable_and_a_reference_is_wrapped() {
        let doc = finish(
            json!({"components": {"schemas": {"T": {"type": "object", "required": ["id"],
            "properties": {"id": {"type": "integer"}, "at": {"type": "string"},
                "page": {"type": "integer", "default": 1}, "who": {"$ref": "#/components/schemas/U"}}}}}}),
        );
        let props = &doc["components"]["schemas"]["T"]["properties"];
        assert_eq!(props["id"].get("nullable"), None);
        assert_eq!(props["page"].get("nullable"), None);
        assert_eq!(props["at"]["nullable"], true);
        assert_eq!(
            props["who"],
            json!({"allOf": [{"$ref": "#/components/schemas/U"}], "nullable": true})
        );
    }

    #[test]
    fn a_union_of_scalars_is_not_an_object_and_bodies_document_413_and_415() {
        let doc = finish(json!({
            "components": {"schemas": {"P": {"type": "object", "anyOf": [{"type": "number"}, {"type": "string"}]}}},
            "paths": {"/a": {"post": {"requestBody": {}, "responses": {"200": {}}}, "get": {"responses": {"200": {}}}}}
        }));
        assert_eq!(doc["components"]["schemas"]["P"].get("type"), None);
        let post = &doc["paths"]["/a"]["post"]["responses"];
        assert!(post.get("413").is_some() && post.get("415").is_some() && post.get("500").is_some());
        let get = &doc["paths"]["/a"]["get"]["responses"];
        assert!(get.get("415").is_none() && get.get("500").is_some());
    }
}
