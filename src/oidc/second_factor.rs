//! Second-factor steps of a login: TOTP verification (with recovery codes as a
//! stand-in), and TOTP enrollment inside the authorization request.
//!
//! Failures are limited per user and per browser session; only failures count.
//! A TOTP step is accepted once per user (RFC 6238 §5.2), enforced by a
//! conditional update in the database so it holds across instances.

use std::time::Duration;

use serde_json::json;

use super::factor_notice::{audit_factor, notify_owner};
use super::now_ms;
use super::session::BrowserSession;
use crate::auth::factor_rules::{FactorChange, Permit};
use crate::auth::stepup::{Factor, Proof};
use crate::auth::totp;
use crate::db::factors;
use crate::db::users::User;
use crate::error::{Failure, PageError};
use crate::secrets;
use crate::startup::AppState;

pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
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

fn user_failures(user_id: &str) -> String {
    format!("otpfail:user:{user_id}")
}

fn session_failures(sid: &str) -> String {
    format!("otpfail:session:{sid}")
}

async fn locked(state: &AppState, user: &User, session: &BrowserSession) -> Result<bool, Failure> {
    let by_user: u64 = state
        .store
        .get_json(&user_failures(&user.id))
        .await?
        .unwrap_or(0);
    let by_session: u64 = state
        .store
        .get_json(&session_failures(&session.sid))
        .await?
        .unwrap_or(0);
    Ok(by_user >= MAX_FAILURES || by_session >= MAX_FAILURES)
}

async fn record_failure(
    state: &AppState,
    user: &User,
    session: &BrowserSession,
    event: &str,
) -> Result<(), Failure> {
    state
        .audit
        .factor(Some(&user.id), &user.username, event, "failure", None)
        .await?;
    state
        .store
        .incr(&user_failures(&user.id), FAILURE_WINDOW)
        .await?;
    state
        .store
        .incr(&session_failures(&session.sid), FAILURE_WINDOW)
        .await?;
    tracing::warn!(user = %user.username, "second factor failed");
    Ok(())
}

/// Adds a proof and renews the session id: the privilege level changed.
pub(crate) async fn elevate(
    state: &AppState,
    cookie: &str,
    mut session: BrowserSession,
    factor: Factor,
    user_verified: bool,
) -> Result<String, Failure> {
    session.proofs.retain(|p| p.factor != factor);
    session.proofs.push(Proof {
        factor,
        at: now_ms(),
        user_verified,
    });
    Ok(state.sessions.rotate(Some(cookie), &session).await?)
}

/// Checks a TOTP code, or a recovery code in its place.
pub async fn verify(
    state: &AppState,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    code: &str,
) -> Result<Verified, PageError> {
    if locked(state, user, &session).await? {
        return Ok(Verified::LockedOut);
    }
    if factors::is_recovery_code_shape(code) {
        if factors::use_recovery_code(&state.db, &user.id, code).await? {
            let remaining = factors::remaining_recovery_codes(&state.db, &user.id).await?;
            let cookie = elevate(state, cookie, session, Factor::RecoveryCode, false).await?;
            state
                .audit
                .factor(
                    Some(&user.id),
                    &user.username,
                    "recovery_code",
                    "success",
                    None,
                )
                .await?;
            tracing::info!(user = %user.username, remaining, "recovery code used");
            // A recovery code is as good as the factor: its owner must hear of each use.
            notify_owner(state, user, FactorChange::RecoveryCodeUsed { remaining }).await?;
            return Ok(Verified::RecoveryCode { cookie, remaining });
        }
        record_failure(state, user, &session, "recovery_code").await?;
        return Ok(Verified::Invalid);
    }
    let Some(factor) = factors::totp(&state.db, &state.sealer, &user.id).await? else {
        return Ok(Verified::Invalid);
    };
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let accepted = match totp::verify(&factor.secret, code, now) {
        Some(step) => factors::accept_step(&state.db, &user.id, step as i64).await?,
        None => false,
    };
    if !accepted {
        record_failure(state, user, &session, "totp").await?;
        return Ok(Verified::Invalid);
    }
    let cookie = elevate(state, cookie, session, Factor::Totp, false).await?;
    state
        .audit
        .factor(Some(&user.id), &user.username, "totp", "success", None)
        .await?;
    Ok(Verified::Totp { cookie })
}

fn enroll_key(cookie: &str, user_id: &str) -> String {
    format!("enroll:{}:{user_id}", secrets::digest(cookie))
}

/// The seed being enrolled in this browser session: the same one on every reload,
/// so a scanned QR code stays valid until confirmed.
pub async fn pending_secret(
    state: &AppState,
    cookie: &str,
    user: &User,
) -> Result<Vec<u8>, Failure> {
    let key = enroll_key(cookie, &user.id);
    let fresh = state.sealer.seal(&totp::generate_secret());
    state.store.put_new_json(&key, &fresh, ENROLL_TTL).await?;
    let sealed: String = state
        .store
        .get_json(&key)
        .await?
        .ok_or_else(|| Failure::Internal("enrollment secret vanished".into()))?;
    state
        .sealer
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
    state: &AppState,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    code: &str,
    permit: Permit,
) -> Result<Enrolled, PageError> {
    if locked(state, user, &session).await? {
        return Ok(Enrolled::LockedOut);
    }
    let secret = pending_secret(state, cookie, user).await?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let Some(step) = totp::verify(&secret, code, now) else {
        record_failure(state, user, &session, "totp_enrollment").await?;
        return Ok(Enrolled::Invalid);
    };
    factors::set_totp(&state.db, &state.sealer, &user.id, &secret).await?;
    factors::accept_step(&state.db, &user.id, step as i64).await?;
    let recovery_codes = factors::new_recovery_codes(&state.db, &user.id).await?;
    state.store.delete(&enroll_key(cookie, &user.id)).await?;
    let cookie = elevate(state, cookie, session, Factor::Totp, false).await?;
    audit_factor(
        state,
        user,
        "totp_enrollment",
        json!({ "first_factor": permit.first_factor() }),
    )
    .await?;
    tracing::info!(user = %user.username, first = permit.first_factor(), "TOTP enrolled");
    notify_owner(state, user, FactorChange::TotpAdded).await?;
    Ok(Enrolled::Done {
        cookie,
        recovery_codes,
    })
}
