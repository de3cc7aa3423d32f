//! Registered households, their students, the import from the poverty register, and the
//! study-and-employment archive.

pub mod api;
pub mod entry_dto;
pub mod entry_fields;
pub mod entry_form;
pub mod followup;
pub mod ids;
pub mod import;
pub mod import_api;
pub mod import_web;
pub mod profile;
pub mod register;
pub mod routes;
pub mod students;
pub mod table;
pub mod timeline;
pub mod web;
