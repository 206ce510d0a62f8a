//! The account page and the authenticator-app setup page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{CSRF_PURPOSE, Signed, chrome, signed_in, to_fresh_login, to_login};
use crate::accounts::account::{self, AccountError};
use crate::auth::totp;
use crate::db::{clients, consents, factors, webauthn};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::{self, Chrome};

/// A self-registered client the user allowed, as the page lists it.
pub struct ConsentRow {
    pub client_id: String,
    pub name: String,
    /// What each allowed scope gives, in the page's language.
    pub scopes: Vec<String>,
    pub since: String,
}

/// One signed-in browser as the page lists it.
pub struct SessionRow {
    pub sid: String,
    pub since: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account/home.html")]
pub struct Home<'a> {
    pub chrome: &'a Chrome,
    pub base: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub full_name: String,
    pub email: &'a str,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub totp: bool,
    /// (id, name) of each security key.
    pub keys: Vec<(String, String)>,
    pub email_factor: bool,
    /// Security keys can be added here (switched on, and the issuer is a name).
    pub keys_offered: bool,
    pub recovery_left: u64,
    pub sessions: Vec<SessionRow>,
    pub consents: Vec<ConsentRow>,
}

#[derive(Template)]
#[template(path = "account/totp.html")]
struct TotpPage<'a> {
    chrome: &'a Chrome,
    base: &'a str,
    csrf: &'a str,
    error: Option<String>,
    otpauth: String,
    qr_svg: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "account/codes.html")]
pub(super) struct CodesPage<'a> {
    pub chrome: &'a Chrome,
    pub base: &'a str,
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/signed_out.html")]
pub(super) struct SignedOut<'a> {
    pub chrome: &'a Chrome,
    pub base: &'a str,
}

#[derive(Deserialize)]
pub struct HomeParams {
    #[serde(default)]
    done: Option<String>,
}

/// The message id of a finished change named in `?done=`.
fn done_key(done: &str) -> Option<&'static str> {
    match done {
        "password" => Some("account-done-password"),
        "factor-removed" => Some("account-done-factor-removed"),
        "sessions" => Some("account-done-sessions"),
        "key-added" => Some("account-done-key-added"),
        "consent" => Some("account-done-consent"),
        _ => None,
    }
}

pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<HomeParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = signed_in(&state, &req).await? else {
        return Ok(to_login(&state));
    };
    let c = chrome(&state, &req);
    let notice = q.done.as_deref().and_then(done_key).map(|k| c.t(k));
    render_home(&state, &req, &c, &s, notice, None, StatusCode::OK).await
}

/// A moment as the page shows it.
fn since(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The account page with what it says on top, answered with `status`.
pub(super) async fn render_home(
    state: &AppState,
    req: &HttpRequest,
    c: &Chrome,
    s: &Signed,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let ctx = state.login_ctx();
    let user = &s.user;
    let enrolled = account::enrolled(&ctx, user).await?;
    let keys = webauthn::infos(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|k| (k.id, k.name))
        .collect();
    let recovery_left = if enrolled.totp {
        factors::remaining_recovery_codes(&state.db, &user.id).await?
    } else {
        0
    };
    let current = match super::session_cookie(req) {
        Some(b) => state.sessions.load(&b).await?.map(|b| b.sid),
        None => None,
    };
    let sessions = state
        .sessions
        .list_for_user(&user.id)
        .await?
        .into_iter()
        .filter(|u| u.epoch == user.session_epoch)
        .map(|u| SessionRow {
            current: current.as_deref() == Some(u.sid.as_str()),
            since: since(u.created_ms),
            sid: u.sid,
        })
        .collect();
    let mut allowed = Vec::new();
    for consent in consents::of_user(&state.db, &user.id).await? {
        let Some(client) = clients::find(&state.db, &consent.client_id).await? else {
            continue;
        };
        allowed.push(ConsentRow {
            name: client.name,
            scopes: consent
                .scopes
                .iter()
                .map(|s| c.t(&format!("consent-scope-{s}")))
                .collect(),
            since: since(consent.granted_at_ms),
            client_id: consent.client_id,
        });
    }
    let csrf = state
        .sessions
        .issue_csrf_signed_in(&s.cookie, CSRF_PURPOSE, &s.user.id)
        .await?;
    let base = state.settings.issuer_path();
    let page = Home {
        chrome: c,
        base: &base,
        csrf: &csrf,
        username: &user.username,
        full_name: user.full_name(),
        email: &user.email,
        notice,
        error,
        totp: enrolled.totp,
        keys,
        email_factor: enrolled.email,
        keys_offered: state.settings.factors.webauthn && state.webauthn.is_some(),
        recovery_left,
        sessions,
        consents: allowed,
    };
    Ok(ui::page(status, &page))
}

/// `GET /account/totp`: the new app's secret, once the sign-in is fresh.
pub async fn totp(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(s) = signed_in(&state, &req).await? else {
        return Ok(to_login(&state));
    };
    render_totp(&state, &req, &s, None, StatusCode::OK).await
}

pub(super) async fn render_totp(
    state: &AppState,
    req: &HttpRequest,
    s: &Signed,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let ctx = state.login_ctx();
    let secret = match account::totp_secret(&ctx, &s.cookie, &s.session, &s.user).await {
        Ok(secret) => secret,
        Err(AccountError::ProveAgain) => return Ok(to_fresh_login(state)),
        Err(e) => {
            return Err(PageError::Failure(crate::error::Failure::Internal(
                e.to_string(),
            )));
        }
    };
    let otpauth = totp::otpauth_uri(&secret, &s.user.username);
    let b32 = totp::to_base32(&secret);
    let grouped: Vec<String> = b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let csrf = state
        .sessions
        .issue_csrf_signed_in(&s.cookie, CSRF_PURPOSE, &s.user.id)
        .await?;
    let c = chrome(state, req);
    let base = state.settings.issuer_path();
    let page = TotpPage {
        chrome: &c,
        base: &base,
        csrf: &csrf,
        error,
        qr_svg: totp::qr_svg(&otpauth),
        otpauth,
        secret: grouped.join(" "),
    };
    Ok(ui::page(status, &page))
}
