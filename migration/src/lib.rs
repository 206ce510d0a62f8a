//! Schema migrations, run by `portcullis serve` and `portcullis migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_core;
mod m20261122_000002_factors;
mod m20261122_000003_policy_audit;
mod m20261122_000004_webauthn;
mod m20261122_000010_registration;
mod m20261122_000011_tokens;
mod m20261122_000020_admin;
mod m20261210_000040_session_revocation;
mod m20261220_000050_claims_request;
mod m20261221_000060_saml;
mod m20261230_000070_upstream_links;
mod m20261231_000080_refresh_idp;
mod m20261231_000090_user_locale;
mod m20261231_000100_refresh_family_revoked;
mod m20261231_000110_consents;
mod m20270101_000120_audit_user_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_core::Migration),
            Box::new(m20261122_000002_factors::Migration),
            Box::new(m20261122_000003_policy_audit::Migration),
            Box::new(m20261122_000004_webauthn::Migration),
            Box::new(m20261122_000010_registration::Migration),
            Box::new(m20261122_000011_tokens::Migration),
            Box::new(m20261122_000020_admin::Migration),
            Box::new(m20261210_000040_session_revocation::Migration),
            Box::new(m20261220_000050_claims_request::Migration),
            Box::new(m20261221_000060_saml::Migration),
            Box::new(m20261230_000070_upstream_links::Migration),
            Box::new(m20261231_000080_refresh_idp::Migration),
            Box::new(m20261231_000090_user_locale::Migration),
            Box::new(m20261231_000100_refresh_family_revoked::Migration),
            Box::new(m20261231_000110_consents::Migration),
            Box::new(m20270101_000120_audit_user_index::Migration),
        ]
    }
}
