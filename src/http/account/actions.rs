//! The account page's forms. Each one needs the account session and its CSRF
//! token; a refused change is shown on the page again and changes nothing; a
//! factor change without fresh proofs sends the browser through sign-in.

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::pages::{CodesPage, SignedOut, render_home, render_totp};
use super::{
    COOKIE, CSRF_PURPOSE, Signed, chrome, found, path, removal, render, signed_in, to_fresh_login,
    to_login,
};
use crate::accounts::account::{self, AccountError, Removal};
use crate::http::client_addr::client_ip;
use crate::http::errors::{PageError, account_refusal};
use crate::http::extract::{CsrfForm, app_state};
use crate::http::state::AppState;

/// A form of the account page posted by its signed-in visitor with a token of
/// this page. Where there is none, extracting it gives the answer instead:
/// sign-in, or the page again saying the form expired.
pub(super) struct AccountForm<T> {
    pub s: Signed,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for AccountForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = CsrfForm::<T>::from_request(&req, payload);
        Box::pin(async move {
            let form = form.await?;
            let state = app_state(&req)?;
            match signed_form(&state, &req, &form).await? {
                Ok(s) => Ok(AccountForm { s, form: form.form }),
                Err(answer) => {
                    Err(InternalError::from_response("account form refused", answer).into())
                }
            }
        })
    }
}

/// The signed-in visitor whose form carries a token of this page, or the
/// answer to give instead.
async fn signed_form<T>(
    state: &AppState,
    req: &HttpRequest,
    form: &CsrfForm<T>,
) -> Result<Result<Signed, HttpResponse>, PageError> {
    let Some(s) = signed_in(state, req).await? else {
        return Ok(Err(to_login(state)));
    };
    if !form.check_for(Some(&s.cookie), CSRF_PURPOSE).await? {
        let c = chrome(state, req);
        let msg = c.t("form-expired");
        return Ok(Err(render_home(
            state,
            req,
            &c,
            &s,
            None,
            Some(msg),
            StatusCode::FORBIDDEN,
        )
        .await?));
    }
    Ok(Ok(s))
}

/// The page again with the refusal on top, or sign-in for fresh proofs.
async fn refused(
    state: &AppState,
    req: &HttpRequest,
    s: &Signed,
    e: AccountError,
) -> Result<HttpResponse, PageError> {
    if matches!(e, AccountError::ProveAgain) {
        return Ok(to_fresh_login(state));
    }
    let (status, key) = account_refusal(e)?;
    let c = chrome(state, req);
    let msg = c.t(key);
    render_home(state, req, &c, s, None, Some(msg), status).await
}

/// This browser as the account changes see it: its session cookie (if it
/// sent one) and its account session.
fn this_browser<'a>(browser: &'a Option<String>, s: &'a Signed) -> account::ThisBrowser<'a> {
    account::ThisBrowser {
        session_cookie: browser.as_deref(),
        account_cookie: &s.cookie,
        account: &s.session,
    }
}

