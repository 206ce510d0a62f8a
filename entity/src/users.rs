use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub username: String,
    #[sea_orm(unique)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub two_factor: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login: Option<i64>,
    /// Lower-cased username, email and names, for the admin search.
    pub search: String,
    /// Bumped whenever an administrator ends all of this user's sessions and tokens.
    pub session_epoch: i64,
    /// The language of the user's mails (`en`, `de`, `fr`); null: the default.
    pub locale: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_groups::Entity")]
    UserGroups,
}

impl Related<super::user_groups::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserGroups.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
