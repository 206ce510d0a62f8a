//! Extractors for the preamble every browser handler shares: the visit the
//! login engine sees (cookies and client address) and a form with its CSRF
//! token, bound to the browser's session; and the parameters of a protocol
//! request, each name once.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client_addr::client_ip;
use super::errors::{JsonError, PageError};
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

/// A repeated parameter's name, and every name's last value.
pub type Repeated = (String, HashMap<String, String>);

/// Parameters that extensions define as repeatable (RFC 8707 `resource`,
/// RFC 8693 `audience`); none of them is read here.
const MAY_REPEAT: &[&str] = &["resource", "audience"];

/// RFC 6749 §3.1: request parameters "MUST NOT be included more than once".
/// The parameters by name, or the first repeated name (at most 64 characters
/// of it, for the error message) with every name's last value (to find where
/// to answer).
pub fn once(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, Repeated> {
    let mut params = HashMap::with_capacity(pairs.len());
    let mut repeated = None;
    for (name, value) in pairs {
        if params.insert(name.clone(), value).is_some() && !MAY_REPEAT.contains(&name.as_str()) {
            repeated.get_or_insert(name);
        }
    }
    match repeated {
        None => Ok(params),
        Some(name) => Err((name.chars().take(64).collect(), params)),
    }
}

/// The form body of a token, PAR, revocation or introspection request, each
/// parameter once: a repeated one is `invalid_request`, and nothing is done.
pub struct OnceForm(pub HashMap<String, String>);

impl Deref for OnceForm {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromRequest for OnceForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            once(form.await?.into_inner())
                .map(OnceForm)
                .map_err(|(name, _)| {
                    JsonError::invalid_request(format!("the parameter {name} is repeated")).into()
                })
        })
    }
}

#[cfg(test)]
mod once_tests {
    use super::once;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_repeated_name_is_found_and_the_last_values_kept() {
        let ok = once(pairs(&[("a", "1"), ("b", "2")])).unwrap();
        assert_eq!(ok["a"], "1");
        let (name, last) =
            once(pairs(&[("a", "1"), ("b", "2"), ("a", "3"), ("b", "4")])).unwrap_err();
        assert_eq!(name, "a");
        assert_eq!((last["a"].as_str(), last["b"].as_str()), ("3", "4"));
        // An empty value still counts as the parameter.
        assert!(once(pairs(&[("scope", ""), ("scope", "openid")])).is_err());
        // Resource indicators (RFC 8707) may come several times.
        assert!(
            once(pairs(&[
                ("resource", "https://a"),
                ("resource", "https://b")
            ]))
            .is_ok()
        );
    }
}
