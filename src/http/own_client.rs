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
use super::ui::Said;

/// What `/authorize` sends back (RFC 6749 §4.1.2 and §4.1.2.1).
#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
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
    failed: &'static str,
    finish: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(Returned) -> Fut,
    Fut: Future<Output = Result<Result<Landing, HttpResponse>, PageError>>,
{
    // Only the error code is shown, and only when it is one RFC 6749 defines:
    // anyone can craft a callback link, so its free text (`error_description`)
    // is never put on a page of ours.
    if let Some(e) = &p.error {
        let said = Said::new(failed);
        let said = match known_error(e) {
            Some(code) => said.detail(code),
            None => said,
        };
        return Err(PageError::Said(StatusCode::FORBIDDEN, said));
    }
    let (Some(code), Some(state)) = (p.code.clone(), p.state.clone()) else {
        return Err(PageError::Said(
            StatusCode::BAD_REQUEST,
            Said::new(failed).detail("missing code or state"),
        ));
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

/// The authorization endpoint's error codes (RFC 6749 §4.1.2.1, OIDC Core
/// §3.1.2.6), as they may be shown; anything else is not shown.
fn known_error(e: &str) -> Option<&'static str> {
    const KNOWN: [&str; 13] = [
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
    ];
    KNOWN.into_iter().find(|k| *k == e)
}

#[cfg(test)]
mod tests {
    use super::known_error;

    #[test]
    fn only_defined_error_codes_are_shown() {
        assert_eq!(known_error("access_denied"), Some("access_denied"));
        assert_eq!(known_error("Call support at +1 555 0100"), None);
        assert_eq!(known_error(""), None);
    }
}
