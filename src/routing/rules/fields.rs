//! The fields rules may read — `student.*` and `programme.*` — with the type of each, and the
//! conversion of a student's or programme's JSON attributes into the CEL value a rule sees.
//!
//! Numbers are converted here rather than through serde, which would turn every positive JSON
//! integer into a CEL `uint` (and `student.age - 18` would then fail). The rule: per field, across
//! the whole instance, whole numbers become CEL `int`; if any value of that field is written with a
//! fraction or exponent (`512.5`, `512.0`) every value of the field becomes `double`, so a rule
//! never meets an int in one student and a double in the next. Inside nested lists and maps, each
//! number is `int` when whole, else `double`. A field whose values disagree in type (a string here,
//! a number there) is refused; `null` fits any type.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cel::Value;
use cel::common::value::Val;
use cel::objects::{Key, Map};

use crate::routing::record::AttributeValue;

/// The fields DESIGN.md documents for students (beyond `id`), with their types. A rule may use
/// them even when no student in the instance has them (evaluation then fails for such students
/// and is reported as a warning).
const STUDENT_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::String),
    ("name", Kind::String),
    ("sex", Kind::String),
    ("birth_date", Kind::String),
    ("town", Kind::String),
    ("village", Kind::String),
    ("junior_high_school", Kind::String),
    ("graduation_year", Kind::Int),
    ("exam_score", Kind::Int),
    ("in_senior_high", Kind::Bool),
    ("registered_poor", Kind::Bool),
    ("disability", Kind::Bool),
    ("skill_area", Kind::String),
];

/// The fields DESIGN.md documents for programmes.
const PROGRAMME_FIELDS: &[(&str, Kind)] = &[
    ("code", Kind::String),
    ("capacity", Kind::Int),
    ("town", Kind::String),
    ("school", Kind::String),
    ("skill_area", Kind::String),
    ("intake_year", Kind::Int),
];

/// Fields the instance gives outside `attributes`; an attribute may not take their names.
pub const STUDENT_BUILT_IN: &[&str] = &["id"];
/// See [`STUDENT_BUILT_IN`].
pub const PROGRAMME_BUILT_IN: &[&str] = &["code", "capacity", "town"];

/// The type of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Int,
    Float,
    String,
    List,
    Map,
}

impl Kind {
    /// The type of a JSON value.
    pub fn of(value: &serde_json::Value) -> Kind {
        match value {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(_) => Kind::Bool,
            serde_json::Value::Number(n) if n.is_i64() => Kind::Int,
            serde_json::Value::Number(_) => Kind::Float,
            serde_json::Value::String(_) => Kind::String,
            serde_json::Value::Array(_) => Kind::List,
            serde_json::Value::Object(_) => Kind::Map,
        }
    }

    /// The type both values fit, if any.
    fn merge(self, other: Kind) -> Option<Kind> {
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Kind::Null, k) | (k, Kind::Null) => Some(k),
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Some(Kind::Float),
            _ => None,
        }
    }

    /// The name of the type as CEL says it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Float => "double",
            Kind::String => "string",
            Kind::List => "list",
            Kind::Map => "map",
        }
    }
}

/// One field: its type and where it was first seen with that type (for error messages).
#[derive(Debug, Clone)]
struct Field {
    kind: Kind,
    first_path: String,
    example: Option<Value>,
}

/// Two values of one field disagree in type.
#[derive(Debug, Clone, PartialEq)]
pub struct KindConflict {
    pub path: String,
    pub name: String,
    pub found: &'static str,
    pub expected: &'static str,
    pub first_path: String,
}

/// The fields of one side (student or programme).
#[derive(Debug, Clone)]
pub struct Fields {
    fields: BTreeMap<String, Field>,
}

impl Fields {
    /// The documented student fields.
    pub fn student() -> Fields {
        Fields::documented(STUDENT_FIELDS)
    }

    /// The documented programme fields.
    pub fn programme() -> Fields {
        Fields::documented(PROGRAMME_FIELDS)
    }

    fn documented(list: &[(&str, Kind)]) -> Fields {
        let fields = list
            .iter()
            .map(|(name, kind)| {
                (
                    name.to_string(),
                    Field {
                        kind: *kind,
                        first_path: String::new(),
                        example: None,
                    },
                )
            })
            .collect();
        Fields { fields }
    }

