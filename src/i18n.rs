//! Message catalogues: every piece of user-facing text, in zh-CN (the default) and English.
//!
//! Catalogues are TOML files in `templates/i18n/<lang>/*.toml` (one file per feature, merged), read
//! once at start-up. Templates receive the
//! whole catalogue of the user's language as `t` (so `{{ t.login.title }}`), and Rust code names a
//! message by key with [`Msg`]. A missing key is an error in a template (Tera is strict) and shows
//! the key itself from Rust; a test checks that both catalogues hold the same keys.

use std::collections::BTreeMap;
use std::path::Path;

/// A user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a cookie value or an `Accept-Language` header; Chinese unless English is preferred.
    pub fn from_header(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.trim_start().to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

/// A message to show the user: a catalogue key plus named arguments for `{name}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg { key, args: Vec::new() }
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Msg {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Both catalogues, flattened (`login.title`) for Rust and nested for templates.
#[derive(Debug, Clone)]
pub struct Catalogues {
    flat: BTreeMap<(Lang, String), String>,
    /// The nested catalogues as template values, built once: cloning one is cheap (shared maps),
    /// so a page render no longer copies the whole catalogue.
    for_tera: BTreeMap<Lang, tera::Value>,
}

impl Catalogues {
    /// Loads every `*.toml` in `dir/zh-CN/` and `dir/en/`; a key defined twice is an error.
    pub fn load(dir: &Path) -> Result<Catalogues, String> {
        let mut files = Vec::new();
        for lang in Lang::ALL {
            let lang_dir = dir.join(lang.code());
            for entry in std::fs::read_dir(&lang_dir).map_err(|e| format!("{}: {e}", lang_dir.display()))? {
                let path = entry.map_err(|e| format!("{}: {e}", lang_dir.display()))?.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    files.push((format!("{}/{name}", lang.code()), text));
                }
            }
        }
        Catalogues::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Builds the catalogues from `(name, text)` pairs named `<lang>/<file>.toml` (`zh-CN/core.toml`);
    /// files of each language are merged in name order, and a key defined twice is an error.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Catalogues, String> {
        let mut by_lang: BTreeMap<Lang, Vec<(&str, &str)>> = Lang::ALL.iter().map(|l| (*l, Vec::new())).collect();
        for (name, text) in files {
            if let Some(lang) = Lang::ALL
                .into_iter()
                .find(|l| name.starts_with(&format!("{}/", l.code())))
                && let Some(list) = by_lang.get_mut(&lang)
            {
                list.push((name, text));
            }
        }
        let mut flat = BTreeMap::new();
        let mut nested = BTreeMap::new();
        for (lang, mut files) in by_lang {
            if files.is_empty() {
                return Err(format!("i18n/{}: no message catalogue (*.toml) found", lang.code()));
            }
            files.sort();
            let mut merged = serde_json::Map::new();
            for (path, text) in files {
                let value: toml::Value = toml::from_str(text).map_err(|e| format!("i18n/{path}: {e}"))?;
                let json = serde_json::to_value(&value).map_err(|e| format!("i18n/{path}: {e}"))?;
                let mut entries = Vec::new();
                flatten("", &json, &mut entries);
                for (k, v) in entries {
                    if flat.insert((lang, k.clone()), v).is_some() {
                        return Err(format!("i18n/{path}: key `{k}` is already defined in another file"));
                    }
                }
                if let serde_json::Value::Object(map) = json {
                    for (section, table) in map {
                        merge_into(&mut merged, section, table);
                    }
                }
            }
            nested.insert(lang, serde_json::Value::Object(merged));
        }
        let for_tera = nested
            .iter()
            .map(|(lang, v)| (*lang, tera::Value::from_serializable(v)))
            .collect();
        Ok(Catalogues { flat, for_tera })
    }

    /// The text of `msg` in `lang`, placeholders filled. An unknown key shows as itself.
    pub fn text(&self, lang: Lang, msg: &Msg) -> String {
        self.render(lang, msg.key, msg.args.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// The text of a key stored as data (e.g. in an import report), placeholders filled.
    pub fn render<'a>(&self, lang: Lang, key: &str, args: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
        let mut text = self
            .flat
            .get(&(lang, key.to_string()))
            .cloned()
            .unwrap_or_else(|| key.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A single key without arguments.
    pub fn get(&self, lang: Lang, key: &'static str) -> String {
        self.text(lang, &Msg::new(key))
    }

    /// The nested catalogue handed to templates as `t` (a cheap clone of a value built at start).
    pub fn template_value(&self, lang: Lang) -> tera::Value {
        self.for_tera
            .get(&lang)
            .cloned()
            .unwrap_or_else(|| tera::Value::from_serializable(&()))
    }

    /// Keys present in one language but not the other, as `lang: key`.
    pub fn missing_keys(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            for other in Lang::ALL.into_iter().filter(|o| *o != lang) {
                for (l, key) in self.flat.keys() {
                    if *l == other && !self.flat.contains_key(&(lang, key.clone())) {
                        missing.push(format!("{}: {key}", lang.code()));
                    }
                }
            }
        }
        missing
    }
}

/// Merges a top-level section into the nested catalogue; two files may share a section.
fn merge_into(target: &mut serde_json::Map<String, serde_json::Value>, key: String, value: serde_json::Value) {
    match (target.get_mut(&key), value) {
        (Some(serde_json::Value::Object(existing)), serde_json::Value::Object(incoming)) => {
            for (k, v) in incoming {
                merge_into(existing, k, v);
            }
        }
        (_, value) => {
            target.insert(key, value);
        }
    }
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogues() -> Catalogues {
        Catalogues::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/i18n")).expect("catalogues load")
    }

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        let missing = catalogues().missing_keys();
        assert!(missing.is_empty(), "keys missing from a catalogue: {missing:?}");
    }

    #[test]
    fn confirmation_texts_fit_in_a_javascript_string() {
        // Templates put them in `onclick="return confirm('…')"`: a straight quote or a backslash
        // would break the handler and the action would run without asking.
        let c = catalogues();
        for ((lang, key), text) in &c.flat {
            if key.ends_with("_confirm") {
                assert!(!text.contains(['\'', '\\', '"']), "{lang:?} {key}: {text}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let c = catalogues();
        let text = c.text(Lang::En, &Msg::new("error.too_many_logins").arg("minutes", 15));
        assert!(text.contains("15"), "{text}");
    }

    #[test]
    fn chinese_is_the_default_language() {
        assert_eq!(Lang::from_header(None), Lang::Zh);
        assert_eq!(Lang::from_header(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_header(Some("zh-CN,zh;q=0.9,en;q=0.5")), Lang::Zh);
    }
}
