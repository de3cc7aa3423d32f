//! What the routing reads of a student, as a trait: [`Student`] (the typed instance the database
//! layer builds, with a `serde_json::Map` of attributes) and [`LeanStudent`] (what `vocpath route`
//! parses: texts borrowed from the input, attributes in a small sorted vector, no map and no string
//! copied where the JSON has no escape) both route the same way, through the same code.
//!
//! [`LeanStudent`] keeps the map's meaning exactly: attributes in key order, a repeated key's last
//! value kept, numbers as `serde_json` reads them.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::instance::Student;
use super::rules::fields::{Kind, to_cel};

/// A student, as the routing reads one.
pub trait StudentRecord: Sync {
    /// The type of an attribute's value.
    type Value: AttributeValue;
    fn id(&self) -> &str;
    /// The programme codes, most preferred first.
    fn preferences(&self) -> impl ExactSizeIterator<Item = &str>;
    fn lottery(&self) -> Option<f64>;
    fn attribute(&self, name: &str) -> Option<&Self::Value>;
    /// The attributes in key order.
    fn attributes(&self) -> impl ExactSizeIterator<Item = (&str, &Self::Value)>;
}

/// An attribute's value, as far as the rules care.
pub trait AttributeValue: Sync {
    fn kind(&self) -> Kind;
    /// The value when it is a bool.
    fn as_bool(&self) -> Option<bool>;
    /// The value when it is a string.
    fn as_text(&self) -> Option<&str>;
    /// The CEL value (see [`to_cel`]).
    fn cel(&self, float: bool) -> cel::Value;
}

impl StudentRecord for Student {
    type Value = serde_json::Value;
    fn id(&self) -> &str {
        &self.id
    }
    fn preferences(&self) -> impl ExactSizeIterator<Item = &str> {
        self.preferences.iter().map(String::as_str)
    }
    fn lottery(&self) -> Option<f64> {
        self.lottery
    }
    fn attribute(&self, name: &str) -> Option<&serde_json::Value> {
        self.attributes.get(name)
    }
    fn attributes(&self) -> impl ExactSizeIterator<Item = (&str, &serde_json::Value)> {
        self.attributes.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl AttributeValue for serde_json::Value {
    fn kind(&self) -> Kind {
        Kind::of(self)
    }
    fn as_bool(&self) -> Option<bool> {
        serde_json::Value::as_bool(self)
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn cel(&self, float: bool) -> cel::Value {
        to_cel(self, float)
    }
}

/// A student as `vocpath route` parses one, borrowing its texts from the input.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeanStudent<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub preferences: Vec<Cow<'a, str>>,
    #[serde(default)]
    pub lottery: Option<f64>,
    #[serde(default, borrow)]
    pub attributes: Attributes<'a>,
}

/// A student's attributes, sorted by key, each key once (its last value, as a map keeps).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes<'a>(pub Vec<(Cow<'a, str>, Attribute<'a>)>);

/// One attribute's value: bools and strings as they are, anything else as JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute<'a> {
    Bool(bool),
    Text(Cow<'a, str>),
    Json(serde_json::Value),
}

impl<'a> StudentRecord for LeanStudent<'a> {
    type Value = Attribute<'a>;
    fn id(&self) -> &str {
        &self.id
    }
    fn preferences(&self) -> impl ExactSizeIterator<Item = &str> {
        self.preferences.iter().map(|c| c.as_ref())
    }
    fn lottery(&self) -> Option<f64> {
        self.lottery
    }
    fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        let list = &self.attributes.0;
        list.binary_search_by(|(k, _)| k.as_ref().cmp(name))
            .ok()
            .map(|i| &list[i].1)
    }
    fn attributes(&self) -> impl ExactSizeIterator<Item = (&str, &Attribute<'a>)> {
        self.attributes.0.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl AttributeValue for Attribute<'_> {
    fn kind(&self) -> Kind {
        match self {
            Attribute::Bool(_) => Kind::Bool,
            Attribute::Text(_) => Kind::String,
            Attribute::Json(v) => Kind::of(v),
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Attribute::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_text(&self) -> Option<&str> {
        match self {
            Attribute::Text(s) => Some(s),
            _ => None,
        }
    }
    fn cel(&self, float: bool) -> cel::Value {
        match self {
            Attribute::Bool(b) => cel::Value::Bool(*b),
            Attribute::Text(s) => cel::Value::String(std::sync::Arc::new(s.to_string())),
            Attribute::Json(v) => to_cel(v, float),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attributes<'a>, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Attributes<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of attributes")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Attributes<'de>, M::Error> {
                let mut list: Vec<(Cow<'de, str>, Attribute<'de>)> = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    list.push((key.0, map.next_value()?));
                }
                // As a map: in key order, a repeated key's last value (the sort is stable).
                list.sort_by(|a, b| a.0.cmp(&b.0));
                list.reverse();
                list.dedup_by(|later, earlier| later.0 == earlier.0);
                list.reverse();
                Ok(Attributes(list))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// A key, borrowed when it has no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'a>, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attribute<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attribute<'a>, D::Error> {
        deserializer.deserialize_any(AttributeVisitor)
    }
}

struct AttributeVisitor;

impl<'de> Visitor<'de> for AttributeVisitor {
    type Value = Attribute<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Bool(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Text(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Json(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Json(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Attribute<'de>, E> {
        // As `serde_json::Value` reads it: a non-finite number (which JSON cannot hold) as null.
        Ok(Attribute::Json(
            serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Json(serde_json::Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Attribute<'de>, E> {
        Ok(Attribute::Json(serde_json::Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Attribute<'de>, A::Error> {
        serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Attribute::Json)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Attribute<'de>, A::Error> {
        serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Attribute::Json)
    }
}
