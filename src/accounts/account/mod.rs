//! The account page's sign-in and session. People sign in through our own
//! `/authorize` (see [`crate::oidc::own_client`]); the account session is its
//! own record, bound to the browser session that signed in: ending that browser
//! session (sign-out, "sign out this one", an administrator's reset) ends the
//! account page with it, and so does a new session epoch.

mod changes;

pub use changes::*;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth::factor_rules::Enrolled;
use crate::auth::stepup::Proof;
use crate::db::users::{self, User};
use crate::db::{factors, webauthn};
use crate::error::Failure;
use crate::oidc::own_client::{OwnClient, SignInCtx};
use crate::secrets;

pub const CLIENT_NAME: &str = "Portcullis account page";
pub const SESSION_TTL: Duration = Duration::from_secs(3600);

/// How recent the proofs of a sign-in must be for factor changes: past this,
/// the page sends its owner through `/authorize` again.
pub const FRESH_PROOF_MS: i64 = 5 * 60 * 1000;

pub const OWN: OwnClient<'static> = OwnClient {
    name: CLIENT_NAME,
    callback: "/account/callback",
    minimum_acr: None,
};

/// A person signed in to the account page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSession {
    pub user_id: String,
    pub username: String,
    /// The public id of the browser session the sign-in ran in.
    pub sid: String,
    /// What the sign-in proved, and when.
    pub evidence: Vec<Proof>,
    pub epoch: i64,
}

fn session_key(cookie: &str) -> String {
    format!("account:{}", secrets::digest(cookie))
}

/// Starts a sign-in. `fresh_for`: the account asks for fresh proofs of its
/// factors (`max_age=0`, and `mfa` when it has one).
pub async fn begin(
    ctx: &SignInCtx<'_>,
    fresh_for: Option<Enrolled>,
) -> Result<(String, String), Failure> {
    match fresh_for {
        None => OWN.begin(ctx, &[]).await,
        Some(e) if e.any() => {
            OWN.begin(ctx, &[("max_age", "0"), ("acr_values", "mfa")])
                .await
        }
        Some(_) => OWN.begin(ctx, &[("max_age", "0")]).await,
    }
}

/// Finishes a sign-in; returns the new account session's cookie value.
pub async fn finish(
    ctx: &SignInCtx<'_>,
    login_cookie: Option<&str>,
    returned_state: &str,
    code: &str,
) -> Result<Result<(String, AccountSession), &'static str>, Failure> {
    let (user, grant) = match OWN.finish(ctx, login_cookie, returned_state, code).await? {
        Ok(found) => found,
        Err(why) => return Ok(Err(why)),
    };
    let session = AccountSession {
        user_id: user.id.clone(),
        username: user.username.clone(),
        sid: grant.sid.clone(),
        evidence: grant.evidence.clone(),
        epoch: grant.epoch,
    };
    let cookie = secrets::random_token(32);
    let key = session_key(&cookie);
    ctx.store.put_json(&key, &session, SESSION_TTL).await?;
    // Listed with the user's sessions, so that ending them all ends this too.
    ctx.sessions
        .track(&user.id, &key, "account", SESSION_TTL)
        .await?;
    Ok(Ok((cookie, session)))
}

/// The session behind an account cookie, with its user: only while the browser
/// session it was made in (`browser_cookie`) is still that user's, and the
/// user is active in the same session epoch.
pub async fn session(
    ctx: &SignInCtx<'_>,
    cookie: &str,
    browser_cookie: Option<&str>,
) -> Result<Option<(AccountSession, User)>, Failure> {
    if cookie.is_empty() || cookie.len() > 128 {
        return Ok(None);
    }
    let Some(s) = ctx
        .store
        .get_json::<AccountSession>(&session_key(cookie))
        .await?
    else {
        return Ok(None);
    };
    if !ctx
        .sessions
        .still_holds(browser_cookie, &s.sid, &s.user_id)
        .await?
    {
        return Ok(None);
    }
    match users::find_by_id(ctx.db, &s.user_id).await? {
        Some(u) if u.active && u.session_epoch == s.epoch => Ok(Some((s, u))),
        _ => Ok(None),
    }
}

/// Keeps the account session of `cookie` across a new session epoch of its
/// user (a password change here): saved again as of `epoch`.
pub async fn move_to_epoch(
    store: &crate::store::Store,
    cookie: &str,
    s: &AccountSession,
    epoch: i64,
) -> Result<(), Failure> {
    let moved = AccountSession { epoch, ..s.clone() };
    // Only if still there: the account page signed out in another tab while
    // this request ran stays signed out.
    store
        .replace_json(&session_key(cookie), &moved, SESSION_TTL)
        .await?;
    Ok(())
}

pub async fn end(ctx: &SignInCtx<'_>, cookie: &str) -> Result<(), Failure> {
    Ok(ctx.store.delete(&session_key(cookie)).await?)
}

/// The factors an account has, as the factor rules count them.
pub async fn enrolled(ctx: &crate::login::LoginCtx<'_>, user: &User) -> Result<Enrolled, Failure> {
    Ok(Enrolled {
        totp: factors::has_totp(ctx.db, &user.id).await?,
        webauthn: webauthn::has_any(ctx.db, &user.id).await?,
        email: ctx.settings.factors.email_otp && user.email.contains('@'),
    })
}
