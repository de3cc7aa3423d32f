//! One-on-one mentoring: mentor profiles, the assignment optimiser (pure), stored assignments with
//! their emails and answer links, help sessions and contact reminders.

pub mod api;
pub mod assignments;
pub mod labels;
pub mod optimiser;
pub mod profiles;
pub mod roster;
pub mod sessions;
pub mod web;
