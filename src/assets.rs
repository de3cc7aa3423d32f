//! Templates, message catalogues and static files: built into the binary at compile time (see
//! `build.rs`), or read once at start from `VOCPATH_ASSETS_DIR` when a template developer sets it.
//!
//! Names are paths from the crate root with `/` (`templates/auth/login.html`, `static/app.css`), the
//! same whichever the source. This module only hands out bytes; it must not parse templates or
//! catalogues (that is `app::build_state`, `i18n`, `security_headers`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// The folders an assets directory holds.
const FOLDERS: [&str; 2] = ["templates", "static"];

/// Every asset by name.
#[derive(Debug, Clone)]
pub struct Assets {
    files: BTreeMap<String, Cow<'static, [u8]>>,
    /// Where they came from, for error messages.
    source: String,
}

impl Assets {
    /// The set built into this binary.
    pub fn embedded() -> Assets {
        Assets {
            files: embedded::FILES
                .iter()
                .map(|(name, bytes)| ((*name).to_string(), Cow::Borrowed(*bytes)))
                .collect(),
            source: "the assets built into vocpath".into(),
        }
    }

    /// The embedded set, or the folder `dir` (holding `templates/` and `static/`) when given.
    pub fn load(dir: Option<&Path>) -> Result<Assets, String> {
        match dir {
            None => Ok(Assets::embedded()),
            Some(dir) => Assets::from_dir(dir),
        }
    }

    /// Reads `templates/` and `static/` under `dir` whole.
    pub fn from_dir(dir: &Path) -> Result<Assets, String> {
        let mut files = BTreeMap::new();
        for folder in FOLDERS {
            let path = dir.join(folder);
            if path.is_dir() {
                read_tree(&path, folder, &mut files)
                    .map_err(|e| format!("VOCPATH_ASSETS_DIR: cannot read {}: {e}", path.display()))?;
            }
        }
        Ok(Assets {
            files,
            source: dir.display().to_string(),
        })
    }

    /// Where the assets came from (a folder, or the binary).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The content of one asset.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(|b| b.as_ref())
    }

    /// Every asset under `prefix` (e.g. `templates/`), as (name without the prefix, bytes), in name order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(name, _)| name.starts_with(prefix))
            .map(move |(name, bytes)| (&name[prefix.len()..], bytes.as_ref()))
    }

    /// Like [`Assets::under`] for text files with one of `extensions`; a file that is not UTF-8 is an error naming it.
    pub fn texts_under<'a>(&'a self, prefix: &'a str, extensions: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
        self.under(prefix)
            .filter(|(name, _)| {
                Path::new(name)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
            })
            .map(|(name, bytes)| {
                std::str::from_utf8(bytes)
                    .map(|text| (name, text))
                    .map_err(|_| format!("{prefix}{name} in {} is not UTF-8 text", self.source))
            })
            .collect()
    }
}

fn read_tree(dir: &Path, name: &str, out: &mut BTreeMap<String, Cow<'static, [u8]>>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name.starts_with('.') || file_name.ends_with('~') {
            continue;
        }
        let child = format!("{name}/{file_name}");
        if path.is_dir() {
            read_tree(&path, &child, out)?;
        } else {
            out.insert(child, Cow::Owned(std::fs::read(&path)?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_carries_every_template_catalogue_and_static_file_of_the_checkout() {
        let embedded = Assets::embedded();
        let checkout = Assets::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("checkout");
        let names = |a: &Assets| a.files.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&checkout));
        for name in [
            "templates/layout.html",
            "templates/i18n/zh-CN/core.toml",
            "templates/email/account_created/subject.txt",
            "static/app.css",
            "static/app.js",
        ] {
            assert_eq!(embedded.get(name), checkout.get(name), "{name}");
            assert!(embedded.get(name).is_some(), "{name} embedded");
        }
    }

    #[test]
    fn under_lists_one_folder_without_its_prefix() {
        let a = Assets::embedded();
        let css: Vec<_> = a.under("static/").map(|(n, _)| n).collect();
        assert!(css.contains(&"app.css"), "{css:?}");
        assert!(a.under("static/").all(|(n, _)| !n.starts_with("static")));
        let toml = a.texts_under("templates/i18n/", &["toml"]).expect("utf8");
        assert!(toml.iter().any(|(n, _)| n.starts_with("en/")));
    }
}
