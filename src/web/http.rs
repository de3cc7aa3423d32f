//! Redirects, cookies and the return paths a redirect may follow.

use poem::http::{StatusCode, header};
use poem::{Request, Response};

use crate::state::AppState;

/// `value` encoded to stand in a query string: every byte but `A–Z a–z 0–9 - . _ ~` as `%XX`
/// (so `/`, `?`, `&`, `=` and `%` too), so it comes back whole as one parameter.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A 303 redirect (after a POST, or to the login page).
pub fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish()
}

/// A local path safe to redirect to after login or a language switch; anything else becomes `/`.
///
/// Only a path starting with a single `/` is followed. Browsers drop tabs and newlines and read
/// `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site: control
/// characters, whitespace, backslashes and encoded slashes or backslashes are refused outright.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".to_string() };
    // Encoded slashes matter only in the path; a query value may hold them (`?school=A%2FB`).
    let path = n.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/logout")
        && n.len() <= 2048
        && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !["%2f", "%5c"].iter().any(|bad| path.contains(bad))
        && !["%09", "%0a", "%0d", "%00"]
            .iter()
            .any(|bad| n.to_ascii_lowercase().contains(bad));
    if local {
        percent_encode_non_ascii(n)
    } else {
        "/".to_string()
    }
}

/// A `Location` header must be ASCII: characters beyond it are sent percent-encoded (UTF-8), as
/// browsers do themselves.
fn percent_encode_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Builds a `Set-Cookie` value with the attributes every vocpath cookie carries.
pub fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if state.config.is_https() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Reads one cookie from the request.
pub fn read_cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn no_trick_leaves_the_site_after_login_or_a_language_switch() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%09/evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "\t//evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/students?year=2026&page=2")),
            "/students?year=2026&page=2"
        );
        assert_eq!(safe_next(Some("/students/5#timeline")), "/students/5#timeline");
        assert_eq!(safe_next(Some("/students?school=A%2FB")), "/students?school=A%2FB");
        assert_eq!(
            safe_next(Some("/students?town=米河镇")),
            "/students?town=%E7%B1%B3%E6%B2%B3%E9%95%87"
        );
        assert_eq!(safe_next(Some("/%C3%A9")), "/%C3%A9");
    }

    #[test]
    fn a_page_and_its_query_become_one_query_value() {
        assert_eq!(
            encode_query_value("/train?town=米河镇&page=2"),
            "%2Ftrain%3Ftown%3D%E7%B1%B3%E6%B2%B3%E9%95%87%26page%3D2"
        );
        assert_eq!(encode_query_value("/a%2Fb?x=1+2"), "%2Fa%252Fb%3Fx%3D1%2B2");
        assert_eq!(encode_query_value("safe-._~"), "safe-._~");
    }
}
