//! Tells an account's owner when a sign-in changed or spent one of their second
//! factors, and audits both the mail and its delivery.
//!
//! The change is stored before the mail goes out. A mail that cannot be
//! delivered is logged and audited (`mail_sent` / `failure`) and the request
//! carries on: failing it would not undo the change, would hide the recovery
//! codes that are shown only once, and would let a mail outage stop sign-ins.

use serde_json::json;

use crate::auth::factor_rules::FactorChange;
use crate::db::audit::{self, AuditEvent};
use crate::db::users::User;
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::mail;

/// Audits a factor event of a sign-in with `detail` (first factor or not …),
/// and moves the user directory's change mark: call it as soon as the factor
/// is stored.
pub(crate) async fn audit_factor(
    ctx: &LoginCtx<'_>,
    user: &User,
    event: &str,
    detail: serde_json::Value,
) -> Result<(), Failure> {
    // A factor or account change: every server's next look at this user must
    // read it again (the user directory's change mark). Moved first, so that a
    // failure to audit cannot leave servers with the user as they were.
    crate::directory::changed(ctx.store)
        .await
        .map_err(Failure::from)?;
    let mut e = audit::factor_event(Some(&user.id), &user.username, event, "success", None);
    e.detail = detail;
    ctx.audit.record(e).await?;
    Ok(())
}

/// Mails the owner about `change` and audits the delivery.
pub(crate) async fn notify_owner(
    ctx: &LoginCtx<'_>,
    user: &User,
    change: FactorChange,
) -> Result<(), Failure> {
    let letter = mail::factor_notice(&mail::Writer::to(ctx.settings, user), change, user, false);
    send_audited(ctx, user, letter, change.kind()).await
}

/// The audit detail `kind` of the mail sent when wrong codes lock a user's
/// second factor.
pub const SECOND_FACTOR_LOCKED: &str = "second_factor_locked";

/// Mails the owner that wrong codes after a right password have locked their
/// second factor: whoever typed them knows the password.
pub(crate) async fn notify_locked(ctx: &LoginCtx<'_>, user: &User) -> Result<(), Failure> {
    let letter = mail::second_factor_locked(&mail::Writer::to(ctx.settings, user), user);
    send_audited(ctx, user, letter, SECOND_FACTOR_LOCKED).await
}

async fn send_audited(
    ctx: &LoginCtx<'_>,
    user: &User,
    letter: mail::Mail,
    kind: &str,
) -> Result<(), Failure> {
    let sent = ctx.mailer.send_notice(letter).await;
    let error = sent.err().map(|e| e.to_string());
    if let Some(e) = &error {
        tracing::warn!(user = %user.username, kind, error = %e, "account notice not delivered");
    }
    ctx.audit
        .record(AuditEvent {
            actor: format!("user:{}", user.username),
            event: "mail_sent".into(),
            user_id: Some(user.id.clone()),
            username: Some(user.username.clone()),
            outcome: if error.is_none() {
                "success"
            } else {
                "failure"
            }
            .into(),
            detail: json!({ "kind": kind, "error": error }),
            ..AuditEvent::default()
        })
        .await?;
    Ok(())
}
