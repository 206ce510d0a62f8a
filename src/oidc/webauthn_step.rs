//! WebAuthn ceremonies inside a login: enrollment of a security key or passkey,
//! and step-up with one (the only factor that meets `phr`).
//!
//! Ceremony state lives server-side in the ephemeral store, bound to the browser
//! session and the pending request, and is deleted when read: a replayed finish
//! finds nothing (webauthn-rs tutorial: a cookie-held state would be unsafe).

use std::time::Duration;

use webauthn_rs::prelude::{
    CreationChallengeResponse, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse, Uuid,
};

use super::factor_notice::{audit_factor, notify_owner};
use super::second_factor::elevate;
use super::session::BrowserSession;
use crate::auth::factor_rules::{FactorChange, Permit};
use crate::auth::stepup::Factor;
use crate::db::users::User;
use crate::db::webauthn;
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::secrets;

const CEREMONY_TTL: Duration = Duration::from_secs(5 * 60);

fn key(kind: &str, cookie: &str, req_id: &str) -> String {
    format!("webauthn:{kind}:{}:{req_id}", secrets::digest(cookie))
}

/// Why a ceremony step did not go through.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    #[error(transparent)]
    Failure(#[from] Failure),
    /// Refused, with the reason the page shows the user.
    #[error("{0}")]
    Refused(String),
}

impl From<crate::store::StoreError> for CeremonyError {
    fn from(e: crate::store::StoreError) -> Self {
        CeremonyError::Failure(e.into())
    }
}

impl From<crate::db::DbError> for CeremonyError {
    fn from(e: crate::db::DbError) -> Self {
        CeremonyError::Failure(e.into())
    }
}

fn refused(description: impl Into<String>) -> CeremonyError {
    CeremonyError::Refused(description.into())
}

fn rp<'a>(ctx: &LoginCtx<'a>) -> Result<&'a webauthn_rs::Webauthn, CeremonyError> {
    ctx.webauthn
        .ok_or_else(|| refused("security keys are not available: the issuer is not a domain name"))
}

/// WebAuthn needs a stable user handle: our user ids are UUIDs.
fn user_handle(user: &User) -> Result<Uuid, CeremonyError> {
    Uuid::parse_str(&user.id).map_err(|_| Failure::Internal("user id is not a UUID".into()).into())
}

/// Starts registering a key, under a [`Permit`] of the factor rules.
pub async fn begin_registration(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    user: &User,
    req_id: &str,
    _permit: Permit,
) -> Result<CreationChallengeResponse, CeremonyError> {
    let rp = rp(ctx)?;
    let existing = webauthn::list(ctx.db, &user.id).await?;
    let exclude = existing
        .iter()
        .map(|c| c.passkey.cred_id().clone())
        .collect::<Vec<_>>();
    let display = user.full_name();
    let (options, reg) = rp
        .start_passkey_registration(user_handle(user)?, &user.username, &display, Some(exclude))
        .map_err(|e| Failure::Internal(format!("webauthn: {e}")))?;
    ctx.store
        .put_json(&key("reg", cookie, req_id), &reg, CEREMONY_TTL)
        .await?;
    Ok(options)
}

/// Verifies the new credential, stores it (public key and counter only), and
/// counts it as the second factor of this login. Returns the new session cookie.
/// `permit` comes from the step as recomputed for this finish, not from begin:
/// the account may have gained a factor in between.
pub async fn finish_registration(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    req_id: &str,
    credential: &RegisterPublicKeyCredential,
    permit: Permit,
) -> Result<String, CeremonyError> {
    register_key(ctx, cookie, user, req_id, credential, permit).await?;
    // The passkey ceremony requires user verification (PIN or biometric).
    elevate(ctx, cookie, session, Factor::WebAuthn, true)
        .await
        .map_err(Into::into)
}

