//! Admin API tokens. A token reads `pcat_<id>.<secret>`: the id finds the row, the
//! secret is checked against its stored SHA-256 digest in constant time. Tokens
//! are 256-bit random values, so a fast digest is enough at rest.

use entity::admin_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::{DbError, now};
use crate::secrets;

const PREFIX: &str = "pcat_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminToken {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<admin_tokens::Model> for AdminToken {
    fn from(m: admin_tokens::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
    }
}

fn validate_name(name: &str) -> Result<(), DbError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "invalid token name {name:?}: letters, digits and . _ - @ only, at most 64"
        )))
    }
}

/// Whether an active (not revoked) token has this name and was made at or
/// before `since` (unix seconds): a token made later under a revoked one's
/// name is another token, and does not carry on what the revoked one began.
pub async fn active_since(
    db: &DatabaseConnection,
    name: &str,
    since: i64,
) -> Result<bool, DbError> {
    Ok(admin_tokens::Entity::find()
        .filter(admin_tokens::Column::Name.eq(name))
        .filter(admin_tokens::Column::RevokedAt.is_null())
        .filter(admin_tokens::Column::CreatedAt.lte(since))
        .one(db)
        .await?
        .is_some())
}

/// Creates a token; the secret is returned once and never stored.
pub async fn create(db: &DatabaseConnection, name: &str) -> Result<(AdminToken, String), DbError> {
    let name = name.trim();
    validate_name(name)?;
    let active = admin_tokens::Entity::find()
        .filter(admin_tokens::Column::Name.eq(name))
        .filter(admin_tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if active.is_some() {
        return Err(DbError::Conflict(format!(
            "an active admin token named {name:?} exists"
        )));
    }
    let id = secrets::digest(&secrets::random_token(16))[..16].to_owned();
    let secret = secrets::random_token(32);
    let model = admin_tokens::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_owned()),
        token_hash: Set(secrets::digest(&secret)),
        created_at: Set(now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model.into(), format!("{PREFIX}{id}.{secret}")))
}

/// The active token a bearer value stands for, if any.
pub async fn authenticate(
    db: &DatabaseConnection,
    presented: &str,
) -> Result<Option<AdminToken>, DbError> {
    let Some((id, secret)) = presented
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('.'))
    else {
        return Ok(None);
    };
    if id.len() != 16 || secret.is_empty() || secret.len() > 128 {
        return Ok(None);
    }
    let Some(row) = admin_tokens::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let matches = secrets::digest_matches(secret, &row.token_hash);
    Ok((matches && row.revoked_at.is_none()).then(|| row.into()))
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<AdminToken>, DbError> {
    Ok(admin_tokens::Entity::find()
        .order_by_asc(admin_tokens::Column::CreatedAt)
        .order_by_asc(admin_tokens::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(AdminToken::from)
        .collect())
}

/// Revokes the active token with this id or name; the row stays for the record.
pub async fn revoke(db: &DatabaseConnection, id_or_name: &str) -> Result<AdminToken, DbError> {
    let row = admin_tokens::Entity::find()
        .filter(admin_tokens::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(admin_tokens::Column::Id.eq(id_or_name))
                .add(admin_tokens::Column::Name.eq(id_or_name)),
        )
        .one(db)
        .await?
        .ok_or(DbError::NotFound)?;
    let t = now();
    admin_tokens::Entity::update_many()
        .col_expr(admin_tokens::Column::RevokedAt, Expr::value(t))
        .filter(admin_tokens::Column::Id.eq(row.id.clone()))
        .exec(db)
        .await?;
    let mut token: AdminToken = row.into();
    token.revoked_at = Some(t);
    Ok(token)
}
