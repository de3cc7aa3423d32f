//! One-on-one mentoring: mentor profiles, the assignment optimiser (pure), and — in later work —
//! assignment emails, help sessions and reminders.

pub mod api;
pub mod assignment;
pub mod profiles;
