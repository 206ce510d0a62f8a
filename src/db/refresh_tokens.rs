//! Refresh tokens, durable across restarts. Only SHA-256 digests of
//! token values are stored. Each use rotates the token: the old row is marked used
//! and a new row of the same family is inserted in one transaction, so that a
//! replayed (stolen) token is recognised (OAuth 2.0 Security BCP §4.14.2).

use entity::refresh_tokens;
use sea_orm::sea_query::{Expr, InsertStatement, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    Iterable, QueryFilter, QuerySelect, QueryTrait, Set, Statement,
};

use super::{DbError, from_json_list, to_json_list};
use crate::auth::stepup::Proof;
use crate::oidc::claims::ClaimsRequest;

/// What a refresh token stands for; every token of a family carries the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    /// The scope of the original grant; a refresh may narrow it, never widen it.
    pub scopes: Vec<String>,
    /// The authentication the family descends from: a refreshed ID token repeats
    /// it and never claims more (OIDC Core §12.2).
    pub acr: String,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub sid: String,
    /// The proofs behind `acr`, with their times: a refresh never claims a
    /// level whose step-up has expired since.
    pub evidence: Vec<Proof>,
    /// The user's session epoch when the family began.
    pub epoch: i64,
    /// When the family's first token was issued (unix seconds).
    pub started_at: i64,
    /// Claims asked for one by one at sign-in (OIDC Core §5.5): every refresh
    /// of the family releases them again.
    pub claims: ClaimsRequest,
    /// The upstream identity provider the sign-in came through: every
    /// refreshed ID token names it again.
    pub idp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub grant: RefreshGrant,
    /// The id (`jti`) of the access token issued with this refresh token; older
    /// rows hold the digest of an opaque one.
    pub access_token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Usable,
    /// Already exchanged for a newer token: presenting it again is a replay.
    Rotated,
    Revoked,
    Expired,
}

impl RefreshToken {
    pub fn state(&self, now: i64) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.used_at.is_some() {
            TokenState::Rotated
        } else if self.expires_at <= now {
            TokenState::Expired
        } else {
            TokenState::Usable
        }
    }
}

/// A row to insert: the digest of the new token and the id of its access token.
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub grant: &'a RefreshGrant,
    pub access_token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

impl From<refresh_tokens::Model> for RefreshToken {
    fn from(m: refresh_tokens::Model) -> Self {
        Self {
            grant: RefreshGrant {
                family_id: m.family_id,
                client_id: m.client_id,
                user_id: m.user_id,
                scopes: from_json_list(&m.scopes),
                acr: m.acr,
                amr: from_json_list(&m.amr),
                auth_time: m.auth_time,
                sid: m.sid,
                // Rows from before evidence was kept read as none: nothing elevated is proven.
                evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
                epoch: m.session_epoch,
                started_at: m.family_created_at,
                claims: serde_json::from_str(&m.claims).unwrap_or_default(),
                idp: m.idp,
            },
            access_token_hash: m.access_token_hash,
            created_at: m.created_at,
            expires_at: m.expires_at,
            used_at: m.used_at,
            revoked_at: m.revoked_at,
        }
    }
}

fn new_row(new: &NewRefreshToken<'_>) -> refresh_tokens::ActiveModel {
    let g = new.grant;
    refresh_tokens::ActiveModel {
        token_hash: Set(new.token_hash.to_owned()),
        family_id: Set(g.family_id.clone()),
        client_id: Set(g.client_id.clone()),
        user_id: Set(g.user_id.clone()),
        scopes: Set(to_json_list(&g.scopes)),
        acr: Set(g.acr.clone()),
        amr: Set(to_json_list(&g.amr)),
        auth_time: Set(g.auth_time),
        sid: Set(g.sid.clone()),
        access_token_hash: Set(new.access_token_hash.to_owned()),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        session_epoch: Set(g.epoch),
        evidence: Set(serde_json::to_string(&g.evidence).unwrap_or_else(|_| "[]".into())),
        family_created_at: Set(g.started_at),
        claims: Set(serde_json::to_string(&g.claims).unwrap_or_else(|_| "{}".into())),
        idp: Set(g.idp.clone()),
    }
}

async fn insert_row<C: ConnectionTrait>(db: &C, new: &NewRefreshToken<'_>) -> Result<(), DbError> {
    new_row(new).insert(db).await?;
    Ok(())
}

/// Stores the first token of a new family.
pub async fn insert(db: &DatabaseConnection, new: &NewRefreshToken<'_>) -> Result<(), DbError> {
    insert_row(db, new).await
}

pub async fn find(
    db: &DatabaseConnection,
    token_hash: &str,
) -> Result<Option<RefreshToken>, DbError> {
    Ok(refresh_tokens::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
        .map(RefreshToken::from))
}

