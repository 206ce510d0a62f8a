//! The audit log: policy decisions, factor successes and failures, admin actions.

use entity::audit_events;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::{DbError, now};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    /// Who acted: `user:<name>`, `admin:<token name>`, `cli`, `system`.
    pub actor: String,
    pub event: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub client_id: Option<String>,
    pub ip: Option<String>,
    pub requested_acr: Option<String>,
    pub level: Option<String>,
    pub rule: Option<String>,
    pub outcome: String,
    pub detail: serde_json::Value,
}

impl From<audit_events::Model> for AuditEvent {
    fn from(m: audit_events::Model) -> Self {
        Self {
            id: m.id,
            at: m.at,
            actor: m.actor,
            event: m.event,
            user_id: m.user_id,
            username: m.username,
            client_id: m.client_id,
            ip: m.ip,
            requested_acr: m.requested_acr,
            level: m.level,
            rule: m.rule,
            outcome: m.outcome,
            detail: serde_json::from_str(&m.detail).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The row for `e`; `at` zero means now.
pub(crate) fn active_model(e: AuditEvent) -> audit_events::ActiveModel {
    audit_events::ActiveModel {
        id: Default::default(),
        at: Set(if e.at == 0 { now() } else { e.at }),
        actor: Set(e.actor),
        event: Set(e.event),
        user_id: Set(e.user_id),
        username: Set(e.username),
        client_id: Set(e.client_id),
        ip: Set(e.ip),
        requested_acr: Set(e.requested_acr),
        level: Set(e.level),
        rule: Set(e.rule),
        outcome: Set(e.outcome),
        detail: Set(e.detail.to_string()),
    }
}

/// Stores one row, inside the caller's transaction when `db` is one. Sign-in
/// paths go through [`super::audit_writer::AuditWriter`], which batches.
pub async fn record<C: sea_orm::ConnectionTrait>(db: &C, e: AuditEvent) -> Result<(), DbError> {
    // Nothing to read back: no `RETURNING` round trip.
    audit_events::Entity::insert(active_model(e))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Newest first; `user` matches the user id or username.
pub async fn list(
    db: &DatabaseConnection,
    user: Option<&str>,
    since: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEvent>, DbError> {
    let mut q = audit_events::Entity::find();
    if let Some(u) = user {
        let name = super::users::normalize(u);
        q = q.filter(
            sea_orm::Condition::any()
                .add(audit_events::Column::UserId.eq(u))
                .add(audit_events::Column::Username.eq(name)),
        );
    }
    if let Some(t) = since {
        q = q.filter(audit_events::Column::At.gte(t));
    }
    Ok(q.order_by_desc(audit_events::Column::At)
        .order_by_desc(audit_events::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// A factor check by a user: `event` is `password`, `totp`, `recovery_code` or
/// `totp_enrollment`; `outcome` is `success`, `failure` or `locked`.
pub fn factor_event(
    user_id: Option<&str>,
    username: &str,
    event: &str,
    outcome: &str,
    ip: Option<std::net::IpAddr>,
) -> AuditEvent {
    AuditEvent {
        actor: format!("user:{username}"),
        event: event.into(),
        user_id: user_id.map(str::to_owned),
        username: Some(username.to_owned()),
        ip: ip.map(|i| i.to_string()),
        outcome: outcome.into(),
        detail: serde_json::Value::Null,
        ..AuditEvent::default()
    }
}
