//! Admin actions on users: create (with welcome or onboarding mail), change,
//! passwords, reset MFA, the 2FA switch, delete, and the same in bulk.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::admin_group::{self, AdminGrant, Leaving};
use super::sign_out::{self, Reason};
use super::{AdminCtx, AdminError};
use crate::auth::factor_rules::FactorChange;
use crate::auth::password;
use crate::db::user_admin::{self, AdminUser, Patch};
use crate::db::users::{self, NewUser, User};
use crate::db::{DbError, factors, password_tokens};
use crate::error::Failure;
use crate::mail;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateUser {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub display_name: String,
    pub password: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// The language of the user's mails: `en`, `de` or `fr`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Whether `groups` may name `admin.group` (never from a request body).
    #[serde(skip)]
    pub admin_grant: AdminGrant,
}

/// Which mail went out after a creation, and whether it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailOutcome {
    pub kind: &'static str,
    pub sent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn hash_password(pw: String) -> Result<String, AdminError> {
    password::validate_new(&pw).map_err(|e| AdminError::Invalid(e.to_string()))?;
    password::hash_gated(pw).await.map_err(|e| {
        AdminError::Failure(match e {
            password::HashError::Busy => Failure::Unavailable(e.to_string()),
            password::HashError::Failed => Failure::Internal(e.to_string()),
        })
    })
}

pub async fn create(
    ctx: &AdminCtx,
    input: CreateUser,
) -> Result<(AdminUser, MailOutcome), AdminError> {
    if input.username.trim().is_empty() || input.email.trim().is_empty() {
        return Err(AdminError::Invalid(
            "username and email are required".into(),
        ));
    }
    let grants = admin_group::check(
        ctx,
        admin_group::names_admin_group(ctx, &input.groups),
        input.admin_grant,
    )?;
    let locale = input
        .locale
        .as_deref()
        .map(crate::i18n::Lang::parse_exact)
        .transpose()
        .map_err(AdminError::Invalid)?;
    let password = input.password.filter(|p| !p.is_empty());
    let with_password = password.is_some();
    let password_hash = match password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let groups = ctx
        .settings
        .groups
        .with_domain_groups(&input.email, input.groups);
    let user = users::create(
        &ctx.db,
        NewUser {
            username: input.username,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            display_name: input.display_name,
            password_hash,
            groups,
            locale,
        },
    )
    .await?;
    audit_created(ctx, &user, with_password, grants).await?;
    let outcome = notify_new_user(ctx, &user, with_password).await?;
    Ok((user_admin::get(&ctx.db, &user.id).await?, outcome))
}

/// The audit of a new user: its creation, and the admin group's grant when
/// it joined that group.
pub async fn audit_created(
    ctx: &AdminCtx,
    user: &User,
    password_set: bool,
    joined_admin_group: bool,
) -> Result<(), DbError> {
    ctx.audit(
        "user_created",
        Some(user),
        "success",
        json!({"email": user.email, "password_set": password_set}),
    )
    .await?;
    if joined_admin_group {
        admin_group::audit(ctx, user, "user_created").await?;
    }
    Ok(())
}

/// Welcome mail when a password was set, else the onboarding mail with a
/// set-password link. A failed delivery leaves the user in place and is audited.
pub async fn notify_new_user(
    ctx: &AdminCtx,
    user: &User,
    with_password: bool,
) -> Result<MailOutcome, AdminError> {
    let w = mail::Writer::to(&ctx.settings, user);
    let (kind, message) = if with_password {
        (
            "welcome",
            mail::welcome(&w, user, ctx.settings.issuer_str()),
        )
    } else {
        let ttl = ctx.settings.mail.link_ttl.as_secs() as i64;
        let token = password_tokens::issue(&ctx.db, &user.id, ttl).await?;
        let link = ctx.settings.endpoint(&format!("/set-password/{token}"));
        ("onboarding", mail::onboarding(&w, user, &link, ttl))
    };
    let result = ctx.mailer.send(message).await;
    let error = result.err().map(|e| e.to_string());
    if let Some(e) = &error {
        tracing::warn!(user = %user.username, error = %e, "user mail not delivered");
    }
    ctx.audit_mail(user, kind, error.as_deref()).await?;
    Ok(MailOutcome {
        kind,
        sent: error.is_none(),
        error,
    })
}

