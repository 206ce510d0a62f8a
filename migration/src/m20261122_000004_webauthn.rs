use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebauthnCredentials {
    Table,
    Id,
    UserId,
    Name,
    Passkey,
    CreatedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebauthnCredentials::Table)
                .col(string(WebauthnCredentials::Id).primary_key())
                .col(string(WebauthnCredentials::UserId))
                .col(string(WebauthnCredentials::Name))
                .col(text(WebauthnCredentials::Passkey))
                .col(big_integer(WebauthnCredentials::CreatedAt))
                .col(big_integer_null(WebauthnCredentials::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebauthnCredentials::Table, WebauthnCredentials::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webauthn_user")
                .table(WebauthnCredentials::Table)
                .col(WebauthnCredentials::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebauthnCredentials::Table).to_owned())
            .await
    }
}
