//! What the account page changes: the password (the current one required, under
//! the sign-in's lock-outs), the second factors (only with a fresh proof of an
//! existing one, see [`crate::auth::factor_rules`]), the recovery codes and the
//! browser sessions. Every change is audited; factor changes are mailed to the
//! owner.

use std::net::IpAddr;

use serde_json::json;

use super::{AccountSession, FRESH_PROOF_MS, enrolled};
use crate::auth::acr::Level;
use crate::auth::factor_rules::{self, Enrolled, FactorChange, Permit};
use crate::auth::limiter::{self, Bucket};
use crate::auth::password::{self, VerifyError};
use crate::auth::policy::Subject;
use crate::auth::stepup::Freshness;
use crate::auth::totp;
use crate::db::factors::{self, FactorRef, Removed};
use crate::db::users::{self, User};
use crate::db::{password_tokens, revocation};
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::oidc::backchannel::{self, Notifier};
use crate::oidc::factor_notice::{audit_factor, notify_owner};
use crate::oidc::password_login::username_bucket;
use crate::oidc::second_factor::MAX_FAILURES;
use crate::{mail, secrets};

/// Why the account page did not make a change; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The sign-in is too old for this change: prove a factor again.
    #[error("confirm it is you with one of your factors first")]
    ProveAgain,
    #[error("the current password is not correct")]
    WrongPassword,
    #[error("too many failed attempts; please wait a few minutes")]
    LockedOut,
    #[error("too many sign-ins at this moment; please try again in a few seconds")]
    Busy,
    #[error("{0}")]
    WeakPassword(String),
    #[error("your sign-in needs a second factor: add another one before you remove your last")]
    LastFactor,
    #[error("the code is not correct")]
    WrongCode,
    #[error("there is no such factor or session")]
    NotFound,
    #[error(transparent)]
    Failure(#[from] Failure),
}

impl From<crate::store::StoreError> for AccountError {
    fn from(e: crate::store::StoreError) -> Self {
        AccountError::Failure(e.into())
    }
}

impl From<crate::db::DbError> for AccountError {
    fn from(e: crate::db::DbError) -> Self {
        AccountError::Failure(e.into())
    }
}

/// Leave to change the factors: the sign-in proved the password and (when the
/// account has any) one of its factors within [`FRESH_PROOF_MS`].
pub fn permit(s: &AccountSession, e: Enrolled, now_ms: i64) -> Result<Permit, AccountError> {
    let fresh = Freshness::new(now_ms, now_ms - FRESH_PROOF_MS, None);
    factor_rules::may_add_factor(e, &s.evidence, &fresh).map_err(|_| AccountError::ProveAgain)
}

/// This browser: its session cookie, and its account session with its cookie.
pub struct ThisBrowser<'a> {
    pub session_cookie: Option<&'a str>,
    pub account_cookie: &'a str,
    pub account: &'a AccountSession,
}

