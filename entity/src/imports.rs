use sea_orm::entity::prelude::*;

/// A validated CSV import; `problems` is a JSON array of `{row, message}`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub actor: String,
    pub mode: String,
    pub batch_size: i64,
    pub total_rows: i64,
    pub batches: i64,
    pub notify: bool,
    pub problems: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
