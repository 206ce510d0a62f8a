//! CSRF tokens for the forms a visitor fills in before signing in (forgot
//! password, sign-up): bound to the browser's session cookie, an anonymous
//! session made when it has none, and to the form's purpose. Posts are checked
//! with [`super::extract::CsrfForm`].

use actix_web::{HttpRequest, HttpResponse};

use super::errors::PageError;
use super::state::AppState;
use super::{session_cookie, set_session_cookie};

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
            resp.add_cookie(&set_session_cookie(state, &c))?;
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
    let (cookie, new) = state.sessions.ensure_live(session_cookie(req)).await?;
    let csrf = state
        .sessions
        .issue_csrf_ensured((&cookie, new), purpose)
        .await?;
    Ok(FormToken {
        csrf,
        new_cookie: new.then_some(cookie),
    })
}

/// The message id of the error shown when the form's token is gone or foreign.
pub(super) const EXPIRED_FORM_KEY: &str = "step-form-expired";
