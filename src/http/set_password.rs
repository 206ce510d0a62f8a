//! The onboarding page behind a set-password link: a form with
//! `password` and `password_confirm`, CSRF-protected like every form; the link's
//! token is spent only when the new password is stored, and works once. Opening
//! links that are not valid counts as a failure of the client address, like a
//! wrong password ([`crate::auth::limiter`]): counted first, taken back for a
//! valid link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{esc, layout};
use super::{html, session_cookie, set_session_cookie};
use crate::admin::AdminError;
use crate::admin::users::hash_password;
use crate::auth::limiter::{self, Bucket};
use crate::db::{password_tokens, users};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::oidc::now_ms;
use crate::oidc::session::BrowserSession;
use crate::secrets;

const INVALID: &str = "This link is not valid: it has expired or was already used. Ask your administrator for a new one.";

fn purpose(token: &str) -> String {
    format!("set-password:{}", secrets::digest(token))
}

fn invalid_page() -> HttpResponse {
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

/// Renders the form with a fresh CSRF token bound to this browser's session.
async fn render(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    username: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (cookie, new) = match session_cookie(req) {
        Some(c) if state.sessions.load(&c).await?.is_some() => (c, false),
        _ => (
            state
                .sessions
                .rotate(None, &BrowserSession::anonymous(now_ms()))
                .await?,
            true,
        ),
    };
    let csrf = state.sessions.issue_csrf(&cookie, &purpose(token)).await?;
    let action = format!("{}/set-password/{token}", state.settings.issuer_path());
    let mut resp = html(status, form_page(&action, &csrf, username, error));
    resp.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    if new {
        resp.add_cookie(&set_session_cookie(state, &cookie))?;
    }
    Ok(resp)
}

fn too_many_page() -> HttpResponse {
    html(
        StatusCode::TOO_MANY_REQUESTS,
        layout(
            "Too many attempts",
            "<h1>Too many attempts</h1><p>Too many links that are not valid were opened from your network. Please wait a few minutes and try again.</p>",
        ),
    )
}

async fn user_of(state: &AppState, token: &str) -> Result<Option<users::User>, PageError> {
    let Some(user_id) = password_tokens::peek(&state.db, token).await? else {
        return Ok(None);
    };
    Ok(users::find_by_id(&state.db, &user_id).await?)
}

/// The user a link belongs to, or the page to show instead: the attempt is
/// counted against the client address before the link is looked up.
async fn link_user(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Result<users::User, HttpResponse>, PageError> {
    let ip = super::client_addr::client_ip(req, &state.settings.server);
    let bucket = Bucket::address(ip, state.settings.lockout.failures_per_address);
    let Some(attempt) = limiter::admit(&state.store, &[bucket]).await? else {
        return Ok(Err(too_many_page()));
    };
    match user_of(state, token).await {
        Ok(Some(user)) => {
            attempt.take_back().await?;
            Ok(Ok(user))
        }
        Ok(None) => {
            attempt.failed();
            Ok(Err(invalid_page()))
        }
        Err(e) => {
            attempt.take_back().await?;
            Err(e)
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    match link_user(&state, &req, &token).await? {
        Ok(u) => render(&state, &req, &token, &u.username, StatusCode::OK, None).await,
        Err(page) => Ok(page),
    }
}

#[derive(Deserialize)]
pub struct Input {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    password: String,
    password_confirm: Option<String>,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Input>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let user = match link_user(&state, &req, &token).await? {
        Ok(u) => u,
        Err(page) => return Ok(page),
    };
    let csrf_ok = match session_cookie(&req) {
        Some(c) => {
            state
                .sessions
                .check_csrf(&form.csrf_token, &c, &purpose(&token))
                .await?
        }
        None => false,
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
    if !csrf_ok {
        return again("This form has expired or was not sent by this browser. Please try again.")
            .await;
    }
    if form
        .password_confirm
        .as_deref()
        .is_some_and(|c| !secrets::ct_eq(c, &form.password))
    {
        return again("The two passwords differ.").await;
    }
    let hash = match hash_password(form.password.clone()).await {
        Ok(h) => h,
        Err(AdminError::Invalid(_)) => {
            return again("Choose a password of at least 8 characters.").await;
        }
        Err(e) => return Err(PageError::Failure(admin_failure(e))),
    };
    // Spent only now, in one conditional update: a second use finds it gone.
    if password_tokens::spend(&state.db, &token).await?.as_deref() != Some(user.id.as_str()) {
        return Ok(invalid_page());
    }
    users::set_password_hash(&state.db, &user.id, hash).await?;
    password_tokens::revoke_for_user(&state.db, &user.id).await?;
    state
        .admin_ctx(format!("user:{}", user.username))
        .audit(
            "password_set",
            Some(&user),
            "success",
            serde_json::json!({"via": "onboarding_link"}),
        )
        .await?;
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

fn admin_failure(e: AdminError) -> crate::error::Failure {
    match e {
        AdminError::Failure(f) => f,
        other => crate::error::Failure::Internal(other.to_string()),
    }
}
