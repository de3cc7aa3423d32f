//! Checks a whole instance before anything is routed, and prepares it: programme codes resolved to
//! indices, lotteries fixed, attribute types settled, every rule compiled and type-checked. The
//! first problem found is returned, naming the item by its JSON path. Pure: no I/O.

use std::collections::HashMap;

/// The maps of ids and codes: foldhash rather than the standard SipHash, several times faster on
/// short keys and still seeded per process.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use super::error::RouteError;
use super::instance::{Instance, PointsSpec, PriorityRule, Programme, Rule};
use super::lottery::derived_lottery;
use super::record::StudentRecord;
use super::rules::check::Reads;
use super::rules::fields::{Fields, KindConflict, PROGRAMME_BUILT_IN, STUDENT_BUILT_IN};
use super::rules::{Compiled, Points, Rules};

/// A compiled condition with its name and place, for explanations and warnings.
#[derive(Debug)]
pub struct Condition {
    pub path: String,
    pub name: String,
    pub when: Compiled,
}

/// A compiled priority rule.
#[derive(Debug)]
pub struct Priority {
    pub path: String,
    pub name: String,
    pub when: Compiled,
    pub points: Points,
}

impl Priority {
    /// What the rule as a whole (condition and points) reads.
    pub fn reads(&self) -> Reads {
        let points = self.points.reads();
        Reads {
            student: self.when.reads.student || points.student,
            programme: self.when.reads.programme || points.programme,
        }
    }
}

/// A valid instance, prepared for evaluation.
#[derive(Debug)]
pub struct Checked {
    pub rules: Rules,
    pub eligibility: Vec<Condition>,
    pub priority: Vec<Priority>,
    /// Per programme.
    pub requirements: Vec<Vec<Condition>>,
    /// Per programme; `None` without a reserve or with zero reserved seats.
    pub reserves: Vec<Option<Condition>>,
    /// Per student.
    pub lotteries: Vec<f64>,
    /// Every student's preferences as programme indices, one after the other (see [`Checked::listed`]).
    preferences: Vec<u32>,
    /// Where each student's preferences start in `preferences`, plus the end.
    starts: Vec<usize>,
}

impl Checked {
    /// Student `i`'s preferences as programme indices, most preferred first.
    pub fn listed(&self, i: usize) -> &[u32] {
        &self.preferences[self.starts[i]..self.starts[i + 1]]
    }

    /// How many preferences the students `students` list in all.
    pub fn listed_count(&self, students: std::ops::Range<usize>) -> usize {
        self.starts[students.end] - self.starts[students.start]
    }
}

/// Validates and prepares `instance`.
pub fn check<St: StudentRecord>(instance: &Instance<St>) -> Result<Checked, RouteError> {
    let (codes, programme_fields) = check_programmes(&instance.programmes)?;
    let (preferences, starts, lotteries, student_fields) = check_students(instance, &codes)?;
    let rules = Rules::new(student_fields, programme_fields);
    let eligibility = conditions(&rules, "$.rules.eligibility", &instance.rules.eligibility, true)?;
    let priority = priority_rules(&rules, &instance.rules.priority)?;
    let mut requirements = Vec::with_capacity(instance.programmes.len());
    let mut reserves = Vec::with_capacity(instance.programmes.len());
    for (i, p) in instance.programmes.iter().enumerate() {
        requirements.push(conditions(
            &rules,
            &format!("$.programmes[{i}].requirements"),
            &p.requirements,
            false,
        )?);
        let reserve = match &p.reserved {
            Some(r) => {
                let path = format!("$.programmes[{i}].reserved");
                let when = rules.condition(&format!("{path}.when"), "reserved", &r.when, false)?;
                (r.seats > 0).then(|| Condition {
                    path,
                    name: "reserved".into(),
                    when,
                })
            }
            None => None,
        };
        reserves.push(reserve);
    }
    Ok(Checked {
        rules,
        eligibility,
        priority,
        requirements,
        reserves,
        lotteries,
        preferences,
        starts,
    })
}

