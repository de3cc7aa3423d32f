//! The portal's dashboard: figures per intake year and school (`figures`), the headline figures
//! with their change since the previous round (`headline`), charts as inline SVG (`svg`, pure),
//! what the page draws from the figures (`charts`, pure), the tables behind them for export
//! (`tables`, pure), the page, its exports and the printable summary (`web`).

pub mod charts;
pub mod figures;
pub mod headline;
pub mod svg;
pub mod tables;
pub mod web;
