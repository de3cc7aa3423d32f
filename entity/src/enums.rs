//! Enumerations stored as short strings.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A staff member's role. Decides which pages and API operations they may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// County bureau administrator: accounts, schools, rule sets, county-wide figures.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Admissions staff at a vocational school.
    #[sea_orm(string_value = "admissions")]
    Admissions,
    /// Counsellor, class teacher or subject teacher.
    #[sea_orm(string_value = "mentor")]
    Mentor,
    /// Read-only access.
    #[sea_orm(string_value = "viewer")]
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Admissions, Role::Mentor, Role::Viewer];

    /// The stable lower-case name used in URLs, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Admissions => "admissions",
            Role::Mentor => "mentor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stable name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Sex as recorded in the register (and encoded in the national ID's 17th digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    #[sea_orm(string_value = "male")]
    Male,
    #[sea_orm(string_value = "female")]
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// What a junior-high graduate went on to, as the register records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum SeniorHighStatus {
    /// 未升学: did not enter any senior-secondary school — must be routed.
    #[sea_orm(string_value = "not_entered")]
    NotEntered,
    /// 普通高中: regular senior high.
    #[sea_orm(string_value = "regular")]
    Regular,
    /// 中职: already in secondary vocational school.
    #[sea_orm(string_value = "vocational")]
    Vocational,
    /// 未知: not known.
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

impl SeniorHighStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeniorHighStatus::NotEntered => "not_entered",
            SeniorHighStatus::Regular => "regular",
            SeniorHighStatus::Vocational => "vocational",
            SeniorHighStatus::Unknown => "unknown",
        }
    }
}
