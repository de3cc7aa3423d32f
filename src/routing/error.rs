//! Why an instance cannot be routed. Each error names the item by its JSON path in the instance
//! (`$.students[3].preferences[1]`), plus its id or code where it has one.
//!
//! `Display` gives the English text (for `vocpath route` and logs); [`RouteError::message`] gives
//! the catalogue key and arguments for the portal and the API, in `templates/i18n/*/routing.toml`.
//! A test keeps the two English texts identical.

use crate::i18n::Msg;

use super::engine::EngineError;
use super::rules::{RuleError, RuleProblem};

/// An instance the router refuses; nothing was routed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error("The instance is not valid JSON: {error}")]
    Json { error: String },
    #[error("{path}: {error}")]
    Field { path: String, error: String },
    #[error("{path}: the student id “{student}” is already used by an earlier student")]
    DuplicateStudent { path: String, student: String },
    #[error("{path}: the programme code “{programme}” is already used by an earlier programme")]
    DuplicateProgramme { path: String, programme: String },
    #[error("{path}: student “{student}” prefers programme “{programme}”, which is not among the programmes")]
    UnknownProgramme {
        path: String,
        student: String,
        programme: String,
    },
    #[error("{path}: student “{student}” lists programme “{programme}” more than once")]
    RepeatedPreference {
        path: String,
        student: String,
        programme: String,
    },
    #[error("{path}: programme “{programme}” reserves {seats} seats but has only {capacity}")]
    ReservedOverCapacity {
        path: String,
        programme: String,
        seats: u32,
        capacity: u32,
    },
    #[error("{path}: “{name}” is a built-in field and cannot also be an attribute; rename the attribute")]
    AttributeClash { path: String, name: String },
    #[error(
        "{path}: this attribute is of type {found} here but of type {expected} at {first_path}; give it one type everywhere"
    )]
    AttributeType {
        path: String,
        found: String,
        expected: String,
        first_path: String,
    },
    #[error("{path}: the lottery number of student “{student}” must be a finite number")]
    Lottery { path: String, student: String },
    #[error("{path}: a rule needs a name")]
    RuleName { path: String },
    #[error("{path}: another rule in the same list is already named “{rule}”; give each rule its own name")]
    DuplicateRule { path: String, rule: String },
    #[error("{path} (rule “{rule}”), line {line}, column {column}: syntax error: {detail}")]
    RuleSyntax {
        path: String,
        rule: String,
        line: usize,
        column: usize,
        detail: String,
    },
    #[error(
        "{path} (rule “{rule}”), line {line}, column {column}: unknown variable “{name}”; rules read student.* and programme.*"
    )]
    RuleUnknownVariable {
        path: String,
        rule: String,
        line: usize,
        column: usize,
        name: String,
    },
    #[error(
        "{path} (rule “{rule}”), line {line}, column {column}: unknown field “{field}”; the known fields are: {known}"
    )]
    RuleUnknownField {
        path: String,
        rule: String,
        line: usize,
        column: usize,
        field: String,
        known: String,
    },
    #[error("{path} (rule “{rule}”): an eligibility rule is about the student alone and cannot read programme.*")]
    RuleReadsProgramme { path: String, rule: String },
    #[error("{path} (rule “{rule}”): type error: {detail}")]
    RuleType { path: String, rule: String, detail: String },
    #[error("{path} (rule “{rule}”): the condition must give true or false, but gives a value of type {found}")]
    RuleNotBool { path: String, rule: String, found: String },
    #[error("{path} (rule “{rule}”): the points must be a number (int or double), but give a value of type {found}")]
    RuleNotNumber { path: String, rule: String, found: String },
    #[error("The instance cannot be routed: {detail}")]
    Engine { detail: String },
}

impl From<RuleError> for RouteError {
    fn from(e: RuleError) -> RouteError {
        let (path, rule) = (e.path, e.rule);
        match e.problem {
            RuleProblem::Syntax { line, column, detail } => RouteError::RuleSyntax {
                path,
                rule,
                line,
                column,
                detail,
            },
            RuleProblem::UnknownVariable { line, column, name } => RouteError::RuleUnknownVariable {
                path,
                rule,
                line,
                column,
                name,
            },
            RuleProblem::UnknownField {
                line,
                column,
                field,
                known,
            } => RouteError::RuleUnknownField {
                path,
                rule,
                line,
                column,
                field,
                known,
            },
            RuleProblem::ProgrammeInEligibility => RouteError::RuleReadsProgramme { path, rule },
            RuleProblem::Type { detail } => RouteError::RuleType { path, rule, detail },
            RuleProblem::NotBool { found } => RouteError::RuleNotBool { path, rule, found },
            RuleProblem::NotNumber { found } => RouteError::RuleNotNumber { path, rule, found },
        }
    }
}

