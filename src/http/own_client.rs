//! The callback of the pages that sign in through our own `/authorize` (the
//! account page, the admin console; see `crate::oidc::own_client`): one
//! handler, each page adding only what it does with a redeemed code.

use std::future::Future;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use super::errors::PageError;
use super::found;

/// What `/authorize` sends back (RFC 6749 §4.1.2 and §4.1.2.1).
#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// A code came back: the state kept by the browser's login cookie, and the
/// state and code `/authorize` returned.
pub(super) struct Returned {
    pub started: Option<String>,
    pub state: String,
    pub code: String,
}

/// Where a finished sign-in lands: the page's new session cookie, and its URL.
pub(super) struct Landing {
    pub session: Cookie<'static>,
    pub to: String,
}

/// Answers a callback: `/authorize`'s error, or what `finish` makes of the
/// returned code, a landing that replaces the login cookie with the session
/// cookie, or a refusal page of its own. `login_cookie` is the page's cookie
/// of a sign-in in progress, as the page sets it (its name and scope).
pub(super) async fn callback<F, Fut>(
    req: &HttpRequest,
    p: &CallbackParams,
    mut login_cookie: Cookie<'static>,
    finish: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(Returned) -> Fut,
    Fut: Future<Output = Result<Result<Landing, HttpResponse>, PageError>>,
{
    if let Some(e) = &p.error {
        let description = p
            .error_description
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            format!("Sign-in failed: {e}{description}"),
        ));
    }
    let (Some(code), Some(state)) = (p.code.clone(), p.state.clone()) else {
        return Err(PageError::BadRequest("missing code or state".into()));
    };
    let started = req
        .cookie(login_cookie.name())
        .map(|c| c.value().to_owned());
    let landing = match finish(Returned {
        started,
        state,
        code,
    })
    .await?
    {
        Ok(landing) => landing,
        Err(refusal) => return Ok(refusal),
    };
    let mut resp = found(&landing.to);
    resp.add_cookie(&landing.session)?;
    login_cookie.make_removal();
    resp.add_cookie(&login_cookie)?;
    Ok(resp)
}
