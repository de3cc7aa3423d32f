//! Time spent in each phase of a run or a commit, so the benchmark can say where the time goes.

use std::time::{Duration, Instant};

/// Phases measured one after another: each [`Phases::lap`] records the time since the previous one.
#[derive(Debug)]
pub struct Phases {
    last: Instant,
    /// Each phase's name and duration, in order.
    pub laps: Vec<(&'static str, Duration)>,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }
}

impl Phases {
    /// Ends the phase `name` now and starts the next.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps.push((name, now - self.last));
        self.last = now;
    }

    /// The laps as `name 1.23s, ...`.
    pub fn report(&self) -> String {
        self.laps
            .iter()
            .map(|(name, d)| format!("{name} {:.2}s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
