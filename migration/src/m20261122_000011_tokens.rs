use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    ClientId,
}

/// One row per refresh token ever issued: rotated rows stay until they expire so
/// that a replay of one is recognised and revokes its whole family.
#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    ClientId,
    UserId,
    Scopes,
    Acr,
    Amr,
    AuthTime,
    Sid,
    AccessTokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(string(RefreshTokens::TokenHash).primary_key())
                .col(string(RefreshTokens::FamilyId))
                .col(string(RefreshTokens::ClientId))
                .col(string(RefreshTokens::UserId))
                .col(text(RefreshTokens::Scopes))
                .col(string(RefreshTokens::Acr))
                .col(text(RefreshTokens::Amr))
                .col(big_integer(RefreshTokens::AuthTime))
                .col(string(RefreshTokens::Sid))
                .col(string(RefreshTokens::AccessTokenHash))
                .col(big_integer(RefreshTokens::CreatedAt))
                .col(big_integer(RefreshTokens::ExpiresAt))
                .col(big_integer_null(RefreshTokens::UsedAt))
                .col(big_integer_null(RefreshTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::ClientId)
                        .to(Clients::Table, Clients::ClientId)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_expires")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await
    }
}
