use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SamlServiceProviders {
    Table,
    Id,
    EntityId,
    Name,
    AcsUrls,
    NameId,
    Sign,
    MinimumAcr,
    CreatedAt,
}

/// The SAML service providers: one row per SP entity ID.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SamlServiceProviders::Table)
                .col(string(SamlServiceProviders::Id).primary_key())
                .col(string_uniq(SamlServiceProviders::EntityId))
                .col(string(SamlServiceProviders::Name))
                .col(text(SamlServiceProviders::AcsUrls))
                .col(string(SamlServiceProviders::NameId))
                .col(string(SamlServiceProviders::Sign))
                .col(string_null(SamlServiceProviders::MinimumAcr))
                .col(big_integer(SamlServiceProviders::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SamlServiceProviders::Table).to_owned())
            .await
    }
}
