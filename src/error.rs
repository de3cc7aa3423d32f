//! One error type for the whole service, and its two renderings: RFC 9457 problem details for the
//! API (see `api.rs`) and an HTML page for the portal (see `web.rs`).
//!
//! Error policy: services return [`AppError`]; nothing turns a database error into "not found" or
//! `None`. A missing row is [`AppError::NotFound`] (404), bad input is [`AppError::Invalid`] (422)
//! with every offending field, a lost database connection is 503, and only a genuine bug is 500.
//! User-facing text is never written here: each error names a catalogue key ([`Msg`]).

use poem::http::StatusCode;
use sea_orm::DbErr;

use crate::i18n::Msg;

/// One invalid field: its name as the client sent it, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub msg: Msg,
}

impl FieldError {
    pub fn new(field: impl Into<String>, msg: Msg) -> FieldError {
        FieldError {
            field: field.into(),
            msg,
        }
    }
}

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input failed validation; nothing was written.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// A request the server cannot read at all (malformed JSON, wrong content type).
    #[error("bad request: {0:?}")]
    BadRequest(Msg),
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in with a one-time password that must be changed before anything else (portal only).
    #[error("password change required")]
    PasswordChangeRequired,
    /// Authenticated, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The record does not exist. The argument names the kind of record (a catalogue key).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The request conflicts with the current state (duplicate, already done).
    #[error("conflict: {0:?}")]
    Conflict(Msg),
    /// The client must slow down.
    #[error("too many requests: {0:?}")]
    TooManyRequests(Msg),
    #[error("request body too large")]
    PayloadTooLarge,
    /// A protocol-level refusal with its own status (405, 415, …).
    #[error("http {0}: {1:?}")]
    Protocol(StatusCode, Msg),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// A fault of the service itself: what it was doing, and the error that stopped it, kept as
    /// the source so the log shows the whole cause chain ([`AppError::chain`]).
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// Adds what the service was doing to an error that can only be a fault of the service (a value
/// that does not serialise, stored JSON that does not parse, a task that panicked).
pub trait Context<T> {
    /// The error becomes [`AppError::Internal`] with `what` as its context and itself as source.
    fn context(self, what: impl Into<String>) -> Result<T, AppError>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T, AppError> {
        self.map_err(|e| AppError::internal_from(what, e))
    }
}

impl AppError {
    /// A fault of the service with no underlying error (an invariant that does not hold).
    pub fn internal(context: impl Into<String>) -> AppError {
        AppError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A fault of the service caused by `source`.
    pub fn internal_from(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> AppError {
        AppError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// This error and its causes, outermost first, joined by `: ` — what the log shows.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            let said = e.to_string();
            // A variant that prints its source (`Db`) is not repeated.
            if !text.ends_with(&said) {
                text.push_str(": ");
                text.push_str(&said);
            }
            cause = e.source();
        }
        text
    }

    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, msg: Msg) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, msg)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Protocol(status, _) => *status,
            AppError::Db(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code clients may rely on.
    pub fn code(&self) -> String {
        match self {
            AppError::Invalid(_) => "invalid_input".into(),
            AppError::BadRequest(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::Protocol(_, m) => m.key.rsplit('.').next().unwrap_or(m.key).to_string(),
            AppError::Unauthenticated => "unauthenticated".into(),
            AppError::Forbidden => "forbidden".into(),
            AppError::PasswordChangeRequired => "password_change_required".into(),
            AppError::NotFound(_) => "not_found".into(),
            AppError::PayloadTooLarge => "payload_too_large".into(),
            AppError::Db(e) if is_unavailable(e) => "database_unavailable".into(),
            AppError::Db(_) | AppError::Internal { .. } => "internal_error".into(),
        }
    }

    /// The message explaining this error to a person.
    pub fn message(&self) -> Msg {
        match self {
            AppError::Invalid(_) => Msg::new("error.invalid_input"),
            AppError::BadRequest(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::Protocol(_, m) => m.clone(),
            AppError::Unauthenticated => Msg::new("error.unauthenticated"),
            AppError::Forbidden => Msg::new("error.forbidden"),
            AppError::PasswordChangeRequired => Msg::new("error.password_change_required"),
            AppError::NotFound(what) => Msg::new("error.not_found").arg("what", what),
            AppError::PayloadTooLarge => Msg::new("error.payload_too_large"),
            AppError::Db(e) if is_unavailable(e) => Msg::new("error.database_unavailable"),
            AppError::Db(_) | AppError::Internal { .. } => Msg::new("error.internal"),
        }
    }

    /// Whether this is a server-side fault worth logging at error level.
    pub fn is_server_fault(&self) -> bool {
        self.status().is_server_error()
    }
}

impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        AppError::status(self)
    }
}

/// Connection-level failures mean "try again later", not a bug.
fn is_unavailable(e: &DbErr) -> bool {
    matches!(e, DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
}

/// Turns a unique-constraint violation into a field error on `field`; other errors pass through.
pub fn unique_violation_as(err: DbErr, field: &str, msg: Msg) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::invalid(field, msg),
        _ => AppError::Db(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_message_key() {
        assert_eq!(AppError::Conflict(Msg::new("error.email_taken")).code(), "email_taken");
        assert_eq!(AppError::Invalid(vec![]).code(), "invalid_input");
    }

    #[test]
    fn an_internal_error_keeps_its_cause_for_the_log() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str("{");
        let err = parsed.context("run 7 result").expect_err("not JSON");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.to_string(), "internal error: run 7 result");
        assert!(
            err.chain()
                .starts_with("internal error: run 7 result: EOF while parsing"),
            "{}",
            err.chain()
        );
        assert_eq!(
            AppError::internal("state missing").chain(),
            "internal error: state missing"
        );
    }

    #[test]
    fn a_lost_connection_is_503_and_a_bad_query_is_500() {
        let conn = AppError::Db(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        assert_eq!(conn.status(), StatusCode::SERVICE_UNAVAILABLE);
        let query = AppError::Db(DbErr::Custom("boom".into()));
        assert_eq!(query.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
