//! `id_token_hint` on an authorization request (OIDC Core §3.1.2.1): an ID token
//! we issued to this client names the user the relying party expects. It must be
//! signed by one of our published keys, carry our `iss` and name the client in
//! `aud`; its expiry is ignored, as §3.1.2.1 allows. The expected user (from the
//! hint, or from a `sub` asked for with a `value` in the `claims` parameter) is
//! kept with the login: a session of anyone else does not answer for it.

use serde::Deserialize;

use super::error::AuthzError;
use super::logout::Audience;
use crate::keys::KeyRing;

/// Logout tokens share our keys and claims; they are never a hint.
const LOGOUT_TYP: &str = "logout+jwt";

/// The claims of an ID token we signed that a hint is read for. `auth_time` is
/// in every ID token we sign and in no other JWT we sign (logout tokens and
/// signed userinfo answers carry our `iss`, a `sub` and the client as `aud`
/// too): its absence tells those apart.
#[derive(Debug, Clone, Deserialize)]
pub struct HintClaims {
    pub sub: String,
    pub aud: Audience,
    #[serde(default)]
    pub sid: Option<String>,
    #[allow(dead_code, reason = "required: only ID tokens carry it")]
    auth_time: i64,
    /// Present when the client was given the username (scope `profile`).
    #[serde(default)]
    preferred_username: Option<String>,
}

impl HintClaims {
    /// Whether the client holding this ID token was told the username.
    pub fn names_username(&self) -> bool {
        self.preferred_username.is_some()
    }
}

/// An ID token we signed (with any of our published keys, our `iss`, expired
/// or not), as `id_token_hint` on an authorization or logout request; `None`
/// for anything else, a logout token or a signed userinfo answer included.
pub fn id_token(keys: &KeyRing, issuer: &str, jwt: &str) -> Option<HintClaims> {
    if jwt.len() > 8192 {
        return None;
    }
    let typ = jsonwebtoken::decode_header(jwt).ok()?.typ;
    if typ.is_some_and(|t| t.eq_ignore_ascii_case(LOGOUT_TYP)) {
        return None;
    }
    keys.verify_ignoring_expiry::<HintClaims>(jwt, issuer)
}

/// A valid hint for `client_id`.
pub fn for_client(
    keys: &KeyRing,
    issuer: &str,
    client_id: &str,
    jwt: &str,
) -> Result<HintClaims, AuthzError> {
    id_token(keys, issuer, jwt)
        .filter(|claims| claims.aud.contains(client_id))
        .ok_or_else(|| {
            AuthzError::invalid_request("id_token_hint is not an ID token issued to this client")
        })
}

/// The user the request expects: the hint's subject and the `claims` parameter's
/// `sub` value must agree when both are given.
pub fn expected_user(
    hint: Option<String>,
    claims_sub: Option<&str>,
) -> Result<Option<String>, AuthzError> {
    match (hint, claims_sub) {
        (Some(h), Some(c)) if h != c => Err(AuthzError::invalid_request(
            "id_token_hint and the claims parameter's sub name different users",
        )),
        (Some(h), _) => Ok(Some(h)),
        (None, c) => Ok(c.map(str::to_owned)),
    }
}