/// Marks `old_hash` used and stores its successor. The conditional update lets
/// exactly one of two concurrent uses win, even across instances; false means
/// the old token was no longer usable (already rotated, revoked or expired, or
/// another token of its family revoked), or was revoked meanwhile, and no
/// successor was stored.
pub async fn rotate(
    db: &DatabaseConnection,
    old_hash: &str,
    next: &NewRefreshToken<'_>,
) -> Result<bool, DbError> {
    // Revocations take whole families, so one revoked token revokes the
    // family, this token included even when the revocation missed it: on
    // PostgreSQL a revocation waiting for a rotation's lock does not see the
    // successor that rotation inserts, and leaves it unrevoked.
    let family_revoked = Query::select()
        .expr(Expr::val(1))
        .from(refresh_tokens::Entity)
        .and_where(refresh_tokens::Column::FamilyId.eq(next.grant.family_id.as_str()))
        .and_where(refresh_tokens::Column::RevokedAt.is_not_null())
        .to_owned();
    let mark_used = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(next.now))
        .filter(refresh_tokens::Column::TokenHash.eq(old_hash))
        .filter(refresh_tokens::Column::FamilyId.eq(next.grant.family_id.as_str()))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(next.now))
        .filter(sea_orm::sea_query::ExprTrait::not(Expr::exists(
            family_revoked,
        )));
    if db.get_database_backend() == DbBackend::Sqlite {
        return rotate_in_one_step(db, mark_used.build(DbBackend::Sqlite), old_hash, next).await;
    }
    let txn = super::begin_write(db).await?;
    let stored = mark_used.exec(&txn).await?.rows_affected == 1
        && txn
            .execute(&successor(old_hash, next, false)?)
            .await?
            .rows_affected()
            == 1;
    if stored {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(stored)
}

/// Inserts the successor unless the old token has been revoked since the
/// update (a replay elsewhere, an administrator's sign-out): such a revocation
/// ran before the new row existed and would otherwise miss it. Revocations
/// always take whole families or all of a user's tokens, so the old row tells
/// for its family, by its primary key. With `after_update`, also only when the
/// statement before this one changed one row.
fn successor(
    old_hash: &str,
    next: &NewRefreshToken<'_>,
    after_update: bool,
) -> Result<InsertStatement, DbError> {
    let row = new_row(next);
    let (columns, values): (Vec<_>, Vec<_>) = refresh_tokens::Column::iter()
        .filter_map(|c| row.get(c).into_value().map(|v| (c, Expr::val(v))))
        .unzip();
    let old_still_valid = Query::select()
        .expr(Expr::val(1))
        .from(refresh_tokens::Entity)
        .and_where(refresh_tokens::Column::TokenHash.eq(old_hash))
        .and_where(refresh_tokens::Column::RevokedAt.is_null())
        .to_owned();
    let mut select = Query::select();
    select
        .exprs(values)
        .and_where(Expr::exists(old_still_valid));
    if after_update {
        select.and_where(Expr::cust("changes() = 1"));
    }
    Ok(Query::insert()
        .into_table(refresh_tokens::Entity)
        .columns(columns)
        .select_from(select)
        .map_err(|e| DbError::Other(format!("refresh token insert: {e}")))?
        .to_owned())
}

/// SQLite: the update and the insert sent as one request to the connection's
/// thread instead of four (begin, update, insert, commit), each of which was a
/// hand-off to that thread and together most of a refresh's CPU. Each statement
/// commits on its own: a failure between them leaves the old token used and no
/// successor, which refuses the refresh (fail closed). SQLite runs one writer at
/// a time, so a revocation in between is seen by the insert's guard, and one
/// after it finds the new row.
async fn rotate_in_one_step(
    db: &DatabaseConnection,
    mark_used: Statement,
    old_hash: &str,
    next: &NewRefreshToken<'_>,
) -> Result<bool, DbError> {
    let insert = DbBackend::Sqlite.build(&successor(old_hash, next, true)?);
    let mut values = mark_used.values.map(|v| v.0).unwrap_or_default();
    values.extend(insert.values.map(|v| v.0).unwrap_or_default());
    let both = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!("{}; {}", mark_used.sql, insert.sql),
        values,
    );
    // Rows changed by both statements together: the old row and its successor.
    Ok(db.execute_raw(both).await?.rows_affected() == 2)
}

/// Revokes every token of a family; returns how many were not revoked yet. The
/// access tokens issued with them carry the family's id: the caller revokes
/// them in the store by that id.
pub async fn revoke_family(
    db: &DatabaseConnection,
    family_id: &str,
    now: i64,
) -> Result<u64, DbError> {
    Ok(refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Revokes the user's refresh tokens of one client (the user took back what
/// the client was allowed); returns the families, whose access tokens the
/// caller revokes in the store by their id.
pub async fn revoke_user_client(
    db: &DatabaseConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<Vec<String>, DbError> {
    let families: Vec<String> = refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::FamilyId)
        .distinct()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::ClientId.eq(client_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::ClientId.eq(client_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(families)
}

/// Revokes every refresh token of a user (an administrator's reset or sign-out);
/// returns how many families were still usable. The user's access tokens end
/// with the session epoch the caller moves in the same transaction.
pub async fn revoke_user<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: i64,
) -> Result<u64, DbError> {
    let live: Vec<String> = refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::FamilyId)
        .distinct()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(db)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(live.len() as u64)
}

/// Deletes rows past their expiry: an expired token is refused whether or not its
/// row is still there.
pub async fn purge_expired(db: &DatabaseConnection, now: i64) -> Result<u64, DbError> {
    Ok(refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// Hourly housekeeping from the server loop; a failure is only logged (expired
/// tokens are refused whether or not their rows are gone).
pub async fn purge_on_schedule(db: &DatabaseConnection) {
    match purge_expired(db, super::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "expired refresh tokens purged"),
        Err(e) => tracing::warn!(error = %e, "cannot purge expired refresh tokens"),
    }
}
