//! Single-use, expiring set-password links: onboarding (`set_password`) and
//! "forgot password" (`reset_password`). The link carries a
//! 256-bit random token; only its digest is stored, and spending it is one
//! conditional update, so two concurrent uses cannot both succeed.

use entity::password_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::{DbError, now};
use crate::secrets;

/// What a link is for.
pub const ONBOARDING: &str = "set_password";
pub const RESET: &str = "reset_password";

/// A usable link: whose it is and what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub user_id: String,
    pub purpose: String,
}

/// Issues an onboarding link token for the user; returns the token (to mail,
/// never stored).
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    ttl_secs: i64,
) -> Result<String, DbError> {
    issue_for(db, user_id, ttl_secs, ONBOARDING).await
}

/// Issues a link token for `purpose` ([`ONBOARDING`] or [`RESET`]).
pub async fn issue_for<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    ttl_secs: i64,
    purpose: &str,
) -> Result<String, DbError> {
    let token = secrets::random_token(32);
    let t = now();
    password_tokens::ActiveModel {
        token_hash: Set(secrets::digest(&token)),
        user_id: Set(user_id.to_owned()),
        purpose: Set(purpose.to_owned()),
        created_at: Set(t),
        expires_at: Set(t + ttl_secs),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn looks_valid(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The link a still-usable token is, without spending it.
pub async fn peek(db: &DatabaseConnection, token: &str) -> Result<Option<Link>, DbError> {
    if !looks_valid(token) {
        return Ok(None);
    }
    Ok(password_tokens::Entity::find_by_id(secrets::digest(token))
        .filter(password_tokens::Column::UsedAt.is_null())
        .filter(password_tokens::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?
        .map(|m| Link {
            user_id: m.user_id,
            purpose: m.purpose,
        }))
}

/// Spends the token: Some(user id) exactly once, and only before it expires.
pub async fn spend(db: &DatabaseConnection, token: &str) -> Result<Option<String>, DbError> {
    let Some(Link { user_id, .. }) = peek(db, token).await? else {
        return Ok(None);
    };
    let t = now();
    let res = password_tokens::Entity::update_many()
        .col_expr(password_tokens::Column::UsedAt, Expr::value(t))
        .filter(password_tokens::Column::TokenHash.eq(secrets::digest(token)))
        .filter(password_tokens::Column::UsedAt.is_null())
        .filter(password_tokens::Column::ExpiresAt.gt(t))
        .exec(db)
        .await?;
    Ok((res.rows_affected == 1).then_some(user_id))
}

/// Drops every link of a user (password set by other means, or user deleted).
pub async fn revoke_for_user<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<(), DbError> {
    password_tokens::Entity::delete_many()
        .filter(password_tokens::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
