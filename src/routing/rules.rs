//! Routing rules in CEL (Common Expression Language): compiled and checked once, then evaluated
//! for each student or (student, programme) pair. Pure: no I/O.
//!
//! A rule's `when` reads `student.*` (the student's `attributes` plus `id`) and `programme.*` (the
//! programme's `attributes` plus `code`, `capacity`, `town`) and must give a bool. A priority rule's
//! `points` is a number or a CEL expression that must give an int or a double.
//!
//! Checking, when a rule is compiled: the syntax (with the line and column the parser reports);
//! every variable and field against [`fields`] — the fields DESIGN.md documents plus those present
//! in the instance's attributes — with the position of the offending name; eligibility rules may
//! not read `programme`; and the result type, by evaluating the rule on an example student and
//! programme whose fields hold values of the right types. The cel crate gives no position for such
//! type errors, so they name the rule and the part (`when` or `points`) only. Errors that depend on
//! values rather than types (division by zero, overflow, a missing key inside a nested map) are not
//! type errors and are left to evaluation.
//!
//! Evaluation returns the error as text rather than guessing; the caller decides what a failure
//! means (see `evaluate.rs`: the rule does not hold, and the failure is counted in the warnings).

pub mod check;
pub mod fields;
pub mod shape;

use std::sync::Arc;

use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, ExecutionError, Program, Value};

use self::check::{Reads, Unknown};
use self::fields::{Fields, Subject};
use self::shape::Shape;

/// Why a rule was refused. `path` locates it in the instance (`$.rules.priority[2].points`).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub path: String,
    pub rule: String,
    pub problem: RuleProblem,
}

/// What is wrong with a rule; positions are 1-based line and column, in characters.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleProblem {
    Syntax {
        line: usize,
        column: usize,
        detail: String,
    },
    UnknownVariable {
        line: usize,
        column: usize,
        name: String,
    },
    UnknownField {
        line: usize,
        column: usize,
        field: String,
        known: String,
    },
    ProgrammeInEligibility,
    Type {
        detail: String,
    },
    NotBool {
        found: String,
    },
    NotNumber {
        found: String,
    },
}

/// A compiled expression and what it reads.
#[derive(Debug)]
pub struct Compiled {
    program: Program,
    /// Which of `student` and `programme` it reads.
    pub reads: Reads,
    /// Its shape when it is one the evaluator answers without CEL (see `shape.rs`).
    pub shape: Option<Shape>,
}

/// A priority rule's points.
#[derive(Debug)]
pub enum Points {
    Constant(f64),
    Expression(Compiled),
}

impl Points {
    /// Whether the points depend on the student, on the programme.
    pub fn reads(&self) -> Reads {
        match self {
            Points::Constant(_) => Reads::default(),
            Points::Expression(c) => c.reads,
        }
    }
}

/// Compiles and checks rules against the fields of one instance, and evaluates them.
pub struct Rules {
    env: Arc<Env>,
    student: Fields,
    programme: Fields,
    student_example: Subject,
    programme_example: Subject,
}

impl Rules {
    /// A compiler for rules over these student and programme fields.
    pub fn new(student: Fields, programme: Fields) -> Rules {
        let student_example = Subject::new(student.example());
        let programme_example = Subject::new(programme.example());
        Rules {
            env: Arc::new(Env::stdlib()),
            student,
            programme,
            student_example,
            programme_example,
        }
    }

    /// The student fields, to convert students with.
    pub fn student_fields(&self) -> &Fields {
        &self.student
    }

    /// The programme fields, to convert programmes with.
    pub fn programme_fields(&self) -> &Fields {
        &self.programme
    }

    /// Compiles a condition that must give a bool. `student_only` refuses `programme.*`.
    pub fn condition(&self, path: &str, rule: &str, source: &str, student_only: bool) -> Result<Compiled, RuleError> {
        let fail = |problem| RuleError {
            path: path.to_string(),
            rule: rule.to_string(),
            problem,
        };
        let compiled = self.compile(source).map_err(fail)?;
        if student_only && compiled.reads.programme {
            return Err(fail(RuleProblem::ProgrammeInEligibility));
        }
        match self.try_example(&compiled).map_err(fail)? {
            Some(Value::Bool(_)) | None => Ok(compiled),
            Some(other) => Err(fail(RuleProblem::NotBool {
                found: other.type_of().to_string(),
            })),
        }
    }