fn conflict(c: KindConflict) -> RouteError {
    let KindConflict {
        path,
        found,
        expected,
        first_path,
        ..
    } = c;
    RouteError::AttributeType {
        path,
        found: found.into(),
        expected: expected.into(),
        first_path,
    }
}

fn clash(path: impl Fn() -> String, has: impl Fn(&str) -> bool, built_in: &[&str]) -> Result<(), RouteError> {
    match built_in.iter().find(|name| has(name)) {
        Some(name) => Err(RouteError::AttributeClash {
            path: format!("{}.attributes.{name}", path()),
            name: name.to_string(),
        }),
        None => Ok(()),
    }
}

fn check_programmes(programmes: &[Programme]) -> Result<(FastMap<&str, u32>, Fields), RouteError> {
    let mut codes: FastMap<&str, u32> = FastMap::with_capacity_and_hasher(programmes.len(), Default::default());
    let mut fields = Fields::programme();
    for (i, p) in (0u32..).zip(programmes) {
        let path = format!("$.programmes[{i}]");
        if codes.insert(&p.code, i).is_some() {
            return Err(RouteError::DuplicateProgramme {
                path: format!("{path}.code"),
                programme: p.code.clone(),
            });
        }
        if let Some(r) = &p.reserved
            && r.seats > p.capacity
        {
            let (path, programme) = (format!("{path}.reserved.seats"), p.code.clone());
            return Err(RouteError::ReservedOverCapacity {
                path,
                programme,
                seats: r.seats,
                capacity: p.capacity,
            });
        }
        clash(
            || path.clone(),
            |name| p.attributes.contains_key(name),
            PROGRAMME_BUILT_IN,
        )?;
        fields.observe(&path, &p.attributes).map_err(conflict)?;
    }
    Ok((codes, fields))
}

type StudentsChecked = (Vec<u32>, Vec<usize>, Vec<f64>, Fields);

/// A preference's code that is no programme's, among programme indices (which a `u32` holds, with
/// room to spare: an instance of four billion programmes would not fit in memory).
const UNKNOWN: u32 = u32::MAX;

fn check_students<St: StudentRecord>(
    instance: &Instance<St>,
    codes: &FastMap<&str, u32>,
) -> Result<StudentsChecked, RouteError> {
    let mut ids: FastMap<&str, usize> = FastMap::with_capacity_and_hasher(instance.students.len(), Default::default());
    let mut fields = Fields::student();
    let mut starts = Vec::with_capacity(instance.students.len() + 1);
    starts.push(0);
    let seed = instance.seed.unwrap_or(0);
    let lotteries = per_student(
        &instance.students,
        |_| 1,
        |s, out| {
            out.push(s.lottery().unwrap_or_else(|| derived_lottery(seed, s.id())));
        },
    );
    // Every student's preferences as programme indices, one after the other; `UNKNOWN` for a code
    // that is no programme's, refused below in input order.
    let preferences = per_student(
        &instance.students,
        |s| s.preferences().len(),
        |s, out| {
            out.extend(s.preferences().map(|code| codes.get(code).copied().unwrap_or(UNKNOWN)));
        },
    );
    // Per programme, the last student who listed it: finds repeats without a set per student.
    let mut listed_by = vec![usize::MAX; codes.len()];
    for (i, s) in instance.students.iter().enumerate() {
        // The path is only written out for an error: most students need none.
        let path = || format!("$.students[{i}]");
        if ids.insert(s.id(), i).is_some() {
            return Err(RouteError::DuplicateStudent {
                path: format!("{}.id", path()),
                student: s.id().to_string(),
            });
        }
        if !lotteries[i].is_finite() {
            return Err(RouteError::Lottery {
                path: format!("{}.lottery", path()),
                student: s.id().to_string(),
            });
        }
        clash(path, |name| s.attribute(name).is_some(), STUDENT_BUILT_IN)?;
        fields.observe_with(path, s.attributes()).map_err(conflict)?;
        let from = *starts.last().unwrap_or(&0);
        let listed = &preferences[from..from + s.preferences().len()];
        for (j, (code, &p)) in s.preferences().zip(listed).enumerate() {
            let at = || format!("{}.preferences[{j}]", path());
            let (student, programme) = (|| s.id().to_string(), || code.to_string());
            if p == UNKNOWN {
                return Err(RouteError::UnknownProgramme {
                    path: at(),
                    student: student(),
                    programme: programme(),
                });
            }
            if std::mem::replace(&mut listed_by[p as usize], i) == i {
                return Err(RouteError::RepeatedPreference {
                    path: at(),
                    student: student(),
                    programme: programme(),
                });
            }
        }
        starts.push(from + listed.len());
    }
    Ok((preferences, starts, lotteries, fields))
}

