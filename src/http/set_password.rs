//! The onboarding page behind a set-password link: a form with
//! `password` and `password_confirm`, CSRF-protected like every form. What a
//! link may do (counted per address, spent once) is decided in
//! [`crate::login::onboarding`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::pages::{esc, layout};
use super::{html, session_cookie, set_session_cookie};
use crate::accounts::mails;
use crate::admin::{AdminCtx, AdminError, sign_out};
use crate::db::users::User;
use crate::error::Failure;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::onboarding::{self, Link, PasswordSet};
use crate::mail::Mail;
use crate::secrets;

const INVALID: &str = "This link is not valid: it has expired or was already used. Ask for a new one with \"Forgot your password?\" on the sign-in page, or ask your administrator.";

fn purpose(token: &str) -> String {
    format!("set-password:{}", secrets::digest(token))
}

pub(super) fn invalid_page() -> HttpResponse {
    html(
        StatusCode::BAD_REQUEST,
        layout(
            "Link not valid",
            &format!("<h1>Link not valid</h1><p>{}</p>", esc(INVALID)),
        ),
    )
}

fn form_page(action: &str, csrf: &str, username: &str, error: Option<&str>) -> String {
    let err = error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", esc(e)))
        .unwrap_or_default();
    layout(
        "Choose your password",
        &format!(
            "<h1>Choose your password</h1><p class=\"sub\">for <strong>{user}</strong></p>{err}\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"password\">New password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" minlength=\"8\" required autofocus>\
<label for=\"password_confirm\">Repeat it</label>\
<input type=\"password\" id=\"password_confirm\" name=\"password_confirm\" autocomplete=\"new-password\" minlength=\"8\" required>\
<button type=\"submit\">Set password</button></form>",
            user = esc(username),
            action = esc(action),
            csrf = esc(csrf),
        ),
    )
}

/// Renders the form posting to `action` with a fresh CSRF token for `purpose`,
/// bound to this browser's session.
pub(super) async fn render_form(
    state: &AppState,
    req: &HttpRequest,
    target: (&str, &str),
    username: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (action, purpose) = target;
    let (cookie, new) = state.sessions.ensure_live(session_cookie(req)).await?;
    let csrf = state.sessions.issue_csrf(&cookie, purpose).await?;
    let mut resp = html(status, form_page(action, &csrf, username, error));
    resp.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    if new {
        resp.add_cookie(&set_session_cookie(state, &cookie))?;
    }
    Ok(resp)
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    username: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let action = format!("{}/set-password/{token}", state.settings.issuer_path());
    let target = (action.as_str(), purpose(token));
    render_form(state, req, (target.0, &target.1), username, status, error).await
}

pub(super) fn too_many_page() -> HttpResponse {
    html(
        StatusCode::TOO_MANY_REQUESTS,
        layout(
            "Too many attempts",
            "<h1>Too many attempts</h1><p>Too many links that are not valid were opened from your network. Please wait a few minutes and try again.</p>",
        ),
    )
}

/// The user a link belongs to and whether it is a reset link, or the page to
/// show instead.
async fn link_user(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Result<(User, bool), HttpResponse>, PageError> {
    let ip = super::client_addr::client_ip(req, &state.settings.server);
    Ok(
        match onboarding::open_link(&state.login_ctx(), token, ip).await? {
            Link::User { user, reset } => Ok((user, reset)),
            Link::Invalid => Err(invalid_page()),
            Link::TooMany => Err(too_many_page()),
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    match link_user(&state, &req, &token).await? {
        Ok((u, _)) => render(&state, &req, &token, &u.username, StatusCode::OK, None).await,
        Err(page) => Ok(page),
    }
}

#[derive(Deserialize)]
pub struct Input {
    #[serde(default)]
    pub(super) password: String,
    pub(super) password_confirm: Option<String>,
}

impl Input {
    /// Whether the confirmation, when sent, differs from the password.
    pub(super) fn mismatched(&self) -> bool {
        self.password_confirm
            .as_deref()
            .is_some_and(|c| !secrets::ct_eq(c, &self.password))
    }
}

/// A reset by link: whoever may have had the old password is signed out
/// everywhere, and the owner is told. The second factors stay.
async fn after_reset(ctx: &AdminCtx, user: &User) -> Result<(), PageError> {
    sign_out::end_everything(ctx, user, sign_out::Reason::PasswordSet)
        .await
        .map_err(|e| PageError::Failure(admin_failure(e)))?;
    let sent = ctx
        .mailer
        .send_notice(Mail {
            to_name: user.full_name(),
            to_email: user.email.clone(),
            subject: mails::PASSWORD_CHANGED_SUBJECT.into(),
            body: mails::password_changed(user, "with a \"forgot password\" link"),
        })
        .await;
    if let Err(e) = sent {
        tracing::warn!(user = %user.username, error = %e, "password change notice not sent");
    }
    Ok(())
}

pub(super) fn admin_failure(e: AdminError) -> Failure {
    match e {
        AdminError::Failure(f) => f,
        other => Failure::Internal(other.to_string()),
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: CsrfForm<Input>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (user, reset) = match link_user(&state, &req, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let again = |msg: &'static str| {
        render(
            &state,
            &req,
            &token,
            &user.username,
            StatusCode::BAD_REQUEST,
            Some(msg),
        )
    };
    if !form.check(&purpose(&token)).await? {
        return again("This form has expired or was not sent by this browser. Please try again.")
            .await;
    }
    let input = &form.form;
    if input.mismatched() {
        return again("The two passwords differ.").await;
    }
    let ctx = state.login_ctx();
    match onboarding::set_password(&ctx, &token, &user, input.password.clone(), reset).await? {
        PasswordSet::Done if reset => {
            after_reset(&state.admin_ctx(format!("user:{}", user.username)), &user).await?
        }
        PasswordSet::Done => {}
        PasswordSet::TooShort => {
            return again("Choose a password of at least 8 characters.").await;
        }
        PasswordSet::LinkSpent => return Ok(invalid_page()),
    }
    Ok(html(
        StatusCode::OK,
        layout(
            "Password set",
            &format!(
                "<h1>Password set</h1><div class=\"note\" id=\"password-set\">Your password is set. You can now sign in as <strong>{}</strong> from any application that uses Portcullis.</div>",
                esc(&user.username)
            ),
        ),
    ))
}
