use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UpstreamLinks {
    Table,
    Upstream,
    Subject,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// Who a user is at an upstream identity provider: one row per (upstream, sub).
/// The primary key makes two first logins of one subject at once create one link.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UpstreamLinks::Table)
                .col(string(UpstreamLinks::Upstream))
                .col(string(UpstreamLinks::Subject))
                .col(string(UpstreamLinks::UserId))
                .col(big_integer(UpstreamLinks::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UpstreamLinks::Upstream)
                        .col(UpstreamLinks::Subject),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UpstreamLinks::Table, UpstreamLinks::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upstream_links_user")
                .table(UpstreamLinks::Table)
                .col(UpstreamLinks::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UpstreamLinks::Table).to_owned())
            .await
    }
}
