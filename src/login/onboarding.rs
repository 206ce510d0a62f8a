//! The set-password links: onboarding (an administrator created the user) and
//! "forgot password" (`crate::accounts::recovery`). Opening one counts
//! against the client address like a wrong password ([`crate::auth::limiter`]),
//! counted first and taken back for a valid link; the link's token is spent only
//! when the new password is stored, in one conditional update, so it works once.

use std::net::IpAddr;

use super::LoginCtx;
use crate::admin::AdminError;
use crate::admin::users::hash_password;
use crate::auth::limiter::{self, Bucket};
use crate::db::audit::{self, AuditEvent};
use crate::db::password_tokens;
use crate::db::users::{self, User};
use crate::error::Failure;

/// What a set-password link leads to.
pub enum Link {
    /// A usable link of `user`; `reset`: mailed by "forgot password" (else an
    /// onboarding link).
    User { user: User, reset: bool },
    /// Unknown, expired or already used.
    Invalid,
    /// Too many links that are not valid from this address.
    TooMany,
}

/// The user a link belongs to, counting the attempt against `ip` first.
pub async fn open_link(
    ctx: &LoginCtx<'_>,
    token: &str,
    ip: Option<IpAddr>,
) -> Result<Link, Failure> {
    let bucket = Bucket::address(ip, ctx.settings.lockout.failures_per_address);
    let Some(attempt) = limiter::admit_anonymous(ctx.store, &[bucket]).await? else {
        return Ok(Link::TooMany);
    };
    match user_of(ctx, token).await {
        Ok(Some((user, reset))) => {
            attempt.take_back().await?;
            Ok(Link::User { user, reset })
        }
        Ok(None) => {
            attempt.failed();
            Ok(Link::Invalid)
        }
        Err(e) => {
            attempt.take_back().await?;
            Err(e)
        }
    }
}

async fn user_of(ctx: &LoginCtx<'_>, token: &str) -> Result<Option<(User, bool)>, Failure> {
    let Some(link) = password_tokens::peek(ctx.db, token).await? else {
        return Ok(None);
    };
    let reset = link.purpose == password_tokens::RESET;
    // A disabled account's links set nothing, also one mailed before the disable.
    Ok(users::find_by_id(ctx.db, &link.user_id)
        .await?
        .filter(|u| u.active)
        .map(|u| (u, reset)))
}

pub enum PasswordSet {
    Done,
    /// The password does not meet the rules (at least 8 characters).
    TooShort,
    /// The link was spent by another request meanwhile.
    LinkSpent,
}

/// Stores `password` for the link's `user`, spends the link and revokes the
/// user's other links, and audits it as the user. The second factors stay as
/// they are. `reset`: a "forgot password" link.
pub async fn set_password(
    ctx: &LoginCtx<'_>,
    token: &str,
    user: &User,
    password: String,
    reset: bool,
) -> Result<PasswordSet, Failure> {
    let hash = match hash_password(password).await {
        Ok(h) => h,
        Err(AdminError::Invalid(_)) => return Ok(PasswordSet::TooShort),
        Err(AdminError::Failure(f)) => return Err(f),
        Err(other) => return Err(Failure::Internal(other.to_string())),
    };
    // Spent only now, in one conditional update: a second use finds it gone.
    if password_tokens::spend(ctx.db, token).await?.as_deref() != Some(user.id.as_str()) {
        return Ok(PasswordSet::LinkSpent);
    }
    // Only on an account still active: one disabled while this link was
    // followed keeps no password for when it is enabled again.
    if !users::set_password_hash_if_active(ctx.db, &user.id, hash).await? {
        return Ok(PasswordSet::LinkSpent);
    }
    password_tokens::revoke_for_user(ctx.db, &user.id).await?;
    audit::record(
        ctx.db,
        AuditEvent {
            actor: format!("user:{}", user.username),
            event: "password_set".into(),
            user_id: Some(user.id.clone()),
            username: Some(user.username.clone()),
            outcome: "success".into(),
            detail: serde_json::json!({"via": if reset { "reset_link" } else { "onboarding_link" }}),
            ..AuditEvent::default()
        },
    )
    .await?;
    Ok(PasswordSet::Done)
}

/// Makes `lang` the language of the user's mails when it is new: the pages
/// were used by the owner of the account (a link from their mailbox just
/// worked). Every server's snapshot of the user is read again afterwards.
pub async fn remember_language(
    ctx: &LoginCtx<'_>,
    mut user: User,
    lang: crate::i18n::Lang,
) -> Result<User, Failure> {
    if users::remember_locale(ctx.db, &user, lang).await? {
        crate::directory::changed(ctx.store).await?;
        user.locale = Some(lang);
    }
    Ok(user)
}
