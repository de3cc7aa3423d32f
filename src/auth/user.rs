//! Staff account service: create, edit, deactivate, reset and change passwords, and the first
//! admin. Each write runs in one transaction together with its audit entry.

use chrono::Utc;
use entity::enums::Role;
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use sea_orm::sea_query::Expr;

use super::{password, session, token};
use crate::audit::{self, Actor, Record};
use crate::config::looks_like_email;
use crate::error::{AppError, FieldError, unique_violation_as};
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// A validated request to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// `None`: generate a one-time password, to be changed at first login.
    pub password: Option<String>,
}

impl NewUser {
    /// Parses raw input, reporting every bad field at once.
    pub fn parse(email: &str, name: &str, role: &str, password: Option<&str>) -> Result<NewUser, AppError> {
        let mut errors = Vec::new();
        let email = parse_email(email)
            .map_err(|m| errors.push(FieldError::new("email", m)))
            .ok();
        let name = parse_name(name)
            .map_err(|m| errors.push(FieldError::new("name", m)))
            .ok();
        let role = parse_role(role)
            .map_err(|m| errors.push(FieldError::new("role", m)))
            .ok();
        let password = password.filter(|p| !p.is_empty()).map(str::to_owned);
        if let (Some(p), Some(e)) = (&password, &email)
            && let Err(m) = password::check_policy(p, e)
        {
            errors.push(FieldError::new("password", m));
        }
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) if errors.is_empty() => Ok(NewUser {
                email,
                name,
                role,
                password,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

impl UserChanges {
    pub fn parse(name: Option<&str>, role: Option<&str>, active: Option<bool>) -> Result<UserChanges, AppError> {
        let mut errors = Vec::new();
        let name = name.and_then(|n| parse_name(n).map_err(|m| errors.push(FieldError::new("name", m))).ok());
        let role = role.and_then(|r| parse_role(r).map_err(|m| errors.push(FieldError::new("role", m))).ok());
        if errors.is_empty() {
            Ok(UserChanges { name, role, active })
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}

pub fn parse_email(raw: &str) -> Result<String, Msg> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        Err(Msg::new("error.email_required"))
    } else if !looks_like_email(&email) {
        Err(Msg::new("error.email_invalid"))
    } else {
        Ok(email)
    }
}

fn parse_name(raw: &str) -> Result<String, Msg> {
    let name = raw.trim();
    if name.is_empty() {
        Err(Msg::new("error.name_required"))
    } else if name.chars().count() > 100 {
        Err(Msg::new("error.name_too_long").arg("max", 100))
    } else {
        Ok(name.to_string())
    }
}

fn parse_role(raw: &str) -> Result<Role, Msg> {
    Role::parse(raw).ok_or_else(|| Msg::new("error.role_invalid").arg("value", raw.trim()))
}

/// Creates an account. Returns it with the generated one-time password, if one was generated.
/// Asks for the welcome email: the address users reach the portal at.
pub struct Notify<'a> {
    pub base_url: &'a str,
}

/// The welcome email of a new account (`templates/email/account_created/`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountCreated {
    pub name: String,
    pub email: String,
    /// The role's name as the email shows it.
    pub role: &'static str,
    pub login_url: String,
}

impl crate::outbox::Message for AccountCreated {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Email;
    fn kind(&self) -> &'static str {
        "account_created"
    }
}

impl AccountCreated {
    /// The welcome notice of `user`, keyed by the account.
    pub fn notice(user: &user::Model, base_url: &str) -> crate::outbox::Notice<AccountCreated> {
        let role = match user.role {
            Role::Admin => "管理员",
            Role::Admissions => "招生人员",
            Role::Mentor => "帮扶导师",
            Role::Viewer => "只读",
        };
        let message = AccountCreated {
            name: user.name.clone(),
            email: user.email.clone(),
            role,
            login_url: format!("{base_url}/login"),
        };
        crate::outbox::Notice::new(format!("account_created:{}", user.id), &user.email, message)
    }
}

pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewUser,
    argon2_memory_kib: u32,
    notify: Option<Notify<'_>>,
) -> Result<(user::Model, Option<String>), AppError> {
    let generated = new.password.is_none().then(password::generate);
    let plain = new.password.clone().or_else(|| generated.clone()).unwrap_or_default();
    let hash = password::hash(&plain, argon2_memory_kib).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let created = user::ActiveModel {
        email: Set(new.email.clone()),
        name: Set(new.name),
        role: Set(new.role),
        active: Set(true),
        password_hash: Set(hash),
        must_change_password: Set(generated.is_some()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| unique_violation_as(e, "email", Msg::new("error.email_taken")))?;
    let summary = format!("created {} ({})", created.email, created.role.as_str());
    audit::record(&txn, actor, "user.create", Record::new("user", created.id), summary).await?;
    if let Some(n) = notify {
        crate::outbox::enqueue(&txn, AccountCreated::notice(&created, n.base_url)).await?;
    }
    txn.commit().await?;
    Ok((created, generated))
}

/// One account, or [`AppError::NotFound`].
pub async fn get_user(db: &impl ConnectionTrait, id: i32) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// An account by email, if it exists.
pub async fn find_user_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// All accounts, by email.
/// Accounts with the mentor role, by name.
pub async fn list_mentors(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Mentor))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?)
}

