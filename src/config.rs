//! Configuration from `VOCPATH_*` environment variables.
//!
//! Every problem is collected and reported at once, by variable name, so an operator fixes a broken
//! deployment in one pass. Secrets (`secret_key`, passwords, credentials in URLs) never appear in
//! `Debug` output or logs. This module reads variables but does not touch the file system; creating the
//! data folder and the generated secret key happens in [`Config::prepare_data_dir`], called at start-up.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::client_addr::{ForwardedHeader, TrustedProxies};
use crate::limits::RateLimits;

/// A secret string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The service's whole configuration, passed explicitly (never global).
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder for the SQLite file, the generated secret key and outgoing mail files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`. Redacted in `Debug` because it may carry a password.
    pub database_url: Secret,
    pub bind: SocketAddr,
    /// The address users reach the service at, used in links and to decide `Secure` cookies.
    pub base_url: String,
    /// At least 32 bytes; signs CSRF tokens and email links. `None` until the data folder is prepared.
    pub secret_key: Option<Secret>,
    /// The secret key before the last change, accepted for checking signatures only.
    pub secret_key_previous: Option<Secret>,
    /// 32 bytes (64 hex digits) encrypting national IDs at rest and keying their look-up hash.
    /// `None` until the data folder is prepared (then read from or generated into `data.key`).
    pub data_key: Option<Secret>,
    /// SMTP server (`smtp://`, `smtps://`, `smtp+starttls://`); `None` writes `.eml` files instead.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// SMS gateway: `None` writes text messages to the log instead of sending them.
    pub sms: Option<SmsConfig>,
    pub admin_email: String,
    pub admin_password: Option<Secret>,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest form or JSON body (everything but a register upload).
    pub max_form_bytes: usize,
    pub session_hours: i64,
    /// A folder whose `templates/` and `static/` replace the ones built into the binary (for template
    /// development); `None` serves the built-in assets.
    pub assets_dir: Option<PathBuf>,
    /// Reverse proxies whose forwarding header names the client.
    pub trusted_proxies: TrustedProxies,
    /// The one header those proxies write the client into; the other is ignored.
    pub forwarded_header: ForwardedHeader,
    /// Attempts allowed at sign-in and at the public forms.
    pub rate_limits: RateLimits,
    /// Memory cost of argon2id in KiB. Lowered only by tests.
    pub argon2_memory_kib: u32,
    /// `/metrics` on the main address answers only with this bearer token.
    pub metrics_token: Option<Secret>,
    /// A separate address serving only `/metrics` (for a scraper on an internal network).
    pub metrics_bind: Option<SocketAddr>,
    /// The aid a registered-household student is entitled to, as the county grants it; printed on
    /// admission letters.
    pub aid: AidConfig,
    /// The county's policy: the most mentees one mentor may have in each role.
    pub mentor_caps: MentorCaps,
}

/// The aid a registered-household student placed in a vocational programme receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AidConfig {
    /// Tuition is waived (免学费).
    pub free_tuition: bool,
    /// The national grant (国家助学金) in yuan per year; 0 when the county grants none.
    pub grant_yuan: u32,
}

impl Default for AidConfig {
    fn default() -> Self {
        AidConfig {
            free_tuition: true,
            grant_yuan: 2000,
        }
    }
}

/// The most mentees a mentor may take in each role, by county policy (一对一帮扶 must stay
/// one-to-one in practice): a profile's maximum above it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentorCaps {
    pub counsellor: u32,
    pub class_teacher: u32,
    pub subject_teacher: u32,
}

impl Default for MentorCaps {
    fn default() -> Self {
        MentorCaps {
            counsellor: 30,
            class_teacher: 50,
            subject_teacher: 40,
        }
    }
}

impl MentorCaps {
    /// The cap of a role code (`counsellor`, `class_teacher`, `subject_teacher`).
    pub fn of(&self, role: &str) -> Option<u32> {
        match role {
            "counsellor" => Some(self.counsellor),
            "class_teacher" => Some(self.class_teacher),
            "subject_teacher" => Some(self.subject_teacher),
            _ => None,
        }
    }
}

