//! The onboarding page behind a set-password link: a form with
//! `password` and `password_confirm`, CSRF-protected like every form; the link's
//! token is spent only when the new password is stored, and works once. Opening
//! links that are not valid counts as a failure of the client address, like a
//! wrong password ([`crate::auth::limiter`]): counted first, taken back for a
//! valid link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::{self, EXPIRED_FORM};
use super::html;
use super::pages::{esc, layout};
use crate::accounts::mails;
use crate::admin::users::hash_password;
use crate::admin::{AdminCtx, AdminError, sign_out};
use crate::auth::limiter::{self, Bucket};
use crate::db::{password_tokens, users};
use crate::http::errors::PageError;
use crate::http::state::AppState;
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

pub(super) fn form_page(action: &str, csrf: &str, username: &str, error: Option<&str>) -> String {
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

/// Renders the form at `action` with a fresh CSRF token for `purpose`, bound
/// to this browser's session.
pub(super) async fn render_form(
    state: &AppState,
    req: &HttpRequest,
    target: (&str, &str),
    username: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (action, purpose) = target;
    let token = anon_form::issue(state, req, purpose).await?;
    let mut resp = html(status, form_page(action, &token.csrf, username, error));
    // The link's token is in this page's URL: never send it on as a referrer.
    resp.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    token.attach(state, resp)
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
    render_form(
        state,
        req,
        (&action, &purpose(token)),
        username,
        status,
        error,
    )
    .await
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

async fn user_of(
    state: &AppState,
    token: &str,
) -> Result<Option<(users::User, String)>, PageError> {
    let Some(link) = password_tokens::peek(&state.db, token).await? else {
        return Ok(None);
    };
    Ok(users::find_by_id(&state.db, &link.user_id)
        .await?
        .map(|u| (u, link.purpose)))
}

/// Looks a link up, counted against the client address first: the link's
/// value, or the page to show instead. A link found is taken back.
pub(super) async fn counted_lookup<T, F>(
    state: &AppState,
    req: &HttpRequest,
    lookup: F,
) -> Result<Result<T, HttpResponse>, PageError>
where
    F: std::future::Future<Output = Result<Option<T>, PageError>>,
{
    let ip = super::client_addr::client_ip(req, &state.settings.server);
    let bucket = Bucket::address(ip, state.settings.lockout.failures_per_address);
    let Some(attempt) = limiter::admit(&state.store, &[bucket]).await? else {
        return Ok(Err(too_many_page()));
    };
    match lookup.await {
        Ok(Some(found)) => {
            attempt.take_back().await?;
            Ok(Ok(found))
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

/// The user a link belongs to and what the link is for.
async fn link_user(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Result<(users::User, String), HttpResponse>, PageError> {
    counted_lookup(state, req, user_of(state, token)).await
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
    pub(super) csrf_token: String,
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
    let (user, link_purpose) = match link_user(&state, &req, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let csrf_ok = anon_form::check(&state, &req, &form.csrf_token, &purpose(&token)).await?;
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
        return again(EXPIRED_FORM).await;
    }
    let hash = match new_password_hash(&form).await? {
        Ok(h) => h,
        Err(msg) => return again(msg).await,
    };
    // Spent only now, in one conditional update: a second use finds it gone.
    if password_tokens::spend(&state.db, &token).await?.as_deref() != Some(user.id.as_str()) {
        return Ok(invalid_page());
    }
    users::set_password_hash(&state.db, &user.id, hash).await?;
    password_tokens::revoke_for_user(&state.db, &user.id).await?;
    let ctx = state.admin_ctx(format!("user:{}", user.username));
    let reset = link_purpose == password_tokens::RESET;
    ctx.audit(
        "password_set",
        Some(&user),
        "success",
        serde_json::json!({"via": if reset { "reset_link" } else { "onboarding_link" }}),
    )
    .await?;
    if reset {
        after_reset(&ctx, &user).await?;
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

/// The checked hash of a posted new password, or what to tell the user.
pub(super) async fn new_password_hash(
    form: &Input,
) -> Result<Result<String, &'static str>, PageError> {
    if form
        .password_confirm
        .as_deref()
        .is_some_and(|c| !secrets::ct_eq(c, &form.password))
    {
        return Ok(Err("The two passwords differ."));
    }
    match hash_password(form.password.clone()).await {
        Ok(h) => Ok(Ok(h)),
        Err(AdminError::Invalid(_)) => Ok(Err("Choose a password of at least 8 characters.")),
        Err(e) => Err(PageError::Failure(admin_failure(e))),
    }
}

/// A reset by link: whoever may have had the old password is signed out
/// everywhere, and the owner is told. The second factors stay.
async fn after_reset(ctx: &AdminCtx, user: &users::User) -> Result<(), PageError> {
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

pub(super) fn admin_failure(e: AdminError) -> crate::error::Failure {
    match e {
        AdminError::Failure(f) => f,
        other => crate::error::Failure::Internal(other.to_string()),
    }
}
