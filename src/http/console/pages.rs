//! The users table: tabs, search, paging, the bulk bar and the add-user form
//! (`templates/console/users.html`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::layout::{Frame, flash};
use super::{ctx, redirect_to_login, session};
use crate::db::user_admin::{self, AdminUser, Query, TwoFactorFilter};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::page;

#[derive(Deserialize)]
pub struct ListParams {
    tab: Option<String>,
    q: Option<String>,
    page: Option<u64>,
    pub(super) msg: Option<String>,
    pub(super) error: Option<String>,
}

/// The enrolled factors as one line (`TOTP · WEBAUTHN · 3 codes`), or None.
pub(super) fn factors_text(u: &AdminUser) -> Option<String> {
    if u.factors.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = u
        .factors
        .iter()
        .filter(|f| *f != "recovery_codes")
        .map(|f| f.to_uppercase())
        .collect();
    if u.recovery_codes_left > 0 {
        parts.push(format!("{} codes", u.recovery_codes_left));
    }
    Some(parts.join(" · "))
}

/// One line of the users table.
struct Row {
    id: String,
    username: String,
    full_name: String,
    email: String,
    groups: String,
    two_factor: bool,
    factors: Option<String>,
    last_login: String,
}

impl Row {
    fn of(u: &AdminUser) -> Self {
        Self {
            id: u.user.id.clone(),
            username: u.user.username.clone(),
            full_name: u.user.full_name(),
            email: u.user.email.clone(),
            groups: u.groups.join(", "),
            two_factor: u.user.two_factor,
            factors: factors_text(u),
            last_login: u
                .user
                .last_login
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "never".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage<'a> {
    frame: Frame,
    flash: Option<&'static str>,
    error: Option<&'static str>,
    /// (key, name, URL) of each tab.
    tabs: Vec<(&'static str, &'static str, String)>,
    tab_key: &'static str,
    q: &'a str,
    /// (value, text) of each bulk action this tab offers.
    actions: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    total: u64,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn users(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let tab = match p.tab.as_deref() {
        Some("enabled") => TwoFactorFilter::Enabled,
        Some("disabled") => TwoFactorFilter::Disabled,
        _ => TwoFactorFilter::All,
    };
    let tab_key = match tab {
        TwoFactorFilter::Enabled => "enabled",
        TwoFactorFilter::Disabled => "disabled",
        TwoFactorFilter::All => "all",
    };
    let q = p.q.clone().unwrap_or_default();
    let page_no = p.page.unwrap_or(1).max(1);
    let per_page = 25;
    let res = user_admin::search(
        &ctx(&state, &s).db,
        &Query {
            q: Some(q.clone()),
            two_factor: tab,
            page: page_no,
            per_page,
        },
    )
    .await?;
    let base = state.settings.issuer_path();
    let link = |t: &str, pg: u64| {
        format!(
            "{base}/admin/users?{}",
            serde_urlencoded::to_string([("tab", t), ("q", q.as_str()), ("page", &pg.to_string())])
                .unwrap_or_default()
        )
    };
    let tabs = [
        ("enabled", "2FA enabled"),
        ("disabled", "2FA disabled"),
        ("all", "All users"),
    ]
    .into_iter()
    .map(|(k, name)| (k, name, link(k, 1)))
    .collect();
    // The seed's tab rules: the enabled tab offers only disable, the disabled tab only enable.
    let mut actions = Vec::new();
    if tab != TwoFactorFilter::Enabled {
        actions.push(("enable_2fa", "Enable 2FA"));
    }
    if tab != TwoFactorFilter::Disabled {
        actions.push(("disable_2fa", "Disable 2FA"));
    }
    actions.push(("reset_mfa", "Reset MFA"));
    actions.push(("delete", "Delete users"));
    let pages = res.total.div_ceil(per_page).max(1);
    let error = match p.error.as_deref() {
        Some("tab") => Some("That action is not available on this tab."),
        Some("input") => Some(
            "Check the fields: username and email are required, a password needs 8 characters.",
        ),
        Some("exists") => Some("A user with that username or email exists."),
        _ => None,
    };
    Ok(page(
        StatusCode::OK,
        &UsersPage {
            frame: Frame::new(&state, &s, &req, "Users", "users"),
            flash: flash(p.msg.as_deref()),
            error,
            tabs,
            tab_key,
            q: &q,
            actions,
            rows: res.items.iter().map(Row::of).collect(),
            total: res.total,
            page: page_no,
            pages,
            prev: (page_no > 1).then(|| link(tab_key, page_no - 1)),
            next: (page_no < pages).then(|| link(tab_key, page_no + 1)),
        },
    ))
}
