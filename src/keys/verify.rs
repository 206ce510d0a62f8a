//! Verifying tokens we signed ourselves, e.g. the `id_token_hint` of a logout
//! request (OpenID Connect RP-Initiated Logout 1.0 §2).

use jsonwebtoken::jwk::KeyAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;

use super::KeySet;

impl KeySet {
    /// The claims of `jwt` when one of the keys in this set signed it for
    /// `issuer`. Expiry is not checked: a logout hint may be an old ID token.
    pub fn verify_ignoring_expiry<T: DeserializeOwned>(
        &self,
        jwt: &str,
        issuer: &str,
    ) -> Option<T> {
        let header = jsonwebtoken::decode_header(jwt).ok()?;
        let kid = header.kid?;
        let jwk = self
            .jwks
            .keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid.as_str()))?;
        // The algorithm comes from our key, never from the token's header.
        let alg = match jwk.common.key_algorithm? {
            KeyAlgorithm::RS256 => Algorithm::RS256,
            KeyAlgorithm::ES256 => Algorithm::ES256,
            _ => return None,
        };
        let key = DecodingKey::from_jwk(jwk).ok()?;
        let mut validation = Validation::new(alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims = ["iss", "sub", "aud"].map(String::from).into();
        validation.set_issuer(&[issuer]);
        jsonwebtoken::decode::<T>(jwt, &key, &validation)
            .ok()
            .map(|d| d.claims)
    }
}
