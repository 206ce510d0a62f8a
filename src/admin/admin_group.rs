//! Membership of `admin.group` opens the admin console: whoever holds an admin
//! API token or runs an import could otherwise mint administrators with a
//! `groups` field or a CSV cell. A call that would put someone into that group
//! is refused unless it says so explicitly (`allow_admin_group=true`,
//! `--allow-admin-group`), and every grant made that way is audited.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{AdminCtx, AdminError};
use crate::db::DbError;
use crate::db::audit::{self, AuditEvent};
use crate::db::users::User;
use crate::error::Failure;
use crate::store::Store;

/// Whether the caller explicitly allowed this call to make administrators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AdminGrant {
    #[default]
    Refused,
    Allowed,
}

impl AdminGrant {
    pub fn from_flag(allowed: bool) -> Self {
        if allowed {
            Self::Allowed
        } else {
            Self::Refused
        }
    }
}

/// The audit event of an explicit grant.
pub const GRANTED: &str = "admin_group_granted";

/// The active members of `admin.group` (user ids); none when the group does
/// not exist.
async fn active_admins(ctx: &AdminCtx) -> Result<Vec<String>, AdminError> {
    let group = match crate::db::groups::find(&ctx.db, &ctx.settings.admin.group).await {
        Ok(g) => g,
        Err(DbError::NotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut active = Vec::new();
    for (user_id, _) in crate::db::groups::members(&ctx.db, &group.id).await? {
        if crate::db::users::find_by_id(&ctx.db, &user_id)
            .await?
            .is_some_and(|u| u.active)
        {
            active.push(user_id);
        }
    }
    Ok(active)
}

/// Who stops being an active administrator by a change.
#[derive(Debug, Clone, Copy)]
pub enum Leaving<'a> {
    /// These users (disabled, deleted, taken out of the group).
    Users(&'a [&'a str]),
    /// Every member: the group itself is deleted or renamed away.
    Everyone,
}

/// The store key under which one change that may take administrators away
/// runs at a time, on every instance sharing the store: two administrators
/// disabling each other at the same moment would otherwise both see the other
/// still active, and both succeed.
const LOCK_KEY: &str = "lock:admin-group";
/// Far longer than such a change takes (a few statements); a holder that died
/// keeps the lock no longer than this.
const LOCK_TTL: Duration = Duration::from_secs(15);
/// How long a change waits for another one to finish before it answers 503.
const LOCK_WAIT: Duration = Duration::from_secs(5);
const LOCK_POLL: Duration = Duration::from_millis(20);

/// The right to make one change that [`keep_an_admin`] allowed: held from the
/// check until [`Kept::release`] after the change is committed, so no other
/// such change is checked against what this one is about to undo. Dropped
/// without a release (an error, a client gone), it is released in the
/// background.
#[must_use = "hold it until the change is made, then release it"]
pub struct Kept {
    held: Option<(Store, String)>,
}

impl Kept {
    /// For a change that takes no administrator away: nothing to hold.
    pub fn nothing() -> Self {
        Self { held: None }
    }

    pub async fn release(mut self) {
        if let Some((store, token)) = self.held.take() {
            unlock(&store, &token).await;
        }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some((store, token)) = self.held.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move { unlock(&store, &token).await });
        }
    }
}

