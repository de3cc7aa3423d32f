//! API for staff accounts and API tokens. Handlers only move parameters: each parses input, calls
//! one service function and maps the result.

use chrono::{DateTime, Utc};
use entity::enums::Role;
use entity::{api_token, user};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};

use super::{Capability, CurrentUser, token, user as users};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::pagination::PageRequest;
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Staff accounts and roles (admins only, except `me`).
    Users,
    /// The caller's own API tokens.
    Tokens,
}

/// A staff role.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Admissions,
    Mentor,
    Viewer,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Role {
        match r {
            RoleDto::Admin => Role::Admin,
            RoleDto::Admissions => Role::Admissions,
            RoleDto::Mentor => Role::Mentor,
            RoleDto::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> RoleDto {
        match r {
            Role::Admin => RoleDto::Admin,
            Role::Admissions => RoleDto::Admissions,
            Role::Mentor => RoleDto::Mentor,
            Role::Viewer => RoleDto::Viewer,
        }
    }
}

/// A staff account.
#[derive(Debug, Object)]
pub struct UserDto {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: RoleDto,
    pub active: bool,
    /// The user must set a new password at next portal login.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<user::Model> for UserDto {
    fn from(u: user::Model) -> Self {
        UserDto {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
            active: u.active,
            must_change_password: u.must_change_password,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Who the token belongs to.
#[derive(Debug, Object)]
pub struct MeDto {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: RoleDto,
}

impl From<CurrentUser> for MeDto {
    fn from(u: CurrentUser) -> Self {
        MeDto {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
        }
    }
}

/// A new staff account.
#[derive(Debug, Object)]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    pub role: RoleDto,
    /// Leave out to generate a one-time password that must be changed at first login.
    pub password: Option<String>,
}

/// The created account, with the generated one-time password (shown only here).
#[derive(Debug, Object)]
pub struct CreatedUser {
    pub user: UserDto,
    pub one_time_password: Option<String>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub role: Option<RoleDto>,
    /// `false` deactivates the account: its sessions end and its tokens stop working.
    pub active: Option<bool>,
}

/// A new one-time password, shown only here.
#[derive(Debug, Object)]
pub struct PasswordReset {
    pub one_time_password: String,
}

/// An API token (never its secret, except once at creation).
#[derive(Debug, Object)]
pub struct TokenDto {
    pub id: i32,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenDto {
    fn from(t: api_token::Model) -> Self {
        TokenDto {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token to create.
#[derive(Debug, Object)]
pub struct CreateTokenRequest {
    /// What the token is for, e.g. "county statistics system".
    pub name: String,
}

/// The created token; `token` is shown only here.
#[derive(Debug, Object)]
pub struct CreatedToken {
    pub token: String,
    pub details: TokenDto,
}

pub struct UsersApi;

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// The account the bearer token belongs to.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<MeDto>> {
        auth.0.require(Capability::UsePortal)?;
        Ok(Json(auth.0.into()))
    }

    /// Lists staff accounts by email.
    #[oai(path = "/users", method = "get")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<UserDto>>> {
        auth.0.require(Capability::ManageUsers)?;
        let found = users::list_users(&state.db, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, UserDto::from)))
    }

    /// Creates a staff account.
    #[oai(path = "/users", method = "post")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<CreateUserRequest>,
    ) -> ApiResult<Json<CreatedUser>> {
        auth.0.require(Capability::ManageUsers)?;
        let b = body.0;
        let role = Role::from(b.role).as_str();
        let new = users::NewUser::parse(&b.email, &b.name, role, b.password.as_deref())?;
        let (user, otp) = users::create_user(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            new,
            state.config.argon2_memory_kib,
            Some(users::Notify {
                base_url: &state.config.base_url,
            }),
        )
        .await?;
        Ok(Json(CreatedUser {
            user: user.into(),
            one_time_password: otp,
        }))
    }

    /// One staff account.
    #[oai(path = "/users/:id", method = "get")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<UserDto>> {
        auth.0.require(Capability::ManageUsers)?;
        Ok(Json(users::get_user(&state.db, id.0).await?.into()))
    }

    /// Changes name, role or active flag.
    #[oai(path = "/users/:id", method = "patch")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<UpdateUserRequest>,
    ) -> ApiResult<Json<UserDto>> {
        auth.0.require(Capability::ManageUsers)?;
        let b = body.0;
        let role = b.role.map(|r| Role::from(r).as_str());
        let changes = users::UserChanges::parse(b.name.as_deref(), role, b.active)?;
        let updated = users::update_user(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0, changes).await?;
        Ok(Json(updated.into()))
    }

    /// Sets a one-time password that must be changed at next login; ends the user's sessions.
    #[oai(path = "/users/:id/reset-password", method = "post")]
    async fn reset_password(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<PasswordReset>> {
        auth.0.require(Capability::ManageUsers)?;
        let otp = users::reset_password(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            id.0,
            state.config.argon2_memory_kib,
        )
        .await?;
        Ok(Json(PasswordReset { one_time_password: otp }))
    }
}

pub struct TokensApi;

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokensApi {
    /// The caller's tokens, newest first (revoked ones included), in the list shape.
    #[oai(path = "/tokens", method = "get")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<TokenDto>>> {
        auth.0.require(Capability::ManageOwnTokens)?;
        let found = token::tokens_page(&state.db, auth.0.id, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, TokenDto::from)))
    }

    /// Creates a token for the caller. The token text is returned only in this response.
    #[oai(path = "/tokens", method = "post")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<CreateTokenRequest>,
    ) -> ApiResult<Json<CreatedToken>> {
        auth.0.require(Capability::ManageOwnTokens)?;
        let (row, plain) = token::create_token(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            auth.0.id,
            &body.0.name,
        )
        .await?;
        Ok(Json(CreatedToken {
            token: plain,
            details: row.into(),
        }))
    }

    /// Revokes one of the caller's tokens.
    #[oai(path = "/tokens/:id", method = "delete")]
    async fn revoke(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<TokenDto>> {
        auth.0.require(Capability::ManageOwnTokens)?;
        let revoked =
            token::revoke_token(&state.db, &auth.0.actor(Some(state.client_ip(req))), auth.0.id, id.0).await?;
        Ok(Json(revoked.into()))
    }
}
