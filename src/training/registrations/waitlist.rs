//! The waitlist's order, as pure rules: a farmer's priority (registered-household farmers first when
//! the course says so) and who is promoted first when places free up (higher priority first, then
//! arrival order). It must not read or write the database, send anything or look at the clock:
//! `cancel::promote` loads the waiting registrations and applies this order.

use entity::registration;

/// The waitlist priority of a new registration: 1 for a verified registered-household farmer on a
/// course that puts them first, 0 otherwise.
pub fn priority(household_first: bool, verified_household: bool) -> i32 {
    i32::from(household_first && verified_household)
}

/// The first `free` of `waiting`, in promotion order: higher priority first, then earlier arrival
/// (then lower id, should two arrivals ever tie).
pub fn first_promoted(mut waiting: Vec<registration::Model>, free: usize) -> Vec<registration::Model> {
    waiting.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.arrival.cmp(&b.arrival))
            .then(a.id.cmp(&b.id))
    });
    waiting.truncate(free);
    waiting
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn waiting(id: i32, arrival: i32, priority: i32) -> registration::Model {
        registration::Model {
            id,
            session_id: 1,
            name: format!("farmer {id}"),
            phone: format!("1380000{id:04}"),
            town: "town".into(),
            village: "village".into(),
            household_number: None,
            household_id: None,
            email: None,
            code: format!("C{id}"),
            status: registration::RegistrationStatus::Waitlisted,
            arrival,
            priority,
            active: Some(1),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            cancelled_by: None,
        }
    }

    fn ids(v: &[registration::Model]) -> Vec<i32> {
        v.iter().map(|r| r.id).collect()
    }

    #[test]
    fn arrival_order_when_nobody_has_priority() {
        let w = vec![waiting(3, 7, 0), waiting(1, 5, 0), waiting(2, 6, 0)];
        assert_eq!(ids(&first_promoted(w, 3)), [1, 2, 3]);
    }

    #[test]
    fn household_farmers_first_then_arrival() {
        let w = vec![waiting(1, 1, 0), waiting(2, 2, 1), waiting(3, 3, 0), waiting(4, 4, 1)];
        assert_eq!(ids(&first_promoted(w, 4)), [2, 4, 1, 3]);
    }

    #[test]
    fn only_as_many_as_free_places() {
        let w = vec![waiting(1, 1, 0), waiting(2, 2, 1), waiting(3, 3, 0)];
        assert_eq!(ids(&first_promoted(w.clone(), 1)), [2]);
        assert!(first_promoted(w, 0).is_empty());
        assert!(first_promoted(Vec::new(), 3).is_empty());
    }

    #[test]
    fn priority_only_for_verified_households_on_courses_that_say_so() {
        assert_eq!(priority(true, true), 1);
        assert_eq!(priority(true, false), 0);
        assert_eq!(priority(false, true), 0);
        assert_eq!(priority(false, false), 0);
    }
}
