//! Query strings of the JSON API's read operations, checked against the OpenAPI document itself:
//! a parameter the operation does not declare (a typo such as `?tonw=`), or a value outside an
//! enum parameter's allowed set (`?status=bogus`), is refused with 422 before the operation runs,
//! instead of being silently ignored and answering with an unfiltered list.
//!
//! The accepted names and values are read from the generated spec, so they cannot drift from the
//! operations' `Query<…>` parameters and no operation needs a call of its own. This module only
//! checks; it does not parse values for the operations (poem-openapi still does).

use std::sync::Arc;

use poem::http::Method;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Request};
use serde_json::Value;

use crate::error::AppError;
use crate::i18n::Msg;

/// One path segment of an operation's template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{id}`: any one segment.
    Var,
}

/// A query parameter an operation declares, with its allowed values when it is an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    name: String,
    allowed: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Operation {
    segments: Vec<Segment>,
    params: Vec<Param>,
}

impl Operation {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(s, got)| match s {
                Segment::Literal(l) => l == got,
                Segment::Var => !got.is_empty(),
            })
    }

    fn literals(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

/// The query parameters every GET operation of the API accepts, read from its OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct QueryRules {
    operations: Vec<Operation>,
}

impl QueryRules {
    /// Reads every GET operation's query parameters from an OpenAPI 3 document.
    pub fn from_spec(spec: &Value) -> QueryRules {
        let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
            return QueryRules::default();
        };
        let operations = paths
            .iter()
            .filter_map(|(path, item)| {
                let get = item.get("get")?;
                let params = get
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| ps.iter().filter_map(|p| query_param(p, spec)).collect())
                    .unwrap_or_default();
                Some(Operation {
                    segments: split(path)
                        .map(|s| {
                            if s.starts_with('{') && s.ends_with('}') {
                                Segment::Var
                            } else {
                                Segment::Literal(s.to_string())
                            }
                        })
                        .collect(),
                    params,
                })
            })
            .collect();
        QueryRules { operations }
    }

    /// Checks one request's query string; `path` is relative to the API's base (`/students`).
    /// A path that is no GET operation passes (the router answers it).
    pub fn check(&self, path: &str, query: &str) -> Result<(), AppError> {
        let segments: Vec<&str> = split(path).collect();
        // The most specific template wins: `/mentor-assignments/overdue` over `/…/{id}`.
        let Some(op) = self
            .operations
            .iter()
            .filter(|op| op.matches(&segments))
            .max_by_key(|op| op.literals())
        else {
            return Ok(());
        };
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        for (name, value) in pairs.iter().filter(|(n, _)| !n.is_empty()) {
            let Some(param) = op.params.iter().find(|p| &p.name == name) else {
                return Err(unknown(name, &op.params));
            };
            if let Some(allowed) = &param.allowed
                && !allowed.contains(value)
            {
                return Err(AppError::invalid(
                    name.clone(),
                    Msg::new("error.parameter_value_invalid")
                        .arg("name", name)
                        .arg("value", value)
                        .arg("allowed", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

fn unknown(name: &str, params: &[Param]) -> AppError {
    let msg = if params.is_empty() {
        Msg::new("error.parameter_unknown_none").arg("name", name)
    } else {
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        Msg::new("error.parameter_unknown")
            .arg("name", name)
            .arg("accepted", names.join(", "))
    };
    AppError::invalid(name.to_string(), msg)
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// A `query` parameter object, with the allowed values of its schema when it is an enum.
fn query_param(p: &Value, spec: &Value) -> Option<Param> {
    if p.get("in").and_then(Value::as_str) != Some("query") {
        return None;
    }
    Some(Param {
        name: p.get("name")?.as_str()?.to_string(),
        allowed: p.get("schema").and_then(|s| enum_values(s, spec, 0)),
    })
}

/// The string values of an enum schema, following `$ref` and single-schema `allOf`/`anyOf`/`oneOf`
/// wrappers (how optional parameters are sometimes described).
fn enum_values(schema: &Value, spec: &Value, depth: u8) -> Option<Vec<String>> {
    if depth > 8 {
        return None;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter_map(|v| v.as_str().map(String::from)).collect());
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = target.strip_prefix('#')?;
        return enum_values(spec.pointer(pointer)?, spec, depth + 1);
    }
    ["allOf", "anyOf", "oneOf"]
        .iter()
        .find_map(|k| match schema.get(*k)?.as_array()?.as_slice() {
            [only] => enum_values(only, spec, depth + 1),
            _ => None,
        })
}

/// Wraps the versioned API so every GET request's query string is checked first.
pub fn checked(api: impl IntoEndpoint<Endpoint: 'static>, rules: QueryRules) -> impl Endpoint {
    let rules = Arc::new(rules);
    api.into_endpoint().around(move |ep, req: Request| {
        let rules = rules.clone();
        async move {
            if req.method() == Method::GET {
                rules.check(req.uri().path(), req.uri().query().unwrap_or(""))?;
            }
            ep.call(req).await
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rules() -> QueryRules {
        QueryRules::from_spec(&json!({
            "paths": {
                "/students": {"get": {"parameters": [
                    {"name": "town", "in": "query", "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
                ]}},
                "/students/{id}": {"get": {"parameters": [
                    {"name": "id", "in": "path", "schema": {"type": "integer"}},
                ]}, "post": {}},
                "/students/overdue": {"get": {"parameters": [
                    {"name": "days", "in": "query", "schema": {"type": "integer"}},
                ]}},
                "/students/import": {"post": {}},
            },
            "components": {"schemas": {"Status": {"type": "string", "enum": ["placed", "unknown"]}}},
        }))
    }

    fn refused_field(r: Result<(), AppError>) -> (String, &'static str) {
        match r {
            Err(AppError::Invalid(f)) => (f[0].field.clone(), f[0].msg.key),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declared_parameters_and_allowed_values_pass() {
        let r = rules();
        assert!(r.check("/students", "town=%E7%AB%99%E8%A1%97&status=placed").is_ok());
        assert!(r.check("/students", "").is_ok());
        assert!(r.check("/students/7", "").is_ok());
        assert!(r.check("/students/overdue", "days=3").is_ok());
        // No GET operation there: the router answers.
        assert!(r.check("/students/7/notes", "anything=1").is_ok());
        assert!(r.check("/nowhere", "x=1").is_ok());
    }

    #[test]
    fn an_undeclared_parameter_is_named_with_the_accepted_ones() {
        let r = rules();
        let err = r.check("/students", "tonw=X").expect_err("refused");
        match &err {
            AppError::Invalid(f) => {
                assert_eq!(f[0].field, "tonw");
                assert_eq!(f[0].msg.args[1], ("accepted", "town, status".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            refused_field(r.check("/students/7", "reveal=1")),
            ("reveal".into(), "error.parameter_unknown_none")
        );
        // The specific template wins over `{id}`.
        assert!(r.check("/students/overdue", "days=1").is_ok());
        assert_eq!(
            refused_field(r.check("/students/overdue", "town=x")),
            ("town".into(), "error.parameter_unknown")
        );
    }

    #[test]
    fn a_value_outside_an_enum_is_refused_naming_the_allowed_values() {
        match rules().check("/students", "status=bogus") {
            Err(AppError::Invalid(f)) => {
                assert_eq!(f[0].field, "status");
                assert_eq!(f[0].msg.key, "error.parameter_value_invalid");
                assert!(f[0].msg.args.contains(&("allowed", "placed, unknown".to_string())));
            }
            other => panic!("{other:?}"),
        }
    }
}
