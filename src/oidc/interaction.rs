//! The OpenID Connect front door of the login engine ([`crate::login`]): an
//! authorization request becomes a [`PendingLogin`] that returns with a code
//! ([`Return::Oidc`]); the hot path (a session that already satisfies the request)
//! answers with the code at once.

use std::collections::HashMap;

use super::authorize::{self, AuthRequest, ReturnTo};
use super::error::{AuthzError, AuthzErrorCode};
use super::now_ms;
use super::session::BrowserSession;
use super::token::{CodeGrant, put_code};
use super::{backchannel, hint, par};
use crate::db::clients::Client;
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::login::LoginError;
use crate::login::next_step::{Proven, View};
use crate::login::resume::evaluate;
use crate::login::{NextStep, OidcReturn, PendingLogin, Visit};
use crate::secrets;
use crate::store::StoreError;

pub use super::password_login::{LoginResult, MAX_PASSWORD_FAILURES, password_login};

/// A login that went to a page: its id (`/interaction/{id}`) and the browser
/// cookie to set when the browser had none.
pub struct Started {
    pub id: String,
    pub new_browser: Option<String>,
}

/// What an authorization request leads to: straight back to the client
/// ([`NextStep::Finish`]), or to the page of `started`.
pub struct Authorized {
    pub next: NextStep,
    pub started: Option<Started>,
}

/// The URL of an authorization response: the redirect URI with our parameters
/// added to its query, always with `iss` (RFC 9207).
pub fn response_url(ctx: &LoginCtx<'_>, to: &ReturnTo, params: &[(&str, &str)]) -> String {
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
                q.append_pair("iss", ctx.settings.issuer_str());
            }
            u.to_string()
        }
        Err(_) => to.redirect_uri.clone(),
    }
}

pub fn error_url(ctx: &LoginCtx<'_>, to: &ReturnTo, e: &AuthzError) -> String {
    response_url(
        ctx,
        to,
        &[
            ("error", e.code.as_str()),
            ("error_description", &e.description),
        ],
    )
}

/// A finished login, as an OpenID Connect answer: a code redirect.
pub async fn code_redirect(
    ctx: &LoginCtx<'_>,
    ret: &OidcReturn,
    client: &Client,
    user: &User,
    session: &BrowserSession,
    proven: Proven,
) -> Result<String, Failure> {
    let idp = proven
        .evidence
        .iter()
        .any(|p| p.factor == crate::auth::stepup::Factor::Upstream)
        .then(|| session.upstream.clone())
        .flatten();
    let grant = CodeGrant {
        client_id: client.client_id.clone(),
        redirect_uri: ret.return_to.redirect_uri.clone(),
        user_id: user.id.clone(),
        scopes: ret.scopes.clone(),
        nonce: ret.nonce.clone(),
        code_challenge: ret.code_challenge.clone(),
        acr: proven.acr,
        evidence: proven.evidence,
        sid: session.sid.clone(),
        epoch: session.epoch,
        claims: ret.claims.clone(),
        idp,
    };
    let code = put_code(ctx.store, ctx.access, &grant, ctx.settings.code_ttl).await?;
    backchannel::record(
        ctx.store,
        client,
        &session.sid,
        &user.id,
        ctx.settings.session_ttl,
    )
    .await?;
    Ok(response_url(ctx, &ret.return_to, &[("code", &code)]))
}

/// OIDC Core §3.1.2.1: a valid `id_token_hint` (or a `sub` value in `claims`)
/// names the user this request must answer for. True when an `id_token_hint`
/// was given (and verified) that told its client the username: the login page
/// may then be prefilled with it. A hint without `preferred_username` (the
/// client was never given scope `profile`) names nobody on the page, or any
/// holder of an ID token could read the username off it.
fn expect_hinted_user(
    ctx: &LoginCtx<'_>,
    params: &HashMap<String, String>,
    client: &Client,
    req: &mut AuthRequest,
) -> Result<bool, AuthzError> {
    let hint = match params.get("id_token_hint").filter(|h| !h.is_empty()) {
        Some(jwt) => Some(hint::for_client(
            ctx.keys,
            ctx.settings.issuer_str(),
            &client.client_id,
            jwt,
        )?),
        None => None,
    };
    let named = hint.as_ref().is_some_and(|h| h.names_username());
    req.expected_user = hint::expected_user(hint.map(|h| h.sub), req.claims.sub.as_deref())?;
    Ok(named)
}

/// RFC 6749 §3.1: no parameter may come twice. A request that repeats one
/// is answered `invalid_request` at its redirect URI once the client and that
/// URI check out; one that repeats either of them, or `request_uri`, gets the
/// error page. `params` holds the last value of each name.
pub async fn refuse_repeated(
    ctx: &LoginCtx<'_>,
    params: &HashMap<String, String>,
    name: &str,
) -> Result<String, LoginError> {
    let why = format!("The parameter {name} is repeated.");
    if matches!(name, "client_id" | "redirect_uri" | "request_uri") {
        return Err(LoginError::BadRedirect(why));
    }
    let (_, to) = client_and_return(ctx, params).await?;
    Ok(error_url(ctx, &to, &AuthzError::invalid_request(why)))
}

