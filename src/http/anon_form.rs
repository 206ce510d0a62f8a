//! CSRF for the forms a visitor fills in before signing in (forgot password,
//! sign-up, set-password links): the token is bound to the browser's session
//! cookie, an anonymous session made when it has none, and to the form's purpose.

use actix_web::{HttpRequest, HttpResponse};

use super::{session_cookie, set_session_cookie};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::oidc::now_ms;
use crate::oidc::session::BrowserSession;

/// A CSRF token for one form, and the session cookie to set when it is new.
pub(super) struct FormToken {
    pub csrf: String,
    new_cookie: Option<String>,
}

impl FormToken {
    /// Sets the new session cookie on the page that carries the form.
    pub fn attach(
        self,
        state: &AppState,
        mut resp: HttpResponse,
    ) -> Result<HttpResponse, PageError> {
        if let Some(c) = self.new_cookie {
            resp.add_cookie(&set_session_cookie(state, &c))
                .map_err(|e| PageError::BadRequest(e.to_string()))?;
        }
        Ok(resp)
    }
}

/// Issues a token for `purpose`, bound to this browser's session.
pub(super) async fn issue(
    state: &AppState,
    req: &HttpRequest,
    purpose: &str,
) -> Result<FormToken, PageError> {
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
    let csrf = state.sessions.issue_csrf(&cookie, purpose).await?;
    Ok(FormToken {
        csrf,
        new_cookie: new.then_some(cookie),
    })
}

/// Whether `token` was issued for `purpose` to this browser; it is used up.
pub(super) async fn check(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    purpose: &str,
) -> Result<bool, PageError> {
    Ok(match session_cookie(req) {
        Some(c) => state.sessions.check_csrf(token, &c, purpose).await?,
        None => false,
    })
}

pub(super) const EXPIRED_FORM: &str =
    "This form has expired or was not sent by this browser. Please try again.";
