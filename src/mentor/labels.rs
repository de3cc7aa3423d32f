//! The Chinese labels of mentor roles and assignment statuses for text that is stored or sent
//! (archive entries, emails), looked up by the enum's i18n key in the catalogue built into the
//! binary: the words live in `templates/i18n/zh-CN/mentor.toml`, not in code. Pages use the
//! catalogue of the reader's language instead. This module must not decide what is shown where.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use entity::mentor_assignment::{AssignmentStatus, MentorRole};
use sea_orm::Iterable;

use crate::error::AppError;
use crate::i18n::{Catalogues, Lang};

/// Every role's and status's key with its Chinese label, read once per process.
static ZH: LazyLock<Result<BTreeMap<&'static str, String>, String>> = LazyLock::new(|| {
    let assets = crate::assets::Assets::embedded();
    let catalogues = Catalogues::from_files(assets.texts_under("templates/i18n/", &["toml"])?)?;
    let keys = MentorRole::iter()
        .map(MentorRole::i18n_key)
        .chain(AssignmentStatus::iter().map(AssignmentStatus::i18n_key));
    Ok(keys.map(|key| (key, catalogues.get(Lang::Zh, key))).collect())
});

/// The Chinese label of a role or status key (`mentor_role.counsellor` → 辅导员).
pub fn zh(key: &'static str) -> Result<&'static str, AppError> {
    let labels = ZH
        .as_ref()
        .map_err(|e| AppError::internal(format!("mentor labels: {e}")))?;
    labels
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| AppError::internal(format!("no Chinese label for {key}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_named_in_chinese_from_the_catalogue() {
        let names: Vec<&str> = MentorRole::ALL
            .into_iter()
            .map(|r| zh(r.i18n_key()).unwrap_or_default())
            .collect();
        assert_eq!(names, ["辅导员", "班主任", "专任教师"]);
        assert_eq!(zh(AssignmentStatus::Declined.i18n_key()).ok(), Some("已婉拒"));
    }
}