/// Changes the fields given; `groups` may newly name `admin.group` only with
/// `admin_grant` allowed.
pub async fn update(
    ctx: &AdminCtx,
    id: &str,
    mut patch: Patch,
    admin_grant: AdminGrant,
) -> Result<AdminUser, AdminError> {
    // Checked before anything is written: a wrong language changes nothing.
    patch.locale = patch
        .locale
        .as_deref()
        .map(crate::i18n::Lang::parse_exact)
        .transpose()
        .map_err(AdminError::Invalid)?
        .map(|l| l.tag().to_owned());
    let before = user_admin::get(&ctx.db, id).await?;
    // A name sent as it is stored is no change (the console sends every
    // field): it is neither checked again, so a name stored under older rules
    // never blocks an unrelated edit, nor listed as changed.
    for (field, stored) in [
        (&mut patch.first_name, &before.user.first_name),
        (&mut patch.last_name, &before.user.last_name),
        (&mut patch.display_name, &before.user.display_name),
    ] {
        if field
            .as_deref()
            .is_some_and(|v| v.trim() == stored.as_str())
        {
            *field = None;
        }
    }
    let kept = match &patch.groups {
        Some(gs)
            if admin_group::names_admin_group(ctx, &before.groups)
                && !admin_group::names_admin_group(ctx, gs) =>
        {
            admin_group::keep_an_admin(ctx, Leaving::Users(&[id])).await?
        }
        _ => admin_group::Kept::nothing(),
    };
    let grants = match &patch.groups {
        Some(gs) if admin_group::names_admin_group(ctx, gs) => {
            !admin_group::names_admin_group(ctx, &before.groups)
        }
        _ => false,
    };
    let grants = admin_group::check(ctx, grants, admin_grant)?;
    user_admin::update(&ctx.db, id, &patch).await?;
    kept.release().await;
    let after = user_admin::get(&ctx.db, id).await?;
    // A set-password link went to the old address: whoever reads that mailbox
    // (a typo, the reason for the change) must not set the password now.
    if after.user.email != before.user.email {
        password_tokens::revoke_for_user(&ctx.db, id).await?;
    }
    let mut changed: Vec<&str> = Vec::new();
    for (name, v) in [
        ("username", &patch.username),
        ("email", &patch.email),
        ("first_name", &patch.first_name),
        ("last_name", &patch.last_name),
        ("display_name", &patch.display_name),
        ("locale", &patch.locale),
    ] {
        if v.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            changed.push(name);
        }
    }
    if patch.groups.is_some() {
        changed.push("groups");
    }
    if patch.two_factor.is_some() {
        changed.push("two_factor");
    }
    ctx.audit(
        "user_updated",
        Some(&after.user),
        "success",
        update_detail(&changed, &before, &after),
    )
    .await?;
    if grants {
        admin_group::audit(ctx, &after.user, "user_updated").await?;
    }
    Ok(after)
}

/// What an update changed, for the audit log: the fields named, and the old
/// and new username and email and the groups gained and lost, where they
/// changed (who could sign in as whom, and who became or stopped being an
/// administrator, is then readable from the log alone).
fn update_detail(changed: &[&str], before: &AdminUser, after: &AdminUser) -> serde_json::Value {
    let mut detail = json!({ "fields": changed });
    for (name, old, new) in [
        ("username", &before.user.username, &after.user.username),
        ("email", &before.user.email, &after.user.email),
    ] {
        if old != new {
            detail[name] = json!({"from": old, "to": new});
        }
    }
    let gained: Vec<&String> = after
        .groups
        .iter()
        .filter(|g| !before.groups.contains(g))
        .collect();
    let lost: Vec<&String> = before
        .groups
        .iter()
        .filter(|g| !after.groups.contains(g))
        .collect();
    if !gained.is_empty() || !lost.is_empty() {
        detail["groups"] = json!({"added": gained, "removed": lost});
    }
    detail
}

/// Deletes the user, after ending everything they are signed in with (the
/// relying parties told by back-channel logout), as a disable does.
pub async fn delete(ctx: &AdminCtx, id: &str) -> Result<(), AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let kept = admin_group::keep_an_admin(ctx, Leaving::Users(&[&user.id])).await?;
    sign_out::end_everything(ctx, &user, Reason::Deleted).await?;
    let user = user_admin::delete(&ctx.db, id).await?;
    kept.release().await;
    ctx.audit(
        "user_deleted",
        Some(&user),
        "success",
        serde_json::Value::Null,
    )
    .await?;
    Ok(())
}

