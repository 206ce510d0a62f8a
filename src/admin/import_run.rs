//! Running a CSV import: validate and store it (`import_validate`), then run it
//! batch by batch (safe mode: the admin starts each batch; auto mode: a
//! background task runs them all). Each batch is one transaction with a savepoint per row, so a bad
//! row rolls back alone and never stops or corrupts the others; existing users
//! (same username or email) are reported as `exists`, never duplicated.

use serde_json::json;

use super::admin_group;
use super::users::notify_new_user;
use super::{AdminCtx, AdminError};
use crate::auth::password;
use crate::db::imports::{self, Claim, ImportRow};
use crate::db::user_admin;
use crate::db::users::{self, NewUser};
use crate::error::Failure;

/// Largest CSV file accepted: 10,000 rows are about 1 MB; this leaves room for
/// wide exports.
pub const MAX_FILE: usize = 20 * 1024 * 1024;
pub const DEFAULT_BATCH: u64 = 100;
pub const MAX_BATCH: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Safe,
    Auto,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Self, AdminError> {
        match s {
            "safe" => Ok(Mode::Safe),
            "auto" => Ok(Mode::Auto),
            other => Err(AdminError::Invalid(format!(
                "mode {other:?}: expected safe or auto"
            ))),
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Safe => "safe",
            Mode::Auto => "auto",
        }
    }
}

pub use super::import_validate::{
    ImportOptions, Validated, validate_and_store, validate_and_store_with,
};

/// A created user that still needs its mail once the batch is committed.
struct Created {
    row: u64,
    user: users::User,
    with_password: bool,
    /// Put into `admin.group`, as allowed at validation.
    grants: bool,
}

