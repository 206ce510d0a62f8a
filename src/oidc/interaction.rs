//! Orchestrates one authorization request across the store, the database and the
//! pure state machine in [`super::flow`]: the hot path (a session that already
//! satisfies the request answers with a code at once), the interaction steps, and
//! the final redirect.

use std::collections::HashMap;
use std::net::IpAddr;

use super::authorize::{self, AuthRequest, ReturnTo};
use super::error::{AuthzError, AuthzErrorCode};
use super::flow::{self, Capabilities, Next};
use super::login_policy;
use super::now_ms;
use super::session::{BrowserSession, Pending};
use super::token::{CodeGrant, put_code};
use crate::auth::stepup::Freshness;
use crate::db::clients::Client;
use crate::db::users::{self, FactorsPresent, User};
use crate::db::{factors, webauthn};
use crate::error::{Failure, PageError};
use crate::secrets;
use crate::startup::AppState;

pub use super::password_login::{LoginResult, MAX_PASSWORD_FAILURES, password_login};

/// One request of a browser, as the login engine sees it.
#[derive(Debug, Clone, Default)]
pub struct Visit {
    /// The session cookie's value.
    pub session: Option<String>,
    /// The browser cookie's value ([`super::session::BROWSER_COOKIE`]).
    pub browser: Option<String>,
    /// The client address; None when unknown.
    pub ip: Option<IpAddr>,
}

pub enum AuthorizeOutcome {
    /// Straight back to the client: a code, or an error.
    ToClient(String),
    /// The user has something to do at `/interaction/{id}`; `new_browser` is a
    /// browser cookie to set when the browser had none.
    Interact {
        id: String,
        new_browser: Option<String>,
    },
}

/// Where a login stands.
pub enum Step {
    ToClient(String),
    Login,
    Do(Next),
}

/// The URL of an authorization response: the redirect URI with our parameters
/// added to its query, always with `iss` (RFC 9207).
pub fn response_url(state: &AppState, to: &ReturnTo, params: &[(&str, &str)]) -> String {
    match url::Url::parse(&to.redirect_uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
                if let Some(s) = &to.state {
                    q.append_pair("state", s);
                }
                q.append_pair("iss", &state.settings.issuer_str());
            }
            u.to_string()
        }
        Err(_) => to.redirect_uri.clone(),
    }
}

pub fn error_url(state: &AppState, to: &ReturnTo, e: &AuthzError) -> String {
    response_url(
        state,
        to,
        &[
            ("error", e.code.as_str()),
            ("error_description", &e.description),
        ],
    )
}

pub async fn authorize(
    state: &AppState,
    params: &HashMap<String, String>,
    visit: &Visit,
) -> Result<AuthorizeOutcome, PageError> {
    let client = match params.get("client_id") {
        Some(id) => state.cache.client(&state.db, id).await?,
        None => None,
    };
    let to = authorize::return_to(params, client.as_ref()).map_err(PageError::BadRequest)?;
    let Some(client) = client else {
        return Err(PageError::BadRequest(
            "Unknown or missing client_id.".into(),
        ));
    };
    let mut req = match authorize::parse(params, &client, to.clone(), &state.settings.acr, now_ms())
    {
        Ok(r) => r,
        Err(e) => return Ok(AuthorizeOutcome::ToClient(error_url(state, &to, &e))),
    };
    req.client_ip = visit.ip;
    let session = match &visit.session {
        Some(c) => state.sessions.load(c).await?,
        None => None,
    };
    match evaluate(state, &req, &client, session.as_ref(), visit.ip).await? {
        Step::ToClient(url) => Ok(AuthorizeOutcome::ToClient(url)),
        Step::Login if req.prompt.none => Ok(AuthorizeOutcome::ToClient(error_url(
            state,
            &to,
            &AuthzError::new(AuthzErrorCode::LoginRequired, "the user is not signed in"),
        ))),
        Step::Do(_) if req.prompt.none => Ok(AuthorizeOutcome::ToClient(error_url(
            state,
            &to,
            &AuthzError::new(
                AuthzErrorCode::InteractionRequired,
                "this request needs a further authentication step",
            ),
        ))),
        Step::Login | Step::Do(_) => {
            // Only a request that goes to a page gets a browser binding.
            let usable = visit
                .browser
                .as_deref()
                .filter(|b| !b.is_empty() && b.len() <= 128);
            let new_browser = usable.is_none().then(|| secrets::random_token(32));
            let browser = usable.or(new_browser.as_deref()).unwrap_or_default();
            let id = state.sessions.put_pending(&req, browser).await?;
            Ok(AuthorizeOutcome::Interact { id, new_browser })
        }
    }
}

/// The user's second factors and whether they may enroll one now.
pub async fn capabilities(state: &AppState, user: &User) -> Result<Capabilities, Failure> {
    let present = FactorsPresent {
        totp: factors::has_totp(&state.db, &user.id).await?,
        // Read even without a WebAuthn relying party: a key that cannot be checked
        // here still means the account is not new (no first-use enrollment).
        webauthn: webauthn::has_any(&state.db, &user.id).await?,
    };
    Ok(capabilities_of(state, present))
}

