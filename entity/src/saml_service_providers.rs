use sea_orm::entity::prelude::*;

/// A SAML service provider allowed to ask us for assertions. `acs_urls` is a
/// JSON list of the Assertion Consumer Service URLs registered for it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saml_service_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub entity_id: String,
    pub name: String,
    pub acs_urls: String,
    /// `email` or `username`.
    pub name_id: String,
    /// `assertion`, `response` or `both`.
    pub sign: String,
    pub minimum_acr: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
