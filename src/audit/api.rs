//! API for reading the audit log (admins).

use chrono::{DateTime, Utc};
use entity::audit_log;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};

use super::AuditFilter;
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::PageRequest;
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Who changed what, and who revealed protected data.
    AuditLog,
}

/// One audit entry.
#[derive(Debug, Object)]
pub struct AuditEntryDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub summary: String,
    pub client_ip: Option<String>,
}

impl From<audit_log::Model> for AuditEntryDto {
    fn from(m: audit_log::Model) -> Self {
        AuditEntryDto {
            id: m.id,
            at: m.at,
            user_id: m.user_id,
            actor: m.actor,
            action: m.action,
            record_type: m.record_type,
            record_id: m.record_id,
            summary: m.summary,
            client_ip: m.client_ip,
        }
    }
}

pub struct AuditApi;

#[OpenApi(tag = "ApiTags::AuditLog")]
impl AuditApi {
    /// Audit entries, newest first, filtered by user, action, record and time (`from` inclusive,
    /// `to` exclusive, RFC 3339).
    #[oai(path = "/audit-log", method = "get")]
    #[expect(clippy::too_many_arguments, reason = "one query parameter per filter")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        user_id: Query<Option<i32>>,
        action: Query<Option<String>>,
        record_type: Query<Option<String>>,
        record_id: Query<Option<String>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<AuditEntryDto>>> {
        auth.0.require(Capability::ReadAuditLog)?;
        let filter = AuditFilter {
            user_id: user_id.0,
            action: action.0,
            record_type: record_type.0,
            record_id: record_id.0,
            from: from.0,
            to: to.0,
        };
        let found = super::list(&state.db, &filter, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, AuditEntryDto::from)))
    }
}
