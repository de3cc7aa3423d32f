//! Recognises the common shapes of a condition — `student.f`, `!student.f`, `student.f ==
//! programme.g` (either side first) — so that evaluation can answer them from values converted
//! once per student and once per programme instead of running the CEL program for every pair.
//!
//! A shape only says what the condition reads; the evaluator answers from it only when the values
//! have the type the shape needs (a bool, two strings) and otherwise runs the compiled program, so
//! a missing attribute or a value of another type gives exactly the general result and warning.
//! Pure text recognition of an already compiled (hence valid) rule: anything else is `None`.

/// A condition the evaluator may answer without CEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `student.field` (or its negation when `negated`), for a bool field.
    StudentFlag { field: String, negated: bool },
    /// `student.field == programme.field`, for two string fields.
    SameString { student: String, programme: String },
}

impl Shape {
    /// The shape of `source`, when it is one of the recognised forms.
    pub fn recognise(source: &str) -> Option<Shape> {
        let source = source.trim();
        if let Some((left, right)) = source.split_once("==") {
            let (left, right) = (member(left.trim())?, member(right.trim())?);
            return match (left, right) {
                (("student", s), ("programme", p)) | (("programme", p), ("student", s)) => Some(Shape::SameString {
                    student: s.to_string(),
                    programme: p.to_string(),
                }),
                _ => None,
            };
        }
        let (negated, rest) = match source.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, source),
        };
        match member(rest)? {
            ("student", field) => Some(Shape::StudentFlag {
                field: field.to_string(),
                negated,
            }),
            _ => None,
        }
    }
}

/// `variable.field` with plain identifiers, as (variable, field).
fn member(text: &str) -> Option<(&str, &str)> {
    let (variable, field) = text.split_once('.')?;
    (identifier(variable) && identifier(field)).then_some((variable, field))
}

fn identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::Shape;

    #[test]
    fn the_common_shapes_are_recognised_and_nothing_else() {
        let flag = |field: &str, negated| {
            Some(Shape::StudentFlag {
                field: field.into(),
                negated,
            })
        };
        assert_eq!(
            Shape::recognise("student.registered_poor"),
            flag("registered_poor", false)
        );
        assert_eq!(
            Shape::recognise(" ! student.in_senior_high "),
            flag("in_senior_high", true)
        );
        let same = Some(Shape::SameString {
            student: "town".into(),
            programme: "town".into(),
        });
        assert_eq!(Shape::recognise("student.town == programme.town"), same);
        assert_eq!(Shape::recognise("programme.town==student.town"), same);
        for other in [
            "student.a == student.b",
            "student.a != programme.b",
            "student.a.b",
            "student.a && student.b",
            "!!student.a",
            "programme.flag",
            "student.town == programme.town == true",
            "student.score >= 300",
            "true",
        ] {
            assert_eq!(Shape::recognise(other), None, "{other}");
        }
    }
}
