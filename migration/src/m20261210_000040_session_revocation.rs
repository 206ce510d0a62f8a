use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    SessionEpoch,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    UserId,
    SessionEpoch,
    Evidence,
    FamilyCreatedAt,
}

/// `users.session_epoch` counts the times an administrator ended all of a user's
/// sessions and tokens; sessions, codes and tokens remember the epoch they were
/// made in. Refresh tokens also keep the proofs behind their acr (to drop a level
/// whose step-up has expired) and when their family began (for its lifetime).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(big_integer(Users::SessionEpoch).default(0))
                .to_owned(),
        )
        .await?;
        for column in [
            big_integer(RefreshTokens::SessionEpoch)
                .default(0)
                .to_owned(),
            text(RefreshTokens::Evidence).default("[]").to_owned(),
            big_integer(RefreshTokens::FamilyCreatedAt)
                .default(0)
                .to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        // Families issued before this migration began with their oldest token.
        m.get_connection()
            .execute_unprepared(
                "UPDATE refresh_tokens SET family_created_at = \
                 (SELECT MIN(r.created_at) FROM refresh_tokens r WHERE r.family_id = refresh_tokens.family_id)",
            )
            .await?;
        // Ending a user's sessions revokes their tokens by user.
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_user")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_refresh_tokens_user")
                .table(RefreshTokens::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            RefreshTokens::SessionEpoch,
            RefreshTokens::Evidence,
            RefreshTokens::FamilyCreatedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::SessionEpoch)
                .to_owned(),
        )
        .await
    }
}
