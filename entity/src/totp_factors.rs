use sea_orm::entity::prelude::*;

/// A confirmed TOTP authenticator. The secret is AES-256-GCM encrypted with a key
/// from `keys.dir`; `last_step` is the newest time step accepted (RFC 6238 §5.2).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "totp_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub secret_enc: String,
    pub last_step: i64,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
