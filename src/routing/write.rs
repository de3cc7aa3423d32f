//! Writes a routing result as compact JSON straight from the routed instance, one student at a
//! time, without building the whole [`RoutingResult`](super::RoutingResult): the text is the same,
//! byte for byte, as `serde_json::to_writer` of the result (a test checks it), but no vector of a
//! million placements is ever held, and the students are turned into text on all cores, in chunks
//! whose texts are then written in input order.

use std::io::Write;

use super::explain::Routed;
use super::record::StudentRecord;
use super::result::{NotPlaced, Placement, Reason};

/// Students turned into text by one thread at a time, at most: the texts of a round stay a few
/// megabytes, reused round after round.
const MAX_CHUNK: usize = 16_384;
/// At least: starting the threads costs nothing next to it.
const MIN_CHUNK: usize = 1_024;
/// The bytes of a student's placement, about, to size the texts.
const TYPICAL_PLACEMENT: usize = 512;

/// Writes the result of `routed` as compact JSON to `out` (which should be buffered).
pub fn write_compact<St: StudentRecord>(routed: &Routed<'_, St>, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{\"placements\":[")?;
    let n = routed.instance.students.len();
    let threads = crate::parallel::threads();
    // Four rounds at least, so that the threads get equal shares (one chunk of 16,384 and one of
    // 3,616 left a core idle most of the time at 20,000 students) and the buffers stay small.
    let chunk = n.div_ceil(threads * 4).clamp(MIN_CHUNK, MAX_CHUNK);
    // Each round turns the next students into text on every core while this thread writes the
    // texts of the round before: writing (copying them into the file) no longer leaves the cores
    // idle.
    let mut ready: Vec<Vec<u8>> = vec![Vec::new(); threads];
    let mut next: Vec<Vec<u8>> = vec![Vec::new(); threads];
    let mut start = 0;
    while start < n {
        let from = start;
        let ranges = (0..threads).map(move |k| (from + k * chunk).min(n)..(from + (k + 1) * chunk).min(n));
        start = (start + threads * chunk).min(n);
        std::thread::scope(|scope| {
            let handles: Vec<_> = next
                .iter_mut()
                .zip(ranges)
                .map(|(text, range)| {
                    text.clear();
                    (!range.is_empty()).then(|| scope.spawn(move || placements(routed, range, text)))
                })
                .collect();
            let written = ready.iter().try_for_each(|text| out.write_all(text));
            // A panic in a worker is a bug; surface it rather than write a partial result.
            let formatted = handles
                .into_iter()
                .flatten()
                .try_for_each(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            written.and(formatted)
        })?;
        std::mem::swap(&mut ready, &mut next);
    }
    ready.iter().try_for_each(|text| out.write_all(text))?;
    out.write_all(b"],\"programmes\":")?;
    serde_json::to_writer(&mut *out, &routed.programmes::<&str>())?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut *out, &routed.summary())?;
    if !routed.evaluated.warnings.is_empty() {
        out.write_all(b",\"warnings\":")?;
        serde_json::to_writer(&mut *out, &routed.evaluated.warnings)?;
    }
    out.write_all(b"}")
}

/// The placements of the students `range` as JSON into `text` (emptied first), each preceded by a
/// comma but the very first.
fn placements<St: StudentRecord>(
    routed: &Routed<'_, St>,
    range: std::ops::Range<usize>,
    text: &mut Vec<u8>,
) -> std::io::Result<()> {
    text.clear();
    // Room for a typical placement (about 450 bytes) up front: growing the text by doubling
    // copied it and took fresh memory each time.
    text.reserve(range.len() * TYPICAL_PLACEMENT);
    let mut reasons: Vec<NotPlaced<&str>> = Vec::new();
    for i in range {
        if i > 0 {
            text.push(b',');
        }
        let placement: Placement<&str> = routed.placement(i, reasons);
        write_placement(text, &placement)?;
        reasons = placement.not_placed_higher;
        reasons.clear();
    }
    Ok(())
}

