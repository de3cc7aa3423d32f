//! Typed notices: every message the service sends — email or text message, to mentors, staff or
//! farmers — is a [`Notice`]: who it goes to, the idempotency key of the event it reports, and a
//! [`Message`] (a typed struct per kind holding the values its template shows). The outbox renders
//! it from `templates/email/<kind>/{subject.txt, body.txt, body.html}` or
//! `templates/sms/<kind>/body.txt` when it is queued ([`super::enqueue`]).
//!
//! The templates come from the set built into the binary (`build.rs`), parsed once per process on
//! first use (and checked at start by `app::build_state`), so no service has to carry templates to
//! queue a message. Rendering is strict: a missing value is an error, HTML is autoescaped. This
//! module must not decide when a message is sent, nor write message text itself: the words live in
//! the templates.

use std::sync::LazyLock;

use serde::Serialize;

pub use entity::outbox::Channel;

use crate::error::{AppError, Context};
use crate::mail::Rendered;

/// The typed values of one kind of message. `kind()` names both its template folder and the
/// outbox row's `kind`.
pub trait Message: Serialize {
    /// Email or text message.
    const CHANNEL: Channel;
    /// The template folder under `templates/<channel>/` and the stored kind.
    fn kind(&self) -> &'static str;
}

/// One message to queue: recipient (an email address or a mobile number), idempotency key (one
/// event never queues two messages) and the typed message.
#[derive(Debug, Clone)]
pub struct Notice<M> {
    pub key: String,
    pub to: String,
    pub message: M,
}

impl<M: Message> Notice<M> {
    pub fn new(key: impl Into<String>, to: impl Into<String>, message: M) -> Notice<M> {
        Notice {
            key: key.into(),
            to: to.into(),
            message,
        }
    }

    /// The message as it will be stored: subject, text and HTML for an email; for a text message,
    /// the kind as subject, the text, and no HTML (as text messages have always been stored).
    pub fn render(&self) -> Result<Rendered, AppError> {
        render(&self.message)
    }
}

/// Renders a message from its templates.
pub fn render<M: Message>(message: &M) -> Result<Rendered, AppError> {
    let kind = message.kind();
    let folder = M::CHANNEL.as_str();
    let tera = templates().map_err(AppError::internal)?;
    let ctx = tera::Context::from_serialize(message).context(format!("{folder} {kind} context"))?;
    let part = |file: &str| {
        tera.render(&format!("{folder}/{kind}/{file}"), &ctx)
            .context(format!("{folder} {kind}/{file}"))
    };
    Ok(match M::CHANNEL {
        Channel::Email => Rendered {
            subject: part("subject.txt")?.trim().to_string(),
            text: part("body.txt")?,
            html: part("body.html")?,
        },
        Channel::Sms => Rendered {
            subject: kind.to_string(),
            // A text message is one line: the file's final newline is not part of it.
            text: part("body.txt")?.trim_end_matches(['\n', '\r']).to_string(),
            html: String::new(),
        },
    })
}

static TEMPLATES: LazyLock<Result<tera::Tera, String>> = LazyLock::new(|| {
    let assets = crate::assets::Assets::embedded();
    let mut files = Vec::new();
    for (folder, prefix) in [("email", "templates/email/"), ("sms", "templates/sms/")] {
        for (name, text) in assets.texts_under(prefix, &["html", "txt"])? {
            files.push((format!("{folder}/{name}"), text));
        }
    }
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(files.iter().map(|(name, text)| (name.as_str(), *text)))
        .map_err(|e| format!("message templates: {e}"))?;
    Ok(tera)
});

/// The message templates, parsed once per process; an error names the template that failed.
pub fn templates() -> Result<&'static tera::Tera, String> {
    TEMPLATES.as_ref().map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Invite {
        course: &'static str,
        starts_on: &'static str,
        session_id: i32,
    }

    impl Message for Invite {
        const CHANNEL: Channel = Channel::Sms;
        fn kind(&self) -> &'static str {
            "invite"
        }
    }

    #[test]
    fn every_message_template_parses_and_text_messages_are_one_unescaped_line() {
        let tera = templates().expect("templates");
        let names: Vec<_> = tera.get_template_names().collect();
        assert!(names.contains(&"email/mentor_assignments/body.html"), "{names:?}");
        assert!(names.contains(&"sms/training_confirmed/body.txt"), "{names:?}");
        let text = render(&Invite {
            course: "蘑菇 & 木耳<栽培>",
            starts_on: "2026-03-02",
            session_id: 7,
        })
        .expect("render");
        assert_eq!(
            text.text,
            "【县职教培训】您关注的“蘑菇 & 木耳<栽培>”培训已排期，2026-03-02 开课，名额有限，请尽快报名（场次编号 7）。"
        );
        assert_eq!((text.subject.as_str(), text.html.as_str()), ("invite", ""));
    }
}
