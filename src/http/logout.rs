//! The end-session endpoint: `GET`/`POST /logout` (RP-Initiated Logout 1.0 §2)
//! and `POST /logout/confirm`, where the confirmation page posts back.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::extract::CsrfForm;
use super::pages::{esc, layout};
use super::{found, html, see_other, session_cookie};
use crate::http::errors::PageError;
use crate::http::state::AppState;
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
            let mut resp = html(StatusCode::OK, confirm_page(state, &logout, &csrf));
            // The confirmation's post ends in a redirect to the relying party.
            if let Some(url) = &logout.redirect {
                super::security_headers::allow_form_target(&mut resp, url);
            }
            Ok(resp)
        }
        cookie => sign_out(state, cookie.as_deref(), logout.redirect.as_deref(), posted).await,
    }
}

/// The confirmation form posts here; without its CSRF token nothing happens.
pub async fn confirm(
    state: web::Data<AppState>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let expired = || {
        PageError::BadRequest(
            "This sign-out request has expired. Go back to the application and sign out again."
                .into(),
        )
    };
    let cookie = form.cookie().ok_or_else(expired)?.to_owned();
    if !form.check(PURPOSE).await? {
        return Err(expired());
    }
    let mut request = LogoutRequest::from_params(&form.form);
    // The hint was checked when the page was shown; the confirmation carries only
    // what the redirect needs, and that is checked again.
    request.id_token_hint = None;
    let logout = logout::validate(&state.login_ctx(), request).await?;
    sign_out(&state, Some(&cookie), logout.redirect.as_deref(), true).await
}

/// Removes the browser session from the store and the cookie from the browser.
async fn sign_out(
    state: &AppState,
    cookie: Option<&str>,
    redirect: Option<&str>,
    posted: bool,
) -> Result<HttpResponse, PageError> {
    if let Some(c) = cookie {
        state.sessions.destroy(c).await?;
        tracing::info!("browser session ended by logout");
    }
    let mut resp = match redirect {
        Some(url) if posted => see_other(url),
        Some(url) => found(url),
        None => html(StatusCode::OK, signed_out_page()),
    };
    resp.add_removal_cookie(&super::session_cookie_removal(state))?;
    Ok(resp)
}

fn hidden(name: &str, value: Option<&str>) -> String {
    value
        .map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                esc(v)
            )
        })
        .unwrap_or_default()
}

fn confirm_page(state: &AppState, logout: &ValidLogout, csrf: &str) -> String {
    let r = &logout.request;
    let from = logout
        .client
        .as_ref()
        .map(|c| format!(" {} asks you to sign out.", esc(&c.name)))
        .unwrap_or_default();
    layout(
        "Sign out",
        &format!(
            "<h1>Sign out?</h1><p class=\"sub\">You are signed in to Portcullis.{from}</p>\
<form method=\"post\" action=\"{action}\">{csrf}{client}{uri}{st}\
<button type=\"submit\">Sign out</button></form>",
            action = esc(&format!("{}/logout/confirm", state.settings.issuer_path())),
            csrf = hidden("csrf_token", Some(csrf)),
            client = hidden(
                "client_id",
                logout.client.as_ref().map(|c| c.client_id.as_str())
            ),
            uri = hidden(
                "post_logout_redirect_uri",
                r.post_logout_redirect_uri.as_deref()
            ),
            st = hidden("state", r.state.as_deref()),
        ),
    )
}

fn signed_out_page() -> String {
    layout(
        "Signed out",
        "<h1>You are signed out</h1><p class=\"sub\">You can close this window.</p>",
    )
}
