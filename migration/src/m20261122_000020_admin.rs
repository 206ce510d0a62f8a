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
    Search,
}

/// The unit separator (U+001F) as an SQL expression in this database's dialect.
fn sep(m: &SchemaManager) -> &'static str {
    match m.get_database_backend() {
        sea_orm_migration::sea_orm::DatabaseBackend::Postgres => "chr(31)",
        _ => "char(31)",
    }
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
        // The admin search: lower-cased fields in one column (unit separator between
        // them), so a search is one LIKE per row …
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(text(Users::Search).default(""))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE users SET search = lower(username || char_sep || email || char_sep || first_name || char_sep || last_name || char_sep || display_name)"
                    .replace("char_sep", sep(m))
                    .as_str(),
            )
            .await?;
        // … and the list pages in username order (within a 2FA tab) through an index
        // that also holds the search text: a search walks the index, not the table.
        m.create_index(
            Index::create()
                .name("idx_users_username_search")
                .table(Users::Table)
                .col(Users::Username)
                .col(Users::Search)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_two_factor_username")
                .table(Users::Table)
                .col(Users::TwoFactor)
                .col(Users::Username)
                .col(Users::Search)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_users_two_factor_username", "idx_users_username_search"] {
            m.drop_index(Index::drop().name(name).table(Users::Table).to_owned())
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::Search)
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
