//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The request is
//! checked before anything happens: an `id_token_hint` must be one of our ID
//! tokens (signature and issuer; expiry is ignored, §2), and a
//! `post_logout_redirect_uri` must be registered for the client, which comes from
//! the hint or from `client_id`. When any check fails there is no redirect (§3):
//! the user sees an error page.

use std::collections::HashMap;

use serde::Deserialize;

use super::hint::HintClaims;
use super::session::BrowserSession;
use crate::db::clients::Client;
use crate::error::Failure;
use crate::login::LoginCtx;

/// The parameters of §2 that we act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogoutRequest {
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

impl LogoutRequest {
    pub fn from_params(params: &HashMap<String, String>) -> Self {
        let get = |k: &str| {
            params
                .get(k)
                .filter(|v| !v.is_empty() && v.len() <= 8192)
                .cloned()
        };
        Self {
            id_token_hint: get("id_token_hint"),
            client_id: get("client_id"),
            post_logout_redirect_uri: get("post_logout_redirect_uri"),
            state: get("state"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, client_id: &str) -> bool {
        match self {
            Audience::One(a) => a == client_id,
            Audience::Many(v) => v.iter().any(|a| a == client_id),
        }
    }
    fn single(&self) -> Option<&str> {
        match self {
            Audience::One(a) => Some(a),
            Audience::Many(v) if v.len() == 1 => v.first().map(String::as_str),
            Audience::Many(_) => None,
        }
    }
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct ValidLogout {
    pub hint: Option<HintClaims>,
    pub client: Option<Client>,
    /// Where to send the browser afterwards: the registered URI with `state`.
    pub redirect: Option<String>,
    /// The parameters to carry through a confirmation page.
    pub request: LogoutRequest,
}

/// Why a logout request is refused: never a redirect then (§3), the user sees
/// the reason.
#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error(transparent)]
    Failure(#[from] Failure),
    #[error("The id_token_hint is not an ID token issued by this provider.")]
    ForeignHint,
    #[error("client_id does not match the audience of the id_token_hint.")]
    HintForOtherClient,
    #[error("Unknown client_id.")]
    UnknownClient,
    #[error("post_logout_redirect_uri needs a client_id or an id_token_hint.")]
    RedirectWithoutClient,
    #[error("post_logout_redirect_uri is not registered for this client.")]
    UnregisteredRedirect,
}

impl From<crate::db::DbError> for LogoutError {
    fn from(e: crate::db::DbError) -> Self {
        LogoutError::Failure(e.into())
    }
}

pub async fn validate(ctx: &LoginCtx<'_>, req: LogoutRequest) -> Result<ValidLogout, LogoutError> {
    let hint = match &req.id_token_hint {
        Some(jwt) => Some(
            super::hint::id_token(ctx.keys, ctx.settings.issuer_str(), jwt)
                .ok_or(LogoutError::ForeignHint)?,
        ),
        None => None,
    };
    let client_id = match (&req.client_id, &hint) {
        (Some(id), Some(h)) if !h.aud.contains(id) => {
            return Err(LogoutError::HintForOtherClient);
        }
        (Some(id), _) => Some(id.clone()),
        (None, Some(h)) => h.aud.single().map(str::to_owned),
        (None, None) => None,
    };
    let client = match &client_id {
        Some(id) => ctx.cache.client(ctx.db, id).await?,
        None => None,
    };
    if req.client_id.is_some() && client.is_none() {
        return Err(LogoutError::UnknownClient);
    }
    let redirect = match &req.post_logout_redirect_uri {
        None => None,
        Some(uri) => {
            let client = client.as_ref().ok_or(LogoutError::RedirectWithoutClient)?;
            // Exact match against the registration, like redirect_uri (§3).
            if !client.post_logout_redirect_uris.iter().any(|r| r == uri) {
                return Err(LogoutError::UnregisteredRedirect);
            }
            Some(with_state(uri, req.state.as_deref()))
        }
    };
    Ok(ValidLogout {
        hint,
        client,
        redirect,
        request: req,
    })
}

fn with_state(uri: &str, state: Option<&str>) -> String {
    match (url::Url::parse(uri), state) {
        (Ok(mut u), Some(s)) => {
            u.query_pairs_mut().append_pair("state", s);
            u.to_string()
        }
        _ => uri.to_owned(),
    }
}

/// Where the browser goes after signing out, if anywhere. §3: without an ID
/// token as hint a redirect needs other means of confirming its target; an
/// operator's registration is one. A self-registered client's addresses are
/// whoever registered it, and its registrant holds ID tokens of its own: it
/// is sent there only with a hint that names the user signed in here, so
/// neither a bare link nor the registrant's own token makes our domain its
/// redirector. Otherwise the browser is signed out and stays on our page.
pub fn redirect_for<'a>(
    logout: &'a ValidLogout,
    session: Option<&BrowserSession>,
) -> Option<&'a str> {
    let dynamic = logout.client.as_ref().is_some_and(|c| c.profile.dynamic);
    if dynamic {
        let signed_in = session.and_then(|s| s.user_id.as_deref());
        let hinted = logout.hint.as_ref().map(|h| h.sub.as_str());
        if signed_in.is_none() || signed_in != hinted {
            return None;
        }
    }
    logout.redirect.as_deref()
}

/// Whether to ask the user before signing out. A request without a valid hint
/// could come from any site (logout CSRF), and a hint for another user than the
/// one signed in is not theirs to act on: both get a confirmation page. A session
/// without a signed-in user has nothing to lose and is never asked.
pub fn needs_confirmation(logout: &ValidLogout, session: Option<&BrowserSession>) -> bool {
    let Some(user_id) = session.and_then(|s| s.user_id.as_deref()) else {
        return false;
    };
    logout.hint.as_ref().is_none_or(|h| h.sub != user_id)
}