/// One placement as compact JSON: byte for byte what `serde_json` writes for a [`Placement`] (a
/// test compares them on every kind of explanation, and the property test on random instances),
/// with the keys written as they are. Through `serde_json`, every key was scanned for characters to
/// escape and each explanation went through the map that `#[serde(flatten)]` builds: most of the
/// time `vocpath route` spent writing.
fn write_placement(text: &mut Vec<u8>, p: &Placement<&str>) -> serde_json::Result<()> {
    text.extend_from_slice(b"{\"student\":");
    value(text, p.student)?;
    text.extend_from_slice(b",\"programme\":");
    value(text, &p.programme)?;
    text.extend_from_slice(b",\"choice\":");
    value(text, &p.choice)?;
    text.extend_from_slice(b",\"points\":");
    value(text, &p.points)?;
    text.extend_from_slice(b",\"lottery\":");
    value(text, &p.lottery)?;
    text.extend_from_slice(b",\"not_placed_higher\":[");
    for (k, reason) in p.not_placed_higher.iter().enumerate() {
        if k > 0 {
            text.push(b',');
        }
        write_not_placed(text, reason)?;
    }
    text.extend_from_slice(b"]}");
    Ok(())
}

/// One explanation, as `serde_json` writes a [`NotPlaced`]: `programme` and `choice` when present,
/// then the reason's tag and fields.
fn write_not_placed(text: &mut Vec<u8>, n: &NotPlaced<&str>) -> serde_json::Result<()> {
    text.push(b'{');
    if let Some(programme) = n.programme {
        text.extend_from_slice(b"\"programme\":");
        value(text, programme)?;
        text.push(b',');
    }
    if let Some(choice) = n.choice {
        text.extend_from_slice(b"\"choice\":");
        value(text, &choice)?;
        text.push(b',');
    }
    match &n.reason {
        Reason::Full {
            cutoff_points,
            cutoff_lottery,
            points,
        } => {
            text.extend_from_slice(b"\"reason\":\"full\",\"cutoff_points\":");
            value(text, cutoff_points)?;
            text.extend_from_slice(b",\"cutoff_lottery\":");
            value(text, cutoff_lottery)?;
            text.extend_from_slice(b",\"points\":");
            value(text, points)?;
        }
        Reason::Requirement { rule } => {
            text.extend_from_slice(b"\"reason\":\"requirement\",\"rule\":");
            value(text, rule)?;
        }
        Reason::Ineligible { rule } => {
            text.extend_from_slice(b"\"reason\":\"ineligible\",\"rule\":");
            value(text, rule)?;
        }
    }
    text.push(b'}');
    Ok(())
}

/// A value as `serde_json` writes it (strings escaped, numbers in its shortest form, `None` as
/// `null`).
fn value(text: &mut Vec<u8>, v: &(impl serde::Serialize + ?Sized)) -> serde_json::Result<()> {
    serde_json::to_writer(text, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(not_placed_higher: Vec<NotPlaced<&'static str>>) -> Placement<&'static str> {
        Placement {
            student: "S\"1\\\u{1}学生",
            programme: Some("P-1"),
            choice: Some(3),
            points: Some(110.5),
            lottery: 0.123_456_789_012_345_67,
            not_placed_higher,
        }
    }

    #[test]
    fn a_placement_is_written_as_serde_json_writes_it_for_every_kind_of_explanation() {
        let full = |cutoff_points, cutoff_lottery| NotPlaced {
            programme: Some("P\u{7f}0"),
            choice: Some(1),
            reason: Reason::Full {
                cutoff_points,
                cutoff_lottery,
                points: -0.0,
            },
        };
        let cases = vec![
            placement(vec![]),
            placement(vec![full(Some(1e300), Some(0.5)), full(None, None)]),
            placement(vec![NotPlaced {
                programme: Some("P2"),
                choice: Some(u32::MAX),
                reason: Reason::Requirement {
                    rule: "年龄 \"≥\" 15"
                },
            }]),
            Placement {
                programme: None,
                choice: None,
                points: None,
                ..placement(vec![NotPlaced {
                    programme: None,
                    choice: None,
                    reason: Reason::Ineligible { rule: "eligible\n" },
                }])
            },
        ];
        for case in cases {
            let mut ours = Vec::new();
            write_placement(&mut ours, &case).expect("writes");
            let theirs = serde_json::to_vec(&case).expect("serialises");
            assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        }
    }
}
