//! The lean parse of an instance (see `record.rs`) on all cores: the students' array is cut into
//! pieces at places that look like the end of one student and the start of the next, and the
//! pieces are parsed at once, one per thread, each student borrowing from the input as before.
//!
//! A cut is only a guess (the text `},{` may sit inside a string, or between two objects nested
//! in an attribute), so it is checked by the parse itself: each piece must be read as students one
//! after the other from its first byte to its last. A piece that starts right reads to its end
//! only when its end is also right — a wrong end cuts its last student short, and a cut-short
//! student never parses. The first piece starts right, so when every piece reads, every cut was
//! right and the students are exactly those of one parse of the whole array. When any piece does
//! not read, the array is parsed again in one piece, the plain way, with the plain way's outcome.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::instance::{Instance, Programme, Rules};
use super::record::LeanStudent;

/// Below this many bytes of students, one thread parses them all.
const PARALLEL_FROM: usize = 1 << 20;

/// The instance with its students left as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Top<'a> {
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    rules: Rules,
    programmes: Vec<Programme>,
    #[serde(borrow)]
    students: &'a RawValue,
}

/// Parses an instance the lean way, the students on all cores when they are many; `None` when the
/// lean way does not read it (as `serde_json::from_str` would give an error).
pub fn parse(input: &str) -> Option<Instance<LeanStudent<'_>>> {
    let threads = crate::parallel::threads();
    parse_in(input, threads, PARALLEL_FROM)
}

/// [`parse`] with `pieces` pieces when the students' text is at least `from` bytes long.
fn parse_in(input: &str, pieces: usize, from: usize) -> Option<Instance<LeanStudent<'_>>> {
    let top: Top<'_> = serde_json::from_str(input).ok()?;
    let array = top.students.get();
    let students = match array.len() >= from && pieces > 1 {
        true => in_pieces(array, pieces).or_else(|| serde_json::from_str(array).ok())?,
        false => serde_json::from_str(array).ok()?,
    };
    Some(Instance {
        seed: top.seed,
        rules: top.rules,
        programmes: top.programmes,
        students,
    })
}

const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// The students of `array` (a JSON array, as checked by the top-level parse) parsed in `pieces`
/// pieces on as many threads; `None` when a cut was wrong or a student does not read.
fn in_pieces(array: &str, pieces: usize) -> Option<Vec<LeanStudent<'_>>> {
    let inner = array.strip_prefix('[')?.strip_suffix(']')?.trim_matches(JSON_SPACE);
    let cuts = cuts(inner, pieces);
    let pieces = cuts.windows(2).map(|w| &inner[w[0]..w[1]]);
    let parsed = crate::parallel::in_parallel(pieces.map(|piece| move || students_of(piece)));
    Some(crate::parallel::concat(parsed.into_iter().collect::<Option<_>>()?))
}

/// Where to cut `inner` (the array's text between its brackets) into about `pieces` pieces: the
/// offsets of the pieces' starts, and the end. Each cut is just after the comma of a `}` `,` `{`
/// (spaces allowed around the comma) found at or after an even share of the text.
fn cuts(inner: &str, pieces: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let share = inner.len() / pieces;
    for k in 1..pieces {
        let target = (k * share).max(*cuts.last().unwrap_or(&0));
        if let Some(cut) = next_boundary(inner, target)
            && cut > *cuts.last().unwrap_or(&0)
        {
            cuts.push(cut);
        }
    }
    cuts.push(inner.len());
    cuts
}

/// The offset of the first `{` at or after `from` that follows `}` and a comma (JSON spaces
/// allowed around it), i.e. where the next object of a list of objects seems to start.
fn next_boundary(inner: &str, from: usize) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut at = from;
    loop {
        let close = at + bytes.get(at..)?.iter().position(|&b| b == b'}')?;
        let after = inner[close + 1..].trim_start_matches(JSON_SPACE);
        if let Some(next) = after.strip_prefix(',') {
            let next = next.trim_start_matches(JSON_SPACE);
            if next.starts_with('{') {
                return Some(inner.len() - next.len());
            }
        }
        at = close + 1;
    }
}

