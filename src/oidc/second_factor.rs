//! Second-factor steps of a login: TOTP verification (with recovery codes as a
//! stand-in), and TOTP enrollment inside the authorization request.
//!
//! Failures are limited per user, per browser session and per client address,
//! counted before the code is checked ([`crate::auth::limiter`]); only failures
//! count. A TOTP step is accepted once per user (RFC 6238 §5.2), enforced by a
//! conditional update in the database so it holds across instances.

use std::time::Duration;

use serde_json::json;

use super::factor_notice::{audit_factor, notify_locked, notify_owner};
use super::now_ms;
use super::session::BrowserSession;
use crate::auth::factor_rules::{FactorChange, Permit};
use crate::auth::limiter::{self, Attempt, Bucket};
use crate::auth::stepup::{Factor, Proof};
use crate::auth::totp;
use crate::db::factors;
use crate::db::users::User;
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::secrets;

pub const MAX_FAILURES: u64 = 5;
/// The per-user bucket's place among the buckets of [`count_attempt`].
const USER_BUCKET: usize = 0;
/// The least time between two mails about a locked second factor.
const LOCK_NOTICE_EVERY: Duration = Duration::from_secs(6 * 60 * 60);
const ENROLL_TTL: Duration = Duration::from_secs(15 * 60);

pub enum Verified {
    /// The session now carries the proof; the browser gets a fresh cookie.
    Totp {
        cookie: String,
    },
    RecoveryCode {
        cookie: String,
        remaining: u64,
    },
    Invalid,
    LockedOut,
}

/// Counts a code attempt before it is checked: None when the user, this browser
/// session or this client address has had too many failures (audited).
pub(crate) async fn count_attempt(
    ctx: &LoginCtx<'_>,
    user: &User,
    session: &BrowserSession,
    event: &str,
) -> Result<Option<Attempt>, Failure> {
    let buckets = [
        // First: `record_failure` asks whether a failure filled it (USER_BUCKET).
        Bucket::new("code:user", &user.id, MAX_FAILURES),
        Bucket::new("code:session", &session.sid, MAX_FAILURES),
        Bucket::address(session.from, ctx.settings.lockout.failures_per_address),
    ];
    let attempt = limiter::admit(ctx.store, &buckets).await?;
    if attempt.is_none() {
        ctx.audit
            .factor(
                Some(&user.id),
                &user.username,
                event,
                "locked",
                session.from,
            )
            .await?;
    }
    Ok(attempt)
}

/// A wrong code: it stays counted, and is audited. The failure that locks the
/// user's second factor is mailed to them (once per lock, at most once per
/// [`LOCK_NOTICE_EVERY`]): the session it came from passed the first step, so
/// whoever typed the codes knows the password. A wrong code
/// while setting up a new app is the user's own typing, and is not mailed.
pub(crate) async fn record_failure(
    ctx: &LoginCtx<'_>,
    user: &User,
    session: &BrowserSession,
    attempt: Attempt,
    event: &str,
) -> Result<(), Failure> {
    let locks = attempt.fills(USER_BUCKET);
    attempt.failed();
    ctx.audit
        .factor(
            Some(&user.id),
            &user.username,
            event,
            "failure",
            session.from,
        )
        .await?;
    tracing::warn!(user = %user.username, "second factor failed");
    // At most one such mail per LOCK_NOTICE_EVERY: a password holder who
    // keeps the account locked does not also fill its mailbox.
    if locks
        && event != "totp_enrollment"
        && ctx
            .store
            .first_in(&format!("notice:locked:{}", user.id), LOCK_NOTICE_EVERY)
            .await?
    {
        notify_locked(ctx, user).await?;
    }
    Ok(())
}

/// Adds a proof and renews the session id: the privilege level changed.
pub(crate) async fn elevate(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    mut session: BrowserSession,
    factor: Factor,
    user_verified: bool,
) -> Result<String, Failure> {
    session.proofs.retain(|p| p.factor != factor);
    let from = session.from;
    session.proofs.push(Proof {
        factor,
        at: now_ms(),
        user_verified,
        from,
    });
    Ok(ctx.sessions.rotate(Some(cookie), &session).await?)
}

