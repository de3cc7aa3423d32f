//! The seats of one programme during deferred acceptance, arranged as the choice rule would seat
//! its students, and the packed priority keys they are ordered by. See the engine's module
//! documentation for why one rejection per offer, found in one or two heap operations, implements
//! the choice rule.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::ProgrammeSlot;

/// A priority packed so that a larger key is a stronger claim: points (64 bits, order-preserving),
/// the lottery rank inverted (32 bits), then the student's index (31 bits; it breaks no tie the rank
/// has not, as ranks are unique) and whether the reserve covers the student (1 bit).
pub(super) type Key = u128;

pub(super) fn key(points: f64, rank: u32, student: u32, covered: bool) -> Key {
    (u128::from(ordered_bits(points)) << 64)
        | (u128::from(u32::MAX - rank) << 32)
        | (u128::from(student) << 1)
        | u128::from(covered)
}

pub(super) fn student_of(key: Key) -> u32 {
    (key as u32) >> 1
}

pub(super) fn is_covered(key: Key) -> bool {
    key & 1 == 1
}

pub(super) fn points_of(key: Key) -> f64 {
    let bits = (key >> 64) as u64;
    f64::from_bits(if bits >> 63 == 1 { bits & !(1 << 63) } else { !bits })
}

/// Maps a finite float to an integer of the same order (−0.0 counted as 0.0).
pub(super) fn ordered_bits(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// What a programme does with an offer.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Offer {
    /// Taken, and nobody was let go.
    Held,
    /// This student (the proposer or one held so far) is let go.
    Rejected(Key),
}

/// The students a programme holds, arranged as its choice rule would seat them.
#[derive(Debug)]
pub(super) struct Seats {
    open_seats: usize,
    reserved_seats: usize,
    /// The top `open_seats` of everyone held (min-heap).
    pub(super) open: BinaryHeap<Reverse<Key>>,
    /// Held outside the open seats, covered by the reserve.
    pub(super) covered: BinaryHeap<Reverse<Key>>,
    /// Held outside the open seats, not covered: in reserved seats given back to everyone.
    pub(super) uncovered: BinaryHeap<Reverse<Key>>,
}

impl Seats {
    pub(super) fn new(slot: ProgrammeSlot, [uncovered, covered]: [u32; 2]) -> Seats {
        let open_seats = (slot.capacity - slot.reserved) as usize;
        let reserved_seats = slot.reserved as usize;
        let demand = uncovered as usize + covered as usize;
        Seats {
            open_seats,
            reserved_seats,
            open: BinaryHeap::with_capacity(open_seats.min(demand)),
            covered: BinaryHeap::with_capacity(reserved_seats.min(covered as usize)),
            uncovered: BinaryHeap::with_capacity(reserved_seats.min(uncovered as usize)),
        }
    }

    /// Applies the choice rule to everyone held plus `key`.
    pub(super) fn offer(&mut self, key: Key) -> Offer {
        if self.open.len() < self.open_seats {
            self.open.push(Reverse(key));
            return Offer::Held;
        }
        // The open seats keep the best; whoever is not among them competes for a reserved seat.
        let mut rest = key;
        if let Some(mut lowest) = self.open.peek_mut()
            && key > lowest.0
        {
            rest = std::mem::replace(&mut lowest.0, key);
        }
        if self.covered.len() + self.uncovered.len() < self.reserved_seats {
            self.reserve_heap(rest).push(Reverse(rest));
            return Offer::Held;
        }
        if !is_covered(rest) {
            return Offer::Rejected(replace_lowest_if_below(&mut self.uncovered, rest));
        }
        if let Some(Reverse(lowest)) = self.uncovered.pop() {
            self.covered.push(Reverse(rest));
            return Offer::Rejected(lowest);
        }
        Offer::Rejected(replace_lowest_if_below(&mut self.covered, rest))
    }

    fn reserve_heap(&mut self, key: Key) -> &mut BinaryHeap<Reverse<Key>> {
        if is_covered(key) {
            &mut self.covered
        } else {
            &mut self.uncovered
        }
    }

    pub(super) fn filled(&self) -> usize {
        self.open.len() + self.covered.len() + self.uncovered.len()
    }

    /// (lowest admitted, lowest admitted outside the covered students' reserved seats), when full.
    pub(super) fn cutoffs(&self) -> (Option<Key>, Option<Key>) {
        if self.filled() < self.open_seats + self.reserved_seats {
            return (None, None);
        }
        let lowest = |heap: &BinaryHeap<Reverse<Key>>| heap.peek().map(|r| r.0);
        let reserve_low = match (lowest(&self.covered), lowest(&self.uncovered)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (
            reserve_low.or(lowest(&self.open)),
            lowest(&self.uncovered).or(lowest(&self.open)),
        )
    }
}

/// Puts `key` in the heap in place of its lowest if that is below `key`; returns who is let go.
fn replace_lowest_if_below(heap: &mut BinaryHeap<Reverse<Key>>, key: Key) -> Key {
    match heap.peek_mut() {
        Some(mut lowest) if lowest.0 < key => std::mem::replace(&mut lowest.0, key),
        _ => key,
    }
}
