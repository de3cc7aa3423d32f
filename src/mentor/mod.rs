//! One-on-one mentoring: mentor profiles and the roster, the assignment optimiser (pure), stored
//! assignments with their emails and answer links, help sessions and contact reminders.
//!
//! Roles and statuses are the entity's enums (`MentorRole`, `AssignmentStatus`); their Chinese
//! names in stored text and emails come from the catalogue by i18n key ([`labels`]). `web` and
//! `api` are the HTTP ring: they call the services here and never query the database.

pub mod api;
pub mod assignments;
pub mod labels;
pub mod optimiser;
pub mod profiles;
pub mod roster;
pub mod routes;
pub mod sessions;
pub mod web;
