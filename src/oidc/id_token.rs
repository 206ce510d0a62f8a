//! ID token claims (OIDC Core §2) and signing.

use serde::Serialize;

use super::claims;
use crate::db::users::User;
use crate::keys::{KeyError, KeyRing, SigningAlg, half_hash};

pub const ID_TOKEN_TTL_S: i64 = 3600;

#[derive(Debug, Clone, Serialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    pub acr: String,
    pub amr: Vec<String>,
    pub sid: String,
    pub azp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The upstream identity provider's id, when the user signed in there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    #[serde(flatten)]
    pub profile: ProfileClaims,
}

/// Standard claims released by scope (OIDC Core §5.4).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProfileClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

impl ProfileClaims {
    /// The claims that `scopes` release (OIDC Core §5.4), plus those asked for
    /// one by one (`extra`, §5.5, already limited to what the client may receive).
    /// `groups` is read only when released.
    pub fn for_scopes(
        user: &User,
        scopes: &[String],
        extra: &[String],
        groups: Option<Vec<String>>,
    ) -> Self {
        let has = |claim: &str| claims::released(claim, scopes, extra);
        let mut c = ProfileClaims::default();
        if has("name") {
            c.name = Some(user.full_name());
        }
        if has("given_name") {
            c.given_name = Some(user.first_name.clone()).filter(|s| !s.is_empty());
        }
        if has("family_name") {
            c.family_name = Some(user.last_name.clone()).filter(|s| !s.is_empty());
        }
        if has("preferred_username") {
            c.preferred_username = Some(user.username.clone());
        }
        if has("email") {
            c.email = Some(user.email.clone());
        }
        if has("email_verified") {
            // Addresses are set by administrators, not confirmed by the user.
            c.email_verified = Some(false);
        }
        if has("groups") {
            c.groups = groups;
        }
        c
    }

    /// Whether the groups must be read for such a grant.
    pub fn wants_groups(scopes: &[String], extra: &[String]) -> bool {
        claims::released("groups", scopes, extra)
    }
}

pub fn at_hash(access_token: &str) -> String {
    half_hash(access_token)
}

pub fn sign(keys: &KeyRing, alg: SigningAlg, claims: &IdTokenClaims) -> Result<String, KeyError> {
    keys.sign(alg, claims)
}
