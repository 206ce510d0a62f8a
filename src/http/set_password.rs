//! The onboarding page behind a set-password link: a form with
//! `password` and `password_confirm`, CSRF-protected like every form. What a
//! link may do (counted per address, spent once) is decided in
//! [`crate::login::onboarding`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::EXPIRED_FORM_KEY;
use super::extract::CsrfForm;
use super::self_service_pages::{NoticePage, SetPasswordPage};
use super::ui::{Chrome, page};
use super::{session_cookie, set_session_cookie};
use crate::admin::{AdminCtx, AdminError, sign_out};
use crate::db::users::User;
use crate::error::Failure;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::onboarding::{self, Link, PasswordSet};
use crate::mail;
use crate::secrets;

fn purpose(token: &str) -> String {
    format!("set-password:{}", secrets::digest(token))
}

/// The link is unknown, expired or used.
pub(super) fn invalid_page(chrome: &Chrome) -> HttpResponse {
    let title = chrome.t("link-invalid-title");
    let text = chrome.t("link-invalid-text");
    let notice = NoticePage {
        chrome,
        title: &title,
        id: None,
        text: &text,
    };
    page(StatusCode::BAD_REQUEST, &notice)
}

/// Renders the form posting to `action` with a fresh CSRF token for `purpose`,
/// bound to this browser's session.
pub(super) async fn render_form(
    state: &AppState,
    req: &HttpRequest,
    target: (&str, &str),
    (username, names): (&str, Option<(&str, &str)>),
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let (action, purpose) = target;
    let (cookie, new) = state.sessions.ensure_live(session_cookie(req)).await?;
    let chrome = Chrome::for_request(state, req, None);
    let form = SetPasswordPage {
        chrome: &chrome,
        action,
        csrf: &state.sessions.issue_csrf(&cookie, purpose).await?,
        username,
        names,
        error: error.map(|key| chrome.t(key)),
    };
    // The token in this page's URL reaches no other site: every response's
    // `Referrer-Policy: same-origin` (see `security_headers`) sees to that,
    // and keeps the form post's `Origin` header, which `no-referrer` would
    // turn into `null`.
    let mut resp = page(status, &form);
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
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let action = format!("{}/set-password/{token}", state.settings.issuer_path());
    let target = (action.as_str(), purpose(token));
    render_form(
        state,
        req,
        (target.0, &target.1),
        (username, None),
        status,
        error,
    )
    .await
}

/// Too many links that are not valid from this network.
pub(super) fn too_many_page(chrome: &Chrome) -> HttpResponse {
    let title = chrome.t("link-too-many-title");
    let text = chrome.t("link-too-many-text");
    let notice = NoticePage {
        chrome,
        title: &title,
        id: None,
        text: &text,
    };
    page(StatusCode::TOO_MANY_REQUESTS, &notice)
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
            Link::Invalid => Err(invalid_page(&Chrome::for_request(state, req, None))),
            Link::TooMany => Err(too_many_page(&Chrome::for_request(state, req, None))),
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
    /// A sign-up's names as its owner confirmed them; a reset has none.
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
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
        .send_notice(mail::password_changed(
            &mail::Writer::to(&ctx.settings, user),
            user,
            mail::PasswordChangedBy::ForgotLink,
        ))
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
        return again(EXPIRED_FORM_KEY).await;
    }
    let input = &form.form;
    if input.mismatched() {
        return again("password-mismatch").await;
    }
    let ctx = state.login_ctx();
    match onboarding::set_password(&ctx, &token, &user, input.password.clone(), reset).await? {
        PasswordSet::Done => {
            let lang = super::ui::lang_of(&state.settings, &req, None);
            let user = onboarding::remember_language(&ctx, user.clone(), lang).await?;
            if reset {
                after_reset(&state.admin_ctx(format!("user:{}", user.username)), &user).await?
            }
        }
        PasswordSet::TooShort => {
            return again("password-too-short").await;
        }
        PasswordSet::LinkSpent => {
            return Ok(invalid_page(&Chrome::for_request(&state, &req, None)));
        }
    }
    let chrome = Chrome::for_request(&state, &req, None);
    let title = chrome.t("password-set-title");
    let text = chrome.t1("password-set-text", "username", &user.username);
    let done = NoticePage {
        chrome: &chrome,
        title: &title,
        id: Some("password-set"),
        text: &text,
    };
    Ok(page(StatusCode::OK, &done))
}
