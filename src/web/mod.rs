//! The portal: server-rendered pages (tera), the per-request portal context (language, signed-in
//! user, CSRF token), CSRF checking of every state-changing request, and error pages.
//!
//! CSRF: each browser gets a random `vocpath_csrf` cookie; forms carry `csrf_token`, an HMAC of that
//! cookie under the service's secret key. [`portal_context`] checks every non-GET request before any
//! handler runs (form field, `X-CSRF-Token` header, or `csrf_token` query parameter for uploads), so
//! no handler can forget it. Handlers get the context with `Data<&PortalCtx>`.

//!
//! Here: the context and the rendering of a page with its navigation. `context` is the middleware
//! (context, CSRF, error pages), `forms` what a form shows of an error, `http` redirects, cookies
//! and safe return paths.

mod context;
mod forms;
mod http;

use poem::web::Html;
use serde::Serialize;

pub use context::{portal_context, switch_language};
pub use forms::{error_text, form_errors, is_form_error, no_errors, opt_number};
pub use http::{cookie, encode_query_value, read_cookie, redirect, safe_next};

use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, Context};
use crate::i18n::{Lang, Msg};
use crate::state::AppState;

/// What every portal handler knows about the request.
#[derive(Debug, Clone)]
pub struct PortalCtx {
    pub lang: Lang,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub path: String,
    /// The path with its query (`/students?year=2026&page=2`): where the language switch and
    /// signing in come back to.
    pub here: String,
    pub client_ip: String,
    pub session_cookie: Option<String>,
}

impl PortalCtx {
    /// The signed-in user holding `cap`. Not signed in → login redirect; one-time password not yet
    /// changed → password page; role without `cap` → 403.
    pub fn staff(&self, cap: Capability) -> Result<&CurrentUser, AppError> {
        let user = self.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        user.require(cap)?;
        Ok(user)
    }

    /// The signed-in user, even one who still has to change a one-time password.
    pub fn signed_in(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }
}

/// A navigation entry, shown only to roles holding its capability.
struct NavItem {
    href: &'static str,
    key: &'static str,
    cap: Capability,
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        key: "nav.home",
        cap: Capability::UsePortal,
    },
    NavItem {
        href: "/students",
        key: "nav.students",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/imports/new",
        key: "nav.imports",
        cap: Capability::ManageStudents,
    },
    NavItem {
        href: "/follow-ups",
        key: "nav.follow_ups",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/programmes",
        key: "nav.programmes",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/rule-sets",
        key: "nav.rule_sets",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/routing-runs",
        key: "nav.runs",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/ledger",
        key: "nav.ledger",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/mentoring",
        key: "nav_extra.mentoring",
        cap: Capability::ManageMentoring,
    },
    NavItem {
        href: "/training",
        key: "nav_extra.training",
        cap: Capability::ManageTraining,
    },
    NavItem {
        href: "/my-mentees",
        key: "nav_extra.my_mentees",
        cap: Capability::RecordHelpSessions,
    },
    NavItem {
        href: "/admin/users",
        key: "nav.users",
        cap: Capability::ManageUsers,
    },
    NavItem {
        href: "/admin/audit",
        key: "nav.audit",
        cap: Capability::ReadAuditLog,
    },
    NavItem {
        href: "/admin/outbox",
        key: "nav_extra.outbox",
        cap: Capability::ManageOutbox,
    },
    NavItem {
        href: "/account/tokens",
        key: "nav.tokens",
        cap: Capability::ManageOwnTokens,
    },
];

#[derive(Serialize)]
struct NavLink {
    href: &'static str,
    label: String,
    active: bool,
}

/// Renders `template` with the layout's variables plus `vars` (a JSON object).
/// Renders a page: the layout's values (catalogue, language, user, navigation), then the page's own
/// `vars`, an object whose keys win. A `json!` object will do; a page of many rows passes a typed
/// struct, which goes into the template's values in one step instead of through a `serde_json` map.
pub fn render(
    state: &AppState,
    ctx: &PortalCtx,
    template: &str,
    vars: impl serde::Serialize,
) -> Result<Html<String>, AppError> {
    render_with_status(state, ctx, template, vars).map(Html)
}

pub(super) fn render_with_status(
    state: &AppState,
    ctx: &PortalCtx,
    template: &str,
    vars: impl serde::Serialize,
) -> Result<String, AppError> {
    let mut tctx = tera::Context::new();
    tctx.insert_value("t", state.i18n.template_value(ctx.lang));
    tctx.insert("lang", ctx.lang.code());
    tctx.insert("csrf_token", &ctx.csrf_token);
    tctx.insert("user", &ctx.user);
    tctx.insert("path", &ctx.path);
    // The page with its query, encoded as the value of the language switch's `next`.
    tctx.insert("here_encoded", &encode_query_value(&ctx.here));
    let nav: Vec<NavLink> = match &ctx.user {
        Some(u) if !u.must_change_password => NAV
            .iter()
            .filter(|n| u.can(n.cap))
            .map(|n| NavLink {
                href: n.href,
                label: state.i18n.text(ctx.lang, &Msg::new(n.key)),
                active: if n.href == "/" {
                    ctx.path == "/"
                } else {
                    ctx.path.starts_with(n.href)
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    tctx.insert("nav", &nav);
    tctx.extend(tera::Context::from_serialize(&vars).context(format!("values of template {template}"))?);
    state
        .templates
        .render(template, &tctx)
        .context(format!("template {template}"))
}
