use sea_orm::entity::prelude::*;

/// One data row of an import and, once its batch ran, its result. A password from
/// the file is kept sealed until the row is processed, then erased.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub row_no: i64,
    pub batch_no: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub password_sealed: Option<String>,
    pub groups: String,
    /// `pending`, `invalid`, `created`, `exists`, `skipped` or `failed`.
    pub status: String,
    pub message: String,
    pub user_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
