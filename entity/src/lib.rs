//! sea-orm models of the Portcullis database. They never leave `src/db/`:
//! the repositories there map them to domain types.

pub mod admin_tokens;
pub mod audit_events;
pub mod clients;
pub mod consents;
pub mod groups;
pub mod import_batches;
pub mod import_rows;
pub mod imports;
pub mod password_tokens;
pub mod policy_rules;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod saml_service_providers;
pub mod totp_factors;
pub mod upstream_links;
pub mod user_groups;
pub mod users;
pub mod webauthn_credentials;