/// Checks a TOTP code, or a recovery code in its place.
pub async fn verify(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    code: &str,
) -> Result<Verified, Failure> {
    let event = if factors::is_recovery_code_shape(code) {
        "recovery_code"
    } else {
        "totp"
    };
    let Some(attempt) = count_attempt(ctx, user, &session, event).await? else {
        return Ok(Verified::LockedOut);
    };
    let from = session.from;
    if factors::is_recovery_code_shape(code) {
        if factors::use_recovery_code(ctx.db, ctx.sealer, &user.id, code).await? {
            attempt.take_back().await?;
            let remaining = factors::remaining_recovery_codes(ctx.db, &user.id).await?;
            let cookie = elevate(ctx, cookie, session, Factor::RecoveryCode, false).await?;
            ctx.audit
                .factor(
                    Some(&user.id),
                    &user.username,
                    "recovery_code",
                    "success",
                    from,
                )
                .await?;
            tracing::info!(user = %user.username, remaining, "recovery code used");
            // A recovery code is as good as the factor: its owner must hear of each use.
            notify_owner(ctx, user, FactorChange::RecoveryCodeUsed { remaining }).await?;
            return Ok(Verified::RecoveryCode { cookie, remaining });
        }
        record_failure(ctx, user, &session, attempt, "recovery_code").await?;
        return Ok(Verified::Invalid);
    }
    let Some(factor) = factors::totp(ctx.db, ctx.sealer, &user.id).await? else {
        record_failure(ctx, user, &session, attempt, "totp").await?;
        return Ok(Verified::Invalid);
    };
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let accepted = match totp::verify(&factor.secret, code, now) {
        Some(step) => factors::accept_step(ctx.db, &user.id, step as i64).await?,
        None => false,
    };
    if !accepted {
        record_failure(ctx, user, &session, attempt, "totp").await?;
        return Ok(Verified::Invalid);
    }
    attempt.take_back().await?;
    let cookie = elevate(ctx, cookie, session, Factor::Totp, false).await?;
    ctx.audit
        .factor(Some(&user.id), &user.username, "totp", "success", from)
        .await?;
    Ok(Verified::Totp { cookie })
}

fn enroll_key(cookie: &str, user_id: &str) -> String {
    format!("enroll:{}:{user_id}", secrets::digest(cookie))
}

/// The seed being enrolled in this browser session: the same one on every reload,
/// so a scanned QR code stays valid until confirmed.
pub async fn pending_secret(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    user: &User,
) -> Result<Vec<u8>, Failure> {
    let key = enroll_key(cookie, &user.id);
    let fresh = ctx.sealer.seal(&totp::generate_secret());
    ctx.store.put_new_json(&key, &fresh, ENROLL_TTL).await?;
    let sealed: String = ctx
        .store
        .get_json(&key)
        .await?
        .ok_or_else(|| Failure::Internal("enrollment secret vanished".into()))?;
    ctx.sealer
        .open(&sealed)
        .map_err(|e| Failure::Internal(e.to_string()))
}

pub enum Enrolled {
    Done {
        cookie: String,
        recovery_codes: Vec<String>,
    },
    Invalid,
    LockedOut,
}

/// Confirms enrollment with a code from the new authenticator; stores the factor,
/// issues recovery codes and counts as the second factor of this login. Only
/// under a [`Permit`] of the factor rules: a password alone never adds a factor
/// to an account that has one.
pub async fn confirm_enrollment(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    code: &str,
    permit: Permit,
) -> Result<Enrolled, Failure> {
    let Some(attempt) = count_attempt(ctx, user, &session, "totp_enrollment").await? else {
        return Ok(Enrolled::LockedOut);
    };
    let secret = pending_secret(ctx, cookie, user).await?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let Some(step) = totp::verify(&secret, code, now) else {
        record_failure(ctx, user, &session, attempt, "totp_enrollment").await?;
        return Ok(Enrolled::Invalid);
    };
    attempt.take_back().await?;
    factors::set_totp(ctx.db, ctx.sealer, &user.id, &secret, step as i64).await?;
    let recovery_codes = factors::new_recovery_codes(ctx.db, ctx.sealer, &user.id).await?;
    // The user now has TOTP: every server's next look at them must know
    // (auditing moves the directory's mark), before anything else can fail.
    audit_factor(
        ctx,
        user,
        "totp_enrollment",
        json!({ "first_factor": permit.first_factor() }),
    )
    .await?;
    ctx.store.delete(&enroll_key(cookie, &user.id)).await?;
    let cookie = elevate(ctx, cookie, session, Factor::Totp, false).await?;
    tracing::info!(user = %user.username, first = permit.first_factor(), "TOTP enrolled");
    notify_owner(ctx, user, FactorChange::TotpAdded).await?;
    Ok(Enrolled::Done {
        cookie,
        recovery_codes,
    })
}