/// [`capabilities`] when the factors were read with the user.
pub fn capabilities_of(state: &AppState, present: FactorsPresent) -> Capabilities {
    Capabilities {
        has_totp: present.totp,
        has_webauthn: state.webauthn.is_some() && present.webauthn,
        unusable_webauthn: state.webauthn.is_none() && present.webauthn,
        can_enroll_totp: state.settings.enrollment_allowed,
        can_enroll_webauthn: state.settings.enrollment_allowed && state.webauthn.is_some(),
    }
}

/// Recomputes where a request stands from the session's proofs; issues the code
/// when nothing is missing. `current` is the address of the request being served.
pub async fn evaluate(
    state: &AppState,
    req: &AuthRequest,
    client: &Client,
    session: Option<&BrowserSession>,
    current: Option<IpAddr>,
) -> Result<Step, PageError> {
    let Some((session, user_id)) = session.and_then(|s| s.user_id.clone().map(|u| (s, u))) else {
        return Ok(Step::Login);
    };
    let Some((user, present)) = users::find_with_factors(&state.db, &user_id)
        .await?
        .filter(|(u, _)| session.belongs_to(u))
    else {
        return Ok(Step::Login);
    };
    let caps = capabilities_of(state, present);
    let ips = login_policy::addresses(req, Some(session), current);
    let floor = login_policy::floor(state, client, &user, &ips).await?;
    let target = match flow::choose_target(&req.acr, floor.level, &state.settings.acr, &caps) {
        Ok(t) => t,
        Err(e) => {
            login_policy::audit(
                state,
                req,
                &user,
                &floor,
                floor.level,
                e.code.as_str(),
                None,
            )
            .await?;
            return Ok(Step::ToClient(error_url(state, &req.return_to, &e)));
        }
    };
    let fresh = Freshness::new(
        now_ms(),
        req.not_before_ms,
        state.settings.step_up_ttl.map(|d| d.as_millis() as i64),
    );
    match flow::next(&target, &session.proofs, &caps, &fresh) {
        Next::Issue { acr, evidence } => {
            login_policy::audit(
                state,
                req,
                &user,
                &floor,
                target.level,
                "issued",
                Some(&acr),
            )
            .await?;
            let grant = CodeGrant {
                client_id: client.client_id.clone(),
                redirect_uri: req.return_to.redirect_uri.clone(),
                user_id: user.id.clone(),
                scopes: req.scopes.clone(),
                nonce: req.nonce.clone(),
                code_challenge: req.code_challenge.clone(),
                acr,
                evidence,
                sid: session.sid.clone(),
                epoch: session.epoch,
            };
            let code = put_code(&state.store, &grant, state.settings.code_ttl).await?;
            Ok(Step::ToClient(response_url(
                state,
                &req.return_to,
                &[("code", &code)],
            )))
        }
        Next::Password => Ok(Step::Login),
        other => Ok(Step::Do(other)),
    }
}

/// The pending request `req_id` if this browser started it; else the page that
/// says why not (status 400), never the login form.
pub async fn pending(
    state: &AppState,
    req_id: &str,
    visit: &Visit,
) -> Result<AuthRequest, PageError> {
    match state
        .sessions
        .pending(req_id, visit.browser.as_deref())
        .await?
    {
        Pending::Found(req) => Ok(*req),
        Pending::Missing => Err(PageError::BadRequest(EXPIRED.into())),
        Pending::OtherBrowser => {
            tracing::warn!("a pending sign-in was opened from another browser");
            Err(PageError::BadRequest(OTHER_BROWSER.into()))
        }
    }
}

/// Finishes a pending request: recompute, and when done consume it exactly once.
pub async fn resume(
    state: &AppState,
    req_id: &str,
    visit: &Visit,
) -> Result<(AuthRequest, Step), PageError> {
    let req = pending(state, req_id, visit).await?;
    let client = state
        .cache
        .client(&state.db, &req.client_id)
        .await?
        .ok_or_else(|| {
            PageError::BadRequest("The client of this sign-in no longer exists.".into())
        })?;
    let session = match &visit.session {
        Some(c) => state.sessions.load(c).await?,
        None => None,
    };
    let step = evaluate(state, &req, &client, session.as_ref(), visit.ip).await?;
    if let Step::ToClient(_) = step
        && state.sessions.take_pending(req_id).await?.is_none()
    {
        // Another tab finished this request first: one request, one response.
        return Err(PageError::BadRequest(EXPIRED.into()));
    }
    Ok((req, step))
}

pub const OTHER_BROWSER: &str = "This sign-in was started in another browser. Go back to the application and sign in again from this one.";

pub const EXPIRED: &str = "This sign-in request has expired or was already completed. Go back to the application and sign in again.";
