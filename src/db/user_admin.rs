//! What administrators do with users: search and page through them with their
//! groups and factors inline, change fields, delete. Creation is in `users`.

use std::collections::HashMap;

use entity::{groups, recovery_codes, totp_factors, user_groups, users as user_rows};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use super::users::{self, User, normalize, validate_email, validate_username};
use super::{DbError, now};
use sea_orm::sea_query::LikeExpr;

/// A user as the admin API shows it: groups and enrolled factors inline, so a
/// table can show 2FA status without another request per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminUser {
    #[serde(flatten)]
    pub user: User,
    pub groups: Vec<String>,
    /// Enrolled factors: `totp`, `webauthn`, `recovery_codes`.
    pub factors: Vec<String>,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TwoFactorFilter {
    Enabled,
    Disabled,
    #[default]
    All,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub q: Option<String>,
    pub two_factor: TwoFactorFilter,
    /// From 1.
    pub page: u64,
    pub per_page: u64,
}

pub struct Page {
    pub items: Vec<AdminUser>,
    pub total: u64,
}

/// LIKE pattern for a substring search, with the wildcards in `q` taken literally.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn like(e: Expr, pat: &str) -> Expr {
    sea_orm::sea_query::ExprTrait::like(e, LikeExpr::new(pat).escape('\\'))
}

fn filter(query: &Query) -> Condition {
    let mut cond = Condition::all();
    match query.two_factor {
        TwoFactorFilter::Enabled => cond = cond.add(user_rows::Column::TwoFactor.eq(true)),
        TwoFactorFilter::Disabled => cond = cond.add(user_rows::Column::TwoFactor.eq(false)),
        TwoFactorFilter::All => {}
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        cond = cond.add(like(Expr::col(user_rows::Column::Search), &like_pattern(q)));
    }
    cond
}

pub async fn search(db: &DatabaseConnection, query: &Query) -> Result<Page, DbError> {
    let per_page = query.per_page.clamp(1, 500);
    let page = query.page.max(1);
    let cond = filter(query);
    let total = user_rows::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let rows = user_rows::Entity::find()
        .filter(cond)
        .order_by_asc(user_rows::Column::Username)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let items = decorate(db, rows.into_iter().map(User::from).collect()).await?;
    Ok(Page { items, total })
}

