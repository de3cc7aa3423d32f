//! What a form shows of an error: a message per field, and one for the form as a whole.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// Field error messages for a form, with an empty entry for every field so templates can
/// always look them up; plus `_form` for errors that belong to no field.
pub fn form_errors(state: &AppState, lang: Lang, fields: &[&str], err: &AppError) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in fields {
        map.insert((*f).to_string(), serde_json::Value::String(String::new()));
    }
    let mut general = String::new();
    match err {
        AppError::Invalid(list) => {
            for fe in list {
                let text = state.i18n.text(lang, &fe.msg);
                if map.contains_key(&fe.field) {
                    map.insert(fe.field.clone(), serde_json::Value::String(text));
                } else {
                    general = text;
                }
            }
        }
        other => general = state.i18n.text(lang, &other.message()),
    }
    map.insert("_form".into(), serde_json::Value::String(general));
    serde_json::Value::Object(map)
}

/// All of an error's messages as one line (field messages joined), for a notice on a page.
pub fn error_text(state: &AppState, lang: Lang, err: &AppError) -> String {
    match err {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| state.i18n.text(lang, &f.msg))
            .collect::<Vec<_>>()
            .join("; "),
        other => state.i18n.text(lang, &other.message()),
    }
}

/// No errors: every field present and empty.
pub fn no_errors(fields: &[&str]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in fields.iter().chain(["_form"].iter()) {
        map.insert((*f).to_string(), serde_json::Value::String(String::new()));
    }
    serde_json::Value::Object(map)
}

/// Reads an optional number from a query or form field where an empty or unreadable value means
/// "not given" (a filter left at its "all" choice sends `school=`), instead of a 400.
pub fn opt_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    let raw: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(raw.and_then(|s| s.trim().parse().ok()))
}

/// Whether an error should be shown next to the form (rather than as an error page).
pub fn is_form_error(err: &AppError) -> bool {
    matches!(
        err,
        AppError::Invalid(_) | AppError::Conflict(_) | AppError::TooManyRequests(_)
    )
}