/// An HTTP SMS gateway: the request made for each text message. `{phone}` and `{message}` in the
/// URL and the body are replaced (URL-encoded in the URL and in form bodies, JSON-escaped in JSON
/// bodies).
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// Redacted in `Debug`: gateway URLs often carry an API key.
    pub url: Secret,
    /// `POST` (default) or `GET`.
    pub method: String,
    pub body: String,
    pub content_type: String,
}

/// All configuration problems found, each naming its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigErrors> {
        Config::from_vars(std::env::vars())
    }

    /// Builds a configuration from `(name, value)` pairs; unrelated names are ignored.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigErrors> {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .filter(|(k, v)| k.starts_with("VOCPATH_") && !v.trim().is_empty())
            .collect();
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_string());
        let mut errors = Vec::new();

        let data_dir = PathBuf::from(get("VOCPATH_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("VOCPATH_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("vocpath.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            errors.push("VOCPATH_DATABASE_URL: must start with sqlite:, postgres:// or postgresql://".into());
        }
        let bind_text = get("VOCPATH_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_text.parse::<SocketAddr>().unwrap_or_else(|_| {
            errors.push(format!(
                "VOCPATH_BIND: `{bind_text}` is not an address like 127.0.0.1:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let metrics_bind = get("VOCPATH_METRICS_BIND").and_then(|text| match text.parse::<SocketAddr>() {
            Ok(a) if a == bind => {
                errors.push("VOCPATH_METRICS_BIND: must differ from VOCPATH_BIND".into());
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                errors.push(format!(
                    "VOCPATH_METRICS_BIND: `{text}` is not an address like 127.0.0.1:9090"
                ));
                None
            }
        });
        let metrics_token = get("VOCPATH_METRICS_TOKEN").map(Secret);
        if metrics_token.as_ref().is_some_and(|t| t.0.len() < 16) {
            errors.push("VOCPATH_METRICS_TOKEN: must be at least 16 characters".into());
        }
        let base_url = get("VOCPATH_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            errors.push("VOCPATH_BASE_URL: must start with http:// or https://".into());
        }
        let secret_key = get("VOCPATH_SECRET_KEY").map(Secret);
        if secret_key.as_ref().is_some_and(|s| s.0.len() < 32) {
            errors.push(
                "VOCPATH_SECRET_KEY: must be at least 32 characters (e.g. 64 hex digits from `openssl rand -hex 32`)"
                    .into(),
            );
        }
        let secret_key_previous = get("VOCPATH_SECRET_KEY_PREVIOUS").map(Secret);
        if secret_key_previous.as_ref().is_some_and(|s| s.0.len() < 32) {
            errors.push("VOCPATH_SECRET_KEY_PREVIOUS: must be at least 32 characters (the key used before)".into());
        }
        let data_key = get("VOCPATH_DATA_KEY").map(Secret);
        if data_key.as_ref().is_some_and(|k| decode_data_key(&k.0).is_none()) {
            errors.push("VOCPATH_DATA_KEY: must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`".into());
        }
        let smtp_url = get("VOCPATH_SMTP_URL").map(Secret);
        if let Some(u) = &smtp_url {
            let ok = ["smtp://", "smtps://", "smtp+starttls://"]
                .iter()
                .any(|p| u.0.starts_with(p));
            if !ok {
                errors.push("VOCPATH_SMTP_URL: must start with smtp://, smtps:// or smtp+starttls://".into());
            }
        }
        let mail_from = get("VOCPATH_MAIL_FROM").unwrap_or_else(|| "vocpath <noreply@vocpath.local>".into());
        if !mail_from.contains('@') {
            errors.push("VOCPATH_MAIL_FROM: must contain an email address, e.g. `招生办 <zs@example.cn>`".into());
        }
        let sms = get("VOCPATH_SMS_URL").map(|url| {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                errors.push("VOCPATH_SMS_URL: must start with http:// or https://".into());
            }
            let method = get("VOCPATH_SMS_METHOD")
                .unwrap_or_else(|| "POST".into())
                .to_uppercase();
            if method != "POST" && method != "GET" {
                errors.push(format!("VOCPATH_SMS_METHOD: `{method}` is not POST or GET"));
            }
            let content_type = get("VOCPATH_SMS_CONTENT_TYPE").unwrap_or_else(|| "application/json".into());
            let body = get("VOCPATH_SMS_BODY").unwrap_or_else(|| r#"{"phone":"{phone}","message":"{message}"}"#.into());
            if method == "POST" && !body.contains("{message}") {
                errors.push("VOCPATH_SMS_BODY: must contain {message} (and usually {phone})".into());
            }
            SmsConfig {
                url: Secret(url),
                method,
                body,
                content_type,
            }
        });
        let admin_email = get("VOCPATH_ADMIN_EMAIL")
            .unwrap_or_else(|| "admin@vocpath.local".into())
            .to_lowercase();
        if !looks_like_email(&admin_email) {
            errors.push(format!("VOCPATH_ADMIN_EMAIL: `{admin_email}` is not an email address"));
        }
        let admin_password = get("VOCPATH_ADMIN_PASSWORD").map(Secret);
        if admin_password.as_ref().is_some_and(|p| p.0.chars().count() < 8) {
            errors.push("VOCPATH_ADMIN_PASSWORD: must be at least 8 characters".into());
        }
        let log_filter = get("VOCPATH_LOG").unwrap_or_else(|| "info".into());
        let log_format = match get("VOCPATH_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errors.push(format!("VOCPATH_LOG_FORMAT: `{other}` is not `text` or `json`"));
                LogFormat::Text
            }
        };
        let max_body_bytes = parse_number(&get, "VOCPATH_MAX_BODY_MB", 32, 1, 1024, &mut errors) as usize * 1024 * 1024;
        let max_form_bytes =
            parse_number(&get, "VOCPATH_MAX_FORM_KB", 1024, 16, 64 * 1024, &mut errors) as usize * 1024;
        let session_hours = parse_number(&get, "VOCPATH_SESSION_HOURS", 12, 1, 24 * 30, &mut errors);
        let trusted_proxies = TrustedProxies::parse(&get("VOCPATH_TRUSTED_PROXIES").unwrap_or_default())
            .unwrap_or_else(|e| {
                errors.push(format!("VOCPATH_TRUSTED_PROXIES: {e}"));
                TrustedProxies::default()
            });
        let forwarded_header = get("VOCPATH_FORWARDED_HEADER")
            .map(|text| ForwardedHeader::parse(&text))
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(format!("VOCPATH_FORWARDED_HEADER: {e}"));
                None
            })
            .unwrap_or_default();
        let rate_limits =
            RateLimits::parse(|name, default, min, max| parse_number(&get, name, default, min, max, &mut errors));
        let aid = AidConfig {
            free_tuition: parse_flag(&get, "VOCPATH_AID_FREE_TUITION", true, &mut errors),
            grant_yuan: parse_number(&get, "VOCPATH_AID_GRANT_YUAN", 2000, 0, 100_000, &mut errors) as u32,
        };
        let mentor_caps = MentorCaps {
            counsellor: parse_number(&get, "VOCPATH_MENTOR_MAX_COUNSELLOR", 30, 1, 200, &mut errors) as u32,
            class_teacher: parse_number(&get, "VOCPATH_MENTOR_MAX_CLASS_TEACHER", 50, 1, 200, &mut errors) as u32,
            subject_teacher: parse_number(&get, "VOCPATH_MENTOR_MAX_SUBJECT_TEACHER", 40, 1, 200, &mut errors) as u32,
        };
        let assets_dir = get("VOCPATH_ASSETS_DIR").map(PathBuf::from);
        if let Some(dir) = assets_dir.as_ref().filter(|d| !d.join("templates").is_dir()) {
            errors.push(format!(
                "VOCPATH_ASSETS_DIR: `{}` has no templates/ folder; point it at the folder holding templates/ and static/ \
                 (a source checkout), or unset it to use the templates built into vocpath",
                dir.display()
            ));
        }

        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            data_dir,
            database_url: Secret(database_url),
            bind,
            base_url,
            secret_key,
            secret_key_previous,
            data_key,
            smtp_url,
            mail_from,
            sms,
            admin_email,
            admin_password,
            log_filter,
            log_format,
            max_body_bytes,
            max_form_bytes,
            session_hours,
            assets_dir,
            trusted_proxies,
            forwarded_header,
            rate_limits,
            argon2_memory_kib: argon2::Params::DEFAULT_M_COST,
            metrics_token,
            metrics_bind,
            aid,
            mentor_caps,
        })
    }

    /// Creates the data folder (0700) and, for the secret key and the data key that were not
    /// configured, reads `secret.key` / `data.key` there or generates them (0600) when missing.
    /// A key file that exists but is not a valid key stops the start: it is never replaced, since
    /// a new data key would make every stored national ID unreadable. Files in the folder open to
    /// other accounts are tightened. Returns warnings to log.
    pub fn prepare_data_dir(&mut self) -> Result<Vec<String>, String> {
        let dir = &self.data_dir;
        let io = |e: std::io::Error| format!("cannot prepare the data folder {}: {e}", dir.display());
        let mut warnings: Vec<String> = crate::files::private_dir(dir).map_err(io)?.into_iter().collect();
        if crate::key_rotation::in_progress(dir) {
            return Err(format!(
                "a data-key rotation is unfinished ({} exists): run `vocpath rotate-data-key` again to finish it. \
                 If it finished with VOCPATH_DATA_KEY set, put the new key there and delete that file.",
                dir.join(crate::key_rotation::NEW_KEY_FILE).display()
            ));
        }
        if self.secret_key.is_none() {
            let path = dir.join("secret.key");
            let (key, warning) = load_or_generate_key(&path, "VOCPATH_SECRET_KEY", |k| k.len() >= 32)?;
            self.secret_key = Some(Secret(key));
            warnings.push(warning);
        }
        if self.data_key.is_none() {
            let path = dir.join("data.key");
            let (key, warning) = load_or_generate_key(&path, "VOCPATH_DATA_KEY", |k| decode_data_key(k).is_some())?;
            self.data_key = Some(Secret(key));
            warnings.push(format!(
                "{warning}. Losing this key makes the stored national IDs unreadable: back it up."
            ));
        }
        if let Some(db_file) = self.sqlite_file() {
            // An empty file is a valid empty database; made here so that it starts 0600.
            match crate::files::write_new(&db_file, b"") {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    warnings.extend(crate::files::tighten(&db_file, 0o600).map_err(io)?);
                }
                Err(e) => return Err(format!("cannot create the database file {}: {e}", db_file.display())),
            }
        }
        warnings.extend(crate::files::tighten_files_in(dir).map_err(io)?);
        Ok(warnings)
    }

    /// The SQLite database file, when the database is a SQLite file.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let url = self.database_url.0.as_str();
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
    }

    /// The 32-byte data key. Start-up guarantees it is set before the app is built.
    pub fn data_key_bytes(&self) -> Option<[u8; 32]> {
        self.data_key.as_ref().and_then(|k| decode_data_key(&k.0))
    }

    /// The secret key bytes. Start-up guarantees it is set before the app is built.
    pub fn secret(&self) -> &[u8] {
        self.secret_key.as_ref().map(|s| s.0.as_bytes()).unwrap_or_default()
    }

    /// The keys a signature is checked against: the current one, then the previous one while a
    /// rotation of `VOCPATH_SECRET_KEY` is under way (links, cookies and forms signed before the
    /// change stay valid until they expire). New signatures always use [`Config::secret`].
    pub fn verifying_secrets(&self) -> Vec<&[u8]> {
        std::iter::once(self.secret())
            .chain(self.secret_key_previous.as_ref().map(|s| s.0.as_bytes()))
            .collect()
    }

    /// True when links and cookies are served over TLS.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.0.starts_with("sqlite:")
    }
}

