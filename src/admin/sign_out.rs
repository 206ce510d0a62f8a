//! Ending everything a user is signed in with: browser sessions (and an admin
//! console session), refresh-token families and the access tokens issued from
//! them. Run by an administrator's password set, MFA reset, disable, sign-out
//! and delete.
//!
//! The database makes it certain: the user moves to a new session epoch, and
//! every session, code and token remembers the epoch it was made in and is
//! refused once that epoch is over (checked where the user row is read anyway,
//! so the hot path pays nothing). That reaches every instance and every store,
//! also from the CLI beside an embedded store it cannot reach. Access tokens
//! carry their epoch and are refused by it alone; when the store is reachable,
//! the sessions are then deleted from it too.

use serde::Serialize;
use serde_json::json;

use super::{AdminCtx, AdminError};
use crate::db::users::{self, User};
use crate::db::{password_tokens, revocation};
use crate::error::Failure;
use crate::oidc::backchannel;
use crate::oidc::session::user_index;

/// Why a user's sessions end, as the audit log says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    PasswordSet,
    MfaReset,
    Disabled,
    SignOut,
    Deleted,
    /// An operator set a new authenticator app over the one the user had.
    TotpReplaced,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::PasswordSet => "password_set",
            Reason::MfaReset => "mfa_reset",
            Reason::Disabled => "disabled",
            Reason::SignOut => "sign_out",
            Reason::Deleted => "deleted",
            Reason::TotpReplaced => "totp_replaced",
        }
    }
}

/// What was ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedOut {
    pub id: String,
    pub username: String,
    /// Sessions removed from the store; None when this process cannot reach the
    /// store (they are refused all the same).
    pub sessions: Option<u64>,
    pub refresh_families: u64,
}

/// Ends everything `user` is signed in with; audited as `sessions_ended`.
pub async fn end_everything(
    ctx: &AdminCtx,
    user: &User,
    reason: Reason,
) -> Result<SignedOut, AdminError> {
    let ended = revocation::end_everything(&ctx.db, &user.id).await?;
    // Every instance learns of the new epoch before anything else can fail:
    // the user's access tokens end at the next request, whatever follows.
    ctx.directory_changed().await?;
    let sessions = match &ctx.store {
        Some(store) => {
            let sids = backchannel::sessions_of(store, &user.id)
                .await
                .map_err(Failure::from)?;
            let n = store
                .index_clear(&user_index(&user.id))
                .await
                .map_err(Failure::from)?;
            for sid in sids {
                let ended = backchannel::take(store, &sid, &user.id)
                    .await
                    .map_err(Failure::from)?;
                if let Some(n) = &ctx.logout {
                    n.notify(ended);
                }
            }
            Some(n)
        }
        None => None,
    };
    ctx.audit(
        "sessions_ended",
        Some(user),
        "success",
        json!({
            "reason": reason.as_str(),
            "sessions": sessions,
            "refresh_families": ended.refresh_families,
        }),
    )
    .await?;
    tracing::info!(user = %user.username, reason = reason.as_str(), "sessions and tokens ended");
    Ok(SignedOut {
        id: user.id.clone(),
        username: user.username.clone(),
        sessions,
        refresh_families: ended.refresh_families,
    })
}

/// `POST /users/{id}/sign-out`, `portcullis user sign-out`: only that.
pub async fn sign_out(ctx: &AdminCtx, id: &str) -> Result<SignedOut, AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    end_everything(ctx, &user, Reason::SignOut).await
}

/// Disables (or enables again) sign-in; disabling ends everything as well.
pub async fn set_active(ctx: &AdminCtx, id: &str, active: bool) -> Result<(), AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let kept = if active {
        super::admin_group::Kept::nothing()
    } else {
        let leaving = super::admin_group::Leaving::Users(&[&user.id]);
        super::admin_group::keep_an_admin(ctx, leaving).await?
    };
    if !revocation::set_active(&ctx.db, &user.id, active).await? {
        return Err(AdminError::NotFound);
    }
    kept.release().await;
    ctx.audit(
        if active {
            "user_enabled"
        } else {
            "user_disabled"
        },
        Some(&user),
        "success",
        serde_json::Value::Null,
    )
    .await?;
    if !active {
        // A set-password link mailed before would otherwise set a password
        // that works once the account is enabled again.
        password_tokens::revoke_for_user(&ctx.db, &user.id).await?;
        end_everything(ctx, &user, Reason::Disabled).await?;
    }
    Ok(())
}