/// Changes the password: the current one must match, and failures count
/// towards the same lock-outs as the sign-in's. An account with a second
/// factor also needs a fresh proof of one: a stolen password alone must not
/// lock its owner out. Whoever knew the old password keeps nothing it gave
/// them: the user moves to a new session epoch (every access token, code and
/// session of the old one ends, every refresh token is revoked), every other
/// browser is signed out (and its relying parties told), every set-password
/// link is revoked; this browser's sessions move to the new epoch and stay.
pub async fn change_password(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    this: ThisBrowser<'_>,
    user: &User,
    current: &str,
    new: &str,
    ip: Option<IpAddr>,
) -> Result<(), AccountError> {
    password::validate_new(new).map_err(|e| AccountError::WeakPassword(e.to_string()))?;
    let s = this.account;
    permit(s, enrolled(ctx, user).await?, crate::oidc::now_ms())?;
    let buckets = [
        username_bucket(&user.username),
        Bucket::address(ip, ctx.settings.lockout.failures_per_address),
    ];
    let Some(attempt) = limiter::admit(ctx.store, &buckets).await? else {
        return Err(AccountError::LockedOut);
    };
    let stored = users::credentials(ctx.db, &user.username)
        .await?
        .and_then(|c| c.password_hash);
    // An account without a password (made at an upstream sign-in) is checked
    // against the dummy hash for the same timing, and never matches it: that
    // hash's password is no secret.
    let has_password = stored.is_some();
    let stored = stored.unwrap_or_else(|| ctx.dummy_hash.to_owned());
    match ctx
        .passwords
        .verify(current.to_owned(), stored.clone())
        .await
    {
        Ok(true) if has_password => attempt.take_back().await?,
        Ok(_) => {
            attempt.failed();
            audit_factor(
                ctx,
                user,
                "account_password_change",
                json!({"outcome": "wrong_current"}),
            )
            .await?;
            return Err(AccountError::WrongPassword);
        }
        Err(e @ (VerifyError::Busy | VerifyError::NoMemory(_))) => {
            tracing::warn!("{e}: password change refused with 503");
            attempt.take_back().await?;
            return Err(AccountError::Busy);
        }
        Err(e) => return Err(Failure::Internal(e.to_string()).into()),
    }
    let new = new.to_owned();
    let hash = match password::hash_gated(new).await {
        Ok(h) => h,
        Err(password::HashError::Busy) => return Err(AccountError::Busy),
        Err(e) => return Err(Failure::Internal(e.to_string()).into()),
    };
    // Only over the password just verified: a change made meanwhile (by an
    // administrator, a reset link, the owner in another browser) stands, and
    // this one, checked against what is no longer the password, is refused.
    if !users::replace_password_hash(ctx.db, &user.id, &stored, hash).await? {
        return Err(AccountError::WrongPassword);
    }
    password_tokens::revoke_for_user(ctx.db, &user.id).await?;
    let (sessions, refresh_families) = keep_only_this_browser(ctx, notifier, this, user).await?;
    audit_factor(
        ctx,
        user,
        "account_password_change",
        json!({
            "outcome": "changed",
            "sessions_ended": sessions,
            "refresh_families": refresh_families,
        }),
    )
    .await?;
    let sent = ctx
        .mailer
        .send_notice(mail::password_changed(
            &mail::Writer::to(ctx.settings, user),
            user,
            mail::PasswordChangedBy::AccountPage,
        ))
        .await;
    if let Err(e) = sent {
        tracing::warn!(user = %user.username, error = %e, "password change notice not sent");
    }
    Ok(())
}

/// Whether the policy asks this user for a second factor on the account page
/// from `ip`: then the last factor stays.
async fn factor_required(
    ctx: &LoginCtx<'_>,
    user: &User,
    client_id: &str,
    ip: Option<IpAddr>,
) -> Result<bool, Failure> {
    let stored = ctx.cache.policy_rules(ctx.db, &ctx.settings.acr).await?;
    let groups = users::groups_of(ctx.db, &user.id).await?;
    let level = ctx
        .settings
        .policy
        .decide(
            &stored,
            &Subject {
                username: &user.username,
                groups: &groups,
                client_id,
                ip,
                two_factor: user.two_factor,
            },
        )
        .level;
    Ok(level >= Level::Mfa)
}

/// Which factor to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// The authenticator app, with its recovery codes.
    Totp,
    /// One security key, by its id.
    Key(String),
}

/// Ends what the account's other sign-ins hold and keeps this browser: a new
/// session epoch (every access token and unredeemed code of the old one is
/// refused, every refresh token revoked), every other browser session ended
/// and its relying parties told, and this browser's session and account
/// session moved to the new epoch. Returns the browser sessions ended and
/// the refresh families revoked.
async fn keep_only_this_browser(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    this: ThisBrowser<'_>,
    user: &User,
) -> Result<(u64, u64), AccountError> {
    let s = this.account;
    let ended = revocation::end_everything(ctx.db, &user.id).await?;
    crate::directory::changed(ctx.store).await?;
    let sessions = end_browsers(ctx, notifier, user, None, &s.sid).await?;
    if let Some(cookie) = this.session_cookie
        && let Some(mut browser) = ctx.sessions.load(cookie).await?
        && browser.sid == s.sid
    {
        browser.epoch = ended.epoch;
        // Written back only if still there: a logout in another tab while
        // this request ran stays a logout.
        ctx.sessions.update(cookie, &browser).await?;
    }
    super::move_to_epoch(ctx.store, this.account_cookie, s, ended.epoch).await?;
    Ok((sessions, ended.refresh_families))
}

