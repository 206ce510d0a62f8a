use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The revoked tokens of each refresh-token family, for the rotation's check
/// that none of its family is revoked: a partial index holds only revoked
/// rows, so the check is one lookup however long the family has grown (a
/// family gains a row at every refresh). Same syntax on SQLite and PostgreSQL.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_refresh_tokens_family_revoked \
                 ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_refresh_tokens_family_revoked")
            .await
            .map(|_| ())
    }
}
