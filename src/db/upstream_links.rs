//! Who a user is at an upstream identity provider: (upstream, `sub`) → user.

use entity::upstream_links;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::users::{self, NewUser, User};
use super::{DbError, now};

/// The user linked to `subject` at `upstream`.
pub async fn find(
    db: &DatabaseConnection,
    upstream: &str,
    subject: &str,
) -> Result<Option<User>, DbError> {
    let Some(link) = upstream_links::Entity::find_by_id((upstream.to_owned(), subject.to_owned()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    users::find_by_id(db, &link.user_id).await
}

/// The upstreams a user is linked to, as (upstream, subject).
pub async fn of_user<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(upstream_links::Entity::find()
        .filter(upstream_links::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.upstream, l.subject))
        .collect())
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    upstream: &str,
    subject: &str,
    user_id: &str,
) -> Result<(), DbError> {
    upstream_links::ActiveModel {
        upstream: Set(upstream.to_owned()),
        subject: Set(subject.to_owned()),
        user_id: Set(user_id.to_owned()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Links an existing user. A link of this subject made meanwhile is a
/// [`DbError::Conflict`].
pub async fn link(
    db: &DatabaseConnection,
    upstream: &str,
    subject: &str,
    user_id: &str,
) -> Result<(), DbError> {
    insert(db, upstream, subject, user_id).await
}

/// Creates the user and its link in one transaction: two first logins of one
/// subject at once make one user, the other gets a [`DbError::Conflict`].
pub async fn create_linked(
    db: &DatabaseConnection,
    upstream: &str,
    subject: &str,
    new: NewUser,
) -> Result<User, DbError> {
    let txn = super::begin_write(db).await?;
    let user = users::create(&txn, new).await?;
    insert(&txn, upstream, subject, &user.id).await?;
    txn.commit().await?;
    Ok(user)
}
