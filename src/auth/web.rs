//! Portal pages for signing in and out, one's own password and tokens, the home page, and the
//! admin pages for staff accounts. Handlers parse the form, call one service function, render.

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Html, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::json;

use super::{Capability, device, session, token, user as users};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, cookie, form_errors, is_form_error, no_errors, read_cookie, redirect, render, safe_next};

type PageResult = Result<Response, AppError>;

fn with_status(html: Html<String>, status: StatusCode) -> Response {
    html.with_status(status).into_response()
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    done: Option<String>,
}

#[handler]
pub async fn home(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<NextQuery>) -> PageResult {
    let me = ctx.staff(Capability::UsePortal)?;
    let done = flash(&state, &ctx, q.0.done.as_deref());
    // Staff who read students land on the dashboard; mentors on their cards.
    if done.is_empty() && me.can(Capability::ReadStudents) && me.role != entity::enums::Role::Mentor {
        return crate::dashboard::web::render_dashboard(&state, &ctx, &Default::default(), false).await;
    }
    // A mentor's home shows their load: mentees, overdue contacts, the next contact due.
    let mentoring = if me.role == entity::enums::Role::Mentor {
        let today = crate::clock::today();
        let mentees = crate::mentor::sessions::my_mentees(&state.db, me.id, today).await?;
        Some(crate::mentor::sessions::summary(&mentees, today))
    } else {
        None
    };
    let vars = json!({ "done": done, "mentoring": mentoring, "days": crate::mentor::sessions::NO_CONTACT_DAYS });
    Ok(render(&state, &ctx, "home.html", vars)?.into_response())
}

/// A whitelisted confirmation message named in `?done=`.
fn flash(state: &AppState, ctx: &PortalCtx, done: Option<&str>) -> String {
    let key = match done {
        Some("password_changed") => "flash.password_changed",
        Some("user_saved") => "flash.user_saved",
        Some("token_revoked") => "flash.token_revoked",
        _ => return String::new(),
    };
    state.i18n.get(ctx.lang, key)
}

const LOGIN_FIELDS: &[&str] = &["email", "password"];

