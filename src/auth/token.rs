//! API bearer tokens: created and revoked by their owner; only a SHA-256 of the token is stored,
//! so the plain token is shown exactly once, at creation.

use chrono::{Duration, Utc};
use entity::{api_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef, Set, TransactionTrait,
};

use super::{CurrentUser, random_token, sha256_hex};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// Every token starts with this, so leaked tokens are easy to recognise in logs and scanners.
pub const PREFIX: &str = "vp_";

/// Creates a token for `user_id`; returns the row and the plain token (shown once).
pub async fn create_token(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    name: &str,
) -> Result<(api_token::Model, String), AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", Msg::new("error.token_name_required")));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            Msg::new("error.name_too_long").arg("max", 100),
        ));
    }
    let plain = format!("{PREFIX}{}", random_token());
    let txn = db.begin().await?;
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_string()),
        token_hash: Set(sha256_hex(&plain)),
        prefix: Set(plain.chars().take(10).collect()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "token.create",
        Record::new("api_token", row.id),
        format!("token `{}` for user {user_id}", row.name),
    )
    .await?;
    txn.commit().await?;
    Ok((row, plain))
}

/// A user's tokens, newest first (revoked ones included, marked).
pub async fn list_tokens(db: &DatabaseConnection, user_id: i32) -> Result<Vec<api_token::Model>, AppError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// One page of a user's tokens, newest first (revoked ones included, marked): they accumulate.
pub async fn tokens_page(
    db: &DatabaseConnection,
    user_id: i32,
    page: PageRequest,
) -> Result<Page<api_token::Model>, AppError> {
    let paginator = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// Revokes one of the user's own tokens. Revoking twice is harmless.
pub async fn revoke_token(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    token_id: i32,
) -> Result<api_token::Model, AppError> {
    let txn = db.begin().await?;
    let token = api_token::Entity::find_by_id(token_id)
        .filter(api_token::Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("api_token"))?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut model = token.into_active_model();
    model.revoked_at = Set(Some(Utc::now()));
    let revoked = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "token.revoke",
        Record::new("api_token", token_id),
        format!("token `{}` revoked", revoked.name),
    )
    .await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Revokes every live token of `user_id`, one audit entry each, inside the caller's transaction
/// (a password reset or a deactivation: whoever held the account's tokens loses them).
pub async fn revoke_all(txn: &DatabaseTransaction, actor: &Actor, user_id: i32, why: &str) -> Result<usize, AppError> {
    let live = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(txn)
        .await?;
    let now = Utc::now();
    for token in &live {
        let mut model = token.clone().into_active_model();
        model.revoked_at = Set(Some(now));
        model.update(txn).await?;
        audit::record(
            txn,
            actor,
            "token.revoke",
            Record::new("api_token", token.id),
            format!("token `{}` revoked: {why}", token.name),
        )
        .await?;
    }
    Ok(live.len())
}

/// The active user a bearer token belongs to, if the token is live. The caller refuses owners who
/// still have to change a one-time password.
pub async fn authenticate(db: &DatabaseConnection, bearer: &str) -> Result<Option<CurrentUser>, AppError> {
    if !bearer.starts_with(PREFIX) {
        return Ok(None);
    }
    // One query: the token and its active owner (a join, not two round trips per API call).
    let owner_of_token: RelationDef = api_token::Entity::belongs_to(user::Entity)
        .from(api_token::Column::UserId)
        .to(user::Column::Id)
        .into();
    let found = api_token::Entity::find()
        .join(JoinType::InnerJoin, owner_of_token)
        .select_also(user::Entity)
        .filter(api_token::Column::TokenHash.eq(sha256_hex(bearer)))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    let Some((token, Some(owner))) = found else {
        return Ok(None);
    };
    // Record use at most once a minute: a write on every API call would be wasted load.
    let stale = token.last_used_at.is_none_or(|t| Utc::now() - t > Duration::minutes(1));
    if stale {
        let mut model = token.into_active_model();
        model.last_used_at = Set(Some(Utc::now()));
        model.update(db).await?;
    }
    Ok(Some(CurrentUser::from(&owner)))
}
