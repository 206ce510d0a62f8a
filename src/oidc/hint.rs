//! `id_token_hint` on an authorization request (OIDC Core §3.1.2.1): an ID token
//! we issued to this client names the user the relying party expects. It must be
//! signed by one of our published keys, carry our `iss` and name the client in
//! `aud`; its expiry is ignored, as §3.1.2.1 allows. The expected user (from the
//! hint, or from a `sub` asked for with a `value` in the `claims` parameter) is
//! kept with the login: a session of anyone else does not answer for it.

use super::error::AuthzError;
use super::logout::HintClaims;
use crate::keys::KeySet;

/// Logout tokens share our keys and claims; they are never a hint.
const LOGOUT_TYP: &str = "logout+jwt";

/// The subject of a valid hint for `client_id`.
pub fn subject(
    keys: &KeySet,
    issuer: &str,
    client_id: &str,
    jwt: &str,
) -> Result<String, AuthzError> {
    let bad =
        || AuthzError::invalid_request("id_token_hint is not an ID token issued to this client");
    if jwt.len() > 8192 {
        return Err(bad());
    }
    let typ = jsonwebtoken::decode_header(jwt).map_err(|_| bad())?.typ;
    if typ.is_some_and(|t| t.eq_ignore_ascii_case(LOGOUT_TYP)) {
        return Err(bad());
    }
    let claims = keys
        .verify_ignoring_expiry::<HintClaims>(jwt, issuer)
        .ok_or_else(bad)?;
    if !claims.aud.contains(client_id) {
        return Err(bad());
    }
    Ok(claims.sub)
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
