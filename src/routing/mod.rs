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

#[cfg(test)]
mod tests;
