//! `/static/…`: the stylesheet and script, served from memory (the embedded assets, or
//! `VOCPATH_ASSETS_DIR`) with their content type, an `ETag` from their content and
//! `Cache-Control: no-cache`, so browsers keep them but check with one cheap `304` request whether an
//! upgrade changed them (a stale `app.js` against new pages would break their behaviours).
//!
//! Only files known at start are served: a request path is a key in a map, never joined to a folder.

use std::collections::HashMap;

use poem::http::{Method, StatusCode, header};
use poem::{Body, Endpoint, Request, Response};
use sha2::{Digest, Sha256};

use crate::assets::Assets;

/// One file ready to send.
#[derive(Debug, Clone)]
struct StaticFile {
    bytes: Vec<u8>,
    content_type: &'static str,
    etag: String,
}

/// The endpoint nested at `/static`.
#[derive(Debug, Clone, Default)]
pub struct StaticFiles {
    files: HashMap<String, StaticFile>,
}

impl StaticFiles {
    /// Every file under `static/` of `assets`.
    pub fn new(assets: &Assets) -> StaticFiles {
        let files = assets
            .under("static/")
            .map(|(name, bytes)| {
                let digest = hex::encode(Sha256::digest(bytes));
                let file = StaticFile {
                    bytes: bytes.to_vec(),
                    content_type: content_type(name),
                    etag: format!("\"{}\"", &digest[..32]),
                };
                (name.to_string(), file)
            })
            .collect();
        StaticFiles { files }
    }
}

/// The content type by extension; anything unexpected is sent as bytes (never sniffed: `nosniff`).
fn content_type(name: &str) -> &'static str {
    match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

impl Endpoint for StaticFiles {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return Ok(Response::builder()
                .status(StatusCode::METHOD_NOT_ALLOWED)
                .header(header::ALLOW, "GET, HEAD")
                .finish());
        }
        let name = req.uri().path().trim_start_matches('/');
        let Some(file) = self.files.get(name) else {
            return Ok(Response::builder().status(StatusCode::NOT_FOUND).finish());
        };
        let builder = Response::builder()
            .header(header::ETAG, file.etag.as_str())
            .header(header::CACHE_CONTROL, "public, no-cache");
        let unchanged = req
            .header(header::IF_NONE_MATCH)
            .is_some_and(|v| v.split(',').any(|tag| tag.trim() == file.etag || tag.trim() == "*"));
        if unchanged {
            return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
        }
        let builder = builder.content_type(file.content_type);
        if req.method() == Method::HEAD {
            return Ok(builder.header(header::CONTENT_LENGTH, file.bytes.len()).finish());
        }
        Ok(builder.body(Body::from(file.bytes.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("app.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
