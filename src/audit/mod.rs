//! The audit log: every write and every reveal of protected data is recorded here, in the same
//! transaction as the change it describes, so a rolled-back change leaves no audit row and a
//! committed change always has one. Entries are only inserted, never changed.

pub mod api;
pub mod web;

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// Who performs an action, as recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub label: String,
    pub client_ip: Option<String>,
}

impl Actor {
    /// The service itself (start-up tasks, command-line tools run without a user).
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
            client_ip: None,
        }
    }
}

/// The record an action touched.
pub struct Record<'a> {
    pub kind: &'a str,
    pub id: Option<String>,
}

impl<'a> Record<'a> {
    pub fn new(kind: &'a str, id: impl ToString) -> Record<'a> {
        Record {
            kind,
            id: Some(id.to_string()),
        }
    }
}

/// Appends one entry. Call it inside the transaction of the change it describes.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    record: Record<'_>,
    summary: impl Into<String>,
) -> Result<(), AppError> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        user_id: Set(actor.user_id),
        actor: Set(actor.label.clone()),
        action: Set(action.to_string()),
        record_type: Set(record.kind.to_string()),
        record_id: Set(record.id),
        summary: Set(summary.into()),
        client_ip: Set(actor.client_ip.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Filters for reading the log; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i32>,
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first, one page.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<audit_log::Model>, AppError> {
    let mut q = audit_log::Entity::find();
    if let Some(u) = filter.user_id {
        q = q.filter(audit_log::Column::UserId.eq(u));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.clone()));
    }
    if let Some(t) = &filter.record_type {
        q = q.filter(audit_log::Column::RecordType.eq(t.clone()));
    }
    if let Some(id) = &filter.record_id {
        q = q.filter(audit_log::Column::RecordId.eq(id.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::Column::At.lt(to));
    }
    let paginator = q.order_by_desc(audit_log::Column::Id).paginate(conn, page.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok(Page::new(items, page, total))
}

/// The names of the staff whose sign-in addresses appear among `labels` (an actor's label is the
/// address of the account that acted), address → name, so pages name people rather than
/// addresses. Labels that are no account's address (the system, an import, the demo) are left out.
pub async fn names_by_label<'a>(
    conn: &impl ConnectionTrait,
    labels: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut wanted: Vec<String> = labels
        .into_iter()
        .filter(|l| l.contains('@'))
        .map(str::to_string)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in wanted.chunks(400) {
        for u in entity::user::Entity::find()
            .filter(entity::user::Column::Email.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            names.insert(u.email, u.name);
        }
    }
    Ok(names)
}

/// `label` as a name when it is an account's address in `names`, otherwise as recorded.
pub fn name_of(names: &std::collections::HashMap<String, String>, label: &str) -> String {
    names.get(label).cloned().unwrap_or_else(|| label.to_string())
}
