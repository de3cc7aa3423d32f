//! Text messages: through the HTTP gateway configured by `VOCPATH_SMS_*`, or written to the log when
//! none is configured. This module sends; the outbox decides when (SMS rows have channel `sms`).

use std::time::Duration;

use crate::config::SmsConfig;

/// Where text messages go.
#[derive(Clone, Debug)]
pub enum SmsSender {
    Gateway {
        client: reqwest::Client,
        config: SmsConfig,
    },
    /// No gateway: each message is logged (phone masked) and counts as sent.
    Log,
}

impl SmsSender {
    pub fn from_config(config: Option<&SmsConfig>) -> Result<SmsSender, String> {
        let Some(config) = config else {
            return Ok(SmsSender::Log);
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("SMS gateway client: {e}"))?;
        Ok(SmsSender::Gateway {
            client,
            config: config.clone(),
        })
    }

    /// Sends one message; an error (unreachable, non-2xx answer) is retried by the outbox.
    pub async fn send(&self, phone: &str, message: &str) -> Result<(), String> {
        match self {
            SmsSender::Log => {
                let message = redact_codes(message);
                tracing::info!(phone = %mask_phone(phone), %message, "SMS (no gateway configured; logged only)");
                Ok(())
            }
            SmsSender::Gateway { client, config } => {
                let url = fill(config.url.expose(), phone, message, Escape::Url);
                let request = if config.method == "GET" {
                    client.get(url)
                } else {
                    let escape = if config.content_type.contains("json") {
                        Escape::Json
                    } else if config.content_type.contains("x-www-form-urlencoded") {
                        Escape::Url
                    } else {
                        Escape::None
                    };
                    client
                        .post(url)
                        .header(reqwest::header::CONTENT_TYPE, config.content_type.clone())
                        .body(fill(&config.body, phone, message, escape))
                };
                let response = request
                    .send()
                    .await
                    .map_err(|e| format!("SMS gateway unreachable: {}", without_url(&e)))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
                    Err(format!("SMS gateway answered {status}: {text}"))
                }
            }
        }
    }
}

/// The error without the URL, which may carry the gateway's API key.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<gateway>");
    }
    s
}

#[derive(Clone, Copy)]
enum Escape {
    Url,
    Json,
    None,
}

fn fill(template: &str, phone: &str, message: &str, escape: Escape) -> String {
    let esc = |v: &str| match escape {
        Escape::Url => serde_urlencoded::to_string([("", v)])
            .map(|s| s.trim_start_matches('=').to_string())
            .unwrap_or_default(),
        Escape::Json => {
            let quoted = serde_json::to_string(v).unwrap_or_default();
            quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
        }
        Escape::None => v.to_string(),
    };
    template
        .replace("{phone}", &esc(phone))
        .replace("{message}", &esc(message))
}

/// Hides runs of 6 or more digits (confirmation codes) in a logged message.
fn redact_codes(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str(&"*".repeat(digits.len()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in message.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_escaped_for_where_they_go() {
        let json = fill(
            r#"{"to":"{phone}","text":"{message}"}"#,
            "13800138000",
            "您好\"测试\"",
            Escape::Json,
        );
        assert_eq!(json, r#"{"to":"13800138000","text":"您好\"测试\""}"#);
        let v: serde_json::Value = serde_json::from_str(&json).expect("the filled body is JSON");
        assert_eq!(v["text"], "您好\"测试\"");
        let url = fill(
            "https://sms.example/send?to={phone}&msg={message}",
            "13800138000",
            "a b&c",
            Escape::Url,
        );
        assert_eq!(url, "https://sms.example/send?to=13800138000&msg=a+b%26c");
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(
            redact_codes("确认码 02559502，2026-12-10 开课"),
            "确认码 ********，2026-12-10 开课"
        );
    }
}