    /// Records the attributes of one student or programme (`path` names it in errors).
    pub fn observe(
        &mut self,
        path: &str,
        attributes: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), KindConflict> {
        self.observe_with(|| path.to_string(), attributes.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// Like [`Fields::observe`], the path made only when an error or a first sighting needs it.
    pub fn observe_with<'v, V: AttributeValue + 'v>(
        &mut self,
        path: impl Fn() -> String,
        attributes: impl Iterator<Item = (&'v str, &'v V)>,
    ) -> Result<(), KindConflict> {
        for (name, value) in attributes {
            let kind = value.kind();
            let here = || format!("{}.attributes.{name}", path());
            let first = || Field {
                kind,
                first_path: here(),
                example: Some(value.cel(false)),
            };
            let Some(field) = self.fields.get_mut(name) else {
                self.fields.insert(name.to_string(), first());
                continue;
            };
            // A documented field not seen yet, or seen only as null, takes this value's type.
            if field.first_path.is_empty() || field.kind == Kind::Null {
                *field = first();
                continue;
            }
            match field.kind.merge(kind) {
                Some(merged) => field.kind = merged,
                None => {
                    let (found, expected) = (kind.name(), field.kind.name());
                    let (name, first_path) = (name.to_string(), field.first_path.clone());
                    return Err(KindConflict {
                        path: here(),
                        name,
                        found,
                        expected,
                        first_path,
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether rules may read this field.
    pub fn contains(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// The field names, comma-separated, for error messages.
    pub fn names(&self) -> String {
        self.fields.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    }

    /// A value with every field set to an example of its type: rules are type-checked against it.
    pub fn example(&self) -> Value {
        let entries = self.fields.iter().map(|(name, field)| {
            let value = match (&field.example, field.kind) {
                (Some(example), Kind::Float) => as_float(example.clone()),
                (Some(example), _) => example.clone(),
                (None, kind) => example_of(kind),
            };
            (Key::from(name.as_str()), value)
        });
        Value::Map(Map {
            map: Arc::new(entries.collect::<HashMap<_, _>>()),
        })
    }

    /// The CEL value of one subject: `built_in` fields plus its attributes, numbers typed as above.
    pub fn subject(
        &self,
        built_in: Vec<(&str, Value)>,
        attributes: &serde_json::Map<String, serde_json::Value>,
    ) -> Subject {
        self.subject_of(built_in, attributes.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// Like [`Fields::subject`], the attributes of any kind of value, in key order.
    pub fn subject_of<'v, V: AttributeValue + 'v>(
        &self,
        built_in: Vec<(&str, Value)>,
        attributes: impl ExactSizeIterator<Item = (&'v str, &'v V)>,
    ) -> Subject {
        let mut map: HashMap<Key, Value> = HashMap::with_capacity(built_in.len() + attributes.len());
        for (name, value) in built_in {
            map.insert(Key::from(name), value);
        }
        for (name, value) in attributes {
            let float = self.fields.get(name).is_some_and(|f| f.kind == Kind::Float);
            map.insert(Key::from(name), value.cel(float));
        }
        Subject::new(Value::Map(Map { map: Arc::new(map) }))
    }
}

/// A student or programme as rules see it, converted once and shared by every evaluation.
#[derive(Debug)]
pub struct Subject {
    value: Box<dyn Val>,
}

impl Subject {
    /// Wraps a CEL value (a map, for students and programmes).
    pub fn new(value: Value) -> Subject {
        // Converting a map, list or scalar `Value` cannot fail; the fallback only keeps this total.
        let value = Box::<dyn Val>::try_from(value).unwrap_or_else(|_| Box::new(cel::common::types::CelNull));
        Subject { value }
    }

    /// The value, for binding to a rule's variable.
    pub fn as_val(&self) -> &dyn Val {
        self.value.as_ref()
    }
}

fn example_of(kind: Kind) -> Value {
    match kind {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(true),
        Kind::Int => Value::Int(1),
        Kind::Float => Value::Float(1.0),
        Kind::String => Value::String(Arc::new("example".to_string())),
        Kind::List => Value::List(Arc::new(Vec::new())),
        Kind::Map => Value::Map(Map {
            map: Arc::new(HashMap::new()),
        }),
    }
}

fn as_float(value: Value) -> Value {
    match value {
        Value::Int(i) => Value::Float(i as f64),
        other => other,
    }
}

/// Converts JSON to CEL: whole numbers to `int` (or `double` when `float`), others to `double`.
pub fn to_cel(value: &serde_json::Value, float: bool) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) if !float => Value::Int(i),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(items) => Value::List(Arc::new(items.iter().map(|v| to_cel(v, false)).collect())),
        serde_json::Value::Object(map) => {
            let entries = map.iter().map(|(k, v)| (Key::from(k.as_str()), to_cel(v, false)));
            Value::Map(Map {
                map: Arc::new(entries.collect()),
            })
        }
    }
}
