//! `portcullis admin token …`, `portcullis group …` and `portcullis user import`:
//! the same admin actions as the API, audited with actor `cli`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use crate::admin::admin_group::AdminGrant;
use crate::admin::import_run::{self, ImportOptions, Mode};
use crate::admin::{AdminCtx, AdminError, groups as admin_groups, sign_out, users as admin_users};
use crate::auth::factor_rules::FactorChange;
use crate::auth::sealing::SecretBox;
use crate::auth::totp;
use crate::config::Settings;
use crate::db::{admin_tokens, factors, groups, users};
use crate::mail::Mailer;
use crate::store::Store;

#[derive(Subcommand)]
pub enum AdminCmd {
    /// Admin API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create a token; prints {"token": …} once (only its digest is stored).
    Create {
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by name or id.
    Revoke { token: String },
}

#[derive(Subcommand)]
pub enum GroupCmd {
    /// List groups with member counts.
    List,
    Create {
        name: String,
    },
    Rename {
        group: String,
        new_name: String,
    },
    Delete {
        group: String,
    },
    /// Add a user (username) to a group.
    Add {
        group: String,
        username: String,
    },
    /// Remove a user (username) from a group.
    Remove {
        group: String,
        username: String,
    },
}

fn anyhow_of(e: AdminError) -> anyhow::Error {
    match e {
        AdminError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn ctx(
    settings: &Settings,
    conn: sea_orm::DatabaseConnection,
) -> anyhow::Result<AdminCtx> {
    // The server's Redis, when it has one; an embedded store lives inside the
    // server process, out of reach (the session epoch in the database suffices).
    let store = match &settings.redis_url {
        Some(url) => Some(
            Store::redis(url.expose(), crate::store::DEFAULT_PREFIX)
                .await
                .context("redis.url")?,
        ),
        None => None,
    };
    Ok(AdminCtx {
        db: conn,
        settings: Arc::new(settings.clone()),
        mailer: Mailer::from_settings(&settings.mail).context("mail")?,
        sealer: SecretBox::load_or_create(&settings.keys_dir).context("keys.dir")?,
        actor: "cli".into(),
        store,
        background: Default::default(),
        logout: None,
    })
}

pub async fn admin(conn: &sea_orm::DatabaseConnection, cmd: AdminCmd) -> anyhow::Result<()> {
    match cmd {
        AdminCmd::Token(TokenCmd::Create { name }) => {
            let (t, secret) = admin_tokens::create(conn, &name).await?;
            token_audit(conn, "admin_token_created", &t.id, &t.name).await?;
            println!("{}", json!({"token": secret, "id": t.id, "name": t.name}));
        }
        AdminCmd::Token(TokenCmd::List) => {
            println!("{}", json!({"items": admin_tokens::list(conn).await?}));
        }
        AdminCmd::Token(TokenCmd::Revoke { token }) => {
            let t = admin_tokens::revoke(conn, &token)
                .await
                .map_err(|_| anyhow::anyhow!("no active admin token {token:?}"))?;
            token_audit(conn, "admin_token_revoked", &t.id, &t.name).await?;
            println!("{}", json!({"revoked": t}));
        }
    }
    Ok(())
}

/// Who could act as an administrator, and since when: every token made or
/// revoked is audited, naming the token (never its secret).
async fn token_audit(
    conn: &sea_orm::DatabaseConnection,
    event: &str,
    id: &str,
    name: &str,
) -> anyhow::Result<()> {
    crate::db::audit::record(
        conn,
        crate::db::audit::AuditEvent {
            actor: "cli".into(),
            event: event.into(),
            outcome: "success".into(),
            detail: json!({"token_id": id, "token_name": name}),
            ..Default::default()
        },
    )
    .await
    .context("audit")
}

/// `user totp-set`: provisions a TOTP seed (e.g. when migrating). An operator
/// may do that without the user's proof, but never silently: it is audited and
/// the owner is mailed. Over an app the user had (a lost or compromised phone),
/// the old app's recovery codes are removed and every session and token of the
/// user ends, as when the user replaces the app on the account page.
pub async fn totp_set(
    ctx: &AdminCtx,
    username: &str,
    secret: &str,
) -> anyhow::Result<serde_json::Value> {
    let user = users::find_by_username(&ctx.db, username)
        .await?
        .with_context(|| format!("unknown user {username:?}"))?;
    let bytes = totp::from_base32(secret)?;
    let had = factors::totp(&ctx.db, &ctx.sealer, &user.id).await?;
    // The same seed set again (a migration script run twice) changes nothing:
    // not the codes, not the sessions, nor the last step used.
    if had
        .as_ref()
        .is_some_and(|t| crate::secrets::ct_eq_bytes(&t.secret, &bytes))
    {
        return Ok(json!({
            "id": user.id, "username": user.username, "totp": true, "unchanged": true,
            "replaced": false, "signed_out": false,
        }));
    }
    let replaced = had.is_some();
    factors::set_totp(&ctx.db, &ctx.sealer, &user.id, &bytes, 0).await?;
    let codes_removed = if replaced {
        factors::remove_recovery_codes(&ctx.db, &user.id).await?
    } else {
        0
    };
    ctx.audit(
        "totp_set",
        Some(&user),
        "success",
        json!({"replaced": replaced, "recovery_codes_removed": codes_removed}),
    )
    .await?;
    if replaced {
        sign_out::end_everything(ctx, &user, sign_out::Reason::TotpReplaced)
            .await
            .map_err(anyhow_of)?;
    }
    let notified = admin_users::notify_factor_change(ctx, &user, FactorChange::TotpAdded)
        .await
        .map_err(anyhow_of)?;
    Ok(json!({
        "id": user.id, "username": user.username, "totp": true, "notified": notified,
        "replaced": replaced, "signed_out": replaced,
    }))
}

async fn user_id(ctx: &AdminCtx, username: &str) -> anyhow::Result<String> {
    Ok(users::find_by_username(&ctx.db, username)
        .await?
        .with_context(|| format!("unknown user {username:?}"))?
        .id)
}

async fn group_id(ctx: &AdminCtx, group: &str) -> anyhow::Result<String> {
    Ok(groups::find(&ctx.db, group)
        .await
        .map_err(|_| anyhow::anyhow!("unknown group {group:?}"))?
        .id)
}

/// `group add G USER` and `group rename G N` name their group on the command
/// line: that is the explicit grant of `admin.group` (still audited as one).
const EXPLICIT: AdminGrant = AdminGrant::Allowed;

pub async fn group(ctx: &AdminCtx, cmd: GroupCmd) -> anyhow::Result<()> {
    let out = match cmd {
        GroupCmd::List => json!({"items": groups::list(&ctx.db).await?}),
        GroupCmd::Create { name } => {
            json!(admin_groups::create(ctx, &name).await.map_err(anyhow_of)?)
        }
        GroupCmd::Rename { group, new_name } => {
            let id = group_id(ctx, &group).await?;
            json!(
                admin_groups::rename(ctx, &id, &new_name, EXPLICIT)
                    .await
                    .map_err(anyhow_of)?
            )
        }
        GroupCmd::Delete { group } => {
            let id = group_id(ctx, &group).await?;
            json!({"deleted": admin_groups::delete(ctx, &id).await.map_err(anyhow_of)?})
        }
        GroupCmd::Add { group, username } => {
            let (g, u) = (group_id(ctx, &group).await?, user_id(ctx, &username).await?);
            json!(
                admin_groups::add_member(ctx, &g, &u, EXPLICIT)
                    .await
                    .map_err(anyhow_of)?
            )
        }
        GroupCmd::Remove { group, username } => {
            let (g, u) = (group_id(ctx, &group).await?, user_id(ctx, &username).await?);
            admin_groups::remove_member(ctx, &g, &u)
                .await
                .map_err(|e| match e {
                    AdminError::NotFound => anyhow::anyhow!("{username:?} is not in {group:?}"),
                    other => anyhow_of(other),
                })?;
            json!(groups::find(&ctx.db, &g).await?)
        }
    };
    println!("{out}");
    Ok(())
}

/// Validates, then runs every batch with a progress bar on stderr; prints a JSON summary.
/// `admin_grant`: `--allow-admin-group`, rows may put users into `admin.group`.
pub async fn import(
    ctx: &AdminCtx,
    file: PathBuf,
    batch_size: u64,
    notify: bool,
    admin_grant: AdminGrant,
) -> anyhow::Result<()> {
    let data = tokio::fs::read(&file)
        .await
        .with_context(|| format!("--csv {}", file.display()))?;
    let opts = ImportOptions {
        mode: Mode::Safe,
        batch_size,
        notify,
        admin_grant,
    };
    let v = import_run::validate_and_store_with(ctx, &data, opts)
        .await
        .map_err(anyhow_of)?;
    let tty = std::io::stderr().is_terminal();
    eprintln!(
        "{} rows, {} batches of {}, {} with problems",
        v.total_rows,
        v.batches,
        v.batch_size,
        v.problems.len()
    );
    for p in &v.problems {
        eprintln!("row {}: {}", p.row, p.message);
    }
    import_run::run_all(ctx, &v.id, |n, of| {
        let width: u64 = 30;
        let filled = (n * width).checked_div(of).unwrap_or(width).min(width);
        let bar = format!(
            "[{}{}] batch {n}/{of}",
            "#".repeat(filled as usize),
            ".".repeat((width - filled) as usize)
        );
        let mut err = std::io::stderr();
        if tty {
            let _ = write!(err, "\r{bar}");
            if n == of {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{bar}");
        }
    })
    .await
    .map_err(anyhow_of)?;
    let s = crate::admin::import_status::status(ctx, &v.id)
        .await
        .map_err(anyhow_of)?;
    println!(
        "{}",
        json!({
            "id": v.id,
            "status": s.status,
            "total_rows": v.total_rows,
            "batches": v.batches,
            "counts": s.counts,
            "problems": v.problems,
        })
    );
    Ok(())
}
