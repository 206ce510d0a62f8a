use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    FirstName,
    LastName,
    DisplayName,
    PasswordHash,
    Status,
    TwoFactor,
    CreatedAt,
    UpdatedAt,
    LastLogin,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserGroups {
    Table,
    UserId,
    GroupId,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    ClientId,
    Name,
    SecretHash,
    AuthMethod,
    RedirectUris,
    PostLogoutRedirectUris,
    GrantTypes,
    Scopes,
    DefaultAcrValues,
    MinimumAcr,
    IdTokenAlg,
    Metadata,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(string(Users::Id).primary_key())
                .col(string_uniq(Users::Username))
                .col(string_uniq(Users::Email))
                .col(string(Users::FirstName).default(""))
                .col(string(Users::LastName).default(""))
                .col(string(Users::DisplayName).default(""))
                .col(text_null(Users::PasswordHash))
                .col(string(Users::Status).default("active"))
                .col(boolean(Users::TwoFactor).default(true))
                .col(big_integer(Users::CreatedAt))
                .col(big_integer(Users::UpdatedAt))
                .col(big_integer_null(Users::LastLogin))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Groups::Table)
                .col(string(Groups::Id).primary_key())
                .col(string_uniq(Groups::Name))
                .col(big_integer(Groups::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserGroups::Table)
                .col(string(UserGroups::UserId))
                .col(string(UserGroups::GroupId))
                .primary_key(
                    Index::create()
                        .col(UserGroups::UserId)
                        .col(UserGroups::GroupId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UserGroups::Table, UserGroups::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UserGroups::Table, UserGroups::GroupId)
                        .to(Groups::Table, Groups::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_groups_group")
                .table(UserGroups::Table)
                .col(UserGroups::GroupId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Clients::Table)
                .col(string(Clients::ClientId).primary_key())
                .col(string(Clients::Name))
                .col(string_null(Clients::SecretHash))
                .col(string(Clients::AuthMethod))
                .col(text(Clients::RedirectUris))
                .col(text(Clients::PostLogoutRedirectUris))
                .col(text(Clients::GrantTypes))
                .col(text(Clients::Scopes))
                .col(text(Clients::DefaultAcrValues))
                .col(string_null(Clients::MinimumAcr))
                .col(string(Clients::IdTokenAlg))
                .col(text(Clients::Metadata))
                .col(big_integer(Clients::CreatedAt))
                .col(big_integer(Clients::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            UserGroups::Table.into_iden(),
            Groups::Table.into_iden(),
            Users::Table.into_iden(),
            Clients::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
