use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Claims,
}

/// Refresh tokens keep the claims their sign-in asked for one by one (OIDC Core
/// §5.5), so that a refreshed ID token and the new access token's userinfo
/// release them again. Older families asked for none.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(text(RefreshTokens::Claims).default("{}"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::Claims)
                .to_owned(),
        )
        .await
    }
}
