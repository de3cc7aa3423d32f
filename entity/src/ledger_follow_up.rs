//! One effort to bring a student on the ledger back to school (劝返): when, who, how, the outcome
//! and the next step. Append-only.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_follow_up")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ledger_entry_id: i32,
    pub followed_on: Date,
    /// `mentor`, `school_staff`, `town_official` or `other`.
    pub who: FollowUpWho,
    /// The person's name.
    pub who_name: String,
    /// `home_visit`, `phone`, `through_village` or `other`.
    pub how: FollowUpHow,
    pub outcome: String,
    pub next_step: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Who followed the student up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum FollowUpWho {
    #[sea_orm(string_value = "mentor")]
    Mentor,
    #[sea_orm(string_value = "school_staff")]
    SchoolStaff,
    #[sea_orm(string_value = "town_official")]
    TownOfficial,
    #[sea_orm(string_value = "other")]
    Other,
}

impl FollowUpWho {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpWho::Mentor => "mentor",
            FollowUpWho::SchoolStaff => "school_staff",
            FollowUpWho::TownOfficial => "town_official",
            FollowUpWho::Other => "other",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            FollowUpWho::Mentor => "ledger.who_mentor",
            FollowUpWho::SchoolStaff => "ledger.who_school_staff",
            FollowUpWho::TownOfficial => "ledger.who_town_official",
            FollowUpWho::Other => "ledger.who_other",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<FollowUpWho> {
        <FollowUpWho as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for FollowUpWho {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the student was followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum FollowUpHow {
    #[sea_orm(string_value = "home_visit")]
    HomeVisit,
    #[sea_orm(string_value = "phone")]
    Phone,
    #[sea_orm(string_value = "through_village")]
    ThroughVillage,
    #[sea_orm(string_value = "other")]
    Other,
}

impl FollowUpHow {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpHow::HomeVisit => "home_visit",
            FollowUpHow::Phone => "phone",
            FollowUpHow::ThroughVillage => "through_village",
            FollowUpHow::Other => "other",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            FollowUpHow::HomeVisit => "ledger.how_home_visit",
            FollowUpHow::Phone => "ledger.how_phone",
            FollowUpHow::ThroughVillage => "ledger.how_through_village",
            FollowUpHow::Other => "ledger.how_other",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<FollowUpHow> {
        <FollowUpHow as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for FollowUpHow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