/// The students of a piece: student objects separated by commas, from its first byte to its
/// last; `None` if anything else is there.
fn students_of(piece: &str) -> Option<Vec<LeanStudent<'_>>> {
    let mut students = Vec::new();
    let mut rest = piece.trim_matches(JSON_SPACE);
    while !rest.is_empty() {
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<LeanStudent<'_>>();
        students.push(stream.next()?.ok()?);
        let after = rest[stream.byte_offset()..].trim_start_matches(JSON_SPACE);
        rest = match after.strip_prefix(',') {
            Some(next) => next.trim_start_matches(JSON_SPACE),
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(students)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain lean parse, one thread, as `serde_json` reads the whole instance.
    fn plain(input: &str) -> Option<Instance<LeanStudent<'_>>> {
        serde_json::from_str(input).ok()
    }

    fn instance(students: &str) -> String {
        format!(
            r#"{{"seed": 3, "programmes": [{{"code": "P1", "capacity": 2, "town": "T"}}], "students": {students}}}"#
        )
    }

    #[test]
    fn students_parsed_in_pieces_are_those_of_one_parse_whatever_their_texts_hold() {
        let tricky = [
            // Texts that look like the end of one student and the start of the next.
            r#"{"id": "a},{\"id\": \"b\", \"preferences\": []}", "preferences": ["P1"]}"#,
            r#"{"id":"c","preferences":[],"attributes":{"list":[{"x":1} , {"id":"d","preferences":[]}]}}"#,
            r#"{"id": "e", "preferences": ["P1"], "attributes": {"note": "},{}, {", "k": {"a": {}}}}"#,
            "{\"id\":\"学生\\u4e00\"\n,\"preferences\":[\"P1\"],\"lottery\":0.5}",
        ];
        for copies in [0, 1, 2, 7, 40] {
            let students: Vec<String> = (0..copies)
                .map(|i| tricky[i % tricky.len()].replace("\"id\": \"", &format!("\"id\": \"{i}-")))
                .collect();
            for sep in [",", " ,\n", "\n,\t "] {
                let array = format!("[\n {} \n]", students.join(sep));
                let text = instance(&array);
                let whole = plain(&text).expect("parses");
                for pieces in [2, 3, 5, 16, 64] {
                    let split = parse_in(&text, pieces, 0);
                    assert_eq!(
                        split.as_ref(),
                        Some(&whole),
                        "{copies} students, {pieces} pieces, {sep:?}"
                    );
                    // A cut inside a text may make the pieces refuse (then one piece is parsed),
                    // never read otherwise.
                    if let Some(pieced) = in_pieces(&array, pieces) {
                        assert_eq!(pieced, whole.students, "{copies} students, {pieces} pieces");
                    }
                }
            }
        }
    }

    #[test]
    fn ordinary_students_are_read_in_as_many_pieces_as_asked() {
        let students: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"id": "S{i}", "preferences": ["P1"], "attributes": {{"town": "米河镇"}}}}"#))
            .collect();
        let array = format!("[{}]", students.join(",\n"));
        let whole: Vec<LeanStudent<'_>> = serde_json::from_str(&array).expect("parses");
        for pieces in [2, 3, 8, 16] {
            assert_eq!(cuts(&array[1..array.len() - 1], pieces).len(), pieces + 1);
            assert_eq!(in_pieces(&array, pieces).as_ref(), Some(&whole), "{pieces} pieces");
        }
    }

    #[test]
    fn what_one_parse_refuses_the_pieces_refuse() {
        for students in [
            r#"[{"id": "a", "preferences": []}, {"id": "b"}]"#,
            r#"[{"id": "a", "preferences": []}, {"id": "b", "preferences": [], "extra": 1}]"#,
            r#"[{"id": "a", "preferences": []}, 5]"#,
            r#"[{"id": "a", "preferences": []},, {"id": "b", "preferences": []}]"#,
            r#"[{"id": "a", "preferences": []}, {"id": "b", "preferences": []},]"#,
            r#"{"id": "a", "preferences": []}"#,
            r#"[{"id": "a", "preferences": []}, {"id": "f", "preferences": [], "attributes": {}, "attributes": {}}]"#,
        ] {
            let text = instance(students);
            assert_eq!(plain(&text), None, "{students}");
            for pieces in [2, 3, 8] {
                assert_eq!(parse_in(&text, pieces, 0), None, "{students}, {pieces} pieces");
            }
        }
    }

    #[test]
    fn cuts_fall_only_after_a_comma_between_braces_and_cover_the_text() {
        let inner = r#"{"a":1},{"b":"},{"} , {"c":[{},{}]}"#;
        let cuts = cuts(inner, 4);
        assert_eq!(cuts.first(), Some(&0));
        assert_eq!(cuts.last(), Some(&inner.len()));
        assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{cuts:?}");
        for &cut in &cuts[1..cuts.len() - 1] {
            assert!(inner[cut..].starts_with('{'), "{cut}");
            assert!(inner[..cut].trim_end().ends_with(','), "{cut}");
        }
    }
}
