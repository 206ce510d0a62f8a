use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdminTokens {
    Table,
    Id,
    Name,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Actor,
    Mode,
    BatchSize,
    TotalRows,
    Batches,
    Notify,
    Problems,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ImportBatches {
    Table,
    ImportId,
    BatchNo,
    Status,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ImportRows {
    Table,
    ImportId,
    RowNo,
    BatchNo,
    Username,
    Email,
    FirstName,
    LastName,
    DisplayName,
    PasswordSealed,
    Groups,
    Status,
    Message,
    UserId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TwoFactor,
    Username,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AdminTokens::Table)
                .col(string(AdminTokens::Id).primary_key())
                .col(string(AdminTokens::Name))
                .col(string(AdminTokens::TokenHash))
                .col(big_integer(AdminTokens::CreatedAt))
                .col(big_integer_null(AdminTokens::RevokedAt))
                .to_owned(),
        )
        .await?;
        // Set-password links (onboarding): the link carries a random token, the
        // table only its digest; used_at makes it single-use.
        m.create_table(
            Table::create()
                .table(PasswordTokens::Table)
                .col(string(PasswordTokens::TokenHash).primary_key())
                .col(string(PasswordTokens::UserId))
                .col(string(PasswordTokens::Purpose))
                .col(big_integer(PasswordTokens::CreatedAt))
                .col(big_integer(PasswordTokens::ExpiresAt))
                .col(big_integer_null(PasswordTokens::UsedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_password_tokens_user")
                .table(PasswordTokens::Table)
                .col(PasswordTokens::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Imports::Table)
                .col(string(Imports::Id).primary_key())
                .col(string(Imports::Actor))
                .col(string(Imports::Mode))
                .col(big_integer(Imports::BatchSize))
                .col(big_integer(Imports::TotalRows))
                .col(big_integer(Imports::Batches))
                .col(boolean(Imports::Notify))
                .col(text(Imports::Problems))
                .col(big_integer(Imports::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportBatches::Table)
                .col(string(ImportBatches::ImportId))
                .col(big_integer(ImportBatches::BatchNo))
                .col(string(ImportBatches::Status))
                .col(big_integer_null(ImportBatches::StartedAt))
                .col(big_integer_null(ImportBatches::FinishedAt))
                .primary_key(
                    Index::create()
                        .col(ImportBatches::ImportId)
                        .col(ImportBatches::BatchNo),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportRows::Table)
                .col(string(ImportRows::ImportId))
                .col(big_integer(ImportRows::RowNo))
                .col(big_integer(ImportRows::BatchNo))
                .col(string(ImportRows::Username))
                .col(string(ImportRows::Email))
                .col(string(ImportRows::FirstName))
                .col(string(ImportRows::LastName))
                .col(string(ImportRows::DisplayName))
                .col(text_null(ImportRows::PasswordSealed))
                .col(text(ImportRows::Groups))
                .col(string(ImportRows::Status))
                .col(text(ImportRows::Message))
                .col(string_null(ImportRows::UserId))
                .primary_key(
                    Index::create()
                        .col(ImportRows::ImportId)
                        .col(ImportRows::RowNo),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_import_rows_batch")
                .table(ImportRows::Table)
                .col(ImportRows::ImportId)
                .col(ImportRows::BatchNo)
                .to_owned(),
        )
        .await?;
        // The admin list filters on the 2FA switch and pages in username order.
        m.create_index(
            Index::create()
                .name("idx_users_two_factor_username")
                .table(Users::Table)
                .col(Users::TwoFactor)
                .col(Users::Username)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_users_two_factor_username")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        for t in [
            ImportRows::Table.into_iden(),
            ImportBatches::Table.into_iden(),
            Imports::Table.into_iden(),
            PasswordTokens::Table.into_iden(),
            AdminTokens::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
