//! "Forgot password": a single-use, expiring set-password link mailed to the
//! account that uses the given address, if any. The new password is set on the
//! same page as an onboarding link; it never touches the second factors, so the
//! next sign-in that needs one still asks for it.

use std::net::IpAddr;

use serde_json::json;

use super::{AccountsCtx, HOUR, Requested, count_request};
use crate::admin::AdminError;
use crate::auth::limiter::{self, Bucket};
use crate::db::users::{self, User};
use crate::db::{password_tokens, user_admin};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::mail;

/// Answers a reset request for `email`: counted first (client address, email
/// address), then the lookup and the mail run in a task of their own.
/// `lang` is the page's: the mail speaks it when the account has no language yet.
pub async fn request(
    ctx: &AccountsCtx,
    email: &str,
    ip: Option<IpAddr>,
    lang: Lang,
) -> Result<Requested, Failure> {
    let email = users::normalize(email);
    if count_request(ctx, "reset", ip, &email).await? == Requested::TooMany {
        return Ok(Requested::TooMany);
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = deliver(&ctx, &email, lang).await {
            tracing::warn!(error = %e, "password reset mail not sent");
        }
    });
    Ok(Requested::Accepted)
}

/// Mails a reset link when an active account uses `email`; audits what it did
/// (never for an address without an account: there is nobody to audit).
async fn deliver(ctx: &AccountsCtx, email: &str, lang: Lang) -> Result<(), AdminError> {
    let Some(user) = user_admin::find_by_email(&ctx.admin.db, email).await? else {
        return Ok(());
    };
    deliver_to(ctx, user, lang).await
}

/// The rest of [`deliver`] for the account as it was read. It may have
/// changed since: the link is mailed only if the account still has the
/// address it was read with and is still active, read again once the link is
/// stored. A change of address revokes the links made before it, so between
/// the two every link to an address that is no longer the account's dies.
pub async fn deliver_to(ctx: &AccountsCtx, user: User, lang: Lang) -> Result<(), AdminError> {
    let audit = ctx.acting_as(format!("user:{}", user.username));
    if !user.active {
        audit
            .audit(
                "password_reset_requested",
                Some(&user),
                "failure",
                json!({"reason": "disabled"}),
            )
            .await?;
        return Ok(());
    }
    // Per account as well as per address typed: the account's budget holds
    // however its address is spelled.
    let r = &ctx.admin.settings.recovery;
    let bucket = Bucket::per("reset-account", &user.id, r.requests_per_email, HOUR);
    let Some(attempt) = limiter::admit_anonymous(&ctx.store, &[bucket])
        .await
        .map_err(Failure::from)?
    else {
        audit
            .audit(
                "password_reset_requested",
                Some(&user),
                "failure",
                json!({"reason": "rate_limited"}),
            )
            .await?;
        return Ok(());
    };
    attempt.failed();
    // Only the newest link works: an older one, maybe in a mailbox that
    // someone else reads now, stops working.
    password_tokens::revoke_for_user(&ctx.admin.db, &user.id).await?;
    let ttl = r.link_ttl.as_secs() as i64;
    let token =
        password_tokens::issue_for(&ctx.admin.db, &user.id, ttl, password_tokens::RESET).await?;
    let now = users::find_by_id(&ctx.admin.db, &user.id).await?;
    if !now.is_some_and(|u| u.active && u.email == user.email) {
        password_tokens::revoke_for_user(&ctx.admin.db, &user.id).await?;
        audit
            .audit(
                "password_reset_requested",
                Some(&user),
                "failure",
                json!({"reason": "account_changed"}),
            )
            .await?;
        return Ok(());
    }
    let link = ctx
        .admin
        .settings
        .endpoint(&format!("/set-password/{token}"));
    let sent = ctx
        .admin
        .mailer
        // The account's language when known; anyone may ask for a reset, so
        // asking never changes it (following the link does).
        .send(mail::reset(
            &mail::Writer::new(&ctx.admin.settings, user.locale.unwrap_or(lang)),
            &user,
            &link,
            ttl,
        ))
        .await;
    let error = sent.err().map(|e| e.to_string());
    audit
        .audit(
            "password_reset_requested",
            Some(&user),
            if error.is_none() {
                "success"
            } else {
                "failure"
            },
            json!({"mail_sent": error.is_none(), "error": error}),
        )
        .await?;
    Ok(())
}
