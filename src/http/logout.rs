//! The end-session endpoint: `GET`/`POST /logout` (RP-Initiated Logout 1.0 §2)
//! and `POST /logout/confirm`, where the confirmation page posts back.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::extract::CsrfForm;
use super::ui::{Chrome, page};
use super::{found, see_other, session_cookie};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::oidc::backchannel;
use crate::oidc::logout::{self, LogoutRequest, ValidLogout};

/// CSRF purpose of the confirmation form.
const PURPOSE: &str = "logout";

pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    start(&state, &req, &query.into_inner(), false).await
}

pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    start(&state, &req, &form.into_inner(), true).await
}

async fn start(
    state: &AppState,
    req: &HttpRequest,
    params: &HashMap<String, String>,
    posted: bool,
) -> Result<HttpResponse, PageError> {
    let logout = logout::validate(&state.login_ctx(), LogoutRequest::from_params(params)).await?;
    let cookie = session_cookie(req);
    let session = match &cookie {
        Some(c) => state.sessions.load(c).await?,
        None => None,
    };
    match cookie {
        Some(cookie) if logout::needs_confirmation(&logout, session.as_ref()) => {
            let csrf = state.sessions.issue_csrf(&cookie, PURPOSE).await?;
            let chrome = Chrome::for_request(state, req, None);
            let mut resp = page(
                StatusCode::OK,
                &confirm_page(state, &chrome, &logout, &csrf),
            );
            // The confirmation's post ends in a redirect to the relying party.
            if let Some(url) = &logout.redirect {
                super::security_headers::allow_form_target(&mut resp, url);
            }
            Ok(resp)
        }
        cookie => {
            let redirect = logout::redirect_for(&logout, session.as_ref());
            sign_out(state, req, cookie.as_deref(), redirect, posted).await
        }
    }
}

/// The confirmation form posts here; without its CSRF token nothing happens.
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let expired = || PageError::bad_request("err-logout-expired");
    let cookie = form.cookie().ok_or_else(expired)?.to_owned();
    if !form.check(PURPOSE).await? {
        return Err(expired());
    }
    let mut request = LogoutRequest::from_params(&form.form);
    // The hint was checked when the page was shown; the confirmation carries only
    // what the redirect needs, and that is checked again.
    request.id_token_hint = None;
    let logout = logout::validate(&state.login_ctx(), request).await?;
    let session = state.sessions.load(&cookie).await?;
    let redirect = logout::redirect_for(&logout, session.as_ref());
    sign_out(&state, &req, Some(&cookie), redirect, true).await
}

/// Removes the browser session from the store and the cookie from the browser.
async fn sign_out(
    state: &AppState,
    req: &HttpRequest,
    cookie: Option<&str>,
    redirect: Option<&str>,
    posted: bool,
) -> Result<HttpResponse, PageError> {
    if let Some(c) = cookie {
        backchannel::end_session(&state.sessions, &state.logout_notifier, c).await?;
    }
    let mut resp = match redirect {
        Some(url) if posted => see_other(url),
        Some(url) => found(url),
        None => page(
            StatusCode::OK,
            &SignedOut {
                chrome: &Chrome::for_request(state, req, None),
            },
        ),
    };
    resp.add_removal_cookie(&super::session_cookie_removal(state))?;
    Ok(resp)
}

/// "Sign out?": posts the request's parameters back with a CSRF token.
#[derive(askama::Template)]
#[template(path = "logout_confirm.html")]
struct ConfirmPage<'a> {
    chrome: &'a Chrome,
    action: String,
    csrf: &'a str,
    /// The name of the client asking.
    client: Option<&'a str>,
    client_id: Option<&'a str>,
    post_logout_redirect_uri: Option<&'a str>,
    state: Option<&'a str>,
}

fn confirm_page<'a>(
    state: &AppState,
    chrome: &'a Chrome,
    logout: &'a ValidLogout,
    csrf: &'a str,
) -> ConfirmPage<'a> {
    let r = &logout.request;
    ConfirmPage {
        chrome,
        action: format!("{}/logout/confirm", state.settings.issuer_path()),
        csrf,
        client: logout.client.as_ref().map(|c| c.name.as_str()),
        client_id: logout.client.as_ref().map(|c| c.client_id.as_str()),
        post_logout_redirect_uri: r.post_logout_redirect_uri.as_deref(),
        state: r.state.as_deref(),
    }
}

#[derive(askama::Template)]
#[template(path = "signed_out.html")]
struct SignedOut<'a> {
    chrome: &'a Chrome,
}
