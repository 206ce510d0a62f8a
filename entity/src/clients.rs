use sea_orm::entity::prelude::*;

/// A relying party. List-valued fields are JSON arrays in text columns so the
/// schema is the same on SQLite and PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    pub name: String,
    /// Hex SHA-256 of the generated secret; None for public clients.
    pub secret_hash: Option<String>,
    pub auth_method: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: String,
    pub scopes: String,
    pub default_acr_values: String,
    pub minimum_acr: Option<String>,
    pub id_token_alg: String,
    /// Further registration metadata (RFC 7591) as a JSON object.
    pub metadata: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Unix time after which the secret no longer authenticates; 0: never.
    pub secret_expires_at: i64,
    /// Hex SHA-256 of the RFC 7592 registration access token (dynamic clients).
    pub registration_token_hash: Option<String>,
    pub default_max_age: Option<i64>,
    /// Registered itself through the registration endpoint (RFC 7591).
    pub dynamic: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
