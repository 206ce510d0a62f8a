use sea_orm::entity::prelude::*;

/// A policy rule kept in the database (editable at run time), evaluated after
/// the configured ones in `position` order. `spec` is the rule as JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub position: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub spec: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