/// Adds groups and factors to users with four queries, whatever their number.
pub async fn decorate<C: ConnectionTrait>(
    db: &C,
    list: Vec<User>,
) -> Result<Vec<AdminUser>, DbError> {
    let ids: Vec<String> = list.iter().map(|u| u.id.clone()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut groups_by: HashMap<String, Vec<String>> = HashMap::new();
    for (m, g) in user_groups::Entity::find()
        .filter(user_groups::Column::UserId.is_in(ids.clone()))
        .find_also_related(groups::Entity)
        .all(db)
        .await?
    {
        if let Some(g) = g {
            groups_by.entry(m.user_id).or_default().push(g.name);
        }
    }
    let totp: std::collections::HashSet<String> = totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let keys: std::collections::HashSet<String> = entity::webauthn_credentials::Entity::find()
        .filter(entity::webauthn_credentials::Column::UserId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let codes: Vec<(String, i64)> = recovery_codes::Entity::find()
        .select_only()
        .column(recovery_codes::Column::UserId)
        .column_as(recovery_codes::Column::Id.count(), "n")
        .filter(recovery_codes::Column::UserId.is_in(ids))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .group_by(recovery_codes::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let codes: HashMap<String, i64> = codes.into_iter().collect();
    Ok(list
        .into_iter()
        .map(|user| {
            let mut groups = groups_by.remove(&user.id).unwrap_or_default();
            groups.sort();
            let left = codes.get(&user.id).copied().unwrap_or(0).max(0) as u64;
            let mut factors = Vec::new();
            if totp.contains(&user.id) {
                factors.push("totp".to_owned());
            }
            if keys.contains(&user.id) {
                factors.push("webauthn".to_owned());
            }
            if left > 0 {
                factors.push("recovery_codes".to_owned());
            }
            AdminUser {
                user,
                groups,
                factors,
                recovery_codes_left: left,
            }
        })
        .collect())
}

pub async fn get(db: &DatabaseConnection, id: &str) -> Result<AdminUser, DbError> {
    let user = users::find_by_id(db, id).await?.ok_or(DbError::NotFound)?;
    decorate(db, vec![user])
        .await?
        .pop()
        .ok_or(DbError::NotFound)
}

/// A change of some fields; `None` (or an empty string) leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    /// Replaces the memberships when given.
    pub groups: Option<Vec<String>>,
    pub two_factor: Option<bool>,
    /// The language of the user's mails, already checked (`en`, `de`, `fr`).
    pub locale: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub async fn update(db: &DatabaseConnection, id: &str, patch: &Patch) -> Result<(), DbError> {
    let username = given(&patch.username).map(|u| normalize(&u));
    let email = given(&patch.email).map(|e| normalize(&e));
    if let Some(u) = &username {
        validate_username(u)?;
    }
    if let Some(e) = &email {
        validate_email(e)?;
    }
    let given_names: Vec<(&str, &str)> = [
        ("first_name", &patch.first_name),
        ("last_name", &patch.last_name),
        ("display_name", &patch.display_name),
    ]
    .into_iter()
    .filter_map(|(field, v)| v.as_deref().map(|v| (field, v)))
    .collect();
    super::users::validate_names(&given_names)?;
    let txn = super::begin_write(db).await?;
    let mut upd = user_rows::Entity::update_many()
        .col_expr(user_rows::Column::UpdatedAt, Expr::value(now()))
        .filter(user_rows::Column::Id.eq(id));
    for (col, v) in [
        (user_rows::Column::Username, username),
        (user_rows::Column::Email, email),
        (user_rows::Column::FirstName, given(&patch.first_name)),
        (user_rows::Column::LastName, given(&patch.last_name)),
        (user_rows::Column::DisplayName, given(&patch.display_name)),
    ] {
        if let Some(v) = v {
            upd = upd.col_expr(col, Expr::value(v));
        }
    }
    if let Some(on) = patch.two_factor {
        upd = upd.col_expr(user_rows::Column::TwoFactor, Expr::value(on));
    }
    if let Some(locale) = &patch.locale {
        upd = upd.col_expr(user_rows::Column::Locale, Expr::value(locale.clone()));
    }
    let res = upd.exec(&txn).await.map_err(|e| match DbError::from(e) {
        DbError::Conflict(_) => DbError::Conflict("username or email already exists".into()),
        other => other,
    })?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound);
    }
    if let Some(m) = user_rows::Entity::find_by_id(id.to_owned())
        .one(&txn)
        .await?
    {
        let text = users::search_text(&[
            &m.username,
            &m.email,
            &m.first_name,
            &m.last_name,
            &m.display_name,
        ]);
        user_rows::Entity::update_many()
            .col_expr(user_rows::Column::Search, Expr::value(text))
            .filter(user_rows::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    if let Some(gs) = &patch.groups {
        user_groups::Entity::delete_many()
            .filter(user_groups::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        for g in gs {
            users::add_to_group(&txn, id, g).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes the user with memberships, factors, recovery codes and set-password links.
pub async fn delete(db: &DatabaseConnection, id: &str) -> Result<User, DbError> {
    let user = users::find_by_id(db, id).await?.ok_or(DbError::NotFound)?;
    let txn = super::begin_write(db).await?;
    user_groups::Entity::delete_many()
        .filter(user_groups::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    totp_factors::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await?;
    super::factors::remove_recovery_codes(&txn, id).await?;
    super::password_tokens::revoke_for_user(&txn, id).await?;
    let res = user_rows::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(DbError::NotFound);
    }
    txn.commit().await?;
    Ok(user)
}

/// Whether a username or email is taken (both compared normalized).
pub async fn exists<C: ConnectionTrait>(
    db: &C,
    username: &str,
    email: &str,
) -> Result<bool, DbError> {
    Ok(user_rows::Entity::find()
        .filter(
            Condition::any()
                .add(user_rows::Column::Username.eq(normalize(username)))
                .add(user_rows::Column::Email.eq(normalize(email))),
        )
        .count(db)
        .await?
        > 0)
}

/// The user whose (lower-cased, unique) email address this is.
pub async fn find_by_email(db: &DatabaseConnection, email: &str) -> Result<Option<User>, DbError> {
    Ok(user_rows::Entity::find()
        .filter(user_rows::Column::Email.eq(normalize(email)))
        .one(db)
        .await?
        .map(User::from))
}
