//! The password step of a login. Each attempt is counted before its argon2 run
//! (per username and per client address, [`crate::auth::limiter`]), so a burst of
//! parallel guesses gets no more verifications than the limit; a success is taken
//! back, since only failures count.

use std::net::IpAddr;

use super::now_ms;
use super::session::BrowserSession;
use crate::auth::limiter::{self, Bucket};
use crate::auth::password::VerifyError;
use crate::auth::stepup::{Factor, Proof};
use crate::db::{audit, users};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::login::LoginCtx;
use crate::secrets;

/// Failed password attempts per username before a temporary lock-out.
pub const MAX_PASSWORD_FAILURES: u64 = 10;

pub enum LoginResult {
    /// Signed in; the browser gets this new session cookie.
    SignedIn(String),
    Invalid,
    LockedOut,
    /// Too many passwords are waiting to be checked: try again shortly (503).
    Busy,
    /// The password is right, but the account's email domain signs in at
    /// this upstream identity provider (its id): the login goes there.
    Upstream(String),
}

pub(crate) fn username_bucket(username: &str) -> Bucket {
    Bucket::new(
        "password",
        &secrets::digest(&users::normalize(username)),
        MAX_PASSWORD_FAILURES,
    )
}

/// Most characters of a typed username kept in the audit log (a username has
/// at most 128).
const AUDITED_NAME: usize = 128;

/// How often a refusal under a lock-out is audited per client address: past
/// the lock each refusal costs its sender nothing, and a row for each would
/// let anyone fill the log (the access log still has every request).
const LOCKED_AUDIT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether this is the first refusal under a lock-out from this address (an
/// IPv6 /64, as the limiter counts it) in [`LOCKED_AUDIT_EVERY`]. A store
/// that cannot say so is logged and the refusal not audited: the lock-out
/// is answered all the same.
async fn first_refusal_in_a_while(ctx: &LoginCtx<'_>, ip: Option<IpAddr>) -> bool {
    let from = limiter::address_subject(ip);
    match ctx
        .store
        .first_in_anonymous(&format!("audited:locked:{from}"), LOCKED_AUDIT_EVERY)
        .await
    {
        Ok(first) => first,
        Err(e) => {
            tracing::warn!(error = %e, "a refusal under a lock-out was not audited");
            false
        }
    }
}

/// Verifies a password. Unknown users cost the same argon2 work as known ones, and
/// only failures count towards the lock-outs.
pub async fn password_login(
    ctx: &LoginCtx<'_>,
    cookie: Option<&str>,
    session: Option<BrowserSession>,
    (username, password): (&str, &str),
    lang: Option<Lang>,
    ip: Option<IpAddr>,
) -> Result<LoginResult, Failure> {
    // Anyone may type any name: the log keeps at most what a username can be.
    let audit_name: String = users::normalize(username)
        .chars()
        .take(AUDITED_NAME)
        .collect();
    let buckets = [
        username_bucket(username),
        Bucket::address(ip, ctx.settings.lockout.failures_per_address),
    ];
    let Some(attempt) = limiter::admit_anonymous(ctx.store, &buckets).await? else {
        if first_refusal_in_a_while(ctx, ip).await {
            ctx.audit
                .factor(None, &audit_name, "password", "locked", ip)
                .await?;
        } else {
            tracing::info!(user = %audit_name, "password sign-in refused while locked; already audited");
        }
        return Ok(LoginResult::LockedOut);
    };
    let read = if username.is_empty() || username.len() > 256 {
        None
    } else {
        ctx.directory
            .credentials(ctx.db, ctx.store, username)
            .await?
    };
    let stored = read
        .as_ref()
        .and_then(|r| r.credentials.password_hash.clone())
        .unwrap_or_else(|| ctx.dummy_hash.to_string());
    let matches = match ctx.passwords.verify(password.to_owned(), stored).await {
        Ok(m) => m,
        Err(e @ (VerifyError::Busy | VerifyError::NoMemory(_))) => {
            // Never checked, so not a failure.
            attempt.take_back().await?;
            tracing::warn!("{e}: login refused with 503");
            return Ok(LoginResult::Busy);
        }
        Err(e) => return Err(Failure::Internal(e.to_string())),
    };
    let user = match read {
        Some(r)
            if matches && r.credentials.password_hash.is_some() && r.credentials.user.active =>
        {
            ctx.directory.keep(&r);
            r.credentials.user
        }
        other => {
            attempt.failed();
            let known = other.as_ref().map(|r| r.credentials.user.id.as_str());
            ctx.audit
                .factor(known, &audit_name, "password", "failure", ip)
                .await?;
            return Ok(LoginResult::Invalid);
        }
    };
    attempt.take_back().await?;
    // An account whose email domain an upstream is routed for signs in there,
    // as it would had its address been typed: a local password typed with the
    // username does not get around the company's sign-in (its second factor,
    // its offboarding). Only the right password learns this, so the answer
    // tells a stranger nothing about the account.
    if let Some(up) = ctx.settings.upstream_for_email(&user.email) {
        ctx.audit
            .factor(Some(&user.id), &user.username, "password", "upstream", ip)
            .await?;
        tracing::info!(user = %user.username, upstream = %up.id, "password sign-in sent to the upstream of its domain");
        return Ok(LoginResult::Upstream(up.id.clone()));
    }
    // Stored with the login's next row (its authorization, when the password
    // finishes it), before any answer: one commit for both.
    ctx.audit
        .hold(audit::factor_event(
            Some(&user.id),
            &user.username,
            "password",
            "success",
            ip,
        ))
        .await?;
    let now = now_ms();
    // Keep what this session proved only when it is the same person signing in
    // again, in the same session epoch (an admin's reset outdates older proofs).
    let mut next = match session {
        Some(s) if s.belongs_to(&user) => s,
        _ => BrowserSession::anonymous(now),
    };
    next.user_id = Some(user.id.clone());
    next.epoch = user.session_epoch;
    next.proofs.retain(|p| p.factor != Factor::Password);
    next.proofs.push(Proof {
        factor: Factor::Password,
        at: now,
        user_verified: false,
        from: ip,
    });
    let new_cookie = ctx.sessions.rotate(cookie, &next).await?;
    ctx.record_login(&user, lang).await?;
    tracing::info!(user = %user.username, "password verified");
    Ok(LoginResult::SignedIn(new_cookie))
}
