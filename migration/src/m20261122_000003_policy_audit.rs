use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PolicyRules {
    Table,
    Id,
    Position,
    Name,
    Spec,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    Event,
    UserId,
    Username,
    ClientId,
    Ip,
    RequestedAcr,
    Level,
    Rule,
    Outcome,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PolicyRules::Table)
                .col(string(PolicyRules::Id).primary_key())
                .col(big_integer(PolicyRules::Position))
                .col(string_uniq(PolicyRules::Name))
                .col(text(PolicyRules::Spec))
                .col(big_integer(PolicyRules::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_pk_auto(AuditEvents::Id))
                .col(big_integer(AuditEvents::At))
                .col(string(AuditEvents::Actor))
                .col(string(AuditEvents::Event))
                .col(string_null(AuditEvents::UserId))
                .col(string_null(AuditEvents::Username))
                .col(string_null(AuditEvents::ClientId))
                .col(string_null(AuditEvents::Ip))
                .col(string_null(AuditEvents::RequestedAcr))
                .col(string_null(AuditEvents::Level))
                .col(string_null(AuditEvents::Rule))
                .col(string(AuditEvents::Outcome))
                .col(text(AuditEvents::Detail))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_user_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::UserId)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PolicyRules::Table).to_owned())
            .await
    }
}
