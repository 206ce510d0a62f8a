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
}

/// Moves the user to a new session epoch and revokes every refresh token of the
/// user, in one transaction. The user's access tokens carry the epoch they were
/// issued in, so they end with it: one write, however many there are.
pub async fn end_everything(db: &DatabaseConnection, user_id: &str) -> Result<Ended, DbError> {
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
    let refresh_families = refresh_tokens::revoke_user(&txn, user_id, now()).await?;
    txn.commit().await?;
    Ok(Ended {
        epoch,
        refresh_families,
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
