//! Groups as administrators manage them: create, rename, delete, members.
//! (Memberships made while creating a user go through `users::add_to_group`.)

use entity::{groups, user_groups, users};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::{DbError, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub members: u64,
}

/// A group name as stored: trimmed, 1 to 128 bytes, no `;` (it separates
/// groups in an import), no control character and no Unicode noncharacter (a
/// SAML assertion could not carry it).
pub(crate) fn validate_name(name: &str) -> Result<String, DbError> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 128
        || name.contains(';')
        || name.contains(|c: char| c.is_control() || super::users::is_noncharacter(c))
    {
        return Err(DbError::Invalid(format!(
            "invalid group name {name:?}: 1 to 128 bytes, no ';'"
        )));
    }
    Ok(name.to_owned())
}

fn conflict(e: sea_orm::DbErr) -> DbError {
    match DbError::from(e) {
        DbError::Conflict(_) => DbError::Conflict("a group with that name exists".into()),
        other => other,
    }
}

async fn with_count(db: &DatabaseConnection, m: groups::Model) -> Result<Group, DbError> {
    let members = user_groups::Entity::find()
        .filter(user_groups::Column::GroupId.eq(m.id.clone()))
        .count(db)
        .await?;
    Ok(Group {
        id: m.id,
        name: m.name,
        created_at: m.created_at,
        members,
    })
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<Group>, DbError> {
    let counts: Vec<(String, i64)> = user_groups::Entity::find()
        .select_only()
        .column(user_groups::Column::GroupId)
        .column_as(user_groups::Column::UserId.count(), "n")
        .group_by(user_groups::Column::GroupId)
        .into_tuple()
        .all(db)
        .await?;
    let counts: std::collections::HashMap<String, i64> = counts.into_iter().collect();
    Ok(groups::Entity::find()
        .order_by_asc(groups::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Group {
            members: counts.get(&m.id).copied().unwrap_or(0).max(0) as u64,
            id: m.id,
            name: m.name,
            created_at: m.created_at,
        })
        .collect())
}

/// By id, or else by name.
pub async fn find(db: &DatabaseConnection, id_or_name: &str) -> Result<Group, DbError> {
    let m = groups::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(groups::Column::Id.eq(id_or_name))
                .add(groups::Column::Name.eq(id_or_name.trim())),
        )
        .one(db)
        .await?
        .ok_or(DbError::NotFound)?;
    with_count(db, m).await
}

pub async fn create(db: &DatabaseConnection, name: &str) -> Result<Group, DbError> {
    let name = validate_name(name)?;
    let m = groups::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        name: Set(name),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .map_err(conflict)?;
    with_count(db, m).await
}

pub async fn rename(db: &DatabaseConnection, id: &str, name: &str) -> Result<Group, DbError> {
    let name = validate_name(name)?;
    let res = groups::Entity::update_many()
        .col_expr(groups::Column::Name, Expr::value(name))
        .filter(groups::Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(conflict)?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound);
    }
    find(db, id).await
}

pub async fn delete(db: &DatabaseConnection, id: &str) -> Result<Group, DbError> {
    let g = find(db, id).await?;
    let txn = super::begin_write(db).await?;
    user_groups::Entity::delete_many()
        .filter(user_groups::Column::GroupId.eq(g.id.clone()))
        .exec(&txn)
        .await?;
    groups::Entity::delete_by_id(g.id.clone())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(g)
}

/// Usernames of the members, sorted.
pub async fn members(db: &DatabaseConnection, id: &str) -> Result<Vec<(String, String)>, DbError> {
    let rows = user_groups::Entity::find()
        .filter(user_groups::Column::GroupId.eq(id))
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .filter_map(|(_, u)| u.map(|u| (u.id, u.username)))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

pub async fn add_member(db: &DatabaseConnection, id: &str, user_id: &str) -> Result<(), DbError> {
    if users::Entity::find_by_id(user_id.to_owned())
        .count(db)
        .await?
        == 0
    {
        return Err(DbError::NotFound);
    }
    let exists = user_groups::Entity::find_by_id((user_id.to_owned(), id.to_owned()))
        .count(db)
        .await?
        > 0;
    if !exists {
        user_groups::ActiveModel {
            user_id: Set(user_id.to_owned()),
            group_id: Set(id.to_owned()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// True when the user was a member.
pub async fn remove_member(
    db: &DatabaseConnection,
    id: &str,
    user_id: &str,
) -> Result<bool, DbError> {
    let res = user_groups::Entity::delete_many()
        .filter(user_groups::Column::GroupId.eq(id))
        .filter(user_groups::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