/// What `each` gives for every student (`size` values each), one after the other in input order:
/// on all cores when the students are many. Lotteries (a SHA-256 each) and programme look-ups (ten
/// million for a million students) were most of a large instance's check, on one core.
fn per_student<St: StudentRecord, T: Send>(
    students: &[St],
    size: impl Fn(&St) -> usize + Sync,
    each: impl Fn(&St, &mut Vec<T>) + Sync,
) -> Vec<T> {
    let all = |chunk: &[St]| {
        let mut out = Vec::with_capacity(chunk.iter().map(&size).sum());
        chunk.iter().for_each(|s| each(s, &mut out));
        out
    };
    let threads = crate::parallel::threads();
    if threads == 1 || students.len() < 8_192 {
        return all(students);
    }
    let all = &all;
    let chunks = students.chunks(students.len().div_ceil(threads));
    crate::parallel::concat(crate::parallel::in_parallel(chunks.map(|chunk| move || all(chunk))))
}

/// Checks the names of a list of rules: present, and unique within the list.
fn check_names<'a>(list: &str, names: impl Iterator<Item = &'a str>) -> Result<(), RouteError> {
    let mut seen = HashMap::new();
    for (i, name) in names.enumerate() {
        let path = format!("{list}[{i}].name");
        if name.trim().is_empty() {
            return Err(RouteError::RuleName { path });
        }
        if seen.insert(name, i).is_some() {
            return Err(RouteError::DuplicateRule {
                path,
                rule: name.to_string(),
            });
        }
    }
    Ok(())
}

fn conditions(rules: &Rules, list: &str, source: &[Rule], student_only: bool) -> Result<Vec<Condition>, RouteError> {
    check_names(list, source.iter().map(|r| r.name.as_str()))?;
    let mut compiled = Vec::with_capacity(source.len());
    for (i, rule) in source.iter().enumerate() {
        let path = format!("{list}[{i}]");
        let when = rules.condition(&format!("{path}.when"), &rule.name, &rule.when, student_only)?;
        compiled.push(Condition {
            path,
            name: rule.name.clone(),
            when,
        });
    }
    Ok(compiled)
}

fn priority_rules(rules: &Rules, source: &[PriorityRule]) -> Result<Vec<Priority>, RouteError> {
    check_names("$.rules.priority", source.iter().map(|r| r.name.as_str()))?;
    let mut compiled = Vec::with_capacity(source.len());
    for (i, rule) in source.iter().enumerate() {
        let path = format!("$.rules.priority[{i}]");
        let when = rules.condition(&format!("{path}.when"), &rule.name, &rule.when, false)?;
        let points = match &rule.points {
            PointsSpec::Number(x) if x.is_finite() => Points::Constant(*x),
            PointsSpec::Number(x) => {
                let (path, rule, found) = (format!("{path}.points"), rule.name.clone(), x.to_string());
                return Err(RouteError::RuleNotNumber { path, rule, found });
            }
            PointsSpec::Expression(e) => rules.points(&format!("{path}.points"), &rule.name, e)?,
        };
        compiled.push(Priority {
            path,
            name: rule.name.clone(),
            when,
            points,
        });
    }
    Ok(compiled)
}
