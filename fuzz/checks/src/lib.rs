//! The properties the fuzz targets check, one plain function per target, each
//! taking the raw input. A function returns quietly for input the parser
//! refuses or accepts correctly, and panics when a property is broken: that is
//! what libFuzzer reports as a crash in `make fuzz`, and what fails `cargo
//! test`, which runs every function over the kept corpus (`fuzz/corpus/<target>`)
//! and a bounded number of inputs mutated from it (see `tests.rs`).
//!
//! Beyond "no panic", each checks what its parser promises to refuse.

use std::collections::HashMap;

use portcullis::auth::acr::{AcrRegistry, Level};
use portcullis::db::clients::{AuthMethod, Client, ClientProfile, DEFAULT_GRANT_TYPES};
use portcullis::keys::SigningAlg;

mod inputs;
pub mod mutate;
mod oidc;
mod saml;

pub use inputs::{csv_import, forwarded_headers, webauthn_json};
pub use oidc::{authorize_request, claims_parameter, registration_metadata, token_request};
pub use saml::saml_authn_request;

/// A check: returns for input refused or read correctly, panics otherwise.
pub type Check = fn(&[u8]);

/// Every target by the name of its corpus folder and of its cargo-fuzz binary.
pub const TARGETS: [(&str, Check); 8] = [
    ("authorize_request", authorize_request),
    ("claims_parameter", claims_parameter),
    ("token_request", token_request),
    ("registration_metadata", registration_metadata),
    ("csv_import", csv_import),
    ("webauthn_json", webauthn_json),
    ("forwarded_headers", forwarded_headers),
    ("saml_authn_request", saml_authn_request),
];

pub const REDIRECT_URI: &str = "https://rp.example/cb";
pub const ALIAS: &str = "urn:example:jira:2fa";

/// A registered client as the database would return it.
pub fn client(auth_method: AuthMethod, default_acr: &[&str]) -> Client {
    Client {
        client_id: "fuzz-client".into(),
        name: "Fuzz RP".into(),
        secret_hash: None,
        auth_method,
        redirect_uris: vec![REDIRECT_URI.into()],
        post_logout_redirect_uris: vec![],
        grant_types: DEFAULT_GRANT_TYPES.iter().map(|g| g.to_string()).collect(),
        scopes: ["profile", "email", "offline_access", "groups"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        default_acr_values: default_acr.iter().map(|s| s.to_string()).collect(),
        minimum_acr: None,
        id_token_alg: SigningAlg::RS256,
        created_at: 0,
        profile: ClientProfile::default(),
    }
}

/// The built-in levels plus one alias, as `acr.aliases` would configure it.
pub fn registry() -> AcrRegistry {
    let mut r = AcrRegistry::default();
    let _ = r.add_alias(ALIAS, Level::Mfa);
    r
}

/// A query string or form body as the HTTP layer reads it (actix's
/// `web::Query` / `web::Form` into a map, via serde_urlencoded); None where it
/// refuses the body before any handler runs.
pub fn form(bytes: &[u8]) -> Option<HashMap<String, String>> {
    serde_urlencoded::from_bytes(bytes).ok()
}

#[cfg(test)]
mod tests;
