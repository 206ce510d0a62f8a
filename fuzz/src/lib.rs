//! What the fuzz targets share: the fixed clients and acr aliases that requests
//! are checked against, and the form decoding the HTTP layer does (actix's
//! `web::Query` / `web::Form` into a map, via serde_urlencoded).

use std::collections::HashMap;

use portcullis::auth::acr::{AcrRegistry, Level};
use portcullis::db::clients::{AuthMethod, Client, ClientProfile, DEFAULT_GRANT_TYPES};
use portcullis::keys::SigningAlg;

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

/// A query string or form body as the HTTP layer reads it; None where it
/// refuses the body before any handler runs.
pub fn form(bytes: &[u8]) -> Option<HashMap<String, String>> {
    serde_urlencoded::from_bytes(bytes).ok()
}
