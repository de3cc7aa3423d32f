//! Evaluates the rules of a checked instance and builds the engine's input: who is eligible, which
//! preferences each eligible student may take (requirements), their points there (priority rules)
//! and whether the reserve covers them.
//!
//! A rule that fails at run time for some student or pair — a missing attribute, a division by
//! zero, a non-finite result — counts as *not holding*: an eligibility rule makes the student
//! ineligible, a requirement refuses the seat, a priority rule adds no points, a reserve does not
//! cover. Never silently: every failure is counted per rule in the result's `warnings`, with the
//! first student, programme and error. Rules are checked for types when compiled, so failures come
//! from the data (typically an attribute some students lack).
//!
//! A priority rule that reads only `student` is evaluated once per student, one that reads only
//! `programme` once per programme, the others once per (student, preference). Points are summed in
//! the order of the rules whatever was cached, so the sum is the same as if each were evaluated per
//! pair. Students are evaluated on all cores in contiguous chunks, merged in input order.
//!
//! A condition of a recognised shape (`student.f`, `!student.f`, `student.f == programme.g`) is
//! answered from plain values taken once per student and programme (`known.rs`) when they have the
//! type the shape needs; otherwise, and for every other rule, the compiled CEL program runs on the
//! student's CEL value, converted only when first needed. Both give the same result.

use std::cell::OnceCell;

use cel::Value;

use super::engine::{Choice, EngineInput};
use super::instance::Instance;
use super::record::StudentRecord;
use super::result::RuleWarning;
use super::rules::fields::Subject;
use super::rules::{Compiled, Points};
use super::validate::{Checked, Condition};

use self::chunk::{Chunk, merge};
use self::known::{Names, Values};
use self::warnings::{Warnings, Who};

mod chunk;
mod known;
mod warnings;

/// Whether a student is routed; `Ineligible` holds the index of the first eligibility rule failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Eligibility {
    Eligible,
    Ineligible(usize),
}

/// One preference of an eligible student, as evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Preference {
    /// The index of the programme's first requirement the student fails.
    Requirement(usize),
    /// The student may take a seat there, with these points and reserve cover.
    Admissible { points: f64, covered: bool },
}

/// The rules evaluated for every student.
#[derive(Debug)]
pub struct Evaluated {
    pub input: EngineInput,
    pub eligibility: Vec<Eligibility>,
    /// Every student's preferences, evaluated, one after the other (see [`Evaluated::statuses`]).
    statuses: Vec<Preference>,
    /// Where each student's statuses start in `statuses`, plus the end.
    starts: Vec<usize>,
    pub warnings: Vec<RuleWarning>,
}

impl Evaluated {
    /// Student `i`'s preferences as evaluated, in their order (none for an ineligible student).
    pub fn statuses(&self, i: usize) -> &[Preference] {
        &self.statuses[self.starts[i]..self.starts[i + 1]]
    }
}

/// Where a priority rule's value comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scope {
    Student,
    Programme,
    Pair,
}

struct Context<'a, St> {
    instance: &'a Instance<St>,
    checked: &'a Checked,
    programmes: Vec<Subject>,
    scopes: Vec<Scope>,
    /// Per programme, per priority rule: its contribution when the rule reads only the programme.
    programme_points: Vec<Vec<f64>>,
    /// The fields the recognised rule shapes read, and each programme's values of them.
    names: Names<'a>,
    programme_known: Vec<Values<'a>>,
}

/// A student as the rules see them: the plain values the shapes read, and the CEL value, converted
/// when a rule first needs it.
struct StudentView<'a> {
    /// `None` for the nobody that programme-only rules are evaluated with.
    student: Option<usize>,
    known: Values<'a>,
    subject: OnceCell<Subject>,
}

