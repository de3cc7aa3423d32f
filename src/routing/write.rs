//! Writes a routing result as compact JSON straight from the routed instance, one student at a
//! time, without building the whole [`RoutingResult`](super::RoutingResult): the text is the same,
//! byte for byte, as `serde_json::to_writer` of the result (a test checks it), but no vector of a
//! million placements is ever held, and the students are turned into text on all cores, in chunks
//! whose texts are then written in input order.

use std::io::Write;

use super::explain::Routed;
use super::record::StudentRecord;
use super::result::{NotPlaced, Placement};

/// Students turned into text by one thread at a time, at most: the texts of a round stay a few
/// megabytes, reused round after round.
const MAX_CHUNK: usize = 16_384;
/// At least: starting the threads costs nothing next to it.
const MIN_CHUNK: usize = 1_024;

/// Writes the result of `routed` as compact JSON to `out` (which should be buffered).
pub fn write_compact<St: StudentRecord>(routed: &Routed<'_, St>, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{\"placements\":[")?;
    let n = routed.instance.students.len();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, 16);
    // Four rounds at least, so that the threads get equal shares (one chunk of 16,384 and one of
    // 3,616 left a core idle most of the time at 20,000 students) and the buffers stay small.
    let chunk = n.div_ceil(threads * 4).clamp(MIN_CHUNK, MAX_CHUNK);
    let mut texts: Vec<Vec<u8>> = vec![Vec::new(); threads];
    let mut start = 0;
    while start < n {
        let ranges: Vec<std::ops::Range<usize>> = (0..threads)
            .map(|k| (start + k * chunk).min(n)..(start + (k + 1) * chunk).min(n))
            .collect();
        start = (start + threads * chunk).min(n);
        texts.iter_mut().for_each(Vec::clear);
        if ranges[1..].iter().all(|r| r.is_empty()) {
            placements(routed, ranges[0].clone(), &mut texts[0])?;
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = texts
                    .iter_mut()
                    .zip(ranges)
                    .map(|(text, range)| scope.spawn(move || placements(routed, range, text)))
                    .collect();
                // A panic in a worker is a bug; surface it rather than write a partial result.
                handles
                    .into_iter()
                    .try_for_each(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            })?;
        }
        for text in &texts {
            out.write_all(text)?;
        }
    }
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
    let mut reasons: Vec<NotPlaced<&str>> = Vec::new();
    for i in range {
        if i > 0 {
            text.push(b',');
        }
        let placement: Placement<&str> = routed.placement(i, reasons);
        serde_json::to_writer(&mut *text, &placement)?;
        reasons = placement.not_placed_higher;
        reasons.clear();
    }
    Ok(())
}
