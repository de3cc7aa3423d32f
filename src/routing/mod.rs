//! Pathway routing: placing junior-high graduates into vocational programmes by student-proposing
//! deferred acceptance with capacities and reserved seats, with CEL rules for eligibility,
//! requirements and priority, and an explanation for every student.
//!
//! This part is pure — no database, no HTTP, no files — so the same code serves `vocpath route`
//! (a JSON instance in, a JSON result out) and, later, routing runs from the database, which build
//! an [`Instance`] and call [`route`].
//!
//! - [`instance`]: the input format (DESIGN.md, "Routing instance") and its parsing;
//! - `lean_parse`: the lean parse of `vocpath route`, its students on all cores;
//! - [`record`]: what routing reads of a student — a typed [`instance::Student`] or the lean one
//!   `vocpath route` parses;
//! - [`result`]: the output format (DESIGN.md, "Routing result");
//! - [`rules`]: compiling, checking and evaluating CEL rules;
//! - [`engine`]: deferred acceptance on plain indices and numbers, the fast core;
//! - `validate`, `evaluate`, `explain`, `lottery`: the steps of [`route`] in between;
//! - `write`: the compact result written student by student ([`route_to_writer`], `vocpath route`);
//! - [`error`]: [`RouteError`], naming the item at fault.
//!
//! Error policy: an instance that cannot be routed is refused whole with a [`RouteError`]; a rule
//! that fails for some student at run time counts as not holding and is reported in the result's
//! `warnings` (see `evaluate.rs`).

pub mod engine;
pub mod error;
mod evaluate;
mod explain;
pub mod instance;
mod lean_parse;
mod lottery;
pub mod record;
pub mod result;
pub mod rules;
mod run;
mod validate;
mod write;

pub use error::RouteError;
pub use instance::Instance;
pub use lottery::derived_lottery;
pub use result::RoutingResult;
pub use run::{
    WriteError, route, route_borrowed, route_json, route_json_as, route_json_to_writer, route_to_writer, write_result,
};

/// How many threads the steps that work on all cores use: one per core, up to 16.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, 16)
}

/// Runs each job on a thread of its own and returns their results in the jobs' order. A panic in
/// a job is a bug: it is raised again here rather than part of the results returned.
fn in_parallel<T: Send>(jobs: impl IntoIterator<Item = impl FnOnce() -> T + Send>) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.into_iter().map(|job| scope.spawn(job)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The parts one after the other, in one vector sized once.
fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    parts.into_iter().for_each(|part| all.extend(part));
    all
}

#[cfg(test)]
mod tests;
