//! What a registered client must satisfy, however it is made or changed: its
//! grant types and its redirect URIs.

use super::clients::AuthMethod;

/// Grant types a client may hold.
pub const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];
/// What a client gets when none are named: the code flow and its refresh tokens.
pub const DEFAULT_GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];

/// Grant types that make sense together: known ones only; `refresh_token` only
/// beside `authorization_code` (it refreshes what a sign-in granted);
/// `client_credentials` only for a client that can keep a secret (RFC 6749 §4.4).
pub fn check_grant_types(grants: &[String], auth_method: AuthMethod) -> Result<(), String> {
    if grants.is_empty() {
        return Err("a client needs at least one grant type".into());
    }
    if let Some(g) = grants.iter().find(|g| !GRANT_TYPES.contains(&g.as_str())) {
        return Err(format!(
            "grant type {g:?} is not supported: use {}",
            GRANT_TYPES.join(", ")
        ));
    }
    let has = |g: &str| grants.iter().any(|x| x == g);
    if has("refresh_token") && !has("authorization_code") {
        return Err("the refresh_token grant goes with authorization_code".into());
    }
    if has("client_credentials") && auth_method == AuthMethod::None {
        return Err("the client_credentials grant is for confidential clients only".into());
    }
    Ok(())
}

/// A redirect URI must be absolute and carry no fragment (RFC 6749 §3.1.2).
pub fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("redirect URI {uri:?}: {e}"))?;
    if parsed.fragment().is_some() {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    Ok(())
}