/// Evaluates every rule for every student.
pub fn evaluate<St: StudentRecord>(instance: &Instance<St>, checked: &Checked) -> Evaluated {
    let fields = checked.rules.programme_fields();
    let programmes: Vec<Subject> = instance
        .programmes
        .iter()
        .map(|p| {
            let built_in = vec![
                ("code", Value::from(p.code.as_str())),
                ("capacity", Value::Int(i64::from(p.capacity))),
                ("town", Value::from(p.town.as_str())),
            ];
            fields.subject(built_in, &p.attributes)
        })
        .collect();
    let scopes = checked
        .priority
        .iter()
        .map(|r| match r.reads() {
            reads if !reads.programme => Scope::Student,
            reads if !reads.student => Scope::Programme,
            _ => Scope::Pair,
        })
        .collect();
    let mut names = Names::default();
    let conditions = checked.eligibility.iter().chain(checked.requirements.iter().flatten());
    for c in conditions.chain(checked.reserves.iter().flatten()) {
        names.add(&c.when);
    }
    checked.priority.iter().for_each(|r| names.add(&r.when));
    let programme_known = instance.programmes.iter().map(|p| names.programme(p)).collect();
    let mut context = Context {
        instance,
        checked,
        programmes,
        scopes,
        programme_points: Vec::new(),
        names,
        programme_known,
    };
    let mut warnings = Warnings::default();
    context.programme_points = context.per_programme_points(&mut warnings);
    let chunks = context.evaluate_students_in_parallel();
    merge(instance, &checked.lotteries, chunks, warnings)
}

impl<St: StudentRecord> Context<'_, St> {
    fn per_programme_points(&self, warnings: &mut Warnings) -> Vec<Vec<f64>> {
        let nobody = StudentView {
            student: None,
            known: Vec::new(),
            subject: OnceCell::new(),
        };
        let mut all = Vec::with_capacity(self.programmes.len());
        for p in 0..self.programmes.len() {
            let mut points = vec![0.0; self.scopes.len()];
            for (j, scope) in self.scopes.iter().enumerate() {
                if *scope == Scope::Programme {
                    let who = Who {
                        student: None,
                        programme: Some(&self.instance.programmes[p].code),
                    };
                    points[j] = self.contribution(j, &nobody, Some(p), who, warnings);
                }
            }
            all.push(points);
        }
        all
    }

    fn evaluate_students_in_parallel(&self) -> Vec<Chunk> {
        let n = self.instance.students.len();
        let threads = crate::parallel::threads();
        let size = n.div_ceil(threads).max(1024);
        let ranges: Vec<std::ops::Range<usize>> =
            (0..n).step_by(size).map(|start| start..(start + size).min(n)).collect();
        if ranges.len() <= 1 {
            return vec![self.evaluate_students(0..n)];
        }
        crate::parallel::in_parallel(ranges.into_iter().map(|r| move || self.evaluate_students(r)))
    }

    fn evaluate_students(&self, range: std::ops::Range<usize>) -> Chunk {
        let mut chunk = Chunk::with_capacity(range.len(), self.checked.listed_count(range.clone()));
        let mut student_points = vec![0.0; self.scopes.len()];
        let mut known = Vec::new();
        for i in range {
            let s = &self.instance.students[i];
            self.names.student_into(s, &mut known);
            let subject = StudentView {
                student: Some(i),
                known: std::mem::take(&mut known),
                subject: OnceCell::new(),
            };
            let ineligible = self.first_failed(
                &self.checked.eligibility,
                &subject,
                None,
                s.id(),
                None,
                &mut chunk.warnings,
            );
            if let Some(rule) = ineligible {
                chunk.end_student(Eligibility::Ineligible(rule));
                known = subject.known;
                continue;
            }
            for (j, scope) in self.scopes.iter().enumerate() {
                if *scope == Scope::Student {
                    let who = Who {
                        student: Some(s.id()),
                        programme: None,
                    };
                    student_points[j] = self.contribution(j, &subject, None, who, &mut chunk.warnings);
                }
            }
            self.preferences(i, &subject, &student_points, &mut chunk);
            chunk.end_student(Eligibility::Eligible);
            known = subject.known;
        }
        chunk
    }
}

