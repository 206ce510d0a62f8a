//! WebAuthn credentials (security keys, passkeys) of a user.

use entity::webauthn_credentials as creds;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use webauthn_rs::prelude::Passkey;

use super::{DbError, now};
use crate::secrets;

#[derive(Debug, Clone)]
pub struct StoredCredential {
    pub id: String,
    pub name: String,
    pub passkey: Passkey,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// The credential as stored, which an update must still find (`record_use`).
    stored: String,
}

/// What an administrator or the user may see of a credential.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialInfo {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn decode(m: creds::Model) -> Result<StoredCredential, DbError> {
    let passkey: Passkey = serde_json::from_str(&m.passkey)
        .map_err(|e| DbError::Other(format!("stored credential {}: {e}", m.id)))?;
    Ok(StoredCredential {
        id: m.id,
        name: m.name,
        passkey,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        stored: m.passkey,
    })
}

pub async fn has_any(db: &DatabaseConnection, user_id: &str) -> Result<bool, DbError> {
    Ok(creds::Entity::find()
        .filter(creds::Column::UserId.eq(user_id))
        .count(db)
        .await?
        > 0)
}

pub async fn list(
    db: &DatabaseConnection,
    user_id: &str,
) -> Result<Vec<StoredCredential>, DbError> {
    creds::Entity::find()
        .filter(creds::Column::UserId.eq(user_id))
        .order_by_asc(creds::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

pub async fn infos(db: &DatabaseConnection, user_id: &str) -> Result<Vec<CredentialInfo>, DbError> {
    Ok(list(db, user_id)
        .await?
        .into_iter()
        .map(|c| CredentialInfo {
            id: c.id,
            name: c.name,
            created_at: c.created_at,
            last_used_at: c.last_used_at,
        })
        .collect())
}

pub async fn add(
    db: &DatabaseConnection,
    user_id: &str,
    name: &str,
    passkey: &Passkey,
) -> Result<String, DbError> {
    let id = secrets::b64url(passkey.cred_id().as_ref());
    creds::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id.to_owned()),
        name: Set(name.to_owned()),
        passkey: Set(serde_json::to_string(passkey).map_err(|e| DbError::Other(e.to_string()))?),
        created_at: Set(now()),
        last_used_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| match DbError::from(e) {
        DbError::Conflict(_) => DbError::Conflict("this security key is already registered".into()),
        other => other,
    })?;
    Ok(id)
}

/// The signature counter kept with a credential (WebAuthn §6.1.1); 0 for an
/// authenticator that keeps none.
pub fn signature_counter(passkey: &Passkey) -> Result<u32, DbError> {
    let value = serde_json::to_value(passkey).map_err(|e| DbError::Other(e.to_string()))?;
    value["cred"]["counter"]
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| DbError::Other("stored credential without a signature counter".into()))
}

/// Stores `after` (the credential after a successful assertion: its new
/// counter) and the use time, only if the credential is still as `before` was
/// read: of two assertions checked against the same stored counter, one is
/// stored and the other gets false, so the counter never moves backwards.
pub async fn record_use(
    db: &DatabaseConnection,
    before: &StoredCredential,
    after: &Passkey,
) -> Result<bool, DbError> {
    let json = serde_json::to_string(after).map_err(|e| DbError::Other(e.to_string()))?;
    let done = creds::Entity::update_many()
        .col_expr(
            creds::Column::Passkey,
            sea_orm::sea_query::Expr::value(json),
        )
        .col_expr(
            creds::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(creds::Column::Id.eq(before.id.as_str()))
        .filter(creds::Column::Passkey.eq(before.stored.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn remove_all(db: &DatabaseConnection, user_id: &str) -> Result<(), DbError> {
    creds::Entity::delete_many()
        .filter(creds::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