/// Removes a factor under a fresh proof; the last one stays while the policy
/// asks this user for a second factor. Sign-ins that may have proven the
/// factor end with it (a stolen app or key is what one removes): every other
/// browser is signed out and every refresh token revoked, as after a password
/// change; this browser stays.
pub async fn remove_factor(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    this: ThisBrowser<'_>,
    user: &User,
    which: Removal,
    (client_id, ip): (&str, Option<IpAddr>),
) -> Result<(), AccountError> {
    let s = this.account;
    let left = enrolled(ctx, user).await?;
    permit(s, left, crate::oidc::now_ms())?;
    // Mailed codes stay whatever is removed; otherwise the last factor stays
    // while the policy asks this user for a second one. The count is checked
    // again in the transaction that deletes.
    let keep_one = !left.email && factor_required(ctx, user, client_id, ip).await?;
    let (factor, change) = match &which {
        Removal::Totp => (FactorRef::Totp, FactorChange::TotpRemoved),
        Removal::Key(id) => (FactorRef::Key(id), FactorChange::SecurityKeyRemoved),
    };
    match factors::remove_keeping_one(ctx.db, &user.id, factor, keep_one).await? {
        Removed::Done => {}
        Removed::NotFound => return Err(AccountError::NotFound),
        Removed::LastFactor => return Err(AccountError::LastFactor),
    }
    let (sessions, refresh_families) = keep_only_this_browser(ctx, notifier, this, user).await?;
    audit_factor(
        ctx,
        user,
        change.kind(),
        json!({"by": "owner", "sessions_ended": sessions, "refresh_families": refresh_families}),
    )
    .await?;
    notify_owner(ctx, user, change).await?;
    Ok(())
}

fn enroll_key(cookie: &str) -> String {
    format!("accounttotp:{}", secrets::digest(cookie))
}

const ENROLL_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The secret of the authenticator app being set up from this account
/// session: the same on every reload until confirmed. Needs a fresh proof.
pub async fn totp_secret(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    s: &AccountSession,
    user: &User,
) -> Result<Vec<u8>, AccountError> {
    permit(s, enrolled(ctx, user).await?, crate::oidc::now_ms())?;
    let key = enroll_key(cookie);
    let fresh = ctx.sealer.seal(&totp::generate_secret());
    ctx.store.put_new_json(&key, &fresh, ENROLL_TTL).await?;
    let sealed: String = ctx
        .store
        .get_json(&key)
        .await?
        .ok_or_else(|| Failure::Internal("enrollment secret vanished".into()))?;
    Ok(ctx
        .sealer
        .open(&sealed)
        .map_err(|e| Failure::Internal(e.to_string()))?)
}

/// Confirms the new authenticator app with a code from it; it replaces any
/// previous app and comes with new recovery codes, returned once. A replaced
/// app ends the sign-ins that may have proven it, as [`remove_factor`] does.
pub async fn confirm_totp(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    this: ThisBrowser<'_>,
    user: &User,
    code: &str,
) -> Result<Vec<String>, AccountError> {
    let (cookie, s) = (this.account_cookie, this.account);
    let before = enrolled(ctx, user).await?;
    let permit = permit(s, before, crate::oidc::now_ms())?;
    let buckets = [Bucket::new("code:user", &user.id, MAX_FAILURES)];
    let Some(attempt) = limiter::admit(ctx.store, &buckets).await? else {
        return Err(AccountError::LockedOut);
    };
    let Some(sealed) = ctx.store.get_json::<String>(&enroll_key(cookie)).await? else {
        return Err(AccountError::ProveAgain);
    };
    let secret = ctx
        .sealer
        .open(&sealed)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let Some(step) = totp::verify(&secret, code, now) else {
        attempt.failed();
        return Err(AccountError::WrongCode);
    };
    attempt.take_back().await?;
    factors::set_totp(ctx.db, ctx.sealer, &user.id, &secret, step as i64).await?;
    let codes = factors::new_recovery_codes(ctx.db, ctx.sealer, &user.id).await?;
    ctx.store.delete(&enroll_key(cookie)).await?;
    let replaced = before.totp;
    let (sessions, _) = if replaced {
        keep_only_this_browser(ctx, notifier, this, user).await?
    } else {
        (0, 0)
    };
    audit_factor(
        ctx,
        user,
        "totp_enrollment",
        json!({
            "by": "owner",
            "first_factor": permit.first_factor(),
            "replaced": replaced,
            "sessions_ended": sessions,
        }),
    )
    .await?;
    notify_owner(ctx, user, FactorChange::TotpAdded).await?;
    Ok(codes)
}

