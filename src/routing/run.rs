//! The two entry points: [`route`] for a typed instance (the database layer builds one) and
//! [`route_json`] for the JSON text `vocpath route` reads. Validate, evaluate the rules, run the
//! engine, explain — all in memory, no I/O but the writer a caller hands [`route_to_writer`].

use super::engine;
use super::error::RouteError;
use super::evaluate::evaluate;
use super::explain::Routed;
use super::instance::{self, Instance};
use super::record::StudentRecord;
use super::result::RoutingResult;
use super::validate;
use super::write::write_compact;

/// Routes an instance: every student placed or explained, every programme's fill and cut-off.
pub fn route(instance: &Instance) -> Result<RoutingResult, RouteError> {
    Ok(routed(instance)?.result())
}

/// Like [`route`], the result's texts borrowed from `instance` (to write it out without copying
/// every id and code).
pub fn route_borrowed(instance: &Instance) -> Result<RoutingResult<&str>, RouteError> {
    Ok(routed(instance)?.result())
}

fn routed<St: StudentRecord>(instance: &Instance<St>) -> Result<Routed<'_, St>, RouteError> {
    let checked = validate::check(instance)?;
    let evaluated = evaluate(instance, &checked);
    let output = engine::run(&evaluated.input)?;
    Ok(Routed {
        instance,
        checked,
        evaluated,
        output,
    })
}

/// What [`route_to_writer`] can fail with: the instance is refused (nothing was written), or
/// writing failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Routes an instance and writes the result as compact JSON, student by student, to the writer
/// `open` gives (it should be buffered), which is returned: the same text as [`write_result`] of
/// [`route_borrowed`]'s result, without the whole result in memory. `open` is called only once the
/// instance has been routed, so a refused instance opens nothing.
pub fn route_to_writer<W: std::io::Write, St: StudentRecord>(
    instance: &Instance<St>,
    open: impl FnOnce() -> std::io::Result<W>,
) -> Result<W, WriteError> {
    let routed = routed(instance)?;
    let mut out = open()?;
    write_compact(&routed, &mut out)?;
    Ok(out)
}

/// Routes a JSON instance and writes the compact result to the writer `open` gives, as
/// [`route_to_writer`] does. The instance is read the lean way (`record.rs`: texts borrowed from
/// `input`, no map per student); one refused that way, or not readable that way, is read and routed
/// again the typed way, so that a refusal is worded exactly as [`route_json`] words it.
pub fn route_json_to_writer<W: std::io::Write>(
    input: &str,
    open: impl FnOnce() -> std::io::Result<W>,
) -> Result<W, WriteError> {
    if let Some(lean) = instance::parse_lean(input)
        && let Ok(routed) = routed(&lean)
    {
        let mut out = open()?;
        write_compact(&routed, &mut out)?;
        return Ok(out);
    }
    let instance = instance::parse(input)?;
    route_to_writer(&instance, open)
}

/// Writes a result as JSON to `out`: compact, or indented when `pretty` (the same text as
/// [`route_json_as`] returns). `out` should be buffered.
pub fn write_result<S: serde::Serialize>(
    result: &RoutingResult<S>,
    pretty: bool,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    match pretty {
        true => serde_json::to_writer_pretty(out, result),
        false => serde_json::to_writer(out, result),
    }
}

/// Routes a JSON instance (DESIGN.md, "Routing instance") and returns the result as pretty JSON
/// (DESIGN.md, "Routing result").
pub fn route_json(input: &str) -> Result<String, RouteError> {
    route_json_as(input, true)
}

/// Like [`route_json`], the result compact (one line, about 40 % smaller) unless `pretty`.
pub fn route_json_as(input: &str, pretty: bool) -> Result<String, RouteError> {
    let mut text = Vec::with_capacity(input.len() * 2);
    // Serialising plain structs of strings and finite numbers into memory cannot fail; report it if
    // it ever does.
    let engine = |detail: String| RouteError::Engine { detail };
    if pretty {
        let instance = instance::parse(input)?;
        let result = route_borrowed(&instance)?;
        write_result(&result, pretty, &mut text).map_err(|e| engine(e.to_string()))?;
    } else {
        route_json_to_writer(input, || Ok(&mut text)).map_err(|e| match e {
            WriteError::Route(e) => e,
            WriteError::Io(e) => engine(e.to_string()),
        })?;
    }
    String::from_utf8(text).map_err(|e| engine(e.to_string()))
}
