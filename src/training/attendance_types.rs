//! The attendance API's answers as typed objects: a session's grid, what a save or an issue did,
//! and a certificate, each with exactly the fields and values the JSON always had. Conversions
//! only: no I/O.

use std::borrow::Cow;

use chrono::NaiveDate;
use entity::certificate;
use poem_openapi::Object;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

use super::api_types::stamp;
use super::attendance::Recorded;
use super::certificates::Reconciled;
use super::grid::{Cell, Grid, GridDay, GridRow};

/// One day in the grid.
#[derive(Debug, Clone, Object)]
pub struct AttendanceGridDay {
    pub day: NaiveDate,
    /// Month and day, for a column heading (`12-07`).
    pub label: String,
    pub hours: i32,
    /// Someone's attendance on this day is recorded.
    pub recorded: bool,
    /// The day has come (attendance can be recorded).
    pub open: bool,
    pub today: bool,
}

impl From<GridDay> for AttendanceGridDay {
    fn from(d: GridDay) -> Self {
        AttendanceGridDay {
            day: d.day,
            label: d.label,
            hours: d.hours,
            recorded: d.recorded,
            open: d.open,
            today: d.today,
        }
    }
}

/// One farmer's attendance on one recorded day.
#[derive(Debug, Clone, Object)]
pub struct AttendanceCell {
    pub present: bool,
    pub hours: i32,
    /// Present for fewer than the day's hours.
    pub partial: bool,
}

impl From<Cell> for AttendanceCell {
    fn from(c: Cell) -> Self {
        AttendanceCell {
            present: c.present,
            hours: c.hours,
            partial: c.partial,
        }
    }
}

/// A grid cell as the document states it: an [`AttendanceCell`], or `null` until the day is
/// recorded for the farmer (a plain `Option` in a list would not be marked nullable).
#[derive(Debug, Clone)]
pub struct MaybeCell(pub Option<AttendanceCell>);

impl Type for MaybeCell {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "nullable_AttendanceCell".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            nullable: true,
            all_of: vec![AttendanceCell::schema_ref()],
            ..MetaSchema::ANY
        }))
    }

    fn register(registry: &mut Registry) {
        AttendanceCell::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for MaybeCell {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.as_ref().and_then(ToJSON::to_json).unwrap_or(Value::Null))
    }
}

impl ParseFromJSON for MaybeCell {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Option::<AttendanceCell>::parse_from_json(value)
            .map(MaybeCell)
            .map_err(ParseError::propagate)
    }
}

/// A completion certificate as stored.
#[derive(Debug, Clone, Object)]
pub struct TrainingCertificateDto {
    pub id: i32,
    pub registration_id: i32,
    pub code: String,
    /// Hours completed.
    pub hours: i32,
    pub course_hours: i32,
    /// RFC 3339, UTC.
    pub issued_at: String,
    pub issued_by: String,
    /// RFC 3339, UTC; `null` while valid.
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<String>,
}

impl From<certificate::Model> for TrainingCertificateDto {
    fn from(c: certificate::Model) -> Self {
        TrainingCertificateDto {
            id: c.id,
            registration_id: c.registration_id,
            code: c.code,
            hours: c.hours,
            course_hours: c.course_hours,
            issued_at: stamp(c.issued_at),
            issued_by: c.issued_by,
            revoked_at: c.revoked_at.map(stamp),
            revoked_reason: c.revoked_reason,
            revoked_by: c.revoked_by,
        }
    }
}

/// A farmer's row: a cell per day (`null` until recorded), the hours attended, the certificate.
#[derive(Debug, Clone, Object)]
pub struct AttendanceGridRow {
    pub registration_id: i32,
    pub name: String,
    pub village: String,
    /// Still confirmed (a cancelled farmer keeps the days recorded before).
    pub confirmed: bool,
    /// A cell per teaching day: `null` until recorded.
    pub cells: Vec<MaybeCell>,
    pub hours: i32,
    /// The hours reach the course's completion share.
    pub completed: bool,
    pub certificate: Option<TrainingCertificateDto>,
}

impl From<GridRow> for AttendanceGridRow {
    fn from(r: GridRow) -> Self {
        AttendanceGridRow {
            registration_id: r.registration_id,
            name: r.name,
            village: r.village,
            confirmed: r.confirmed,
            cells: r.cells.into_iter().map(|c| MaybeCell(c.map(Into::into))).collect(),
            hours: r.hours,
            completed: r.completed,
            certificate: r.certificate.map(Into::into),
        }
    }
}

/// A session's attendance: its teaching days and a row per farmer.
#[derive(Debug, Clone, Object)]
pub struct AttendanceGridDto {
    pub session_id: i32,
    pub days: Vec<AttendanceGridDay>,
    pub rows: Vec<AttendanceGridRow>,
    pub course_hours: i32,
    pub completion_share: i32,
    /// Hours a farmer needs for the certificate.
    pub hours_needed: i32,
    /// Certificates can be issued (the last day is over, or recorded).
    pub finished: bool,
    /// The teaching day that is today, if any.
    pub today: Option<NaiveDate>,
}

impl From<Grid> for AttendanceGridDto {
    fn from(g: Grid) -> Self {
        AttendanceGridDto {
            session_id: g.session_id,
            days: g.days.into_iter().map(Into::into).collect(),
            rows: g.rows.into_iter().map(Into::into).collect(),
            course_hours: g.course_hours,
            completion_share: g.completion_share,
            hours_needed: g.hours_needed,
            finished: g.finished,
            today: g.today,
        }
    }
}

/// What applying the certificate rule changed.
#[derive(Debug, Clone, Object)]
pub struct CertificatesReconciled {
    pub issued: u64,
    pub revoked: u64,
    pub reinstated: u64,
}

impl From<Reconciled> for CertificatesReconciled {
    fn from(r: Reconciled) -> Self {
        CertificatesReconciled {
            issued: r.issued as u64,
            revoked: r.revoked as u64,
            reinstated: r.reinstated as u64,
        }
    }
}

/// What saving a day's attendance did.
#[derive(Debug, Clone, Object)]
pub struct AttendanceRecorded {
    pub day: Option<NaiveDate>,
    pub present: u64,
    pub absent: u64,
    /// Farmers whose row for the day changed, or who were recorded on a past day.
    pub corrections: u64,
    /// Certificates issued, revoked, reinstated (only once the session is finished).
    pub certificates: CertificatesReconciled,
}

impl From<Recorded> for AttendanceRecorded {
    fn from(r: Recorded) -> Self {
        AttendanceRecorded {
            day: r.day,
            present: r.present as u64,
            absent: r.absent as u64,
            corrections: r.corrections as u64,
            certificates: r.certificates.into(),
        }
    }
}
