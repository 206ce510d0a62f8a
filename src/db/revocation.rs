//! Ending a user's access: the session epoch that outdates every session, code
//! and token made before, the refresh-token families revoked with it, and the
//! account status (disable, enable).

use entity::users;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{DbError, now, refresh_tokens};

/// What [`end_everything`] revoked in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The user's epoch from now on.
    pub epoch: i64,
    /// Refresh-token families that were still usable.
    pub refresh_families: u64,
    /// Digests of access tokens issued with the family's tokens since `since`,
    /// for the caller to delete from the store.
    pub access_tokens: Vec<String>,
}

/// Moves the user to a new session epoch and revokes every refresh token of the
/// user, in one transaction. Access tokens issued before `access_since` have
/// expired and are not listed.
pub async fn end_everything(
    db: &DatabaseConnection,
    user_id: &str,
    access_since: i64,
) -> Result<Ended, DbError> {
    let txn = super::begin_write(db).await?;
    let res = users::Entity::update_many()
        .col_expr(
            users::Column::SessionEpoch,
            Expr::col(users::Column::SessionEpoch).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound);
    }
    let epoch = users::Entity::find_by_id(user_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(DbError::NotFound)?
        .session_epoch;
    let (refresh_families, access_tokens) =
        refresh_tokens::revoke_user(&txn, user_id, now(), access_since).await?;
    txn.commit().await?;
    Ok(Ended {
        epoch,
        refresh_families,
        access_tokens,
    })
}

/// Enables or disables sign-in; false when the user does not exist.
pub async fn set_active(
    db: &DatabaseConnection,
    user_id: &str,
    active: bool,
) -> Result<bool, DbError> {
    let res = users::Entity::update_many()
        .col_expr(
            users::Column::Status,
            Expr::value(if active { "active" } else { "disabled" }),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
