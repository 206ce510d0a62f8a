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
use crate::db::users::User;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::onboarding::{self, Link, PasswordSet};
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
    let (cookie, new) = state.sessions.ensure_live(session_cookie(req)).await?;
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

/// The user a link belongs to, or the page to show instead.
async fn link_user(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Result<User, HttpResponse>, PageError> {
    let ip = super::client_addr::client_ip(req, &state.settings.server);
    Ok(
        match onboarding::open_link(&state.login_ctx(), token, ip).await? {
            Link::User(user) => Ok(user),
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
        Ok(u) => render(&state, &req, &token, &u.username, StatusCode::OK, None).await,
        Err(page) => Ok(page),
    }
}

#[derive(Deserialize)]
pub struct Input {
    #[serde(default)]
    password: String,
    password_confirm: Option<String>,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: CsrfForm<Input>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let user = match link_user(&state, &req, &token).await? {
        Ok(u) => u,
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
    if input
        .password_confirm
        .as_deref()
        .is_some_and(|c| !secrets::ct_eq(c, &input.password))
    {
        return again("The two passwords differ.").await;
    }
    let ctx = state.login_ctx();
    match onboarding::set_password(&ctx, &token, &user, input.password.clone()).await? {
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