/// Runs batch `n` (from 1) and returns its rows with their results.
pub async fn run_batch(ctx: &AdminCtx, id: &str, n: u64) -> Result<Vec<ImportRow>, AdminError> {
    let import = imports::get(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if n == 0 || n > import.batches {
        return Err(AdminError::NotFound);
    }
    match imports::claim_batch(&ctx.db, id, n).await? {
        Claim::Claimed => {}
        Claim::NotFound => return Err(AdminError::NotFound),
        Claim::Done => return Err(AdminError::Conflict(format!("batch {n} has already run"))),
        Claim::Running => return Err(AdminError::Conflict(format!("batch {n} is running"))),
        Claim::Cancelled => {
            return Err(AdminError::Conflict(format!(
                "batch {n} will not run: the import was cancelled"
            )));
        }
    }
    let pending: Vec<ImportRow> = imports::rows(&ctx.db, id, Some(n))
        .await?
        .into_iter()
        .filter(|r| r.status == "pending")
        .collect();
    // Hash outside the transaction: argon2 is slow on purpose. A password that
    // cannot be opened (keys.dir changed since validation) fails its row only.
    let mut hashes = Vec::with_capacity(pending.len());
    for r in &pending {
        hashes.push(match &r.password_sealed {
            Some(sealed) => match ctx
                .sealer
                .open(sealed)
                .ok()
                .and_then(|p| String::from_utf8(p).ok())
            {
                Some(pw) => tokio::task::spawn_blocking(move || password::hash(&pw))
                    .await
                    .map_err(|e| Failure::Internal(e.to_string()))?
                    .map(Some)
                    .map_err(|e| e.to_string()),
                None => {
                    Err("the password from the file cannot be read back (keys.dir changed?)".into())
                }
            },
            None => Ok(None),
        });
    }
    let mut created = Vec::new();
    let txn = crate::db::begin_write(&ctx.db)
        .await
        .map_err(crate::db::DbError::from)?;
    for (r, hash) in pending.iter().zip(hashes) {
        let hash = match hash {
            Ok(h) => h,
            Err(m) => {
                imports::set_result(&txn, id, r.row, "failed", &m, None).await?;
                continue;
            }
        };
        let with_password = hash.is_some();
        let grants = match admin_group::import_row_runs(ctx, &r.groups, &r.message) {
            Ok(g) => g,
            Err(m) => {
                imports::set_result(&txn, id, r.row, "failed", &m, None).await?;
                continue;
            }
        };
        let (status, message, user_id) = if user_admin::exists(&txn, &r.username, &r.email).await? {
            (
                "exists",
                "a user with this username or email exists".to_owned(),
                None,
            )
        } else {
            let sp = crate::db::begin_write(&txn)
                .await
                .map_err(crate::db::DbError::from)?;
            let res = users::create(
                &sp,
                NewUser {
                    username: r.username.clone(),
                    email: r.email.clone(),
                    first_name: r.first_name.clone(),
                    last_name: r.last_name.clone(),
                    display_name: r.display_name.clone(),
                    password_hash: hash,
                    groups: ctx
                        .settings
                        .groups
                        .with_domain_groups(&r.email, r.groups.clone()),
                    locale: None,
                },
            )
            .await;
            match res {
                Ok(u) => {
                    sp.commit().await.map_err(crate::db::DbError::from)?;
                    let id = u.id.clone();
                    created.push(Created {
                        row: r.row,
                        user: u,
                        with_password,
                        grants,
                    });
                    ("created", String::new(), Some(id))
                }
                Err(e) => {
                    sp.rollback().await.map_err(crate::db::DbError::from)?;
                    match AdminError::from(e) {
                        AdminError::Conflict(_) => (
                            "exists",
                            "a user with this username or email exists".to_owned(),
                            None,
                        ),
                        AdminError::Failure(f) => return Err(AdminError::Failure(f)),
                        other => ("failed", other.to_string(), None),
                    }
                }
            }
        };
        imports::set_result(&txn, id, r.row, status, &message, user_id.as_deref()).await?;
    }
    // Audited in the batch's transaction: the record and the users land together.
    for c in &created {
        crate::db::audit::record(
            &txn,
            crate::db::audit::AuditEvent {
                actor: ctx.actor.clone(),
                event: "user_created".into(),
                user_id: Some(c.user.id.clone()),
                username: Some(c.user.username.clone()),
                outcome: "success".into(),
                detail: json!({"import": id, "row": c.row, "password_set": c.with_password}),
                ..Default::default()
            },
        )
        .await?;
        if c.grants {
            let e = admin_group::event(
                ctx,
                &c.user,
                json!({"via": "import", "import": id, "row": c.row}),
            );
            crate::db::audit::record(&txn, e).await?;
        }
    }
    txn.commit().await.map_err(crate::db::DbError::from)?;
    for c in &created {
        if import.notify {
            let m = notify_new_user(ctx, &c.user, c.with_password).await?;
            if !m.sent {
                let msg = format!("created; {} mail not delivered", m.kind);
                imports::set_result(&ctx.db, id, c.row, "created", &msg, Some(&c.user.id)).await?;
            }
        }
    }
    imports::finish_batch(&ctx.db, id, n).await?;
    ctx.audit(
        "import_batch",
        None,
        "success",
        json!({"import": id, "batch": n, "created": created.len(), "rows": pending.len()}),
    )
    .await?;
    Ok(imports::rows(&ctx.db, id, Some(n)).await?)
}

/// Runs every batch that has not run yet, in order; `progress` is told after each.
pub async fn run_all(
    ctx: &AdminCtx,
    id: &str,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), AdminError> {
    let import = imports::get(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    for (n, state) in imports::batch_states(&ctx.db, id).await? {
        // A `running` batch is claimed again only once its runner is stale.
        if state != "done" {
            // Shutdown begun: stop here, between two batches (see `background`).
            let Some(_running) = ctx.background.batch().await else {
                return Ok(());
            };
            // Cancelled meanwhile: nothing more runs, nor counts as progress.
            if imports::is_cancelled(&ctx.db, id).await? {
                return Ok(());
            }
            // Whoever started it may no longer act (a revoked token): the
            // batches still to come are theirs, so they do not run.
            if !actor_still_allowed(ctx, import.created_at).await? {
                cancel_with(ctx, id, "its author may no longer administer").await?;
                return Ok(());
            }
            match run_batch(ctx, id, n).await {
                Ok(_) | Err(AdminError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        progress(n, import.batches);
    }
    Ok(())
}

/// Whether the actor an import made at `since` (unix seconds) runs as may
/// still act: an admin API token of that name, made by then and not revoked
/// (a new token under a revoked one's name is not its author); a console user
/// still an active administrator; the CLI (whoever runs it holds the
/// database) always. Anyone else never.
pub async fn actor_still_allowed(ctx: &AdminCtx, since: i64) -> Result<bool, AdminError> {
    if ctx.actor == "cli" {
        return Ok(true);
    }
    if let Some(name) = ctx.actor.strip_prefix("admin:") {
        return Ok(crate::db::admin_tokens::active_since(&ctx.db, name, since).await?);
    }
    let Some(name) = ctx.actor.strip_prefix("console:") else {
        return Ok(false);
    };
    let Some(user) = users::find_by_username(&ctx.db, name).await? else {
        return Ok(false);
    };
    Ok(user.active && users::in_group(&ctx.db, &user.id, &ctx.settings.admin.group).await?)
}

/// What a cancel answers (admin API and console alike).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cancelled {
    pub id: String,
    pub cancelled_batches: u64,
    /// The import's status after it (`cancelled`, or `running` while a batch
    /// that had begun finishes).
    pub status: &'static str,
}

/// Cancels the batches of import `id` that have not begun (a running one
/// finishes), audited as an administrator's. A finished import is a conflict.
pub async fn cancel(ctx: &AdminCtx, id: &str) -> Result<Cancelled, AdminError> {
    imports::get(&ctx.db, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let cancelled = cancel_with(ctx, id, "cancelled by an administrator").await?;
    if cancelled == 0 {
        return Err(AdminError::Conflict(
            "no batch of this import is waiting to run".into(),
        ));
    }
    Ok(Cancelled {
        id: id.to_owned(),
        cancelled_batches: cancelled,
        status: super::import_status::status(ctx, id).await?.status,
    })
}

async fn cancel_with(ctx: &AdminCtx, id: &str, reason: &str) -> Result<u64, AdminError> {
    let cancelled = imports::cancel(&ctx.db, id).await?;
    if cancelled > 0 {
        tracing::warn!(import = %id, cancelled, reason, "import cancelled");
        ctx.audit(
            "import_cancelled",
            None,
            "success",
            json!({"import": id, "batches": cancelled, "reason": reason}),
        )
        .await?;
    }
    Ok(cancelled)
}

/// Starts the background run of an auto-mode import. A batch whose runner died
/// is picked up again once its claim is stale, so the task retries each minute
/// until every batch ran.
pub fn spawn_auto(ctx: AdminCtx, id: String) {
    let background = ctx.background.clone();
    background.spawn(async move {
        // A passing failure (a busy database) is retried soon; a lasting one
        // backs off to once a minute.
        let mut backoff = std::time::Duration::from_secs(1);
        loop {
            if let Err(e) = run_all(&ctx, &id, |_, _| {}).await {
                tracing::error!(import = %id, error = %e, "automatic import interrupted; retrying");
            }
            if ctx.background.stopping() {
                tracing::info!(import = %id, "automatic import paused for shutdown; resumes at next start");
                return;
            }
            match imports::batch_states(&ctx.db, &id).await {
                Ok(states)
                    if states.iter().all(|(_, s)| s == "done")
                        || states.iter().any(|(_, s)| s == imports::CANCELLED) =>
                {
                    // Finished, or cancelled: a batch still running finishes
                    // on its own, and nothing else will run.
                    return;
                }
                Ok(_) | Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(60));
                }
            }
        }
    });
}

/// Auto-mode imports cut short by a restart carry on, as their original actor.
pub fn resume_unfinished(ctx: AdminCtx) {
    tokio::spawn(async move {
        let mut found = imports::unfinished_auto(&ctx.db).await;
        for attempt in 1..=5 {
            if found.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(attempt)).await;
            found = imports::unfinished_auto(&ctx.db).await;
        }
        match found {
            Ok(list) => {
                for (id, actor) in list {
                    tracing::info!(import = %id, "resuming automatic import");
                    spawn_auto(
                        AdminCtx {
                            actor,
                            ..ctx.clone()
                        },
                        id,
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot look for unfinished imports"),
        }
    });
}
