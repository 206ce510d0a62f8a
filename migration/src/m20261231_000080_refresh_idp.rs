use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Idp,
}

/// Refresh tokens keep the upstream identity provider their sign-in came
/// through, so that a refreshed ID token names it (`idp`) like the first one.
/// Older families name none.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(string_null(RefreshTokens::Idp))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::Idp)
                .to_owned(),
        )
        .await
    }
}
