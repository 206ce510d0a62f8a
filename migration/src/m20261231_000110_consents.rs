use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    UserId,
    ClientId,
    Scopes,
    GrantedAtMs,
}

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

/// What a user allowed a self-registered client: one row per (user, client),
/// the scopes space-separated. Gone with the user or the client.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(string(Consents::UserId))
                .col(string(Consents::ClientId))
                .col(text(Consents::Scopes))
                .col(big_integer(Consents::GrantedAtMs))
                .primary_key(
                    Index::create()
                        .col(Consents::UserId)
                        .col(Consents::ClientId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Consents::Table, Consents::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Consents::Table, Consents::ClientId)
                        .to(Clients::Table, Clients::ClientId)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_consents_client")
                .table(Consents::Table)
                .col(Consents::ClientId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Consents::Table).to_owned())
            .await
    }
}
