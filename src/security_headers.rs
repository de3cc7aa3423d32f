//! Security headers on every response: a Content-Security-Policy that allows no inline script and
//! no framing, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, and HSTS when the
//! service is reached over https.
//!
//! The farmers' pages carry their small stylesheet inline (one request fewer on a weak signal);
//! the policy allows exactly those `<style>` blocks by their SHA-256, computed from the templates at
//! start-up, and no other inline style. The Swagger UI page (`/api/docs`) runs its own inline
//! script, so it alone gets a policy that allows it. This module must not change a response body.

use std::sync::Arc;

use base64::Engine;
use poem::http::HeaderValue;
use poem::{Endpoint, Request, Response};
use sha2::{Digest, Sha256};

/// The headers, built once.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    docs_csp: HeaderValue,
    hsts: bool,
}

impl SecurityHeaders {
    /// The policy for pages whose inline `<style>` blocks hash to `style_hashes`.
    pub fn new(style_hashes: &[String], https: bool) -> Result<SecurityHeaders, String> {
        let styles: String = style_hashes.iter().map(|h| format!(" 'sha256-{h}'")).collect();
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        let docs_csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        Ok(SecurityHeaders {
            csp: HeaderValue::from_str(&csp).map_err(|e| format!("content security policy: {e}"))?,
            docs_csp: HeaderValue::from_static(docs_csp),
            hsts: https,
        })
    }

    /// Hashes every inline `<style>` block of the page templates, given as (name, text) with names
    /// relative to `templates/` (emails, which browsers do not load from us, are left out).
    pub fn from_templates<'a>(
        templates: impl IntoIterator<Item = (&'a str, &'a str)>,
        https: bool,
    ) -> Result<SecurityHeaders, String> {
        let mut hashes: Vec<String> = templates
            .into_iter()
            .filter(|(name, _)| name.ends_with(".html") && !name.starts_with("email/") && !name.contains("/email/"))
            .flat_map(|(_, text)| inline_styles(text).map(style_hash))
            .collect();
        hashes.sort();
        hashes.dedup();
        SecurityHeaders::new(&hashes, https)
    }

    fn apply(&self, path: &str, resp: &mut Response) {
        let h = resp.headers_mut();
        let csp = if path.starts_with("/api/docs") {
            self.docs_csp.clone()
        } else {
            self.csp.clone()
        };
        h.insert("content-security-policy", csp);
        h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        if self.hsts {
            h.insert(
                "strict-transport-security",
                HeaderValue::from_static("max-age=31536000"),
            );
        }
    }
}

/// Middleware: adds the headers to every response, errors included.
pub async fn add<E: Endpoint>(ep: Arc<E>, req: Request, headers: Arc<SecurityHeaders>) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let mut resp = crate::metrics::response_of(ep.call(req).await);
    headers.apply(&path, &mut resp);
    Ok(resp)
}

/// The CSP source hash of one inline block, as browsers compute it.
pub fn style_hash(content: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes()))
}

/// The contents of each `<style>…</style>` block.
fn inline_styles(html: &str) -> impl Iterator<Item = &str> {
    html.split("<style>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</style>").map(|(s, _)| s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_styles_are_found_and_hashed_as_browsers_do() {
        let html = "<head><style>b{x:1}</style></head><body><style>\ni{y:2}\n</style>";
        let found: Vec<_> = inline_styles(html).collect();
        assert_eq!(found, ["b{x:1}", "\ni{y:2}\n"]);
        assert_eq!(style_hash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_framing() {
        let h = SecurityHeaders::new(&["abc=".into()], false).expect("valid");
        let csp = h.csp.to_str().expect("ascii");
        assert!(csp.contains("script-src 'self';"));
        assert!(csp.contains("style-src 'self' 'sha256-abc=';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
