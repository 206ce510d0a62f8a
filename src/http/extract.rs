//! Extractors for the preamble every browser handler shares: the visit the
//! login engine sees (cookies and client address) and a form with its CSRF
//! token, bound to the browser's session.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client_addr::client_ip;
use super::errors::PageError;
use super::state::AppState;
use super::{cookie_name, session_cookie};
use crate::login::Visit;
use crate::oidc::session::{BROWSER_COOKIE, Sessions};
use crate::store::StoreError;

/// The cookies and client address of a request, for the login engine.
pub fn visit_of(state: &AppState, req: &HttpRequest) -> Visit {
    Visit {
        session: session_cookie(req),
        browser: req
            .cookie(&cookie_name(&state.settings, BROWSER_COOKIE))
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty()),
        ip: client_ip(req, &state.settings.server),
    }
}

pub(super) fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| PageError::Failure(crate::error::Failure::Internal("no app state".into())))
}

impl FromRequest for Visit {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_state(req).map(|state| visit_of(&state, req)))
    }
}

/// A posted form and its `csrf_token`, with the browser's session cookie that
/// token must have been issued to. Checking spends the token (one form, one
/// post); without a session nothing passes.
pub struct CsrfForm<T> {
    pub form: T,
    token: String,
    cookie: Option<String>,
    sessions: Sessions,
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    form: T,
}

impl<T> CsrfForm<T> {
    /// Whether the token was issued to this browser's session for `purpose`.
    pub async fn check(&self, purpose: &str) -> Result<bool, StoreError> {
        self.check_for(self.cookie.as_deref(), purpose).await
    }

    /// The same, against the session `cookie` the handler has loaded.
    pub async fn check_for(&self, cookie: Option<&str>, purpose: &str) -> Result<bool, StoreError> {
        match cookie {
            Some(c) => self.sessions.check_csrf(&self.token, c, purpose).await,
            None => Ok(false),
        }
    }

    /// The browser's session cookie, as sent.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let cookie = session_cookie(req);
        let form = web::Form::<WithCsrf<T>>::from_request(req, payload);
        Box::pin(async move {
            let sessions = state?.sessions.clone();
            let WithCsrf { csrf_token, form } = form.await?.into_inner();
            Ok(CsrfForm {
                form,
                token: csrf_token,
                cookie,
                sessions,
            })
        })
    }
}