    /// Compiles the points of a priority rule: a number, or an expression giving an int or double.
    pub fn points(&self, path: &str, rule: &str, source: &str) -> Result<Points, RuleError> {
        let fail = |problem| RuleError {
            path: path.to_string(),
            rule: rule.to_string(),
            problem,
        };
        let compiled = self.compile(source).map_err(fail)?;
        match self.try_example(&compiled).map_err(fail)? {
            Some(Value::Int(_) | Value::UInt(_) | Value::Float(_)) | None => Ok(Points::Expression(compiled)),
            Some(other) => Err(fail(RuleProblem::NotNumber {
                found: other.type_of().to_string(),
            })),
        }
    }

    fn compile(&self, source: &str) -> Result<Compiled, RuleProblem> {
        let program = self.env.compile(source).map_err(|errors| {
            let first = errors.errors.first();
            let (line, column) = first.map_or((1, 1), |e| (e.pos.0.max(1) as usize, e.pos.1.max(1) as usize));
            let detail = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
            let detail = detail
                .strip_prefix("Syntax error: ")
                .map(str::to_string)
                .unwrap_or(detail);
            RuleProblem::Syntax { line, column, detail }
        })?;
        let reads = check::references(&program, &self.student, &self.programme).map_err(|unknown| match unknown {
            Unknown::Variable { name, line, column } => RuleProblem::UnknownVariable { line, column, name },
            Unknown::Field {
                field,
                known,
                line,
                column,
            } => RuleProblem::UnknownField {
                line,
                column,
                field,
                known,
            },
        })?;
        Ok(Compiled {
            program,
            reads,
            shape: Shape::recognise(source),
        })
    }

    /// Evaluates on the typed example: the value, `None` for an error that depends on values, or
    /// the type error.
    fn try_example(&self, compiled: &Compiled) -> Result<Option<Value>, RuleProblem> {
        let bindings = Bindings {
            student: self.student_example.as_val(),
            programme: Some(self.programme_example.as_val()),
        };
        match self.execute(compiled, &bindings) {
            Ok(value) => Ok(Some(value)),
            Err(
                ExecutionError::DivisionByZero(_)
                | ExecutionError::RemainderByZero(_)
                | ExecutionError::Overflow(..)
                | ExecutionError::IndexOutOfBounds(_)
                | ExecutionError::NoSuchKey(_)
                | ExecutionError::FunctionError { .. },
            ) => Ok(None),
            Err(e) => Err(RuleProblem::Type { detail: e.to_string() }),
        }
    }

    fn execute(&self, compiled: &Compiled, bindings: &Bindings<'_>) -> Result<Value, ExecutionError> {
        let mut context = Context::with_env(Arc::clone(&self.env));
        context.set_variable_resolver(bindings);
        compiled.program.execute(&context)
    }

    /// Whether a condition holds for a student (and programme); `Err` describes a failure.
    pub fn holds(&self, compiled: &Compiled, student: &Subject, programme: Option<&Subject>) -> Result<bool, String> {
        let bindings = Bindings {
            student: student.as_val(),
            programme: programme.map(Subject::as_val),
        };
        match self.execute(compiled, &bindings) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("gives a value of type {} instead of a bool", other.type_of())),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The points a rule gives when it holds; `Err` describes a failure or a non-finite number.
    pub fn value_of(&self, points: &Points, student: &Subject, programme: Option<&Subject>) -> Result<f64, String> {
        let compiled = match points {
            Points::Constant(x) => return Ok(*x),
            Points::Expression(compiled) => compiled,
        };
        let bindings = Bindings {
            student: student.as_val(),
            programme: programme.map(Subject::as_val),
        };
        let x = match self.execute(compiled, &bindings) {
            Ok(Value::Int(i)) => i as f64,
            Ok(Value::UInt(u)) => u as f64,
            Ok(Value::Float(f)) => f,
            Ok(other) => return Err(format!("gives a value of type {} instead of a number", other.type_of())),
            Err(e) => return Err(e.to_string()),
        };
        if x.is_finite() {
            Ok(x)
        } else {
            Err(format!("gives {x}, which is not a finite number"))
        }
    }
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("student", &self.student)
            .field("programme", &self.programme)
            .finish()
    }
}

/// Binds `student` and `programme` to already-converted values, without copying them.
struct Bindings<'a> {
    student: &'a dyn Val,
    programme: Option<&'a dyn Val>,
}

impl VariableResolver for Bindings<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        match variable {
            "student" => Some(CowVal::Borrowed(self.student)),
            "programme" => self.programme.map(CowVal::Borrowed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