/// New recovery codes (the old ones stop working), under a fresh proof.
pub async fn renew_recovery_codes(
    ctx: &LoginCtx<'_>,
    s: &AccountSession,
    user: &User,
) -> Result<Vec<String>, AccountError> {
    let e = enrolled(ctx, user).await?;
    permit(s, e, crate::oidc::now_ms())?;
    if !e.totp {
        return Err(AccountError::NotFound);
    }
    let codes = factors::new_recovery_codes(ctx.db, ctx.sealer, &user.id).await?;
    let change = FactorChange::RecoveryCodesRenewed;
    audit_factor(ctx, user, change.kind(), json!({"by": "owner"})).await?;
    notify_owner(ctx, user, change).await?;
    Ok(codes)
}

/// Ends browser sessions of the user: the one with `sid`, or (None) every one
/// but this account session's own, and tells the relying parties each had
/// signed in to (back-channel logout). Returns how many ended. Ending another
/// browser needs the fresh proof a factor change needs: a password alone
/// must not sign the owner out everywhere. Ending this one needs nothing.
pub async fn end_sessions(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    s: &AccountSession,
    user: &User,
    sid: Option<&str>,
) -> Result<u64, AccountError> {
    let keep = s.sid.as_str();
    if sid != Some(keep) {
        permit(s, enrolled(ctx, user).await?, crate::oidc::now_ms())?;
    }
    let ended = end_browsers(ctx, notifier, user, sid, keep).await?;
    if sid.is_some() && ended == 0 {
        return Err(AccountError::NotFound);
    }
    audit_factor(
        ctx,
        user,
        "account_sessions_ended",
        json!({"sessions": ended, "all_others": sid.is_none()}),
    )
    .await?;
    Ok(ended)
}

/// [`end_sessions`] without its audit row.
async fn end_browsers(
    ctx: &LoginCtx<'_>,
    notifier: &Notifier,
    user: &User,
    sid: Option<&str>,
    keep: &str,
) -> Result<u64, Failure> {
    let mut ended = 0;
    for other in ctx.sessions.list_for_user(&user.id).await? {
        let chosen = match sid {
            Some(one) => secrets::ct_eq(&other.sid, one),
            None => other.sid != keep,
        };
        if chosen && ctx.sessions.end_one(&user.id, &other.sid).await? {
            ended += 1;
            notifier.notify(backchannel::take(ctx.store, &other.sid, &user.id).await?);
        }
    }
    Ok(ended)
}

/// Takes back what the user allowed a self-registered client: the consent,
/// the client's refresh tokens for this user, and the access tokens issued
/// with them. Its next sign-in asks again. Access tokens it got straight from
/// a code, without a refresh token, end at their expiry.
pub async fn revoke_consent(
    ctx: &LoginCtx<'_>,
    s: &AccountSession,
    user: &User,
    client_id: &str,
) -> Result<(), AccountError> {
    permit(s, enrolled(ctx, user).await?, crate::oidc::now_ms())?;
    if !crate::db::consents::revoke(ctx.db, &user.id, client_id).await? {
        return Err(AccountError::NotFound);
    }
    let now = chrono::Utc::now().timestamp();
    let families =
        crate::db::refresh_tokens::revoke_user_client(ctx.db, &user.id, client_id, now).await?;
    for family in &families {
        crate::oidc::token::access::revoke_grant(ctx.store, family)
            .await
            .map_err(Failure::from)?;
    }
    let mut e =
        crate::db::audit::factor_event(Some(&user.id), &user.username, "consent", "revoked", None);
    e.client_id = Some(client_id.to_owned());
    e.detail = json!({"refresh_families": families.len()});
    ctx.audit.record(e).await?;
    Ok(())
}
