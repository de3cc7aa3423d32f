//! Configuration from `VOCPATH_*` environment variables.
//!
//! Every problem is collected and reported at once, by variable name, so an operator fixes a broken
//! deployment in one pass. Secrets (`secret_key`, passwords, credentials in URLs) never appear in
//! `Debug` output or logs. This module reads variables but does not touch the file system; creating the
//! data folder and the generated secret key happens in [`Config::prepare_data_dir`], called at start-up.
//!
//! `read` reads each group of variables, `vars` the reader that collects the problems, and
//! `data_dir` prepares the data folder and its key files.

mod data_dir;
mod read;
mod vars;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use entity::mentor_assignment::MentorRole;

use crate::client_addr::{ForwardedHeader, TrustedProxies};
use crate::limits::RateLimits;
use vars::Vars;

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
    /// The cap of a role.
    pub fn of(&self, role: MentorRole) -> u32 {
        match role {
            MentorRole::Counsellor => self.counsellor,
            MentorRole::ClassTeacher => self.class_teacher,
            MentorRole::SubjectTeacher => self.subject_teacher,
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
        let mut v = Vars::new(vars);
        let data_dir = PathBuf::from(v.get("VOCPATH_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = read::database_url(&mut v, &data_dir);
        let (bind, metrics_bind, base_url) = read::addresses(&mut v);
        let metrics_token = read::metrics_token(&mut v);
        let keys = read::keys(&mut v);
        let (smtp_url, mail_from) = read::mail(&mut v);
        let sms = read::sms(&mut v);
        let (admin_email, admin_password) = read::admin(&mut v);
        let (log_filter, log_format) = read::logging(&mut v);
        let max_body_bytes = v.number("VOCPATH_MAX_BODY_MB", 32, 1, 1024) as usize * 1024 * 1024;
        let max_form_bytes = v.number("VOCPATH_MAX_FORM_KB", 1024, 16, 64 * 1024) as usize * 1024;
        let session_hours = v.number("VOCPATH_SESSION_HOURS", 12, 1, 24 * 30);
        let (trusted_proxies, forwarded_header) = read::proxies(&mut v);
        let rate_limits = RateLimits::parse(|name, default, min, max| v.number(name, default, min, max));
        let (aid, mentor_caps) = read::policy(&mut v);
        let assets_dir = read::assets_dir(&mut v);
        v.finish()?;
        Ok(Config {
            data_dir,
            database_url: Secret(database_url),
            bind,
            base_url,
            secret_key: keys.secret_key,
            secret_key_previous: keys.secret_key_previous,
            data_key: keys.data_key,
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

pub(crate) fn decode_data_key(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
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