#[handler]
pub async fn login_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<NextQuery>) -> PageResult {
    if ctx.user.is_some() {
        return Ok(redirect("/"));
    }
    let vars = json!({ "next": safe_next(q.0.next.as_deref()), "email": "", "errors": no_errors(LOGIN_FIELDS) });
    Ok(render(&state, &ctx, "auth/login.html", vars)?.into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[handler]
pub async fn login_submit(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    req: &Request,
    form: Form<LoginForm>,
) -> PageResult {
    let f = form.0;
    let next = safe_next(f.next.as_deref());
    let device_cookie = read_cookie(req, device::COOKIE);
    let login = session::LoginRequest {
        email: &f.email,
        password: &f.password,
        client_ip: &ctx.client_ip,
        previous_cookie: ctx.session_cookie.as_deref(),
        device_cookie: device_cookie.as_deref(),
    };
    match session::login(&state.db, &state.config, login).await {
        Ok(logged_in) => {
            let to = if logged_in.user.must_change_password {
                "/account/password".to_string()
            } else {
                next
            };
            let mut resp = redirect(&to);
            let hours = state.config.session_hours;
            for c in [
                cookie(&state, session::COOKIE, &logged_in.cookie_value, Some(hours * 3600)),
                cookie(
                    &state,
                    device::COOKIE,
                    &logged_in.device_cookie,
                    Some(device::MAX_AGE_SECS),
                ),
            ] {
                if let Ok(v) = c.parse() {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(resp)
        }
        Err(e) if is_form_error(&e) => {
            let vars = json!({ "next": next, "email": f.email.trim(), "errors": form_errors(&state, ctx.lang, LOGIN_FIELDS, &e) });
            Ok(with_status(render(&state, &ctx, "auth/login.html", vars)?, e.status()))
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn logout(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    if let Some(c) = &ctx.session_cookie {
        session::logout(&state.db, c).await?;
    }
    let mut resp = redirect("/login");
    if let Ok(v) = cookie(&state, session::COOKIE, "", Some(0)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

const PASSWORD_FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];

#[handler]
pub async fn password_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    let me = ctx.signed_in()?;
    let vars = json!({ "forced": me.must_change_password, "errors": no_errors(PASSWORD_FIELDS) });
    Ok(render(&state, &ctx, "auth/password.html", vars)?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[handler]
pub async fn password_submit(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<PasswordForm>) -> PageResult {
    let me = ctx.signed_in()?;
    let f = form.0;
    let result = if f.new_password != f.confirm_password {
        Err(AppError::invalid(
            "confirm_password",
            Msg::new("error.password_mismatch"),
        ))
    } else {
        users::change_own_password(
            &state.db,
            &me.actor(Some(ctx.client_ip.clone())),
            me.id,
            ctx.session_cookie.as_deref(),
            (&f.current_password, &f.new_password),
            state.config.argon2_memory_kib,
        )
        .await
    };
    match result {
        Ok(()) => Ok(redirect("/?done=password_changed")),
        Err(e) if is_form_error(&e) => {
            let vars = json!({ "forced": me.must_change_password, "errors": form_errors(&state, ctx.lang, PASSWORD_FIELDS, &e) });
            Ok(with_status(
                render(&state, &ctx, "auth/password.html", vars)?,
                e.status(),
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<u64>,
    done: Option<String>,
}

#[handler]
pub async fn users_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<ListQuery>) -> PageResult {
    ctx.staff(Capability::ManageUsers)?;
    let page = users::list_users(&state.db, PageRequest::new(q.0.page, None)?)
        .await?
        .map(|u| u_json(&u));
    let done = flash(&state, &ctx, q.0.done.as_deref());
    Ok(render(&state, &ctx, "auth/users.html", json!({ "page": page, "done": done }))?.into_response())
}

const USER_FIELDS: &[&str] = &["email", "name", "role", "password", "active"];

#[handler]
pub async fn new_user_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageUsers)?;
    let vars = json!({ "form": { "email": "", "name": "", "role": "viewer" }, "errors": no_errors(USER_FIELDS), "roles": entity::enums::Role::ALL });
    Ok(render(&state, &ctx, "auth/user_new.html", vars)?.into_response())
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

#[handler]
pub async fn create_user(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<NewUserForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageUsers)?;
    let f = form.0;
    let result = match users::NewUser::parse(&f.email, &f.name, &f.role, None) {
        Ok(new) => {
            users::create_user(
                &state.db,
                &me.actor(Some(ctx.client_ip.clone())),
                new,
                state.config.argon2_memory_kib,
                Some(users::Notify {
                    base_url: &state.config.base_url,
                }),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((user, otp)) => {
            let vars = json!({ "shown_user": { "email": user.email, "name": user.name }, "password": otp.unwrap_or_default() });
            Ok(render(&state, &ctx, "auth/password_shown.html", vars)?.into_response())
        }
        Err(e) if is_form_error(&e) => {
            let vars = json!({ "form": { "email": f.email, "name": f.name, "role": f.role }, "errors": form_errors(&state, ctx.lang, USER_FIELDS, &e), "roles": entity::enums::Role::ALL });
            Ok(with_status(
                render(&state, &ctx, "auth/user_new.html", vars)?,
                e.status(),
            ))
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn edit_user_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageUsers)?;
    let u = users::get_user(&state.db, id.0).await?;
    let vars = json!({ "target": u_json(&u), "errors": no_errors(USER_FIELDS), "roles": entity::enums::Role::ALL });
    Ok(render(&state, &ctx, "auth/user_edit.html", vars)?.into_response())
}

fn u_json(u: &entity::user::Model) -> serde_json::Value {
    json!({ "id": u.id, "email": u.email, "name": u.name, "role": u.role.as_str(), "active": u.active, "must_change_password": u.must_change_password })
}

#[derive(Deserialize)]
pub struct EditUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// A checkbox: present when ticked.
    active: Option<String>,
}

#[handler]
pub async fn update_user(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<EditUserForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageUsers)?;
    let f = form.0;
    let result = match users::UserChanges::parse(Some(&f.name), Some(&f.role), Some(f.active.is_some())) {
        Ok(changes) => users::update_user(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, changes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect("/admin/users?done=user_saved")),
        Err(e) if is_form_error(&e) => {
            let current = users::get_user(&state.db, id.0).await?;
            let mut target = u_json(&current);
            target["name"] = json!(f.name);
            target["role"] = json!(f.role);
            let vars = json!({ "target": target, "errors": form_errors(&state, ctx.lang, USER_FIELDS, &e), "roles": entity::enums::Role::ALL });
            Ok(with_status(
                render(&state, &ctx, "auth/user_edit.html", vars)?,
                e.status(),
            ))
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn reset_user_password(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageUsers)?;
    let otp = users::reset_password(
        &state.db,
        &me.actor(Some(ctx.client_ip.clone())),
        id.0,
        state.config.argon2_memory_kib,
    )
    .await?;
    let u = users::get_user(&state.db, id.0).await?;
    let vars = json!({ "shown_user": { "email": u.email, "name": u.name }, "password": otp });
    Ok(render(&state, &ctx, "auth/password_shown.html", vars)?.into_response())
}

#[handler]
pub async fn tokens_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<NextQuery>) -> PageResult {
    let me = ctx.staff(Capability::ManageOwnTokens)?;
    let tokens = token::list_tokens(&state.db, me.id).await?;
    let done = flash(&state, &ctx, q.0.done.as_deref());
    let vars = json!({ "tokens": tokens, "created": "", "done": done, "errors": no_errors(&["name"]) });
    Ok(render(&state, &ctx, "auth/tokens.html", vars)?.into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

#[handler]
pub async fn create_token(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<TokenForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageOwnTokens)?;
    let result = token::create_token(&state.db, &me.actor(Some(ctx.client_ip.clone())), me.id, &form.0.name).await;
    let (created, errors, status) = match result {
        Ok((_, plain)) => (plain, no_errors(&["name"]), StatusCode::OK),
        Err(e) if is_form_error(&e) => (String::new(), form_errors(&state, ctx.lang, &["name"], &e), e.status()),
        Err(e) => return Err(e),
    };
    let tokens = token::list_tokens(&state.db, me.id).await?;
    let vars = json!({ "tokens": tokens, "created": created, "done": "", "errors": errors });
    Ok(with_status(render(&state, &ctx, "auth/tokens.html", vars)?, status))
}

#[handler]
pub async fn revoke_token(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageOwnTokens)?;
    token::revoke_token(&state.db, &me.actor(Some(ctx.client_ip.clone())), me.id, id.0).await?;
    Ok(redirect("/account/tokens?done=token_revoked"))
}
