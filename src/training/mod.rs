//! New-type professional farmer training at the vocational schools' training bases: what it is
//! planned with (`setup`), conflict-free scheduling and proposals from demand (`schedule`,
//! `interest`), public registration with a waitlist that never overbooks, notifications,
//! attendance and certificates (`registrations`), and their HTTP faces (`api`, `web`, `public`).

pub mod api;
pub mod confirmation;
pub mod interest;
pub mod phase;
pub mod proposal_view;
pub mod proposals;
pub mod propose;
pub mod public;
pub mod registrations;
pub mod schedule;
pub mod setup;
pub mod web;
