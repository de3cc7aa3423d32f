//! Each group of `VOCPATH_*` variables read and checked, with the defaults of a first start on one
//! machine. Problems are recorded in the [`Vars`] reader, never returned early, so all are reported.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::vars::Vars;
use super::{AidConfig, LogFormat, MentorCaps, Secret, SmsConfig, decode_data_key, looks_like_email};
use crate::client_addr::{ForwardedHeader, TrustedProxies};

/// The keys that sign and encrypt; those unset are read or generated in the data folder later.
pub(super) struct Keys {
    pub secret_key: Option<Secret>,
    pub secret_key_previous: Option<Secret>,
    pub data_key: Option<Secret>,
}

pub(super) fn database_url(v: &mut Vars, data_dir: &Path) -> String {
    let url = v
        .get("VOCPATH_DATABASE_URL")
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("vocpath.db").display()));
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        v.error("VOCPATH_DATABASE_URL: must start with sqlite:, postgres:// or postgresql://");
    }
    url
}

/// The listening address, the separate metrics address if any, and the public base URL.
pub(super) fn addresses(v: &mut Vars) -> (SocketAddr, Option<SocketAddr>, String) {
    let bind_text = v.get("VOCPATH_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
    let bind = bind_text.parse::<SocketAddr>().unwrap_or_else(|_| {
        v.error(format!(
            "VOCPATH_BIND: `{bind_text}` is not an address like 127.0.0.1:8080"
        ));
        SocketAddr::from(([127, 0, 0, 1], 8080))
    });
    let metrics_bind = v
        .get("VOCPATH_METRICS_BIND")
        .and_then(|text| match text.parse::<SocketAddr>() {
            Ok(a) if a == bind => {
                v.error("VOCPATH_METRICS_BIND: must differ from VOCPATH_BIND");
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                v.error(format!(
                    "VOCPATH_METRICS_BIND: `{text}` is not an address like 127.0.0.1:9090"
                ));
                None
            }
        });
    let base_url = v
        .get("VOCPATH_BASE_URL")
        .unwrap_or_else(|| format!("http://{bind}"))
        .trim_end_matches('/')
        .to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        v.error("VOCPATH_BASE_URL: must start with http:// or https://");
    }
    (bind, metrics_bind, base_url)
}

pub(super) fn metrics_token(v: &mut Vars) -> Option<Secret> {
    let token = v.get("VOCPATH_METRICS_TOKEN").map(Secret);
    if token.as_ref().is_some_and(|t| t.0.len() < 16) {
        v.error("VOCPATH_METRICS_TOKEN: must be at least 16 characters");
    }
    token
}

pub(super) fn keys(v: &mut Vars) -> Keys {
    let secret_key = v.get("VOCPATH_SECRET_KEY").map(Secret);
    if secret_key.as_ref().is_some_and(|s| s.0.len() < 32) {
        v.error("VOCPATH_SECRET_KEY: must be at least 32 characters (e.g. 64 hex digits from `openssl rand -hex 32`)");
    }
    let secret_key_previous = v.get("VOCPATH_SECRET_KEY_PREVIOUS").map(Secret);
    if secret_key_previous.as_ref().is_some_and(|s| s.0.len() < 32) {
        v.error("VOCPATH_SECRET_KEY_PREVIOUS: must be at least 32 characters (the key used before)");
    }
    let data_key = v.get("VOCPATH_DATA_KEY").map(Secret);
    if data_key.as_ref().is_some_and(|k| decode_data_key(&k.0).is_none()) {
        v.error("VOCPATH_DATA_KEY: must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`");
    }
    Keys {
        secret_key,
        secret_key_previous,
        data_key,
    }
}

/// The SMTP server (unset: `.eml` files) and the sender address.
pub(super) fn mail(v: &mut Vars) -> (Option<Secret>, String) {
    let smtp_url = v.get("VOCPATH_SMTP_URL").map(Secret);
    if let Some(u) = &smtp_url {
        let ok = ["smtp://", "smtps://", "smtp+starttls://"]
            .iter()
            .any(|p| u.0.starts_with(p));
        if !ok {
            v.error("VOCPATH_SMTP_URL: must start with smtp://, smtps:// or smtp+starttls://");
        }
    }
    let mail_from = v
        .get("VOCPATH_MAIL_FROM")
        .unwrap_or_else(|| "vocpath <noreply@vocpath.local>".into());
    if !mail_from.contains('@') {
        v.error("VOCPATH_MAIL_FROM: must contain an email address, e.g. `招生办 <zs@example.cn>`");
    }
    (smtp_url, mail_from)
}

