//! One user's page (`templates/console/user.html`): summary, sign-in methods,
//! the action buttons (2FA switch, reset MFA, sign out, disable, delete), edit
//! and password forms.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::{Frame, flash};
use super::pages::{ListParams, factors_text};
use super::{ctx, redirect_to_login, session};
use crate::config::{FactorSwitches, Settings};
use crate::db::upstream_links;
use crate::db::user_admin::{self, AdminUser};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::page;

/// How a sign-in method's state is shown.
enum Shown {
    Pill(&'static str),
    Muted(&'static str),
    Plain(String),
}

/// A form with one button that posts `op` to the user's page.
struct Button {
    op: &'static str,
    /// The question asked before the form is sent.
    confirm: Option<&'static str>,
    label: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    frame: Frame,
    flash: Option<&'static str>,
    error: Option<&'static str>,
    /// Where every form of the page posts.
    action: String,
    username: String,
    full_name: String,
    email: String,
    active: bool,
    two_factor: bool,
    factors: Option<String>,
    groups: String,
    /// (upstream id, upstream name, subject) of each upstream link.
    upstreams: Vec<(String, String, String)>,
    buttons: Vec<Button>,
    /// (label, key, state) of each sign-in method.
    methods: Vec<(&'static str, &'static str, Shown)>,
    /// (name, label, current value) of each field of the edit form.
    fields: Vec<(&'static str, &'static str, String)>,
}

/// Each sign-in method of a user: enrolled, or whether it could be (the
/// `[factors]` switches). A mailed code needs no enrollment: with the switch on
/// every account with an address has it.
fn methods(u: &AdminUser, switches: &FactorSwitches) -> Vec<(&'static str, &'static str, Shown)> {
    let has = |f: &str| u.factors.iter().any(|x| x == f);
    let state = |enrolled: bool, offered: bool| match (enrolled, offered) {
        (true, _) => Shown::Pill("enrolled"),
        (false, true) => Shown::Muted("not enrolled (available)"),
        (false, false) => Shown::Muted("switched off"),
    };
    let email = match (switches.email_otp, u.user.email.contains('@')) {
        (true, true) => Shown::Pill("available"),
        (true, false) => Shown::Muted("no address"),
        (false, _) => Shown::Muted("switched off"),
    };
    vec![
        (
            "Authenticator app",
            "totp",
            state(has("totp"), switches.totp),
        ),
        (
            "Security key or passkey",
            "webauthn",
            state(has("webauthn"), switches.webauthn),
        ),
        ("Code by email", "email_otp", email),
        (
            "Recovery codes",
            "recovery_codes",
            Shown::Plain(format!("{} left", u.recovery_codes_left)),
        ),
    ]
}

fn buttons(u: &AdminUser) -> Vec<Button> {
    let button = |op, confirm, label, class| Button {
        op,
        confirm,
        label,
        class,
    };
    vec![
        if u.user.two_factor {
            button(
                "2fa-off",
                Some("Switch 2FA off for this user?"),
                "Disable 2FA",
                "quiet",
            )
        } else {
            button("2fa-on", None, "Enable 2FA", "")
        },
        button(
            "reset-mfa",
            Some(
                "Remove every second factor and recovery code of this user? They enroll again at the next sign-in.",
            ),
            "Reset MFA",
            "quiet",
        ),
        button(
            "sign-out",
            Some("End every session of this user and revoke their tokens? They sign in again."),
            "Sign out everywhere",
            "quiet",
        ),
        if u.user.active {
            button(
                "disable",
                Some("Disable this user? They cannot sign in, and their sessions and tokens end."),
                "Disable user",
                "quiet",
            )
        } else {
            button("enable", None, "Enable user", "")
        },
        button(
            "delete",
            Some("Delete this user permanently? This cannot be undone."),
            "Delete user",
            "danger",
        ),
    ]
}

/// The upstream identity providers the user signs in through, each with the
/// subject it knows them by.
fn upstreams(settings: &Settings, links: Vec<(String, String)>) -> Vec<(String, String, String)> {
    links
        .into_iter()
        .map(|(up, subject)| {
            let name = settings
                .upstream(&up)
                .map_or(up.clone(), |u| u.name.clone());
            (up, name, subject)
        })
        .collect()
}

pub async fn user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let db = ctx(&state, &s).db;
    let u = match user_admin::get(&db, &id).await {
        Ok(u) => u,
        Err(crate::db::DbError::NotFound) => {
            return Err(PageError::Status(
                StatusCode::NOT_FOUND,
                "No such user.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let links = upstream_links::of_user(&db, &u.user.id).await?;
    let error = match p.error.as_deref() {
        Some("input") => {
            Some("Check the fields (a password needs 8 characters and both entries must match).")
        }
        Some("exists") => Some("Another user has that username or email."),
        Some("last-admin") => {
            Some("This is the last active administrator: make someone else an administrator first.")
        }
        _ => None,
    };
    let fields = vec![
        ("first_name", "First name", u.user.first_name.clone()),
        ("last_name", "Last name", u.user.last_name.clone()),
        ("display_name", "Display name", u.user.display_name.clone()),
        ("email", "Email", u.user.email.clone()),
        ("username", "Username", u.user.username.clone()),
    ];
    Ok(page(
        StatusCode::OK,
        &UserPage {
            frame: Frame::new(&state, &s, &req, &u.user.username, "users"),
            flash: flash(p.msg.as_deref()),
            error,
            action: format!("{}/admin/users/{}", state.settings.issuer_path(), u.user.id),
            username: u.user.username.clone(),
            full_name: u.user.full_name(),
            email: u.user.email.clone(),
            active: u.user.active,
            two_factor: u.user.two_factor,
            factors: factors_text(&u),
            groups: u.groups.join(", "),
            upstreams: upstreams(&state.settings, links),
            buttons: buttons(&u),
            methods: methods(&u, &state.settings.factors),
            fields,
        },
    ))
}