/// Verifies and stores a new key begun under `cookie` and `req_id`, audits it
/// and tells the owner (the account page adds keys this way too).
pub async fn register_key(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    user: &User,
    req_id: &str,
    credential: &RegisterPublicKeyCredential,
    permit: Permit,
) -> Result<(), CeremonyError> {
    let rp = rp(ctx)?;
    let reg: PasskeyRegistration = ctx
        .store
        .take_json(&key("reg", cookie, req_id))
        .await?
        .ok_or_else(|| refused("no registration in progress (expired or already finished)"))?;
    let passkey = match rp.finish_passkey_registration(credential, &reg) {
        Ok(p) => p,
        Err(e) => {
            ctx.audit
                .factor(
                    Some(&user.id),
                    &user.username,
                    "webauthn_enrollment",
                    "failure",
                    None,
                )
                .await?;
            return Err(refused(format!(
                "the security key could not be registered: {e}"
            )));
        }
    };
    let count = webauthn::list(ctx.db, &user.id).await?.len();
    let name = format!("Security key {}", count + 1);
    webauthn::add(ctx.db, &user.id, &name, &passkey)
        .await
        .map_err(|e| match e {
            crate::db::DbError::Conflict(m) => refused(m),
            other => other.into(),
        })?;
    // The user now has a security key: every server's next look at them must
    // know (auditing moves the directory's mark).
    audit_factor(
        ctx,
        user,
        "webauthn_enrollment",
        serde_json::json!({ "first_factor": permit.first_factor() }),
    )
    .await?;
    notify_owner(ctx, user, FactorChange::SecurityKeyAdded).await?;
    Ok(())
}

pub async fn begin_authentication(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    user: &User,
    req_id: &str,
) -> Result<RequestChallengeResponse, CeremonyError> {
    let rp = rp(ctx)?;
    let creds: Vec<_> = webauthn::list(ctx.db, &user.id)
        .await?
        .into_iter()
        .map(|c| c.passkey)
        .collect();
    if creds.is_empty() {
        return Err(refused("no security key is registered"));
    }
    let (options, auth) = rp
        .start_passkey_authentication(&creds)
        .map_err(|e| Failure::Internal(format!("webauthn: {e}")))?;
    ctx.store
        .put_json(&key("auth", cookie, req_id), &auth, CEREMONY_TTL)
        .await?;
    Ok(options)
}

/// Verifies an assertion; a signature counter that did not move forward is
/// refused (a cloned authenticator, WebAuthn §6.1.1) and logged.
pub async fn finish_authentication(
    ctx: &LoginCtx<'_>,
    cookie: &str,
    session: BrowserSession,
    user: &User,
    req_id: &str,
    credential: &PublicKeyCredential,
) -> Result<String, CeremonyError> {
    let rp = rp(ctx)?;
    let auth: PasskeyAuthentication = ctx
        .store
        .take_json(&key("auth", cookie, req_id))
        .await?
        .ok_or_else(|| {
            refused("no security key check in progress (expired or already finished)")
        })?;
    let result = match rp.finish_passkey_authentication(credential, &auth) {
        Ok(r) => r,
        Err(e) => {
            if matches!(
                e,
                webauthn_rs::prelude::WebauthnError::CredentialPossibleCompromise
            ) {
                tracing::warn!(user = %user.username, "security key signature counter went backwards: possible clone");
            }
            ctx.audit
                .factor(Some(&user.id), &user.username, "webauthn", "failure", None)
                .await?;
            return Err(refused(format!("the security key check failed: {e}")));
        }
    };
    let id = secrets::b64url(result.cred_id().as_ref());
    let stored = webauthn::list(ctx.db, &user.id).await?;
    let Some(cred) = stored.into_iter().find(|c| c.id == id) else {
        return Err(refused("unknown security key"));
    };
    // The ceremony compared the counter with the key as it was when the
    // ceremony began; it may have been used since (a clone, or a parallel
    // ceremony). Compare with what is stored now, and store only over that.
    let counter = webauthn::signature_counter(&cred.passkey)?;
    let forward = result.counter() > counter || (result.counter() == 0 && counter == 0);
    let mut after = cred.passkey.clone();
    after.update_credential(&result);
    let why = if !forward {
        tracing::warn!(user = %user.username, "security key signature counter did not move forward: possible clone");
        Some("its signature counter did not move forward")
    } else if !webauthn::record_use(ctx.db, &cred, &after).await? {
        Some("the key was used at the same moment elsewhere")
    } else {
        None
    };
    if let Some(why) = why {
        ctx.audit
            .factor(Some(&user.id), &user.username, "webauthn", "failure", None)
            .await?;
        return Err(refused(format!("the security key check failed: {why}")));
    }
    ctx.audit
        .factor(Some(&user.id), &user.username, "webauthn", "success", None)
        .await?;
    Ok(elevate(
        ctx,
        cookie,
        session,
        Factor::WebAuthn,
        result.user_verified(),
    )
    .await?)
}
