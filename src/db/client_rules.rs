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

/// Schemes that are content, not an application to return to: a browser sent
/// there would run or show what the URI carries, under no one's origin.
const NOT_A_PLACE: [&str; 5] = ["javascript", "data", "vbscript", "blob", "file"];

/// A redirect URI must be absolute and carry no fragment (RFC 6749 §3.1.2),
/// and name a place (https, http, or an application's own scheme).
pub fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("redirect URI {uri:?}: {e}"))?;
    if parsed.fragment().is_some() {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    if NOT_A_PLACE.contains(&parsed.scheme()) {
        return Err(format!(
            "redirect URI {uri:?}: the {} scheme is not a place to return to",
            parsed.scheme()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_name_places_not_content() {
        for ok in [
            "https://jira.example/cb",
            "http://127.0.0.1:9/cb",
            "com.example.app:/cb",
        ] {
            assert!(validate_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "https://jira.example/cb#x",
            "/relative",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
