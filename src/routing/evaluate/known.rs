//! The plain values the recognised rule shapes read (see `rules/shape.rs`), taken once per student
//! and once per programme straight from the instance, so that such a rule is answered with a
//! comparison instead of a CEL evaluation for every pair. A value of any other type, or a missing
//! one, is `Other`: the caller then runs the compiled rule and gets the general result and warning.

use crate::routing::instance::Programme;
use crate::routing::record::{AttributeValue, StudentRecord};
use crate::routing::rules::Compiled;
use crate::routing::rules::shape::Shape;

/// A field's value as far as the shapes care.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Known<'a> {
    Bool(bool),
    Str(&'a str),
    Other,
}

impl<'a> Known<'a> {
    fn of(value: Option<&'a serde_json::Value>) -> Known<'a> {
        match value {
            Some(serde_json::Value::Bool(b)) => Known::Bool(*b),
            Some(serde_json::Value::String(s)) => Known::Str(s),
            _ => Known::Other,
        }
    }
}

/// Some fields of one student or programme, by name (a handful: a linear search is the fastest).
pub type Values<'a> = Vec<(&'a str, Known<'a>)>;

/// The field names the shapes of `conditions` read, for students and for programmes.
#[derive(Debug, Default)]
pub struct Names<'a> {
    pub student: Vec<&'a str>,
    pub programme: Vec<&'a str>,
}

impl<'a> Names<'a> {
    /// Adds the names one condition reads.
    pub fn add(&mut self, compiled: &'a Compiled) {
        let put = |list: &mut Vec<&'a str>, name: &'a str| {
            if !list.contains(&name) {
                list.push(name);
            }
        };
        match &compiled.shape {
            Some(Shape::StudentFlag { field, .. }) => put(&mut self.student, field),
            Some(Shape::SameString { student, programme }) => {
                put(&mut self.student, student);
                put(&mut self.programme, programme);
            }
            None => {}
        }
    }

    /// A student's values of the student names (attributes, then the built-in `id`), in `values`
    /// (emptied first; one vector reused for every student).
    pub fn student_into<St: StudentRecord>(&self, student: &'a St, values: &mut Values<'a>) {
        let of = |name: &str| match student.attribute(name) {
            None if name == "id" => Known::Str(student.id()),
            None => Known::Other,
            Some(value) => match (value.as_bool(), value.as_text()) {
                (Some(b), _) => Known::Bool(b),
                (_, Some(s)) => Known::Str(s),
                _ => Known::Other,
            },
        };
        values.clear();
        values.extend(self.student.iter().map(|name| (*name, of(name))));
    }

    /// A programme's values of the programme names (attributes, then `code` and `town`).
    pub fn programme(&self, programme: &'a Programme) -> Values<'a> {
        let of = |name: &str| match (programme.attributes.get(name), name) {
            (None, "code") => Known::Str(&programme.code),
            (None, "town") => Known::Str(&programme.town),
            (value, _) => Known::of(value),
        };
        self.programme.iter().map(|name| (*name, of(name))).collect()
    }
}

fn find<'a>(values: &[(&str, Known<'a>)], name: &str) -> Option<Known<'a>> {
    values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Whether `compiled` holds, when its shape and the values allow answering without CEL.
pub fn answer(
    compiled: &Compiled,
    student: &[(&str, Known<'_>)],
    programme: Option<&[(&str, Known<'_>)]>,
) -> Option<bool> {
    match compiled.shape.as_ref()? {
        Shape::StudentFlag { field, negated } => match find(student, field)? {
            Known::Bool(b) => Some(b != *negated),
            _ => None,
        },
        Shape::SameString {
            student: s,
            programme: p,
        } => match (find(student, s)?, find(programme?, p)?) {
            (Known::Str(a), Known::Str(b)) => Some(a == b),
            _ => None,
        },
    }
}
