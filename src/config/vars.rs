//! The reader of `VOCPATH_*` variables: trimmed values, blank meaning unset, and every problem
//! collected by variable name so all of them are reported at once.

use std::collections::HashMap;

use super::ConfigErrors;

pub(super) struct Vars {
    values: HashMap<String, String>,
    errors: Vec<String>,
}

impl Vars {
    pub(super) fn new(vars: impl IntoIterator<Item = (String, String)>) -> Vars {
        let values = vars
            .into_iter()
            .filter(|(k, v)| k.starts_with("VOCPATH_") && !v.trim().is_empty())
            .collect();
        Vars {
            values,
            errors: Vec::new(),
        }
    }

    /// The trimmed value of `name`, `None` when unset or blank.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).map(|v| v.trim().to_string())
    }

    /// Records a problem; the message starts with the variable's name.
    pub(super) fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    /// A whole number from `min` to `max`, `default` when unset (and when wrong, with the problem recorded).
    pub(super) fn number(&mut self, name: &str, default: i64, min: i64, max: i64) -> i64 {
        match self.get(name) {
            None => default,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.error(format!("{name}: `{v}` must be a whole number from {min} to {max}"));
                    default
                }
            },
        }
    }

    /// `true`/`false` (also `yes`/`no`, `1`/`0`), case-insensitive.
    pub(super) fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.get(name).map(|v| v.to_ascii_lowercase()) {
            None => default,
            Some(v) if matches!(v.as_str(), "true" | "yes" | "1") => true,
            Some(v) if matches!(v.as_str(), "false" | "no" | "0") => false,
            Some(v) => {
                self.error(format!("{name}: `{v}` must be true or false"));
                default
            }
        }
    }

    /// Every problem recorded, or nothing.
    pub(super) fn finish(self) -> Result<(), ConfigErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(self.errors))
        }
    }
}
