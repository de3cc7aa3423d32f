//! The data folder: created private, with the secret key and the data key read from their files or
//! generated into them when they are not configured.

use std::path::Path;

use rand::RngCore;

use super::{Config, Secret, decode_data_key};

impl Config {
    /// Creates the data folder (0700) and, for the secret key and the data key that were not
    /// configured, reads `secret.key` / `data.key` there or generates them (0600) when missing.
    /// A key file that exists but is not a valid key stops the start: it is never replaced, since
    /// a new data key would make every stored national ID unreadable. Files in the folder open to
    /// other accounts are tightened. Returns warnings to log.
    pub fn prepare_data_dir(&mut self) -> Result<Vec<String>, String> {
        let dir = &self.data_dir;
        let io = |e: std::io::Error| format!("cannot prepare the data folder {}: {e}", dir.display());
        let mut warnings: Vec<String> = crate::files::private_dir(dir).map_err(io)?.into_iter().collect();
        if crate::key_rotation::in_progress(dir) {
            return Err(format!(
                "a data-key rotation is unfinished ({} exists): run `vocpath rotate-data-key` again to finish it. \
                 If it finished with VOCPATH_DATA_KEY set, put the new key there and delete that file.",
                dir.join(crate::key_rotation::NEW_KEY_FILE).display()
            ));
        }
        if self.secret_key.is_none() {
            let path = dir.join("secret.key");
            let (key, warning) = load_or_generate_key(&path, "VOCPATH_SECRET_KEY", |k| k.len() >= 32)?;
            self.secret_key = Some(Secret(key));
            warnings.push(warning);
        }
        if self.data_key.is_none() {
            let path = dir.join("data.key");
            let (key, warning) = load_or_generate_key(&path, "VOCPATH_DATA_KEY", |k| decode_data_key(k).is_some())?;
            self.data_key = Some(Secret(key));
            warnings.push(format!(
                "{warning}. Losing this key makes the stored national IDs unreadable: back it up."
            ));
        }
        if let Some(db_file) = self.sqlite_file() {
            // An empty file is a valid empty database; made here so that it starts 0600.
            match crate::files::write_new(&db_file, b"") {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    warnings.extend(crate::files::tighten(&db_file, 0o600).map_err(io)?);
                }
                Err(e) => return Err(format!("cannot create the database file {}: {e}", db_file.display())),
            }
        }
        warnings.extend(crate::files::tighten_files_in(dir).map_err(io)?);
        Ok(warnings)
    }
}

/// Reads the key kept in `path`, or generates one there (0600) when the file does not exist.
fn load_or_generate_key(path: &Path, variable: &str, valid: impl Fn(&str) -> bool) -> Result<(String, String), String> {
    match std::fs::read_to_string(path) {
        Ok(existing) => {
            let existing = existing.trim().to_string();
            if !valid(&existing) {
                return Err(format!(
                    "{} exists but does not hold a valid key for {variable} (damaged or edited?). \
                     vocpath will not replace it: restore the file from your backup, or set {variable}. \
                     Only if this is a new installation with no data may you delete the file to have a new key made.",
                    path.display()
                ));
            }
            let warning = format!("{variable} is not set; using the key kept in {}", path.display());
            Ok((existing, warning))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let key = hex::encode(bytes);
            crate::files::write_new(path, key.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let warning = format!(
                "{variable} is not set; generated a new key into {} — keep that file, or set the variable",
                path.display()
            );
            Ok((key, warning))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
