//! Dynamic client registration (RFC 7591/7592): when a client secret expires, the
//! digest of the registration access token, the client's default max_age, and
//! whether the client registered itself.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clients {
    Table,
    SecretExpiresAt,
    RegistrationTokenHash,
    DefaultMaxAge,
    Dynamic,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            big_integer(Clients::SecretExpiresAt).default(0).to_owned(),
            string_null(Clients::RegistrationTokenHash).to_owned(),
            big_integer_null(Clients::DefaultMaxAge).to_owned(),
            boolean(Clients::Dynamic).default(false).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Clients::SecretExpiresAt.into_iden(),
            Clients::RegistrationTokenHash.into_iden(),
            Clients::DefaultMaxAge.into_iden(),
            Clients::Dynamic.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
