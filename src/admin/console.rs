//! The admin console signs administrators in as a relying party of this very
//! provider: a public client with PKCE whose minimum acr is `admin.acr`, so the
//! normal authorization endpoint runs the login and any step-up. The callback
//! redeems the code from the store with the checks of the token endpoint
//! (client, redirect URI, PKCE, nonce), then requires group `admin.group` and
//! the level again before it opens a console session.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::auth::stepup;
use crate::config::Settings;
use crate::db::clients::{self, AuthMethod, Client, NewClient};
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::keys::SigningAlg;
use crate::oidc::session::Sessions;
use crate::oidc::token::{TokenCtx, authorization_code::pkce_matches, redeem_code};
use crate::secrets;
use crate::store::Store;

/// What the console's sign-in uses: its own client, the store for its sessions,
/// and the token endpoint's checks to redeem its code.
pub struct ConsoleCtx<'a> {
    pub settings: &'a Settings,
    pub db: &'a DatabaseConnection,
    pub store: &'a Store,
    pub sessions: &'a Sessions,
    pub token: TokenCtx<'a>,
}

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

pub fn redirect_uri(ctx: &ConsoleCtx<'_>) -> String {
    ctx.settings.endpoint("/admin/callback")
}

/// The console's own client registration, created on first use.
pub async fn client(ctx: &ConsoleCtx<'_>) -> Result<Client, Failure> {
    let cb = redirect_uri(ctx);
    let acr = ctx.settings.admin.acr.clone();
    let existing = clients::list(ctx.db).await?.into_iter().find(|c| {
        c.name == CLIENT_NAME
            && c.redirect_uris == [cb.clone()]
            && c.minimum_acr.as_deref() == Some(acr.as_str())
    });
    if let Some(c) = existing {
        return Ok(c);
    }
    let (c, _) = clients::create(
        ctx.db,
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
pub async fn begin(ctx: &ConsoleCtx<'_>) -> Result<(String, String), Failure> {
    let client = client(ctx).await?;
    let login_state = secrets::random_token(24);
    let verifier = secrets::random_token(48);
    let nonce = secrets::random_token(16);
    let challenge = secrets::b64url(&<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    ctx.store
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
        ("redirect_uri", redirect_uri(ctx).as_str()),
        ("scope", "openid profile"),
        ("state", login_state.as_str()),
        ("nonce", nonce.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("acr_values", ctx.settings.admin.acr.as_str()),
    ])
    .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((
        login_state,
        ctx.settings.endpoint(&format!("/authorize?{query}")),
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
    ctx: &ConsoleCtx<'_>,
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
    let Some(pending) = ctx
        .store
        .take_json::<PendingLogin>(&format!("consolelogin:{}", secrets::digest(returned_state)))
        .await?
    else {
        return Ok(Err(Refused::Invalid(
            "this sign-in expired; please start again",
        )));
    };
    let client = client(ctx).await?;
    let Some(grant) = redeem_code(&ctx.token, code).await? else {
        return Ok(Err(Refused::Invalid(
            "the code is invalid, expired or already used",
        )));
    };
    let checks = grant.client_id == client.client_id
        && grant.redirect_uri == redirect_uri(ctx)
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
    let Some(user) = users::find_by_id(ctx.db, &grant.user_id)
        .await?
        .filter(|u| u.active && u.session_epoch == grant.epoch)
    else {
        return Ok(Err(Refused::Invalid("the user is no longer active")));
    };
    // Belt and braces: the client's minimum acr already made the login meet it.
    let fresh = stepup::Freshness::new(crate::oidc::now_ms(), 0, None);
    if stepup::level_met(&grant.evidence, &fresh).is_none_or(|l| l < ctx.settings.admin.level) {
        return Ok(Err(Refused::Forbidden(format!(
            "the console needs {} sign-in",
            ctx.settings.admin.acr
        ))));
    }
    if !is_admin(ctx, &user).await? {
        return Ok(Err(Refused::Forbidden(format!(
            "{} is not a member of group {}",
            user.username, ctx.settings.admin.group
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
    ctx.store.put_json(&key, &session, SESSION_TTL).await?;
    // Listed with the user's browser sessions, so that ending those ends this.
    ctx.sessions
        .track(&user.id, &key, "console", SESSION_TTL)
        .await?;
    Ok(Ok((cookie, session)))
}

async fn is_admin(ctx: &ConsoleCtx<'_>, user: &User) -> Result<bool, Failure> {
    Ok(users::groups_of(ctx.db, &user.id)
        .await?
        .iter()
        .any(|g| g == &ctx.settings.admin.group))
}

fn session_key(cookie: &str) -> String {
    format!("console:{}", secrets::digest(cookie))
}

/// The session behind a console cookie, while its user is still an active admin.
pub async fn session(
    ctx: &ConsoleCtx<'_>,
    cookie: &str,
) -> Result<Option<ConsoleSession>, Failure> {
    if cookie.is_empty() || cookie.len() > 128 {
        return Ok(None);
    }
    let Some(s) = ctx
        .store
        .get_json::<ConsoleSession>(&session_key(cookie))
        .await?
    else {
        return Ok(None);
    };
    // Removal from the admin group ends console access at the next request, and
    // so does a reset or sign-out of the administrator (a new session epoch).
    match users::find_by_id(ctx.db, &s.user_id).await? {
        Some(u) if u.active && u.session_epoch == s.epoch && is_admin(ctx, &u).await? => {
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

pub async fn end(ctx: &ConsoleCtx<'_>, cookie: &str) -> Result<(), Failure> {
    Ok(ctx.store.delete(&session_key(cookie)).await?)
}
