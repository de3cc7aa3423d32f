//! Rule failures met while evaluating: one entry per rule, counted, with the first student and
//! programme it failed for, merged across the chunks evaluated in parallel.

use std::collections::HashMap;

use crate::routing::result::RuleWarning;

/// Who a rule was evaluated for, to report a failure.
#[derive(Clone, Copy)]
pub(super) struct Who<'a> {
    pub(super) student: Option<&'a str>,
    pub(super) programme: Option<&'a str>,
}

/// Rule failures, one entry per rule in the order first met.
#[derive(Default)]
pub(super) struct Warnings {
    pub(super) list: Vec<RuleWarning>,
    by_path: HashMap<String, usize>,
}

impl Warnings {
    pub(super) fn record(&mut self, path: &str, rule: &str, who: Who<'_>, error: String) {
        match self.by_path.get(path) {
            Some(&i) => self.list[i].count += 1,
            None => {
                self.by_path.insert(path.to_string(), self.list.len());
                self.list.push(RuleWarning {
                    path: path.to_string(),
                    rule: rule.to_string(),
                    count: 1,
                    student: who.student.map(str::to_string),
                    programme: who.programme.map(str::to_string),
                    error,
                });
            }
        }
    }

    /// Adds the failures of a later chunk of students.
    pub(super) fn absorb(&mut self, later: Warnings) {
        for w in later.list {
            match self.by_path.get(&w.path) {
                Some(&i) => self.list[i].count += w.count,
                None => {
                    self.by_path.insert(w.path.clone(), self.list.len());
                    self.list.push(w);
                }
            }
        }
    }
}