/// The HTTP SMS gateway, when `VOCPATH_SMS_URL` is set.
pub(super) fn sms(v: &mut Vars) -> Option<SmsConfig> {
    let url = v.get("VOCPATH_SMS_URL")?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        v.error("VOCPATH_SMS_URL: must start with http:// or https://");
    }
    let method = v
        .get("VOCPATH_SMS_METHOD")
        .unwrap_or_else(|| "POST".into())
        .to_uppercase();
    if method != "POST" && method != "GET" {
        v.error(format!("VOCPATH_SMS_METHOD: `{method}` is not POST or GET"));
    }
    let content_type = v
        .get("VOCPATH_SMS_CONTENT_TYPE")
        .unwrap_or_else(|| "application/json".into());
    let body = v
        .get("VOCPATH_SMS_BODY")
        .unwrap_or_else(|| r#"{"phone":"{phone}","message":"{message}"}"#.into());
    if method == "POST" && !body.contains("{message}") {
        v.error("VOCPATH_SMS_BODY: must contain {message} (and usually {phone})");
    }
    Some(SmsConfig {
        url: Secret(url),
        method,
        body,
        content_type,
    })
}

/// The first administrator's address and, optionally, password.
pub(super) fn admin(v: &mut Vars) -> (String, Option<Secret>) {
    let email = v
        .get("VOCPATH_ADMIN_EMAIL")
        .unwrap_or_else(|| "admin@vocpath.local".into())
        .to_lowercase();
    if !looks_like_email(&email) {
        v.error(format!("VOCPATH_ADMIN_EMAIL: `{email}` is not an email address"));
    }
    let password = v.get("VOCPATH_ADMIN_PASSWORD").map(Secret);
    if password.as_ref().is_some_and(|p| p.0.chars().count() < 8) {
        v.error("VOCPATH_ADMIN_PASSWORD: must be at least 8 characters");
    }
    (email, password)
}

pub(super) fn logging(v: &mut Vars) -> (String, LogFormat) {
    let filter = v.get("VOCPATH_LOG").unwrap_or_else(|| "info".into());
    let format = match v.get("VOCPATH_LOG_FORMAT").as_deref() {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            v.error(format!("VOCPATH_LOG_FORMAT: `{other}` is not `text` or `json`"));
            LogFormat::Text
        }
    };
    (filter, format)
}

/// The reverse proxies trusted to name the client, and the header they name it in.
pub(super) fn proxies(v: &mut Vars) -> (TrustedProxies, ForwardedHeader) {
    let trusted = TrustedProxies::parse(&v.get("VOCPATH_TRUSTED_PROXIES").unwrap_or_default()).unwrap_or_else(|e| {
        v.error(format!("VOCPATH_TRUSTED_PROXIES: {e}"));
        TrustedProxies::default()
    });
    let header = v
        .get("VOCPATH_FORWARDED_HEADER")
        .map(|text| ForwardedHeader::parse(&text))
        .transpose()
        .unwrap_or_else(|e| {
            v.error(format!("VOCPATH_FORWARDED_HEADER: {e}"));
            None
        })
        .unwrap_or_default();
    (trusted, header)
}

/// The county's policy: the aid printed on letters and the mentors' caps per role.
pub(super) fn policy(v: &mut Vars) -> (AidConfig, MentorCaps) {
    let aid = AidConfig {
        free_tuition: v.flag("VOCPATH_AID_FREE_TUITION", true),
        grant_yuan: v.number("VOCPATH_AID_GRANT_YUAN", 2000, 0, 100_000) as u32,
    };
    let caps = MentorCaps {
        counsellor: v.number("VOCPATH_MENTOR_MAX_COUNSELLOR", 30, 1, 200) as u32,
        class_teacher: v.number("VOCPATH_MENTOR_MAX_CLASS_TEACHER", 50, 1, 200) as u32,
        subject_teacher: v.number("VOCPATH_MENTOR_MAX_SUBJECT_TEACHER", 40, 1, 200) as u32,
    };
    (aid, caps)
}

pub(super) fn assets_dir(v: &mut Vars) -> Option<PathBuf> {
    let dir = v.get("VOCPATH_ASSETS_DIR").map(PathBuf::from);
    if let Some(dir) = dir.as_ref().filter(|d| !d.join("templates").is_dir()) {
        v.error(format!(
            "VOCPATH_ASSETS_DIR: `{}` has no templates/ folder; point it at the folder holding templates/ and static/ \
             (a source checkout), or unset it to use the templates built into vocpath",
            dir.display()
        ));
    }
    dir
}
