//! The portal's dashboard: figures per intake year and school (`figures`), charts as inline SVG
//! (`svg`, pure), the page, its exports and the printable summary (`web`).

pub mod figures;
pub mod svg;
pub mod web;
