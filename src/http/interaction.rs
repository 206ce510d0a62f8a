//! The pages a user sees while signing in: `/interaction/{id}` shows whatever the
//! pending request needs next; each form posts back and returns here.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::client_addr::client_ip;
use super::pages::{self, LoginForm};
use super::{html, see_other, session_cookie, set_session_cookie};
use crate::db::users::{self, User};
use crate::error::PageError;
use crate::oidc::authorize::AuthRequest;
use crate::oidc::interaction::{self, LoginResult, Step, Visit};
use crate::oidc::now_ms;
use crate::oidc::session::{BROWSER_COOKIE, BrowserSession};
use crate::startup::AppState;

pub(super) fn here(state: &AppState, id: &str) -> String {
    format!("{}/interaction/{id}", state.settings.issuer_path())
}

/// The cookies and client address of a request, for the login engine.
pub(super) fn visit(state: &AppState, req: &HttpRequest) -> Visit {
    Visit {
        session: session_cookie(req),
        browser: req
            .cookie(&super::cookie_name(&state.settings, BROWSER_COOKIE))
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty()),
        ip: client_ip(req, &state.settings.server),
    }
}

/// The browser cookie that binds pending sign-ins to this browser: HttpOnly,
/// SameSite=Lax (it must come along on the top-level redirect from a relying
/// party to `/authorize`), Secure and `__Host-` when the issuer is https.
pub(super) fn browser_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    super::cookie(&state.settings, BROWSER_COOKIE, value.to_owned(), "/")
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            state.settings.session_ttl.as_secs() as i64,
        ))
        .finish()
}

/// Makes sure the browser has a session to bind CSRF tokens to; returns its cookie
/// value and whether it is new.
async fn ensure_session(state: &AppState, req: &HttpRequest) -> Result<(String, bool), PageError> {
    if let Some(c) = session_cookie(req)
        && state.sessions.load(&c).await?.is_some()
    {
        return Ok((c, false));
    }
    let cookie = state
        .sessions
        .rotate(None, &BrowserSession::anonymous(now_ms()))
        .await?;
    Ok((cookie, true))
}

async fn render_login(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    pending: &AuthRequest,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (cookie, new) = ensure_session(state, req).await?;
    let csrf = state.sessions.issue_csrf(&cookie, id).await?;
    let client_name = state
        .cache
        .client(&state.db, &pending.client_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let username = if username.is_empty() {
        pending.login_hint.as_deref().unwrap_or_default()
    } else {
        username
    };
    let body = pages::login(&LoginForm {
        action: &format!("{}/login", here(state, id)),
        csrf: &csrf,
        client_name: &client_name,
        username,
        error,
    });
    let mut resp = html(status, body);
    if new {
        resp.add_cookie(&set_session_cookie(state, &cookie))
            .map_err(|e| PageError::BadRequest(e.to_string()))?;
    }
    Ok(resp)
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (pending, step) = interaction::resume(&state, &id, &visit(&state, &req)).await?;
    match step {
        Step::ToClient(url) => Ok(see_other(&url)),
        Step::Login => render_login(&state, &req, &id, &pending, StatusCode::OK, "", None).await,
        Step::Do(next) => {
            super::second_factor::render_step(&state, &req, &id, next, StatusCode::OK, None).await
        }
    }
}

/// The signed-in browser session and its user, or the page to start over.
pub(super) async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(String, BrowserSession, User), PageError> {
    let expired = || PageError::BadRequest(interaction::EXPIRED.into());
    let cookie = session_cookie(req).ok_or_else(expired)?;
    let mut session = state.sessions.load(&cookie).await?.ok_or_else(expired)?;
    // A factor proved in this request is stamped with this request's address.
    session.from = client_ip(req, &state.settings.server);
    let user_id = session.user_id.clone().ok_or_else(expired)?;
    let user = users::find_by_id(&state.db, &user_id)
        .await?
        .filter(|u| session.belongs_to(u))
        .ok_or_else(expired)?;
    Ok((cookie, session, user))
}

#[derive(Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<LoginInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let visit = visit(&state, &req);
    let pending = interaction::pending(&state, &id, &visit).await?;
    let cookie = visit.session.clone();
    let csrf_ok = match &cookie {
        Some(c) => state.sessions.check_csrf(&form.csrf_token, c, &id).await?,
        None => false,
    };
    if !csrf_ok {
        return render_login(
            &state,
            &req,
            &id,
            &pending,
            StatusCode::BAD_REQUEST,
            &form.username,
            Some("This form has expired or was not sent by this browser. Please sign in again."),
        )
        .await;
    }
    let session = match &cookie {
        Some(c) => state.sessions.load(c).await?,
        None => None,
    };
    match interaction::password_login(
        &state,
        cookie.as_deref(),
        session,
        form.username.trim(),
        &form.password,
        visit.ip,
    )
    .await?
    {
        LoginResult::SignedIn(new_cookie) => {
            let mut resp = see_other(&here(&state, &id));
            resp.add_cookie(&set_session_cookie(&state, &new_cookie))
                .map_err(|e| PageError::BadRequest(e.to_string()))?;
            Ok(resp)
        }
        LoginResult::Invalid => {
            render_login(
                &state,
                &req,
                &id,
                &pending,
                StatusCode::UNAUTHORIZED,
                &form.username,
                Some("Invalid username or password."),
            )
            .await
        }
        LoginResult::LockedOut => {
            render_login(
                &state,
                &req,
                &id,
                &pending,
                StatusCode::TOO_MANY_REQUESTS,
                &form.username,
                Some("Too many failed attempts. Please wait a few minutes and try again."),
            )
            .await
        }
        LoginResult::Busy => {
            let mut resp = render_login(
                &state,
                &req,
                &id,
                &pending,
                StatusCode::SERVICE_UNAVAILABLE,
                &form.username,
                Some("Too many sign-ins at this moment. Please try again in a few seconds."),
            )
            .await?;
            resp.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("2"),
            );
            Ok(resp)
        }
    }
}
