//! Routing rule sets, versioned by name: a draft may be edited; publishing freezes it forever.
//! Every rule is checked when saved (see `rules_check`), so a published set always compiles.

use chrono::Utc;
use entity::rule_set;
use entity::rule_set::RuleSetStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, Context};
use crate::i18n::Msg;
use crate::routing::instance::Rules;

/// The stored rules of a set.
pub fn rules_of(set: &rule_set::Model) -> Result<Rules, AppError> {
    serde_json::from_str(&set.rules).map_err(|e| AppError::internal_from(format!("rule set {} rules", set.id), e))
}

pub async fn get_rule_set(db: &impl ConnectionTrait, id: i32) -> Result<rule_set::Model, AppError> {
    rule_set::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("rule_set"))
}

/// All versions, newest first.
pub async fn list_rule_sets(db: &impl ConnectionTrait) -> Result<Vec<rule_set::Model>, AppError> {
    Ok(rule_set::Entity::find()
        .order_by_asc(rule_set::Column::Name)
        .order_by_desc(rule_set::Column::Version)
        .all(db)
        .await?)
}

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", Msg::new("error.field_required")));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            Msg::new("error.name_too_long").arg("max", 100),
        ));
    }
    Ok(name.to_string())
}

/// Creates a new draft version of `name` (version = the highest so far + 1).
pub async fn create_draft(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    rules: Rules,
) -> Result<rule_set::Model, AppError> {
    let name = check_name(name)?;
    super::rules_check::check_rule_set(&rules)?;
    let txn = db.begin().await?;
    let latest = rule_set::Entity::find()
        .filter(rule_set::Column::Name.eq(name.clone()))
        .order_by_desc(rule_set::Column::Version)
        .one(&txn)
        .await?;
    let version = latest.map(|l| l.version + 1).unwrap_or(1);
    let set = rule_set::ActiveModel {
        name: Set(name),
        version: Set(version),
        status: Set(RuleSetStatus::Draft),
        rules: Set(serde_json::to_string(&rules).context("encoding rules as JSON")?),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        published_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "rule_set.create",
        Record::new("rule_set", set.id),
        format!("{} v{} (draft)", set.name, set.version),
    )
    .await?;
    txn.commit().await?;
    Ok(set)
}

/// Replaces a draft's rules. A published version is refused (409): create a new version instead.
pub async fn update_draft(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    rules: Rules,
) -> Result<rule_set::Model, AppError> {
    super::rules_check::check_rule_set(&rules)?;
    let txn = db.begin().await?;
    let set = get_rule_set(&txn, id).await?;
    if set.status != RuleSetStatus::Draft {
        return Err(AppError::Conflict(Msg::new("error.rule_set_published")));
    }
    let mut m = set.into_active_model();
    m.rules = Set(serde_json::to_string(&rules).context("encoding rules as JSON")?);
    let saved = m.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "rule_set.update",
        Record::new("rule_set", id),
        format!("{} v{} rules changed", saved.name, saved.version),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Publishes a draft; from now on it never changes and runs may use it.
pub async fn publish(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<rule_set::Model, AppError> {
    let txn = db.begin().await?;
    let set = get_rule_set(&txn, id).await?;
    if set.status != RuleSetStatus::Draft {
        return Err(AppError::Conflict(Msg::new("error.rule_set_published")));
    }
    // Rules were checked when saved; check again in case the checker grew stricter since.
    super::rules_check::check_rule_set(&rules_of(&set)?)?;
    let mut m = set.into_active_model();
    m.status = Set(RuleSetStatus::Published);
    m.published_at = Set(Some(Utc::now()));
    let saved = m.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "rule_set.publish",
        Record::new("rule_set", id),
        format!("{} v{} published", saved.name, saved.version),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
