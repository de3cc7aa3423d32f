//! New-type professional farmer training at the vocational schools' training bases: what it is
//! planned with (`setup`, read by staff through `setup_view`), conflict-free scheduling and proposals from demand (`schedule`,
//! `interest`), public registration with a waitlist that never overbooks and its notifications
//! (`registrations`), attendance per teaching day (`days`, `attendance`, `grid`) and the
//! certificates it earns (`certificates`, `certificate_view`), and their HTTP faces (`api`, `web`, `public`,
//! `attendance_web`, `attendance_api`, `public_api`; the API's typed requests and answers in
//! `api_requests`, `api_types`, `attendance_types`, `proposal_types`).

pub mod api;
pub mod api_requests;
pub mod api_types;
pub mod attendance;
pub mod attendance_api;
pub mod attendance_types;
pub mod attendance_web;
pub mod certificate_view;
pub mod certificates;
pub mod confirmation;
pub mod days;
pub mod grid;
pub mod interest;
pub mod phase;
pub mod proposal_types;
pub mod proposal_view;
pub mod proposals;
pub mod propose;
pub mod public;
pub mod public_api;
pub mod registrations;
pub mod routes;
pub mod schedule;
pub mod setup;
pub mod setup_view;
pub mod web;