fn decode_data_key(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

/// Reads the key kept in `path`, or generates one there (0600) when the file does not exist.
fn load_or_generate_key(path: &Path, variable: &str, valid: impl Fn(&str) -> bool) -> Result<(String, String), String> {
    match std::fs::read_to_string(path) {
        Ok(existing) => {
            let existing = existing.trim().to_string();
            if !valid(&existing) {
                return Err(format!(
                    "{} exists but does not hold a valid key for {variable} (damaged or edited?). \
                     vocpath will not replace it: restore the file from your backup, or set {variable}. \
                     Only if this is a new installation with no data may you delete the file to have a new key made.",
                    path.display()
                ));
            }
            let warning = format!("{variable} is not set; using the key kept in {}", path.display());
            Ok((existing, warning))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let key = hex::encode(bytes);
            crate::files::write_new(path, key.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let warning = format!(
                "{variable} is not set; generated a new key into {} — keep that file, or set the variable",
                path.display()
            );
            Ok((key, warning))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
    errors: &mut Vec<String>,
) -> i64 {
    match get(name) {
        None => default,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.push(format!("{name}: `{v}` must be a whole number from {min} to {max}"));
                default
            }
        },
    }
}

/// `true`/`false` (also `yes`/`no`, `1`/`0`), case-insensitive.
fn parse_flag(get: &impl Fn(&str) -> Option<String>, name: &str, default: bool, errors: &mut Vec<String>) -> bool {
    match get(name).map(|v| v.to_ascii_lowercase()) {
        None => default,
        Some(v) if matches!(v.as_str(), "true" | "yes" | "1") => true,
        Some(v) if matches!(v.as_str(), "false" | "no" | "0") => false,
        Some(v) => {
            errors.push(format!("{name}: `{v}` must be true or false"));
            default
        }
    }
}

/// A light syntactic check: something@something.tld, no spaces.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
        && s.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_serve_on_localhost_with_sqlite_in_data_folder() {
        let c = Config::from_vars(vars(&[])).expect("defaults are valid");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.expose().starts_with("sqlite://data/vocpath.db"));
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert!(!c.is_https());
    }

    #[test]
    fn every_problem_is_reported_at_once_by_variable_name() {
        let err = Config::from_vars(vars(&[
            ("VOCPATH_BIND", "localhost"),
            ("VOCPATH_SECRET_KEY", "short"),
            ("VOCPATH_DATABASE_URL", "mysql://x"),
            ("VOCPATH_SESSION_HOURS", "-3"),
            ("VOCPATH_LOG_FORMAT", "xml"),
        ]))
        .expect_err("invalid");
        let text = err.to_string();
        for name in [
            "VOCPATH_BIND",
            "VOCPATH_SECRET_KEY",
            "VOCPATH_DATABASE_URL",
            "VOCPATH_SESSION_HOURS",
            "VOCPATH_LOG_FORMAT",
        ] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
        assert_eq!(err.0.len(), 5);
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let c = Config::from_vars(vars(&[
            ("VOCPATH_SECRET_KEY", "k3y-that-is-long-enough-to-be-accepted-here"),
            ("VOCPATH_DATABASE_URL", "postgres://app:hunter2@db/vocpath"),
            ("VOCPATH_ADMIN_PASSWORD", "first-password-123"),
            ("VOCPATH_SMTP_URL", "smtp://user:mailpass@mail:25"),
            (
                "VOCPATH_DATA_KEY",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            ),
        ]))
        .expect("valid");
        let dbg = format!("{c:?}");
        for secret in [
            "k3y-that-is-long",
            "hunter2",
            "first-password-123",
            "mailpass",
            "00112233445566",
        ] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
    }

    #[test]
    fn a_generated_secret_key_is_kept_and_reused() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("data");
        let mut c = Config::from_vars(vars(&[("VOCPATH_DATA_DIR", dir.to_str().expect("utf8"))])).expect("valid");
        let warnings = c.prepare_data_dir().expect("io");
        assert!(warnings.iter().all(|w| w.contains("generated")), "{warnings:?}");
        assert_eq!(warnings.len(), 2);
        assert!(c.data_key_bytes().is_some());
        let first = c.secret().to_vec();
        let mut again = Config::from_vars(vars(&[("VOCPATH_DATA_DIR", dir.to_str().expect("utf8"))])).expect("valid");
        again.prepare_data_dir().expect("io");
        assert_eq!(first, again.secret());
    }

    #[test]
    fn a_damaged_key_file_stops_the_start_and_is_never_replaced() {
        for (file, content) in [
            ("data.key", "not-hex-at-all"),
            ("data.key", ""),
            ("secret.key", "short"),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(file);
            std::fs::write(&path, content).expect("write");
            let mut c =
                Config::from_vars(vars(&[("VOCPATH_DATA_DIR", dir.path().to_str().expect("utf8"))])).expect("valid");
            let err = c.prepare_data_dir().expect_err("refused");
            assert!(err.contains(file) && err.contains("restore"), "{err}");
            assert_eq!(
                std::fs::read_to_string(&path).expect("kept"),
                content,
                "{file} untouched"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_keys_and_database_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("data");
        let mut c = Config::from_vars(vars(&[("VOCPATH_DATA_DIR", dir.to_str().expect("utf8"))])).expect("valid");
        c.prepare_data_dir().expect("prepared");
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for f in ["secret.key", "data.key", "vocpath.db"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
    }

    #[test]
    fn proxies_and_rate_limits_are_read_and_bad_values_named() {
        let c = Config::from_vars(vars(&[
            ("VOCPATH_TRUSTED_PROXIES", "10.0.0.1, fd00::/8"),
            ("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", "300"),
        ]))
        .expect("valid");
        assert!(c.trusted_proxies.contains("fd00::5".parse().expect("ip")));
        assert_eq!(c.rate_limits.public.per_address, 300);
        assert_eq!(c.rate_limits.login, crate::limits::LoginLimits::default());
        assert_eq!(c.forwarded_header, ForwardedHeader::XForwardedFor);
        let forwarded = Config::from_vars(vars(&[("VOCPATH_FORWARDED_HEADER", "Forwarded")])).expect("valid");
        assert_eq!(forwarded.forwarded_header, ForwardedHeader::Forwarded);
        let err = Config::from_vars(vars(&[
            ("VOCPATH_TRUSTED_PROXIES", "10.0.0.1, proxy.local"),
            ("VOCPATH_FORWARDED_HEADER", "x-real-ip"),
            ("VOCPATH_RATE_LIMIT_LOGIN_ACCOUNT", "0"),
            ("VOCPATH_RATE_LIMIT_LOGIN_DEVICES_TOTAL", "many"),
            ("VOCPATH_RATE_LIMIT_PUBLIC_WINDOW_MINUTES", "soon"),
        ]))
        .expect_err("invalid")
        .to_string();
        for name in [
            "VOCPATH_TRUSTED_PROXIES: `proxy.local`",
            "VOCPATH_FORWARDED_HEADER: `x-real-ip`",
            "VOCPATH_RATE_LIMIT_LOGIN_ACCOUNT",
            "VOCPATH_RATE_LIMIT_LOGIN_DEVICES_TOTAL",
            "VOCPATH_RATE_LIMIT_PUBLIC_WINDOW_MINUTES",
        ] {
            assert!(err.contains(name), "{name} missing from {err}");
        }
    }

    #[test]
    fn https_base_url_means_secure_cookies() {
        let c = Config::from_vars(vars(&[("VOCPATH_BASE_URL", "https://vocpath.example.cn/")])).expect("valid");
        assert!(c.is_https());
        assert_eq!(c.base_url, "https://vocpath.example.cn");
    }

    #[test]
    fn aid_defaults_to_free_tuition_and_a_2000_yuan_grant_and_bad_values_are_named() {
        let c = Config::from_vars(vars(&[])).expect("valid");
        assert_eq!(c.aid, AidConfig::default());
        assert!(c.aid.free_tuition);
        assert_eq!(c.aid.grant_yuan, 2000);
        let c = Config::from_vars(vars(&[
            ("VOCPATH_AID_FREE_TUITION", "False"),
            ("VOCPATH_AID_GRANT_YUAN", "3300"),
        ]))
        .expect("valid");
        assert_eq!(
            c.aid,
            AidConfig {
                free_tuition: false,
                grant_yuan: 3300
            }
        );
        let err = Config::from_vars(vars(&[
            ("VOCPATH_AID_FREE_TUITION", "maybe"),
            ("VOCPATH_AID_GRANT_YUAN", "-5"),
        ]))
        .expect_err("invalid")
        .to_string();
        assert!(err.contains("VOCPATH_AID_FREE_TUITION: `maybe`"), "{err}");
        assert!(err.contains("VOCPATH_AID_GRANT_YUAN"), "{err}");
    }
}