/// The request's client and where its answers go; neither checked out is an
/// error page, never a redirect (RFC 6749 §4.1.2.1).
async fn client_and_return(
    ctx: &LoginCtx<'_>,
    params: &HashMap<String, String>,
) -> Result<(Client, ReturnTo), LoginError> {
    let client = match params.get("client_id") {
        Some(id) => ctx.cache.client(ctx.db, id).await?,
        None => None,
    };
    let Some(client) = client else {
        return Err(LoginError::UnknownClient);
    };
    let to = authorize::return_to(params, Some(&client)).map_err(LoginError::BadRedirect)?;
    Ok((client, to))
}

/// Parses the request into a pending login and decides it; only a request that
/// goes to a page is stored (and bound to this browser).
pub async fn authorize(
    ctx: &LoginCtx<'_>,
    params: &HashMap<String, String>,
    visit: &Visit,
) -> Result<Authorized, LoginError> {
    // RFC 9126 §4: a pushed request replaces the parameters, once.
    let pushed = match params.get("request_uri") {
        Some(uri) => {
            let id = params
                .get("client_id")
                .map(String::as_str)
                .unwrap_or_default();
            Some(
                par::take(ctx.store, id, uri)
                    .await?
                    .ok_or(LoginError::UnknownRequestUri)?,
            )
        }
        None => None,
    };
    let params = pushed.as_ref().unwrap_or(params);
    let (client, to) = client_and_return(ctx, params).await?;
    let finish = |url| Authorized {
        next: NextStep::Finish(url),
        started: None,
    };
    let mut req = match authorize::parse(params, &client, to.clone(), &ctx.settings.acr, now_ms()) {
        Ok(r) => r,
        Err(e) => return Ok(finish(error_url(ctx, &to, &e))),
    };
    req.client_ip = visit.ip;
    if pushed.is_none() && client.profile.options.require_pushed_authorization_requests {
        let e = AuthzError::invalid_request(
            "this client must push its authorization requests (RFC 9126)",
        );
        return Ok(finish(error_url(ctx, &to, &e)));
    }
    let named = match expect_hinted_user(ctx, params, &client, &mut req) {
        Ok(named) => named,
        Err(e) => return Ok(finish(error_url(ctx, &to, &e))),
    };
    let mut login = PendingLogin::from_oidc(&req);
    let session = match &visit.session {
        Some(c) => ctx.sessions.load(c).await?,
        None => None,
    };
    let view = View::default();
    let party = crate::login::Party::Oidc(Box::new(client));
    let (next, _) = evaluate(ctx, &login, &party, session.as_ref(), visit.ip, view).await?;
    // OIDC Core §3.1.2.6: prompt=none never shows a page.
    let silent =
        |code, description: &str| finish(error_url(ctx, &to, &AuthzError::new(code, description)));
    match next {
        NextStep::Finish(url) => Ok(finish(url)),
        NextStep::ShowLogin if req.prompt.none => Ok(silent(
            AuthzErrorCode::LoginRequired,
            "the user is not signed in",
        )),
        NextStep::Consent if req.prompt.none => Ok(silent(
            AuthzErrorCode::ConsentRequired,
            "the user has not allowed this client what it asks for",
        )),
        _ if req.prompt.none => Ok(silent(
            AuthzErrorCode::InteractionRequired,
            "this request needs a further authentication step",
        )),
        next => {
            // The login page for the user the relying party expects, when an
            // ID token we signed told it their username: a bare `sub` in
            // `claims` proves nothing, and must not turn a user id into a
            // username, nor may a hint to a client never given the username.
            if named && let (Some(expected), None) = (&login.expected_user, &login.login_hint) {
                login.login_hint = users::find_by_id(ctx.db, expected)
                    .await?
                    .map(|u| u.username);
            }
            Ok(Authorized {
                next,
                started: Some(start(ctx, &login, visit).await?),
            })
        }
    }
}

/// Stores a login that goes to a page, bound to this browser (a new browser
/// cookie when it has no usable one). Every front door starts its pages here.
pub async fn start(
    ctx: &LoginCtx<'_>,
    login: &PendingLogin,
    visit: &Visit,
) -> Result<Started, StoreError> {
    let usable = visit
        .browser
        .as_deref()
        .filter(|b| !b.is_empty() && b.len() <= 128);
    let new_browser = usable.is_none().then(|| secrets::random_token(32));
    let browser = usable.or(new_browser.as_deref()).unwrap_or_default();
    let id = ctx.sessions.put_pending(login, browser).await?;
    Ok(Started { id, new_browser })
}
