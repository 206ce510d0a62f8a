use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    UserId,
    At,
}

const USER_AT: &str = "idx_audit_user_at";

/// Drops the audit table's index on (user_id, at). No query reads it: the
/// listing filters on the user id *or* the username, which such an index
/// cannot answer on either database; SQLite walks `idx_audit_at` newest first.
/// Yet every sign-in's row was written into it at its user's place, a page of
/// its own per user in each commit: most of what a commit of the audit writer
/// wrote.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(USER_AT)
                .table(AuditEvents::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(USER_AT)
                .table(AuditEvents::Table)
                .col(AuditEvents::UserId)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await
    }
}