pub async fn list_users(db: &impl ConnectionTrait, page: PageRequest) -> Result<Page<user::Model>, AppError> {
    let paginator = user::Entity::find()
        .order_by_asc(user::Column::Email)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// Edits an account. Refuses to remove the last active admin; deactivating ends the user's
/// sessions and revokes their API tokens (reactivating revives neither).
pub async fn update_user(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    changes: UserChanges,
) -> Result<user::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get_user(&txn, id).await?;
    let loses_admin = current.role == Role::Admin
        && current.active
        && (changes.role.is_some_and(|r| r != Role::Admin) || changes.active == Some(false));
    if loses_admin && lock_and_count_active_admins(&txn).await? <= 1 {
        return Err(AppError::Conflict(Msg::new("error.last_admin")));
    }
    let mut summary = Vec::new();
    let mut model = current.clone().into_active_model();
    if let Some(name) = changes.name.filter(|n| *n != current.name) {
        summary.push(format!("name: {} → {name}", current.name));
        model.name = Set(name);
    }
    if let Some(role) = changes.role.filter(|r| *r != current.role) {
        summary.push(format!("role: {} → {}", current.role.as_str(), role.as_str()));
        model.role = Set(role);
    }
    if let Some(active) = changes.active.filter(|a| *a != current.active) {
        summary.push(format!("active: {} → {active}", current.active));
        model.active = Set(active);
        if !active {
            session::end_all(&txn, id, None).await?;
            token::revoke_all(&txn, actor, id, "account deactivated").await?;
        }
    }
    if summary.is_empty() {
        return Ok(current);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "user.update",
        Record::new("user", id),
        format!("{}: {}", updated.email, summary.join("; ")),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Counts the active admins after taking their rows' locks (a no-op update): two admins demoting
/// or deactivating each other at once then take turns, and the second sees the first's change
/// (PostgreSQL row locks; on SQLite the `BEGIN IMMEDIATE` transaction already excludes writers).
async fn lock_and_count_active_admins(txn: &impl ConnectionTrait) -> Result<u64, AppError> {
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::col(user::Column::Role))
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Active.eq(true))
        .exec(txn)
        .await?;
    count_active_admins(txn).await
}

async fn count_active_admins(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Active.eq(true))
        .count(db)
        .await?)
}

/// Sets a new one-time password (returned once), forces a change at next login, ends the user's
/// sessions and revokes their API tokens: whoever knew the old password or held a token is out.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    argon2_memory_kib: u32,
) -> Result<String, AppError> {
    let target = get_user(db, id).await?;
    let plain = password::generate();
    let hash = password::hash(&plain, argon2_memory_kib).await?;
    let txn = db.begin().await?;
    let mut model = target.clone().into_active_model();
    model.password_hash = Set(hash);
    model.must_change_password = Set(true);
    model.updated_at = Set(Utc::now());
    model.update(&txn).await?;
    session::end_all(&txn, id, None).await?;
    token::revoke_all(&txn, actor, id, "password reset").await?;
    audit::record(
        &txn,
        actor,
        "user.reset_password",
        Record::new("user", id),
        format!("password reset for {}", target.email),
    )
    .await?;
    txn.commit().await?;
    Ok(plain)
}

/// A user changes their own password, proving the current one. Ends their other sessions (a
/// browser left signed in elsewhere must sign in with the new password), keeping `this_session`.
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    this_session: Option<&str>,
    passwords: (&str, &str),
    argon2_memory_kib: u32,
) -> Result<(), AppError> {
    let (current, new) = passwords;
    let me = get_user(db, user_id).await?;
    if !password::verify(current, &me.password_hash).await? {
        return Err(AppError::invalid(
            "current_password",
            Msg::new("error.current_password_wrong"),
        ));
    }
    password::check_policy(new, &me.email).map_err(|m| AppError::invalid("new_password", m))?;
    if current == new {
        return Err(AppError::invalid("new_password", Msg::new("error.password_unchanged")));
    }
    let hash = password::hash(new, argon2_memory_kib).await?;
    let txn = db.begin().await?;
    let mut model = me.clone().into_active_model();
    model.password_hash = Set(hash);
    model.must_change_password = Set(false);
    model.updated_at = Set(Utc::now());
    model.update(&txn).await?;
    session::end_all(&txn, user_id, this_session).await?;
    audit::record(
        &txn,
        actor,
        "user.change_password",
        Record::new("user", user_id),
        format!("{} changed their password", me.email),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// When no active admin exists (an empty database, or one holding only the demo's staff), creates
/// the first admin. Returns its email and the one-time password when it was generated (so the
/// caller prints it once); `None` when an active admin exists. When `email` already belongs to
/// another account, refuses with [`AppError::Conflict`] rather than promote or revive it.
pub async fn ensure_first_admin(
    db: &DatabaseConnection,
    email: &str,
    configured_password: Option<&str>,
    argon2_memory_kib: u32,
) -> Result<Option<(String, Option<String>)>, AppError> {
    if count_active_admins(db).await? > 0 {
        return Ok(None);
    }
    if find_user_by_email(db, email).await?.is_some() {
        return Err(AppError::Conflict(
            Msg::new("error.first_admin_email_taken").arg("email", email.trim().to_lowercase()),
        ));
    }
    let new = NewUser::parse(email, "管理员 Administrator", "admin", None)?;
    let plain = configured_password
        .map(str::to_owned)
        .unwrap_or_else(password::generate);
    let hash = password::hash(&plain, argon2_memory_kib).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let created = user::ActiveModel {
        email: Set(new.email),
        name: Set(new.name),
        role: Set(Role::Admin),
        active: Set(true),
        password_hash: Set(hash),
        must_change_password: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Actor::system("system"),
        "user.create",
        Record::new("user", created.id),
        format!("first admin {}", created.email),
    )
    .await?;
    txn.commit().await?;
    let shown = configured_password.is_none().then_some(plain);
    Ok(Some((created.email, shown)))
}
