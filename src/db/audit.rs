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

/// The row for `e`; `at` zero means now. Built from a borrow: the group
/// writer keeps its events for the metrics, and the detail is only written
/// out as text, never copied.
pub(crate) fn active_model(e: &AuditEvent) -> audit_events::ActiveModel {
    audit_events::ActiveModel {
        id: Default::default(),
        at: Set(if e.at == 0 { now() } else { e.at }),
        actor: Set(e.actor.clone()),
        event: Set(e.event.clone()),
        user_id: Set(e.user_id.clone()),
        username: Set(e.username.clone()),
        client_id: Set(e.client_id.clone()),
        ip: Set(e.ip.clone()),
        requested_acr: Set(e.requested_acr.clone()),
        level: Set(e.level.clone()),
        rule: Set(e.rule.clone()),
        outcome: Set(e.outcome.clone()),
        detail: Set(e.detail.to_string()),
    }
}

/// Stores one row, inside the caller's transaction when `db` is one. Sign-in
/// paths go through [`super::audit_writer::AuditWriter`], which batches.
pub async fn record<C: sea_orm::ConnectionTrait>(db: &C, e: AuditEvent) -> Result<(), DbError> {
    // Nothing to read back: no `RETURNING` round trip.
    audit_events::Entity::insert(active_model(&e))
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

/// Rows deleted per statement. A first purge of a large table runs as many
/// short statements, between which sign-ins commit their own rows, instead of
/// one that holds SQLite's write lock for as long as it takes.
pub const PURGE_BATCH: u64 = 5_000;

/// Deletes the rows written before `before` (unix seconds), oldest first,
/// `batch` rows per statement; returns how many went.
pub async fn purge_before(
    db: &DatabaseConnection,
    before: i64,
    batch: u64,
) -> Result<u64, DbError> {
    use sea_orm::sea_query::{Order, Query};
    let batch = batch.max(1);
    let mut total = 0;
    loop {
        let oldest = Query::select()
            .column(audit_events::Column::Id)
            .from(audit_events::Entity)
            .and_where(audit_events::Column::At.lt(before))
            .order_by(audit_events::Column::Id, Order::Asc)
            .limit(batch)
            .to_owned();
        let gone = audit_events::Entity::delete_many()
            .filter(audit_events::Column::Id.in_subquery(oldest))
            .exec(db)
            .await?
            .rows_affected;
        total += gone;
        if gone < batch {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Housekeeping from the server loop: with `audit.retention_days` set, the rows
/// older than that go, and a `system` row says how many and up to when. A
/// failure is only logged; the next round tries again.
pub async fn purge_on_schedule(db: &DatabaseConnection, retention: Option<std::time::Duration>) {
    let Some(keep) = retention else { return };
    let before = now().saturating_sub(i64::try_from(keep.as_secs()).unwrap_or(i64::MAX));
    let gone = match purge_before(db, before, PURGE_BATCH).await {
        Ok(0) => return,
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "cannot delete audit rows past their retention");
            return;
        }
    };
    tracing::info!(rows = gone, "audit rows past their retention deleted");
    let event = AuditEvent {
        actor: "system".into(),
        event: "audit_purged".into(),
        outcome: "success".into(),
        detail: serde_json::json!({"rows": gone, "before": before}),
        ..AuditEvent::default()
    };
    if let Err(e) = record(db, event).await {
        tracing::warn!(error = %e, "cannot audit the deletion of old audit rows");
    }
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
