//! `portcullis user sign-out | disable | enable | reset-mfa | set-password`: the
//! admin actions that end a user's sessions, through the same code as the admin
//! API and console, audited with actor `cli`.

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::admin::ctx;
use crate::admin::{AdminCtx, AdminError, sign_out, users as admin_users};
use crate::config::Settings;
use crate::db::users::{self, User};

#[derive(Subcommand)]
pub enum UserManageCmd {
    /// End the user's browser sessions and revoke their refresh tokens (and the
    /// access tokens issued from them); nothing else changes.
    SignOut { username: String },
    /// Refuse sign-in from now on, ending the user's sessions and tokens.
    Disable { username: String },
    /// Allow sign-in again.
    Enable { username: String },
    /// Remove every second factor and recovery code, ending the user's sessions.
    ResetMfa { username: String },
    /// Set a new password (at least 8 characters), ending the user's sessions.
    SetPassword {
        username: String,
        #[arg(long)]
        password: String,
    },
}

fn failed(e: AdminError) -> anyhow::Error {
    match e {
        AdminError::NotFound => anyhow::anyhow!("unknown user"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// A username, or a user id.
async fn find(ctx: &AdminCtx, who: &str) -> anyhow::Result<User> {
    if let Some(u) = users::find_by_username(&ctx.db, who).await? {
        return Ok(u);
    }
    users::find_by_id(&ctx.db, who)
        .await?
        .with_context(|| format!("unknown user {who:?}"))
}

pub async fn run(
    settings: &Settings,
    conn: sea_orm::DatabaseConnection,
    cmd: UserManageCmd,
) -> anyhow::Result<()> {
    let ctx = ctx(settings, conn).await?;
    let out = match cmd {
        UserManageCmd::SignOut { username } => {
            let user = find(&ctx, &username).await?;
            json!(sign_out::sign_out(&ctx, &user.id).await.map_err(failed)?)
        }
        UserManageCmd::Disable { username } => {
            let user = find(&ctx, &username).await?;
            sign_out::set_active(&ctx, &user.id, false)
                .await
                .map_err(failed)?;
            json!({"id": user.id, "username": user.username, "active": false})
        }
        UserManageCmd::Enable { username } => {
            let user = find(&ctx, &username).await?;
            sign_out::set_active(&ctx, &user.id, true)
                .await
                .map_err(failed)?;
            json!({"id": user.id, "username": user.username, "active": true})
        }
        UserManageCmd::ResetMfa { username } => {
            let user = find(&ctx, &username).await?;
            json!(
                admin_users::reset_mfa(&ctx, &user.id)
                    .await
                    .map_err(failed)?
            )
        }
        UserManageCmd::SetPassword { username, password } => {
            let user = find(&ctx, &username).await?;
            admin_users::set_password(&ctx, &user.id, password)
                .await
                .map_err(failed)?;
            json!({"id": user.id, "username": user.username, "password_set": true})
        }
    };
    println!("{out}");
    Ok(())
}