pub async fn set_password(ctx: &AdminCtx, id: &str, pw: String) -> Result<(), AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let hash = hash_password(pw).await?;
    users::set_password_hash(&ctx.db, &user.id, hash).await?;
    // An outstanding onboarding link must not override what the admin just set.
    password_tokens::revoke_for_user(&ctx.db, &user.id).await?;
    ctx.audit(
        "password_set",
        Some(&user),
        "success",
        serde_json::Value::Null,
    )
    .await?;
    // Whoever signed in with the old password is signed out.
    sign_out::end_everything(ctx, &user, Reason::PasswordSet).await?;
    Ok(())
}

/// Removes every factor and recovery code; the user enrolls again at next login.
pub async fn reset_mfa(ctx: &AdminCtx, id: &str) -> Result<AdminUser, AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let had = user_admin::get(&ctx.db, id).await?.factors;
    factors::remove_all(&ctx.db, &user.id).await?;
    ctx.audit("mfa_reset", Some(&user), "success", json!({"removed": had}))
        .await?;
    // Sessions that proved a removed factor must not outlive it.
    sign_out::end_everything(ctx, &user, Reason::MfaReset).await?;
    if !had.is_empty() {
        notify_factor_change(ctx, &user, FactorChange::AllRemoved).await?;
    }
    Ok(user_admin::get(&ctx.db, id).await?)
}

/// Mails the owner about a change an administrator made to their factors
/// and audits the delivery. The change stays whatever the mail
/// does: a failed delivery is logged and audited, and the answer says `false`.
pub async fn notify_factor_change(
    ctx: &AdminCtx,
    user: &User,
    change: FactorChange,
) -> Result<bool, AdminError> {
    let sent = ctx
        .mailer
        .send_notice(mail::factor_notice(
            &mail::Writer::to(&ctx.settings, user),
            change,
            user,
            true,
        ))
        .await;
    let error = sent.err().map(|e| e.to_string());
    if let Some(e) = &error {
        tracing::warn!(user = %user.username, kind = change.kind(), error = %e, "factor notice not delivered");
    }
    ctx.audit_mail(user, change.kind(), error.as_deref())
        .await?;
    Ok(error.is_none())
}

pub async fn set_two_factor(ctx: &AdminCtx, id: &str, on: bool) -> Result<AdminUser, AdminError> {
    let user = users::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    users::set_two_factor(&ctx.db, &user.id, on).await?;
    ctx.audit(
        "two_factor_switch",
        Some(&user),
        if on { "on" } else { "off" },
        serde_json::Value::Null,
    )
    .await?;
    Ok(user_admin::get(&ctx.db, id).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    #[serde(rename = "enable_2fa")]
    Enable2fa,
    #[serde(rename = "disable_2fa")]
    Disable2fa,
    ResetMfa,
    Delete,
    /// End the user's sessions and tokens.
    SignOut,
    Disable,
    Enable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkResult {
    pub id: String,
    /// `ok`, `not_found` or `error`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

pub const BULK_MAX: usize = 1000;

/// Runs `action` on each id on its own: one failure never stops the others.
pub async fn bulk(
    ctx: &AdminCtx,
    action: BulkAction,
    ids: &[String],
) -> Result<Vec<BulkResult>, AdminError> {
    if ids.is_empty() || ids.len() > BULK_MAX {
        return Err(AdminError::Invalid(format!(
            "ids: between 1 and {BULK_MAX} user ids"
        )));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = match action {
            BulkAction::Enable2fa => set_two_factor(ctx, id, true).await.map(|_| ()),
            BulkAction::Disable2fa => set_two_factor(ctx, id, false).await.map(|_| ()),
            BulkAction::ResetMfa => reset_mfa(ctx, id).await.map(|_| ()),
            BulkAction::Delete => delete(ctx, id).await,
            BulkAction::SignOut => sign_out::sign_out(ctx, id).await.map(|_| ()),
            BulkAction::Disable => sign_out::set_active(ctx, id, false).await,
            BulkAction::Enable => sign_out::set_active(ctx, id, true).await,
        };
        out.push(match r {
            Ok(()) => BulkResult {
                id: id.clone(),
                status: "ok",
                message: None,
            },
            Err(AdminError::NotFound) => BulkResult {
                id: id.clone(),
                status: "not_found",
                message: None,
            },
            // The store or database going away is not a per-row result: stop and say so.
            Err(AdminError::Failure(f)) => return Err(AdminError::Failure(f)),
            Err(e) => BulkResult {
                id: id.clone(),
                status: "error",
                message: Some(e.to_string()),
            },
        });
    }
    Ok(out)
}
