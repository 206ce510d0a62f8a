//! The admin console signs administrators in as a relying party of this very
//! provider: a public client with PKCE whose minimum acr is `admin.acr`, so the
//! normal authorization endpoint runs the login and any step-up. The callback
//! redeems the code from the store with the checks of the token endpoint
//! (client, redirect URI, PKCE, nonce), then requires group `admin.group` and
//! the level again before it opens a console session.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth::stepup;
use crate::db::clients::{self, AuthMethod, Client, NewClient};
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::keys::SigningAlg;
use crate::oidc::token::{authorization_code::pkce_matches, redeem_code};
use crate::secrets;
use crate::startup::AppState;

pub const CLIENT_NAME: &str = "Portcullis admin console";
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
const LOGIN_TTL: Duration = Duration::from_secs(15 * 60);

/// A signed-in administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub user_id: String,
    pub username: String,
    /// Sent back by every console form and fetch (synchronizer token).
    pub csrf: String,
    pub acr: String,
    /// The user's session epoch at sign-in: a reset or sign-out ends the console too.
    #[serde(default)]
    pub epoch: i64,
}

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    verifier: String,
    nonce: String,
}

pub fn redirect_uri(state: &AppState) -> String {
    state.settings.endpoint("/admin/callback")
}

/// The console's own client registration, created on first use.
pub async fn client(state: &AppState) -> Result<Client, Failure> {
    let cb = redirect_uri(state);
    let acr = state.settings.admin.acr.clone();
    let existing = clients::list(&state.db).await?.into_iter().find(|c| {
        c.name == CLIENT_NAME
            && c.redirect_uris == [cb.clone()]
            && c.minimum_acr.as_deref() == Some(acr.as_str())
    });
    if let Some(c) = existing {
        return Ok(c);
    }
    let (c, _) = clients::create(
        &state.db,
        NewClient {
            name: CLIENT_NAME.into(),
            redirect_uris: vec![cb],
            post_logout_redirect_uris: vec![],
            auth_method: AuthMethod::None,
            id_token_alg: SigningAlg::ES256,
            default_acr_values: vec![acr.clone()],
            minimum_acr: Some(acr),
            scopes: vec![],
        },
    )
    .await?;
    Ok(c)
}

/// Starts a sign-in: returns the state value (for a browser-bound cookie) and
/// the authorization URL to send the browser to.
pub async fn begin(state: &AppState) -> Result<(String, String), Failure> {
    let client = client(state).await?;
    let login_state = secrets::random_token(24);
    let verifier = secrets::random_token(48);
    let nonce = secrets::random_token(16);
    let challenge = secrets::b64url(&<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    state
        .store
        .put_json(
            &format!("consolelogin:{}", secrets::digest(&login_state)),
            &PendingLogin {
                verifier,
                nonce: nonce.clone(),
            },
            LOGIN_TTL,
        )
        .await?;
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", redirect_uri(state).as_str()),
        ("scope", "openid profile"),
        ("state", login_state.as_str()),
        ("nonce", nonce.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("acr_values", state.settings.admin.acr.as_str()),
    ])
    .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((
        login_state,
        state.settings.endpoint(&format!("/authorize?{query}")),
    ))
}

#[derive(Debug)]
pub enum Refused {
    /// Bad or replayed state, code or PKCE: start again.
    Invalid(&'static str),
    /// Signed in fine, but not an administrator (or not at the level).
    Forbidden(String),
}

/// Finishes a sign-in; returns the new console session's cookie value.
pub async fn finish(
    state: &AppState,
    cookie_state: Option<&str>,
    returned_state: &str,
    code: &str,
) -> Result<Result<(String, ConsoleSession), Refused>, Failure> {
    // The state must come back to the browser that started (RFC 6749 §10.12).
    if !cookie_state.is_some_and(|c| secrets::ct_eq(c, returned_state)) {
        return Ok(Err(Refused::Invalid(
            "this sign-in was not started in this browser",
        )));
    }
    let Some(pending) = state
        .store
        .take_json::<PendingLogin>(&format!("consolelogin:{}", secrets::digest(returned_state)))
        .await?
    else {
        return Ok(Err(Refused::Invalid(
            "this sign-in expired; please start again",
        )));
    };
    let client = client(state).await?;
    let Some(grant) = redeem_code(&state.token_ctx(), code).await? else {
        return Ok(Err(Refused::Invalid(
            "the code is invalid, expired or already used",
        )));
    };
    let checks = grant.client_id == client.client_id
        && grant.redirect_uri == redirect_uri(state)
        && grant
            .code_challenge
            .as_deref()
            .is_some_and(|c| pkce_matches(&pending.verifier, c))
        && grant
            .nonce
            .as_deref()
            .is_some_and(|n| secrets::ct_eq(n, &pending.nonce));
    if !checks {
        return Ok(Err(Refused::Invalid(
            "the code does not belong to this sign-in",
        )));
    }
    let Some(user) = users::find_by_id(&state.db, &grant.user_id)
        .await?
        .filter(|u| u.active && u.session_epoch == grant.epoch)
    else {
        return Ok(Err(Refused::Invalid("the user is no longer active")));
    };
    // Belt and braces: the client's minimum acr already made the login meet it.
    let fresh = stepup::Freshness::new(crate::oidc::now_ms(), 0, None);
    if stepup::level_met(&grant.evidence, &fresh).is_none_or(|l| l < state.settings.admin.level) {
        return Ok(Err(Refused::Forbidden(format!(
            "the console needs {} sign-in",
            state.settings.admin.acr
        ))));
    }
    if !is_admin(state, &user).await? {
        return Ok(Err(Refused::Forbidden(format!(
            "{} is not a member of group {}",
            user.username, state.settings.admin.group
        ))));
    }
    let session = ConsoleSession {
        user_id: user.id.clone(),
        username: user.username.clone(),
        csrf: secrets::random_token(24),
        acr: grant.acr.clone(),
        epoch: grant.epoch,
    };
    let cookie = secrets::random_token(32);
    let key = session_key(&cookie);
    state.store.put_json(&key, &session, SESSION_TTL).await?;
    // Listed with the user's browser sessions, so that ending those ends this.
    state
        .sessions
        .track(&user.id, &key, "console", SESSION_TTL)
        .await?;
    Ok(Ok((cookie, session)))
}

async fn is_admin(state: &AppState, user: &User) -> Result<bool, Failure> {
    Ok(users::groups_of(&state.db, &user.id)
        .await?
        .iter()
        .any(|g| g == &state.settings.admin.group))
}

fn session_key(cookie: &str) -> String {
    format!("console:{}", secrets::digest(cookie))
}

/// The session behind a console cookie, while its user is still an active admin.
pub async fn session(state: &AppState, cookie: &str) -> Result<Option<ConsoleSession>, Failure> {
    if cookie.is_empty() || cookie.len() > 128 {
        return Ok(None);
    }
    let Some(s) = state
        .store
        .get_json::<ConsoleSession>(&session_key(cookie))
        .await?
    else {
        return Ok(None);
    };
    // Removal from the admin group ends console access at the next request, and
    // so does a reset or sign-out of the administrator (a new session epoch).
    match users::find_by_id(&state.db, &s.user_id).await? {
        Some(u) if u.active && u.session_epoch == s.epoch && is_admin(state, &u).await? => {
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

pub async fn end(state: &AppState, cookie: &str) -> Result<(), Failure> {
    Ok(state.store.delete(&session_key(cookie)).await?)
}
