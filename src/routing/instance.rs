//! The routing instance — the input of `vocpath route` — exactly as DESIGN.md ("Routing instance")
//! defines it, and its parsing from JSON. Unknown fields are refused (a misspelt `preferences`
//! would otherwise silently mean "no preferences"); a structural error names the item by its JSON
//! path. The checks that need the whole instance (duplicates, unknown programmes, rules) are in
//! `validate.rs`, so that an `Instance` built in code gets them too.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::RouteError;
use super::record::LeanStudent;

/// A whole routing instance. The students are [`Student`]s, typed, or, as `vocpath route` parses
/// them, [`LeanStudent`](super::record::LeanStudent)s borrowing from the input (see `record.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance<St = Student> {
    /// Seed of the lotteries of students who have none (0 when absent); see `lottery.rs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default)]
    pub rules: Rules,
    pub programmes: Vec<Programme>,
    pub students: Vec<St>,
}

/// Rules for everyone: who must be routed, and the priority points. The one rules model of the
/// product: a rule set stores these, the API reads and writes them (the `Object` derive only
/// describes the shape for the OpenAPI document), and a run hands them to the engine as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, poem_openapi::Object)]
#[serde(deny_unknown_fields)]
#[oai(deny_unknown_fields)]
pub struct Rules {
    /// All must hold for a student to be routed.
    #[serde(default)]
    #[oai(default)]
    pub eligibility: Vec<Rule>,
    /// Each that holds adds its points at a programme.
    #[serde(default)]
    #[oai(default)]
    pub priority: Vec<PriorityRule>,
}

/// A named condition in CEL over `student.*` and `programme.*`, e.g. `!student.in_senior_high`:
/// an eligibility rule, or a programme's entry requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, poem_openapi::Object)]
#[serde(deny_unknown_fields)]
#[oai(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub when: String,
}

/// A named condition and the points it gives when it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, poem_openapi::Object)]
#[serde(deny_unknown_fields)]
#[oai(deny_unknown_fields)]
pub struct PriorityRule {
    pub name: String,
    pub when: String,
    pub points: PointsSpec,
}

/// Points: a number, or a CEL expression giving an int or a double, such as
/// `double(student.exam_score) / 10.0`.
#[derive(Debug, Clone, PartialEq, poem_openapi::Union)]
pub enum PointsSpec {
    Number(f64),
    Expression(String),
}

/// A programme (a school's major for one intake year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub code: String,
    #[serde(deserialize_with = "capacity")]
    pub capacity: u32,
    pub town: String,
    /// All must hold for a student to take a seat here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Reserve>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Seats reserved (minimum guarantee) for students the rule covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reserve {
    pub when: String,
    #[serde(deserialize_with = "reserved_seats")]
    pub seats: u32,
}

/// A student to route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Student {
    pub id: String,
    /// Programme codes, most preferred first.
    pub preferences: Vec<String>,
    /// Lower wins a tie; derived from the seed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lottery: Option<f64>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Parses an instance; a structural error names the first item at fault by its JSON path.
pub fn parse(input: &str) -> Result<Instance, RouteError> {
    // Straight into the typed instance: the common case, without building a `Value` of the whole
    // text first. Only when that fails is the text read again as a `Value`, to name the item at
    // fault (or to accept what only the lenient way accepts, such as a repeated key).
    if let Ok(instance) = serde_json::from_str::<Instance>(input) {
        return Ok(instance);
    }
    let value: Value = serde_json::from_str(input).map_err(|e| RouteError::Json { error: e.to_string() })?;
    match Instance::deserialize(&value) {
        Ok(instance) => Ok(instance),
        Err(whole) => Err(locate(&value).unwrap_or(RouteError::Field {
            path: "$".into(),
            error: whole.to_string(),
        })),
    }
}

/// Parses an instance the lean way (see `record.rs`), its texts borrowed from `input`; `None` when
/// [`parse`] would refuse it or read it otherwise, so that the caller parses it that way and gets
/// the same instance or the same error.
pub fn parse_lean(input: &str) -> Option<Instance<LeanStudent<'_>>> {
    super::lean_parse::parse(input)
}

/// The first item of `value` that does not deserialize, with its path and error.
fn locate(value: &Value) -> Option<RouteError> {
    let top = value.as_object()?;
    let check = |path: String, value: &Value, f: Shape| {
        f(value).err().map(|e| RouteError::Field {
            path,
            error: e.to_string(),
        })
    };
    let rules = top.get("rules");
    let lists: [(&str, Option<&Value>, Shape); 4] = [
        (
            "$.rules.eligibility",
            rules.and_then(|r| r.get("eligibility")),
            shape::<Rule>,
        ),
        (
            "$.rules.priority",
            rules.and_then(|r| r.get("priority")),
            shape::<PriorityRule>,
        ),
        ("$.programmes", top.get("programmes"), shape::<Programme>),
        ("$.students", top.get("students"), shape::<Student>),
    ];
    for (path, list, f) in lists {
        let Some(items) = list.and_then(Value::as_array) else {
            continue;
        };
        if let Some(e) = items
            .iter()
            .enumerate()
            .find_map(|(i, item)| check(format!("{path}[{i}]"), item, f))
        {
            return Some(e);
        }
    }
    let parts: [(&str, Option<&Value>, Shape); 2] = [
        ("$.seed", top.get("seed"), shape::<Option<u64>>),
        ("$.rules", rules, shape::<Rules>),
    ];
    parts
        .into_iter()
        .find_map(|(path, part, f)| part.and_then(|v| check(path.to_string(), v, f)))
}

/// Tries one part of an instance against its type.
type Shape = fn(&Value) -> Result<(), serde_json::Error>;

fn shape<T: DeserializeOwned>(value: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(value).map(|_| ())
}

fn capacity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_any(Seats("capacity"))
}

fn reserved_seats<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_any(Seats("reserved seats"))
}

/// A number of seats: a whole number from 0 up (`40` or `40.0`), at most 4,294,967,295. Holds the
/// field's name for the error message.
struct Seats(&'static str);

impl Seats {
    fn refuse<E: de::Error>(&self, found: impl std::fmt::Display) -> E {
        E::custom(format!(
            "{} must be a whole number of seats, 0 or more, not {found}",
            self.0
        ))
    }
}

impl Visitor<'_> for Seats {
    type Value = u32;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}: a whole number of seats, 0 or more", self.0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| self.refuse(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| self.refuse(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            Ok(v as u32)
        } else {
            Err(self.refuse(v))
        }
    }
}

impl Serialize for PointsSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PointsSpec::Number(x) => serializer.serialize_f64(*x),
            PointsSpec::Expression(s) => serializer.serialize_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for PointsSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PointsSpec, D::Error> {
        struct Points;
        impl Visitor<'_> for Points {
            type Value = PointsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("points: a number, or a CEL expression in a string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PointsSpec, E> {
                Ok(PointsSpec::Number(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PointsSpec, E> {
                Ok(PointsSpec::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PointsSpec, E> {
                Ok(PointsSpec::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PointsSpec, E> {
                Ok(PointsSpec::Expression(v.to_string()))
            }
        }
        deserializer.deserialize_any(Points)
    }
}
