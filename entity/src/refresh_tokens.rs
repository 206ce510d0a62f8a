use sea_orm::entity::prelude::*;

/// A refresh token, by the SHA-256 digest of its value. Tokens of one family
/// descend from one authorization code; `used_at` marks a rotated token and
/// `revoked_at` a revoked one. `amr` and `scopes` are JSON arrays.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: String,
    pub acr: String,
    pub amr: String,
    pub auth_time: i64,
    pub sid: String,
    /// Digest of the access token issued together with this refresh token.
    pub access_token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The user's `session_epoch` when the family began.
    pub session_epoch: i64,
    /// JSON array of the proofs (factor and time) behind `acr`.
    pub evidence: String,
    /// When the family's first token was issued (absolute lifetime).
    pub family_created_at: i64,
    /// JSON object of the claims asked for one by one at sign-in.
    pub claims: String,
    /// The upstream identity provider the sign-in came through.
    pub idp: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
