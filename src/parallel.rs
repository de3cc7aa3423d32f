//! Work spread over all cores on plain threads: the routing's parse, check, evaluation and
//! writing, and the rendering of a round's offer texts. Each job runs on a scoped thread of its own;
//! the callers split their work into one job per core.

/// How many threads the steps that work on all cores use: one per core, up to 16.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, 16)
}

/// Runs each job on a thread of its own and returns their results in the jobs' order. A panic in
/// a job is a bug: it is raised again here rather than part of the results returned.
pub fn in_parallel<T: Send>(jobs: impl IntoIterator<Item = impl FnOnce() -> T + Send>) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.into_iter().map(|job| scope.spawn(job)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The parts one after the other, in one vector sized once.
pub fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    parts.into_iter().for_each(|part| all.extend(part));
    all
}

/// `items` split into at most [`threads()`] parts of nearly equal length, in order (none empty).
pub fn split<T>(items: Vec<T>) -> Vec<Vec<T>> {
    let per = items.len().div_ceil(threads()).max(1);
    let mut parts = Vec::with_capacity(threads());
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        parts.push(items.by_ref().take(per).collect());
    }
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_split_keeps_every_item_in_order_and_makes_no_empty_part() {
        for n in [0usize, 1, 2, 15, 16, 17, 1000] {
            let parts = super::split((0..n).collect::<Vec<_>>());
            assert!(
                parts.len() <= super::threads() && parts.iter().all(|p| !p.is_empty()),
                "{n}"
            );
            assert_eq!(super::concat(parts), (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn jobs_return_in_their_order() {
        assert_eq!(super::in_parallel((0..5).map(|i| move || i * 2)), vec![0, 2, 4, 6, 8]);
    }
}
