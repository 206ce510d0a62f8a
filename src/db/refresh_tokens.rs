//! Refresh tokens, durable across restarts. Only SHA-256 digests of
//! token values are stored. Each use rotates the token: the old row is marked used
//! and a new row of the same family is inserted in one transaction, so that a
//! replayed (stolen) token is recognised (OAuth 2.0 Security BCP §4.14.2).

use entity::refresh_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
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

async fn insert_row<C: ConnectionTrait>(db: &C, new: &NewRefreshToken<'_>) -> Result<(), DbError> {
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
    .insert(db)
    .await?;
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

/// Marks `old_hash` used and stores its successor, atomically. The conditional
/// update lets exactly one of two concurrent uses win, even across instances;
/// false means the old token was no longer usable (already rotated, revoked or
/// expired) and nothing was stored.
pub async fn rotate(
    db: &DatabaseConnection,
    old_hash: &str,
    next: &NewRefreshToken<'_>,
) -> Result<bool, DbError> {
    let txn = super::begin_write(db).await?;
    let res = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(next.now))
        .filter(refresh_tokens::Column::TokenHash.eq(old_hash))
        .filter(refresh_tokens::Column::FamilyId.eq(next.grant.family_id.as_str()))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(next.now))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    insert_row(&txn, next).await?;
    txn.commit().await?;
    Ok(true)
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
