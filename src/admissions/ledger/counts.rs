//! Open ledger lines counted per town and per junior-high school (pure; no I/O).

use std::collections::BTreeMap;

use super::LedgerLine;

/// How many open lines one town (or junior-high school) has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenCount {
    pub name: String,
    pub open: usize,
}

/// Open lines counted per town and per junior-high school, in a defined order: most open lines
/// first, then by name (a list, never a map: a page must show the same order on every load).
pub fn counts(lines: &[LedgerLine]) -> (Vec<OpenCount>, Vec<OpenCount>) {
    let mut by_town = BTreeMap::new();
    let mut by_school = BTreeMap::new();
    for l in lines.iter().filter(|l| l.entry.closed_at.is_none()) {
        *by_town.entry(l.town.clone()).or_insert(0) += 1;
        *by_school.entry(l.junior_high_school.clone()).or_insert(0) += 1;
    }
    (ranked(by_town), ranked(by_school))
}

/// Counts by name as a list, largest first, ties by name.
fn ranked(counts: BTreeMap<String, usize>) -> Vec<OpenCount> {
    let mut out: Vec<OpenCount> = counts
        .into_iter()
        .map(|(name, open)| OpenCount { name, open })
        .collect();
    out.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_counts_are_ranked_largest_first_then_by_name() {
        let counts = BTreeMap::from([
            ("鲁庄镇".to_string(), 3),
            ("米河镇".to_string(), 5),
            ("小关镇".to_string(), 3),
        ]);
        let names: Vec<String> = ranked(counts).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["米河镇", "小关镇", "鲁庄镇"]);
    }
}