impl<St: StudentRecord> Context<'_, St> {
    /// A student's preferences: the engine's choices and each preference's status, added to `chunk`.
    fn preferences(&self, student: usize, subject: &StudentView<'_>, student_points: &[f64], chunk: &mut Chunk) {
        let id = self.instance.students[student].id();
        let warnings = &mut chunk.warnings;
        for &p in self.checked.listed(student) {
            let (programme, code) = (Some(p as usize), &self.instance.programmes[p as usize].code);
            let requirements = &self.checked.requirements[p as usize];
            if let Some(rule) = self.first_failed(requirements, subject, programme, id, Some(code), warnings) {
                chunk.statuses.push(Preference::Requirement(rule));
                continue;
            }
            let who = Who {
                student: Some(id),
                programme: Some(code),
            };
            let mut points = 0.0;
            for (j, scope) in self.scopes.iter().enumerate() {
                points += match scope {
                    Scope::Student => student_points[j],
                    Scope::Programme => self.programme_points[p as usize][j],
                    Scope::Pair => self.contribution(j, subject, programme, who, warnings),
                };
            }
            let covered = match &self.checked.reserves[p as usize] {
                Some(reserve) => self
                    .first_failed(
                        std::slice::from_ref(reserve),
                        subject,
                        programme,
                        id,
                        Some(code),
                        warnings,
                    )
                    .is_none(),
                None => false,
            };
            chunk.choices.push(Choice {
                programme: p,
                points,
                covered_by_reserve: covered,
            });
            chunk.statuses.push(Preference::Admissible { points, covered });
        }
    }

    /// Whether a condition holds: from the plain values when its shape allows, else by CEL.
    fn holds(&self, when: &Compiled, student: &StudentView<'_>, programme: Option<usize>) -> Result<bool, String> {
        let known = programme.map(|p| self.programme_known[p].as_slice());
        match known::answer(when, &student.known, known) {
            Some(holds) => Ok(holds),
            None => self
                .checked
                .rules
                .holds(when, self.subject(student), programme.map(|p| &self.programmes[p])),
        }
    }

    /// The student's CEL value, converted on first use.
    fn subject<'s>(&self, student: &'s StudentView<'_>) -> &'s Subject {
        student.subject.get_or_init(|| match student.student {
            Some(i) => {
                let s = &self.instance.students[i];
                let built_in = vec![("id", Value::from(s.id()))];
                self.checked.rules.student_fields().subject_of(built_in, s.attributes())
            }
            None => Subject::new(Value::Map(cel::objects::Map {
                map: Default::default(),
            })),
        })
    }

    /// The index of the first condition that does not hold (a failure counts as not holding).
    fn first_failed(
        &self,
        conditions: &[Condition],
        student: &StudentView<'_>,
        programme: Option<usize>,
        id: &str,
        code: Option<&str>,
        warnings: &mut Warnings,
    ) -> Option<usize> {
        conditions
            .iter()
            .position(|c| match self.holds(&c.when, student, programme) {
                Ok(holds) => !holds,
                Err(error) => {
                    warnings.record(
                        &c.path,
                        &c.name,
                        Who {
                            student: Some(id),
                            programme: code,
                        },
                        error,
                    );
                    true
                }
            })
    }

    /// What priority rule `j` adds: its points when it holds, else 0 (and 0 on a failure).
    fn contribution(
        &self,
        j: usize,
        student: &StudentView<'_>,
        programme: Option<usize>,
        who: Who<'_>,
        warnings: &mut Warnings,
    ) -> f64 {
        let rule = &self.checked.priority[j];
        let rules = &self.checked.rules;
        let value = self
            .holds(&rule.when, student, programme)
            .and_then(|holds| match (holds, &rule.points) {
                (false, _) => Ok(0.0),
                // Constant points need no CEL value of the student (every student a rule held
                // for was converted, only to be handed the constant).
                (true, Points::Constant(x)) => Ok(*x),
                (true, points) => rules.value_of(points, self.subject(student), programme.map(|p| &self.programmes[p])),
            });
        value.unwrap_or_else(|error| {
            warnings.record(&rule.path, &rule.name, who, error);
            0.0
        })
    }
}
