//! What users allowed self-registered clients (OpenID Connect Core §3.1.2.4):
//! one row per (user, client), with every scope allowed so far. An operator's
//! clients never need one.

use entity::consents;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::DbError;

/// What a user allowed one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub granted_at_ms: i64,
}

impl From<consents::Model> for Consent {
    fn from(m: consents::Model) -> Self {
        Consent {
            client_id: m.client_id,
            scopes: m
                .scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            granted_at_ms: m.granted_at_ms,
        }
    }
}

/// Whether the user allowed `client_id` every one of `scopes`, at or after
/// `not_before_ms` (a request with `prompt=consent` asks again).
pub async fn covers(
    db: &DatabaseConnection,
    user_id: &str,
    client_id: &str,
    scopes: &[String],
    not_before_ms: i64,
) -> Result<bool, DbError> {
    let row = consents::Entity::find_by_id((user_id.to_owned(), client_id.to_owned()))
        .one(db)
        .await?;
    Ok(row.map(Consent::from).is_some_and(|c| {
        c.granted_at_ms >= not_before_ms && scopes.iter().all(|s| c.scopes.contains(s))
    }))
}

/// Records that the user allowed `client_id` `scopes` now, besides what was
/// allowed before. Two grants at once both end allowed; a scope one of them
/// added may need asking for again, never the other way round.
pub async fn grant(
    db: &DatabaseConnection,
    user_id: &str,
    client_id: &str,
    scopes: &[String],
    now_ms: i64,
) -> Result<(), DbError> {
    let id = (user_id.to_owned(), client_id.to_owned());
    for _ in 0..2 {
        let before = consents::Entity::find_by_id(id.clone()).one(db).await?;
        let mut all: Vec<String> = before
            .clone()
            .map(|m| Consent::from(m).scopes)
            .unwrap_or_default();
        for s in scopes {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        let row = consents::ActiveModel {
            user_id: Set(id.0.clone()),
            client_id: Set(id.1.clone()),
            scopes: Set(all.join(" ")),
            granted_at_ms: Set(now_ms),
        };
        let written = match before {
            Some(_) => row.update(db).await.map(|_| ()).map_err(DbError::from),
            None => row.insert(db).await.map(|_| ()).map_err(DbError::from),
        };
        match written {
            // The other grant inserted first: add to its row.
            Err(DbError::Conflict(_)) => continue,
            other => return other,
        }
    }
    Err(DbError::Conflict(
        "the consent changed while it was saved".into(),
    ))
}

/// Every client the user allowed, newest first.
pub async fn of_user(db: &DatabaseConnection, user_id: &str) -> Result<Vec<Consent>, DbError> {
    Ok(consents::Entity::find()
        .filter(consents::Column::UserId.eq(user_id))
        .order_by_desc(consents::Column::GrantedAtMs)
        .all(db)
        .await?
        .into_iter()
        .map(Consent::from)
        .collect())
}

/// Takes back what the user allowed `client_id`; false when there was nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    user_id: &str,
    client_id: &str,
) -> Result<bool, DbError> {
    let res = consents::Entity::delete_by_id((user_id.to_owned(), client_id.to_owned()))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
