//! User administration, shared by the admin API, the CLI and the CSV import:
//! every change goes through here, so every change is audited with its actor.

pub mod admin_group;
pub mod applications;
pub mod background;
pub mod console;
pub mod csv_import;
pub mod groups;
pub mod import_run;
pub mod import_status;
pub mod import_validate;
pub mod sign_out;
pub mod users;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::sealing::SecretBox;
use crate::config::Settings;
use crate::db::DbError;
use crate::db::audit::{self, AuditEvent};
use crate::db::users::User;
use crate::error::Failure;
use crate::mail::Mailer;
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The change would leave `admin.group` without an active member.
    #[error("{0}")]
    LastAdmin(String),
    #[error(transparent)]
    Failure(#[from] Failure),
}

impl From<DbError> for AdminError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Invalid(m) => AdminError::Invalid(m),
            DbError::NotFound => AdminError::NotFound,
            DbError::Conflict(m) => AdminError::Conflict(m),
            other => AdminError::Failure(other.into()),
        }
    }
}

/// Who acts and with what: built per request by the HTTP layer, or by the CLI.
#[derive(Clone)]
pub struct AdminCtx {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub mailer: Mailer,
    pub sealer: SecretBox,
    /// `admin:<token name>`, `cli`, or `console:<username>` for the console.
    pub actor: String,
    /// The server's ephemeral store, when this process can reach it (not for the
    /// CLI beside an embedded store): ending sessions also removes them there.
    pub store: Option<Store>,
    /// Background import batches, which a shutdown waits for.
    pub background: background::Background,
    /// Tells relying parties (back-channel logout) when sessions end; None for
    /// the CLI, which exits before a delivery could finish.
    pub logout: Option<crate::oidc::backchannel::Notifier>,
}

impl AdminCtx {
    /// This context acting for the admin API token `presented`, as
    /// `admin:<token name>`; None when the token is unknown or revoked.
    pub async fn for_token(self, presented: &str) -> Result<Option<AdminCtx>, DbError> {
        Ok(crate::db::admin_tokens::authenticate(&self.db, presented)
            .await?
            .map(|token| AdminCtx {
                actor: format!("admin:{}", token.name),
                ..self
            }))
    }

    /// Audits a mail of `kind` to `user`: delivered, or the error it met.
    pub async fn audit_mail(
        &self,
        user: &User,
        kind: &str,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let outcome = if error.is_none() {
            "success"
        } else {
            "failure"
        };
        self.record(
            "mail_sent",
            Some(user),
            outcome,
            serde_json::json!({"kind": kind, "error": error}),
        )
        .await
    }

    /// Writes one audit event for an admin action on `user` (or on nothing in
    /// particular). Every change an administrator makes is audited once it is
    /// committed, so this is also where it is announced to the user directory
    /// of every server sharing the store: a disabled user, a reset factor or a
    /// new group counts at the next request ([`crate::directory`]), the CLI's
    /// beside an embedded store too.
    pub async fn audit(
        &self,
        event: &str,
        user: Option<&User>,
        outcome: &str,
        detail: serde_json::Value,
    ) -> Result<(), DbError> {
        self.record(event, user, outcome, detail).await?;
        self.directory_changed().await
    }

    /// Moves the user directory's change mark: in the store, or, for the CLI
    /// beside an embedded store, in the mark file the server looks at.
    pub async fn directory_changed(&self) -> Result<(), DbError> {
        match &self.store {
            Some(store) => crate::directory::changed(store)
                .await
                .map_err(|e| DbError::Unavailable(e.to_string())),
            None => crate::directory::changed_file(&self.settings.keys_dir)
                .map_err(|e| DbError::Other(format!("the user directory's mark file: {e}"))),
        }
    }

    async fn record(
        &self,
        event: &str,
        user: Option<&User>,
        outcome: &str,
        detail: serde_json::Value,
    ) -> Result<(), DbError> {
        audit::record(
            &self.db,
            AuditEvent {
                actor: self.actor.clone(),
                event: event.into(),
                user_id: user.map(|u| u.id.clone()),
                username: user.map(|u| u.username.clone()),
                outcome: outcome.into(),
                detail,
                ..AuditEvent::default()
            },
        )
        .await
    }
}
