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
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// `email` or `sms` (then `recipient` is a mobile number and `body_text` the message).
    pub channel: Channel,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where an outbox message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for a worker (or for its next attempt).
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Claimed by a worker.
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Gave up after the last attempt.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// A worker stopped between sending and recording it: not resent automatically.
    #[sea_orm(string_value = "unknown")]
    Unknown,
    /// Made pointless before it went out (an offer released); never sent.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

impl OutboxStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Unknown => "unknown",
            OutboxStatus::Withdrawn => "withdrawn",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "outbox.queued",
            OutboxStatus::Sending => "outbox.sending",
            OutboxStatus::Sent => "outbox.sent",
            OutboxStatus::Failed => "outbox.failed",
            OutboxStatus::Unknown => "outbox.unknown",
            OutboxStatus::Withdrawn => "outbox.withdrawn",
        }
    }
}

impl std::fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an outbox message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[sea_orm(string_value = "email")]
    Email,
    /// `recipient` is a mobile number and `body_text` the message.
    #[sea_orm(string_value = "sms")]
    Sms,
}

impl Channel {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            Channel::Email => "outbox.channel_email",
            Channel::Sms => "outbox.channel_sms",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