async fn lock(store: &Store) -> Result<String, AdminError> {
    let token = crate::secrets::random_token(16);
    let started = Instant::now();
    loop {
        if store
            .put_new_json(LOCK_KEY, &token, LOCK_TTL)
            .await
            .map_err(Failure::from)?
        {
            return Ok(token);
        }
        if started.elapsed() >= LOCK_WAIT {
            return Err(Failure::Unavailable(
                "another change to the administrators is still being made: try again".into(),
            )
            .into());
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// Removes the lock if it is still this holder's (it may have expired and
/// been taken by another), in one step.
async fn unlock(store: &Store, token: &str) {
    if let Err(e) = store.delete_if_json(LOCK_KEY, &token).await {
        tracing::warn!(error = %e, "the administrators' lock was not released; it expires by itself");
    }
}

/// Refuses (409) a change after which `admin.group` would have no active
/// member while it has one now: nobody could open the admin console. The
/// answer holds until the returned [`Kept`] is released, which the caller
/// does once the change is made: such changes are checked and made one at a
/// time. The command line may make it: it is how an operator recovers, and
/// needs no console.
pub async fn keep_an_admin(ctx: &AdminCtx, leaving: Leaving<'_>) -> Result<Kept, AdminError> {
    if ctx.actor == "cli" {
        return Ok(Kept::nothing());
    }
    let kept = match &ctx.store {
        Some(store) => Kept {
            held: Some((store.clone(), lock(store).await?)),
        },
        None => Kept::nothing(),
    };
    let now = active_admins(ctx).await?;
    let left = match leaving {
        Leaving::Everyone => 0,
        Leaving::Users(ids) => now.iter().filter(|id| !ids.contains(&id.as_str())).count(),
    };
    if !now.is_empty() && left == 0 {
        kept.release().await;
        return Err(AdminError::LastAdmin(format!(
            "this would leave group {:?} (admin.group) without an active member, so nobody \
             could open the admin console: make someone else an administrator first",
            ctx.settings.admin.group
        )));
    }
    Ok(kept)
}

/// Whether `group` names the admin group, compared as memberships are stored
/// (trimmed, case-sensitive).
pub fn is_admin_group(ctx: &AdminCtx, group: &str) -> bool {
    group.trim() == ctx.settings.admin.group
}

pub fn names_admin_group(ctx: &AdminCtx, groups: &[String]) -> bool {
    groups.iter().any(|g| is_admin_group(ctx, g))
}

/// The 400 for a call that would grant the admin group without saying so.
pub fn refusal(ctx: &AdminCtx) -> AdminError {
    AdminError::Invalid(refusal_message(ctx))
}

pub fn refusal_message(ctx: &AdminCtx) -> String {
    format!(
        "group {:?} is the administrators' group (admin.group): granting it needs \
         allow_admin_group=true (--allow-admin-group on the command line)",
        ctx.settings.admin.group
    )
}

/// Refuses unless allowed; Ok(true) when the call does grant the group.
pub fn check(ctx: &AdminCtx, grants: bool, grant: AdminGrant) -> Result<bool, AdminError> {
    match (grants, grant) {
        (true, AdminGrant::Refused) => Err(refusal(ctx)),
        (grants, _) => Ok(grants),
    }
}

/// The audit record of `user` put into the admin group by this actor.
pub fn event(ctx: &AdminCtx, user: &User, detail: serde_json::Value) -> AuditEvent {
    let mut detail = detail;
    if let Some(d) = detail.as_object_mut() {
        d.insert("group".into(), json!(ctx.settings.admin.group));
    }
    AuditEvent {
        actor: ctx.actor.clone(),
        event: GRANTED.into(),
        user_id: Some(user.id.clone()),
        username: Some(user.username.clone()),
        outcome: "success".into(),
        detail,
        ..AuditEvent::default()
    }
}

/// Records that `user` was put into the admin group, and how (`via`).
pub async fn audit(ctx: &AdminCtx, user: &User, via: &str) -> Result<(), DbError> {
    audit::record(&ctx.db, event(ctx, user, json!({ "via": via }))).await
}

/// What a pending import row that may join the admin group carries as its
/// message from validation on. Validation is where the caller's flag is seen;
/// a batch runs later (in the background, or after a restart), so the row keeps
/// the decision, and a row naming the admin group without it never runs: not
/// even when `admin.group` was changed between validation and the run.
pub const IMPORT_NOTE: &str = "joins the administrators' group (allowed explicitly)";

/// At validation: Ok(the row's message) or Err(the row's problem).
pub fn import_row(
    ctx: &AdminCtx,
    groups: &[String],
    grant: AdminGrant,
) -> Result<&'static str, String> {
    match (names_admin_group(ctx, groups), grant) {
        (false, _) => Ok(""),
        (true, AdminGrant::Allowed) => Ok(IMPORT_NOTE),
        (true, AdminGrant::Refused) => Err(refusal_message(ctx)),
    }
}

/// At run time: Ok(whether the row grants the admin group) or Err(why it fails).
pub fn import_row_runs(ctx: &AdminCtx, groups: &[String], message: &str) -> Result<bool, String> {
    match (names_admin_group(ctx, groups), message == IMPORT_NOTE) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(refusal_message(ctx)),
    }
}
