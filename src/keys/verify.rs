//! Verifying tokens we signed ourselves, e.g. the `id_token_hint` of a logout
//! request (OpenID Connect RP-Initiated Logout 1.0 §2).

use jsonwebtoken::jwk::KeyAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;

use super::{KeyRing, KeySet};

impl KeyRing {
    /// As [`KeySet::verify_ignoring_expiry`] with the current keys. A `kid` we
    /// do not know may be a key that another instance sharing the keys folder
    /// has just started signing with (each instance reloads every 5 s): before
    /// refusing, look at the folder, at most once a second whatever clients send.
    pub fn verify_ignoring_expiry<T: DeserializeOwned>(
        &self,
        jwt: &str,
        issuer: &str,
    ) -> Option<T> {
        let set = self.current();
        if let Some(claims) = set.verify_ignoring_expiry(jwt, issuer) {
            return Some(claims);
        }
        let kid = jsonwebtoken::decode_header(jwt).ok()?.kid?;
        if set.has_kid(&kid) {
            return None;
        }
        // Requests naming the new key arrive together: the first looks, the
        // others wait for its reload and then verify against what it found.
        let now = chrono::Utc::now().timestamp_millis();
        {
            let mut last = match self.last_look.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if now - *last >= 1000 {
                *last = now;
                let _ = self.reload_if_changed();
            }
        }
        self.current().verify_ignoring_expiry(jwt, issuer)
    }
}

impl KeySet {
    fn has_kid(&self, kid: &str) -> bool {
        self.jwks
            .keys
            .iter()
            .any(|k| k.common.key_id.as_deref() == Some(kid))
    }

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