fn done(state: &AppState, what: &str) -> HttpResponse {
    found(&path(state, &format!("/account?done={what}")))
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, form }: AccountForm<PasswordInput>,
) -> Result<HttpResponse, PageError> {
    let ip = client_ip(&req, &state.settings.server);
    let f = &form;
    let browser = super::session_cookie(&req);
    let this = this_browser(&browser, &s);
    match account::change_password(
        &state.login_ctx(),
        &state.logout_notifier,
        this,
        &s.user,
        &f.current_password,
        &f.new_password,
        ip,
    )
    .await
    {
        Ok(()) => Ok(done(&state, "password")),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

#[derive(Deserialize)]
pub struct RemoveInput {
    #[serde(default)]
    factor: String,
}

pub async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, form }: AccountForm<RemoveInput>,
) -> Result<HttpResponse, PageError> {
    let which = match form.factor.as_str() {
        "totp" => Removal::Totp,
        other => match other.strip_prefix("key:") {
            Some(id) if !id.is_empty() && id.len() <= 128 => Removal::Key(id.to_owned()),
            _ => return refused(&state, &req, &s, AccountError::NotFound).await,
        },
    };
    let client = account::OWN.client(&state.console_ctx()).await?;
    let ip = client_ip(&req, &state.settings.server);
    let ctx = state.login_ctx();
    let browser = super::session_cookie(&req);
    let this = this_browser(&browser, &s);
    let notifier = &state.logout_notifier;
    let about = (client.client_id.as_str(), ip);
    match account::remove_factor(&ctx, notifier, this, &s.user, which, about).await {
        Ok(()) => Ok(done(&state, "factor-removed")),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    code: String,
}

pub async fn confirm_totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, form }: AccountForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let ctx = state.login_ctx();
    let browser = super::session_cookie(&req);
    let this = this_browser(&browser, &s);
    let notifier = &state.logout_notifier;
    match account::confirm_totp(&ctx, notifier, this, &s.user, form.code.trim()).await {
        Ok(codes) => Ok(codes_page(&state, &req, codes)),
        Err(AccountError::ProveAgain) => Ok(to_fresh_login(&state)),
        Err(e) => {
            let (status, key) = account_refusal(e)?;
            let msg = chrome(&state, &req).t(key);
            render_totp(&state, &req, &s, Some(msg), status).await
        }
    }
}

fn codes_page(state: &AppState, req: &HttpRequest, codes: Vec<String>) -> HttpResponse {
    let c = chrome(state, req);
    let base = state.settings.issuer_path();
    render(&CodesPage {
        chrome: &c,
        base: &base,
        codes,
    })
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn recovery_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, .. }: AccountForm<Empty>,
) -> Result<HttpResponse, PageError> {
    match account::renew_recovery_codes(&state.login_ctx(), &s.session, &s.user).await {
        Ok(codes) => Ok(codes_page(&state, &req, codes)),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

#[derive(Deserialize)]
pub struct SidInput {
    #[serde(default)]
    sid: String,
}

pub async fn end_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, form }: AccountForm<SidInput>,
) -> Result<HttpResponse, PageError> {
    let sid = form.sid.as_str();
    match account::end_sessions(
        &state.login_ctx(),
        &state.logout_notifier,
        &s.session,
        &s.user,
        Some(sid),
    )
    .await
    {
        // Ending this browser's own session ends the account page with it.
        Ok(_) if sid == s.session.sid => Ok(to_login(&state)),
        Ok(_) => Ok(done(&state, "sessions")),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

#[derive(Deserialize)]
pub struct ClientInput {
    #[serde(default)]
    client_id: String,
}

pub async fn revoke_consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, form }: AccountForm<ClientInput>,
) -> Result<HttpResponse, PageError> {
    match account::revoke_consent(&state.login_ctx(), &s.session, &s.user, &form.client_id).await {
        Ok(()) => Ok(done(&state, "consent")),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

pub async fn end_others(
    state: web::Data<AppState>,
    req: HttpRequest,
    AccountForm { s, .. }: AccountForm<Empty>,
) -> Result<HttpResponse, PageError> {
    match account::end_sessions(
        &state.login_ctx(),
        &state.logout_notifier,
        &s.session,
        &s.user,
        None,
    )
    .await
    {
        Ok(_) => Ok(done(&state, "sessions")),
        Err(e) => refused(&state, &req, &s, e).await,
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<Empty>,
) -> Result<HttpResponse, PageError> {
    // Only a post with this session's token signs out, and only it clears the
    // cookie: a strict cookie is not sent with another site's post, so that
    // post finds no session here, and clearing the cookie on its answer would
    // still sign the user out of this page.
    match signed_in(&state, &req).await? {
        Some(s) if form.check_for(Some(&s.cookie), CSRF_PURPOSE).await? => {
            account::end(&state.console_ctx(), &s.cookie).await?;
        }
        _ => return Ok(found(&path(&state, "/account"))),
    }
    let c = chrome(&state, &req);
    let base = state.settings.issuer_path();
    let mut resp = render(&SignedOut {
        chrome: &c,
        base: &base,
    });
    resp.add_cookie(&removal(&state, COOKIE))?;
    Ok(resp)
}
