//! The admin console signs administrators in as a relying party of this very
//! provider: a public client with PKCE whose minimum acr is `admin.acr`, so the
//! normal authorization endpoint runs the login and any step-up. The callback
//! redeems the code from the store with the checks of the token endpoint
//! (client, redirect URI, PKCE, nonce), then requires group `admin.group` and
//! the level again before it opens a console session.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth::stepup;
use crate::db::clients::Client;
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::oidc::own_client::{OwnClient, SignInCtx};
use crate::secrets;

/// What the console's sign-in uses (see [`crate::oidc::own_client`]).
pub type ConsoleCtx<'a> = SignInCtx<'a>;

pub const CLIENT_NAME: &str = "Portcullis admin console";
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

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
    /// The public id of the browser session the sign-in ran in: signing out
    /// of this provider (`/logout`) ends the console with it.
    #[serde(default)]
    pub sid: String,
}

fn own<'a>(ctx: &'a ConsoleCtx<'_>) -> OwnClient<'a> {
    OwnClient {
        name: CLIENT_NAME,
        callback: "/admin/callback",
        minimum_acr: Some(ctx.settings.admin.acr.as_str()),
    }
}

pub fn redirect_uri(ctx: &ConsoleCtx<'_>) -> String {
    own(ctx).redirect_uri(ctx)
}

/// The console's own client registration, created on first use.
pub async fn client(ctx: &ConsoleCtx<'_>) -> Result<Client, Failure> {
    own(ctx).client(ctx).await
}

/// Starts a sign-in: returns the value of the browser's login cookie and the
/// authorization URL to send the browser to.
pub async fn begin(ctx: &ConsoleCtx<'_>) -> Result<(String, String), Failure> {
    own(ctx)
        .begin(ctx, &[("acr_values", ctx.settings.admin.acr.as_str())])
        .await
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
    login_cookie: Option<&str>,
    returned_state: &str,
    code: &str,
) -> Result<Result<(String, ConsoleSession), Refused>, Failure> {
    let (user, grant) = match own(ctx)
        .finish(ctx, login_cookie, returned_state, code)
        .await?
    {
        Ok(found) => found,
        Err(why) => return Ok(Err(Refused::Invalid(why))),
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
        sid: grant.sid.clone(),
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
    Ok(users::in_group(ctx.db, &user.id, &ctx.settings.admin.group).await?)
}

fn session_key(cookie: &str) -> String {
    format!("console:{}", secrets::digest(cookie))
}

/// The session behind a console cookie, while its user is still an active
/// admin, the browser session it was made in (`browser_cookie`) is still that
/// user's, and its sign-in met the level the console asks now.
pub async fn session(
    ctx: &ConsoleCtx<'_>,
    cookie: &str,
    browser_cookie: Option<&str>,
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
    // A sign-out at `/logout` (a shared computer) ends the console too.
    if !ctx
        .sessions
        .still_holds(browser_cookie, &s.sid, &s.user_id)
        .await?
    {
        return Ok(None);
    }
    // `admin.acr` raised since: sign in again at the new level.
    if ctx
        .settings
        .acr
        .level_of(&s.acr)
        .is_none_or(|l| l < ctx.settings.admin.level)
    {
        return Ok(None);
    }
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
