//! One outgoing email or text message, rendered when queued. `status`: `queued`, `sending`, `sent`, `failed`, or
//! `unknown` (a worker stopped between sending and recording it: not resent automatically), or
//! `withdrawn` (made pointless before it went out, e.g. an offer released; never sent).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// `email` or `sms` (then `recipient` is a mobile number and `body_text` the message).
    pub channel: String,
}

impl ActiveModelBehavior for ActiveModel {}