impl From<EngineError> for RouteError {
    fn from(e: EngineError) -> RouteError {
        RouteError::Engine { detail: e.to_string() }
    }
}

impl RouteError {
    /// The catalogue key (`routing_error.*`) and arguments of this error.
    pub fn message(&self) -> Msg {
        use RouteError as E;
        match self {
            E::Json { error } => Msg::new("routing_error.json").arg("error", error),
            E::Field { path, error } => Msg::new("routing_error.field").arg("path", path).arg("error", error),
            E::DuplicateStudent { path, student } => Msg::new("routing_error.duplicate_student")
                .arg("path", path)
                .arg("student", student),
            E::DuplicateProgramme { path, programme } => Msg::new("routing_error.duplicate_programme")
                .arg("path", path)
                .arg("programme", programme),
            E::UnknownProgramme {
                path,
                student,
                programme,
            } => Msg::new("routing_error.unknown_programme")
                .arg("path", path)
                .arg("student", student)
                .arg("programme", programme),
            E::RepeatedPreference {
                path,
                student,
                programme,
            } => Msg::new("routing_error.repeated_preference")
                .arg("path", path)
                .arg("student", student)
                .arg("programme", programme),
            E::ReservedOverCapacity {
                path,
                programme,
                seats,
                capacity,
            } => Msg::new("routing_error.reserved_over_capacity")
                .arg("path", path)
                .arg("programme", programme)
                .arg("seats", seats)
                .arg("capacity", capacity),
            E::AttributeClash { path, name } => Msg::new("routing_error.attribute_clash")
                .arg("path", path)
                .arg("name", name),
            E::AttributeType {
                path,
                found,
                expected,
                first_path,
            } => Msg::new("routing_error.attribute_type")
                .arg("path", path)
                .arg("found", found)
                .arg("expected", expected)
                .arg("first_path", first_path),
            E::Lottery { path, student } => Msg::new("routing_error.lottery")
                .arg("path", path)
                .arg("student", student),
            E::RuleName { path } => Msg::new("routing_error.rule_name").arg("path", path),
            E::DuplicateRule { path, rule } => Msg::new("routing_error.duplicate_rule")
                .arg("path", path)
                .arg("rule", rule),
            E::Engine { detail } => Msg::new("routing_error.engine").arg("detail", detail),
            _ => self.rule_message(),
        }
    }

    fn rule_message(&self) -> Msg {
        use RouteError as E;
        let at = |key, path: &String, rule: &String, line: &usize, column: &usize| {
            Msg::new(key)
                .arg("path", path)
                .arg("rule", rule)
                .arg("line", line)
                .arg("column", column)
        };
        let of = |key, path: &String, rule: &String| Msg::new(key).arg("path", path).arg("rule", rule);
        match self {
            E::RuleSyntax {
                path,
                rule,
                line,
                column,
                detail,
            } => at("routing_error.rule_syntax", path, rule, line, column).arg("detail", detail),
            E::RuleUnknownVariable {
                path,
                rule,
                line,
                column,
                name,
            } => at("routing_error.rule_unknown_variable", path, rule, line, column).arg("name", name),
            E::RuleUnknownField {
                path,
                rule,
                line,
                column,
                field,
                known,
            } => at("routing_error.rule_unknown_field", path, rule, line, column)
                .arg("field", field)
                .arg("known", known),
            E::RuleReadsProgramme { path, rule } => of("routing_error.rule_reads_programme", path, rule),
            E::RuleType { path, rule, detail } => of("routing_error.rule_type", path, rule).arg("detail", detail),
            E::RuleNotBool { path, rule, found } => of("routing_error.rule_not_bool", path, rule).arg("found", found),
            E::RuleNotNumber { path, rule, found } => {
                of("routing_error.rule_not_number", path, rule).arg("found", found)
            }
            _ => Msg::new("routing_error.engine").arg("detail", self.to_string()),
        }
    }
}
