//! Email transports: SMTP through lettre with a pooled connection, `.eml` files in a folder when no
//! SMTP server is configured, or memory (tests read what was sent). This module sends; it never
//! decides *when* (that is the outbox's job) nor *what* (typed notices rendered from templates,
//! `outbox::notice`).
//!
//! Errors: [`Mailer::send`] returns a [`MailError`]; the outbox records its text on the row and
//! retries with backoff, so no error here is fatal to the service.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where outgoing mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message in this folder.
    File(PathBuf),
    /// Kept in memory, for tests: [`Mailer::take_sent`] hands them over.
    Memory(Arc<Mutex<Vec<SentEmail>>>),
}

/// Why an email could not be sent (or built). The outbox stores its text and retries.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("sender `{address}`: {reason}")]
    Sender { address: String, reason: String },
    #[error("recipient `{address}`: {reason}")]
    Recipient { address: String, reason: String },
    #[error("message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("{0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the mail file: {0}")]
    File(#[from] std::io::Error),
}

/// One email the memory transport received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The whole message as it would go over the wire (headers and MIME parts).
    pub raw: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::File(p) => write!(f, "Mailer::File({})", p.display()),
            Mailer::Memory(_) => f.write_str("Mailer::Memory"),
        }
    }
}

impl Mailer {
    /// SMTP from `smtp://`, `smtps://` or `smtp+starttls://user:pass@host:port`, else files.
    pub fn from_config(smtp_url: Option<&str>, mail_dir: PathBuf) -> Result<Mailer, String> {
        let Some(url) = smtp_url else {
            return Ok(Mailer::File(mail_dir));
        };
        let url = match url.strip_prefix("smtp+starttls://") {
            Some(rest) => format!("smtp://{rest}?tls=required"),
            None => url.to_string(),
        };
        let builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(&url).map_err(|e| format!("VOCPATH_SMTP_URL: {e}"))?;
        Ok(Mailer::Smtp(builder.build()))
    }

    /// Plain SMTP without TLS to a local test server.
    pub fn plain_smtp(host: &str, port: u16) -> Mailer {
        Mailer::Smtp(
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .build(),
        )
    }

    /// A memory transport (tests).
    pub fn memory() -> Mailer {
        Mailer::Memory(Arc::default())
    }

    /// The emails the memory transport received since the last call (none for other transports).
    pub fn take_sent(&self) -> Vec<SentEmail> {
        match self {
            Mailer::Memory(sent) => std::mem::take(&mut *sent.lock().unwrap_or_else(|e| e.into_inner())),
            _ => Vec::new(),
        }
    }

    /// Sends one message.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(MailError::from),
            Mailer::Memory(sent) => {
                let email = SentEmail {
                    to: message.envelope().to().iter().map(ToString::to_string).collect(),
                    raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
                };
                sent.lock().unwrap_or_else(|e| e.into_inner()).push(email);
                Ok(())
            }
            Mailer::File(dir) => {
                // The files hold live mentor links: readable by the service's account only.
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
                    uuid::Uuid::new_v4().simple()
                );
                let (dir, bytes) = (dir.clone(), message.formatted());
                tokio::task::spawn_blocking(move || {
                    crate::files::private_dir(&dir)?;
                    crate::files::write_new(&dir.join(name), &bytes)
                })
                .await
                .map_err(|e| MailError::File(std::io::Error::other(e)))?
                .map_err(MailError::File)
            }
        }
    }
}

/// A rendered email, ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The Message-ID of the outbox row `id` with idempotency key `key`, sent from `from`: valid under
/// RFC 5322 (`<dot-atom@domain>`: the key's characters outside `atext` become dots, so
/// `mentor_assignment:14` reads `mentor_assignment.14`), unique by the row id, and with the
/// sender's own domain on the right, so receivers that de-duplicate by Message-ID see one message
/// per outbox row however often it is retried.
pub fn message_id(id: i64, key: &str, from: &str) -> String {
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let mut left = format!("{id}.");
    for c in key.chars() {
        let c = if atext(c) { c } else { '.' };
        if !(c == '.' && left.ends_with('.')) {
            left.push(c);
        }
    }
    let left = left.trim_end_matches('.');
    let address = from
        .rsplit_once('<')
        .map_or(from, |(_, a)| a)
        .trim_end_matches('>')
        .trim();
    let domain = address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .unwrap_or("vocpath.local");
    format!("<{left}@{domain}>")
}

/// Builds the multipart/alternative message (lettre encodes a Chinese subject per RFC 2047).
pub fn build_message(
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
    message_id: &str,
) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Sender {
            address: from.to_string(),
            reason: e.to_string(),
        })?;
    let to: Mailbox = to
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Recipient {
            address: to.to_string(),
            reason: e.to_string(),
        })?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_string()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text.to_string()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html.to_string()),
                ),
        )
        .map_err(MailError::from)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn mail_files_are_readable_by_the_service_alone() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("mail");
        let mailer = Mailer::File(dir.clone());
        let message = Message::builder()
            .from("vocpath@example.cn".parse().expect("from"))
            .to("mentor@example.cn".parse().expect("to"))
            .subject("link")
            .body("https://vocpath.example.cn/mentor-links/1-abc".to_string())
            .expect("message");
        mailer.send(message).await.expect("written");
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(mode(&files[0]), 0o600);
    }
}

#[cfg(test)]
mod message_ids {
    use super::message_id;

    /// `<dot-atom@domain>` with only `atext` and single dots on the left (RFC 5322 §3.6.4).
    fn valid(id: &str) -> bool {
        let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
            return false;
        };
        let Some((left, domain)) = inner.split_once('@') else {
            return false;
        };
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        !left.is_empty()
            && !domain.is_empty()
            && left.split('.').all(|part| !part.is_empty() && part.chars().all(atext))
            && domain.split('.').all(|part| !part.is_empty())
    }

    #[test]
    fn message_ids_are_valid_and_carry_the_senders_domain() {
        let id = message_id(14, "mentor_assignment:14", "招生办 <zs@jyedu.example.cn>");
        assert_eq!(id, "<14.mentor_assignment.14@jyedu.example.cn>");
        assert!(valid(&id), "{id}");
        for key in [
            "a::b",
            ":lead",
            "trail:",
            "中文:键",
            "a b<c>@d",
            "mentor_batch:3:abcdef",
            "",
        ] {
            let id = message_id(7, key, "noreply@vocpath.local");
            assert!(valid(&id), "{key:?} -> {id}");
        }
        assert_eq!(message_id(1, "k", "not an address"), "<1.k@vocpath.local>");
        let built = super::build_message(
            "vocpath <noreply@vocpath.local>",
            "x <y@z.cn>",
            "s",
            "t",
            "<p>h</p>",
            &message_id(3, "mentor_batch:3:abc", "noreply@vocpath.local"),
        )
        .expect("message");
        let raw = String::from_utf8(built.formatted()).expect("utf8");
        assert!(
            raw.contains("Message-ID: <3.mentor_batch.3.abc@vocpath.local>"),
            "{raw}"
        );
    }
}
