//! JWS Compact Serialization (RFC 7515 §7.1) with key pairs parsed once, when the
//! key set is loaded. `jsonwebtoken::encode` parses and re-validates the private
//! key on every call (`RSA_check_key` and friends), which for RS256 cost about as
//! much as the signature itself on the SSO hot path.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use jsonwebtoken::Header;
use serde::Serialize;

use super::SigningAlg;

/// A private key ready to sign.
pub(super) enum KeyPair {
    Rs256(RsaKeyPair),
    Es256(EcdsaKeyPair),
}

impl KeyPair {
    /// From the DER that `jsonwebtoken::EncodingKey` holds for a PEM file: the
    /// same bytes jsonwebtoken itself would parse at every signature.
    pub(super) fn from_der(alg: SigningAlg, der: &[u8]) -> Result<Self, String> {
        match alg {
            SigningAlg::RS256 => RsaKeyPair::from_der(der)
                .map(Self::Rs256)
                .map_err(|e| e.to_string()),
            SigningAlg::ES256 => EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .map(Self::Es256)
                .map_err(|e| e.to_string()),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match self {
            Self::Rs256(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|e| e.to_string())?;
                Ok(sig)
            }
            Self::Es256(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| e.to_string()),
        }
    }
}

/// `BASE64URL(header) . BASE64URL(claims) . BASE64URL(signature)`.
pub(super) fn compact<T: Serialize>(
    header: &Header,
    claims: &T,
    key: &KeyPair,
) -> Result<String, String> {
    use crate::secrets::b64url;
    let header = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let claims = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
    let mut out = format!("{}.{}", b64url(&header), b64url(&claims));
    let signature = key.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&b64url(&signature));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{KeyRing, SigningAlg};
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn tokens_verify_with_the_published_keys() {
        let dir = std::env::temp_dir().join(format!("portcullis-keys-{}", uuid::Uuid::new_v4()));
        let ring = KeyRing::load_or_create(&dir).unwrap();
        let jwks: JwkSet = serde_json::from_str(&ring.current().jwks_json()).unwrap();
        let claims = serde_json::json!({"sub": "alice", "aud": "rp", "exp": 4_000_000_000u64});
        for alg in SigningAlg::ALL {
            let jwt = ring.sign(alg, &claims).unwrap();
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.alg, alg.jwt());
            let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
            let mut v = Validation::new(alg.jwt());
            v.set_audience(&["rp"]);
            let got = jsonwebtoken::decode::<serde_json::Value>(
                &jwt,
                &DecodingKey::from_jwk(jwk).unwrap(),
                &v,
            )
            .unwrap();
            assert_eq!(got.claims, claims);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
