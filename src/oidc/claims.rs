//! Individual claims requests (OIDC Core §5.5): the `claims` parameter names
//! claims for the ID token and for userinfo, beyond what the scopes release.
//! Only claims of a scope the client is registered for can be asked for this
//! way; anything else is ignored, as §5.5 allows ("the OP MUST NOT generate an
//! error when Claims are not returned"). Essential and voluntary requests are
//! answered alike: a claim the user has is released, one they lack is left out.
//! Only `acr` (see [`super::authorize`]) and a `sub` with a `value` change the
//! flow: the latter names the user the relying party expects (§3.1.2.1).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::db::clients::Client;

/// The claims a scope releases (OIDC Core §5.4); `groups` is our own scope.
pub const SCOPE_CLAIMS: [(&str, &str); 7] = [
    ("name", "profile"),
    ("given_name", "profile"),
    ("family_name", "profile"),
    ("preferred_username", "profile"),
    ("email", "email"),
    ("email_verified", "email"),
    ("groups", "groups"),
];

/// Claims every ID token carries (OIDC Core §2), whatever was asked.
pub const ID_TOKEN_CLAIMS: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "azp",
    "nonce",
    "at_hash",
];

/// The `claims` parameter as sent: member name to its request (or `null`).
#[derive(Debug, Default, Deserialize)]
pub struct ClaimsParam {
    #[serde(default)]
    pub id_token: Option<HashMap<String, Option<ClaimRequest>>>,
    #[serde(default)]
    pub userinfo: Option<HashMap<String, Option<ClaimRequest>>>,
}

/// One claim's request (OIDC Core §5.5.1): `null` is a voluntary request.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ClaimRequest {
    #[serde(default)]
    pub essential: bool,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub values: Option<Vec<serde_json::Value>>,
}

impl ClaimRequest {
    /// `value` and `values` as strings (acr values are strings; others are ignored).
    pub fn string_values(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .value
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        for v in self.values.iter().flatten() {
            if let Some(s) = v.as_str() {
                out.push(s.to_owned());
            }
        }
        out
    }
}

/// What an authorization request asked for individually, limited to what the
/// client may receive: kept with the code, the access token and the refresh
/// token so that every ID token and userinfo answer of the grant honours it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimsRequest {
    /// Profile claims for the ID token.
    pub id_token: Vec<String>,
    /// Profile claims for userinfo.
    pub userinfo: Vec<String>,
    /// A `sub` asked for with a `value`: only that user may be answered for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

impl ClaimsRequest {
    pub fn is_empty(&self) -> bool {
        self.id_token.is_empty() && self.userinfo.is_empty() && self.sub.is_none()
    }
}

/// The scope that releases `claim`, if it is one we know.
pub fn scope_of(claim: &str) -> Option<&'static str> {
    SCOPE_CLAIMS
        .iter()
        .find(|(c, _)| *c == claim)
        .map(|(_, s)| *s)
}

/// Every claim this server can release, for discovery's `claims_supported`.
pub fn supported() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ID_TOKEN_CLAIMS.to_vec();
    out.extend(SCOPE_CLAIMS.iter().map(|(c, _)| *c));
    out
}

/// The request's members we can honour for `client`, in a stable order.
fn allowed(
    members: Option<&HashMap<String, Option<ClaimRequest>>>,
    client: &Client,
) -> Vec<String> {
    let Some(members) = members else {
        return Vec::new();
    };
    SCOPE_CLAIMS
        .iter()
        .filter(|(claim, scope)| {
            members.contains_key(*claim) && client.scopes.iter().any(|s| s == scope)
        })
        .map(|(claim, _)| (*claim).to_owned())
        .collect()
}

/// The expected subject: a `sub` member with a `value` (OIDC Core §5.5.1). Two
/// different values (ID token and userinfo) can never both be met.
fn expected_sub(param: &ClaimsParam) -> Result<Option<String>, String> {
    let mut subs = Vec::new();
    for members in [&param.id_token, &param.userinfo].into_iter().flatten() {
        if let Some(Some(req)) = members.get("sub") {
            match &req.value {
                None => {}
                Some(serde_json::Value::String(s)) if !s.is_empty() => subs.push(s.clone()),
                Some(_) => return Err("claims: sub value must be a non-empty string".into()),
            }
        }
    }
    subs.dedup();
    match subs.len() {
        0 => Ok(None),
        1 => Ok(subs.pop()),
        _ => Err("claims: the id_token and userinfo members name different subjects".into()),
    }
}

/// The individual claims of a parsed `claims` parameter that `client` may receive.
pub fn requested(param: &ClaimsParam, client: &Client) -> Result<ClaimsRequest, String> {
    Ok(ClaimsRequest {
        id_token: allowed(param.id_token.as_ref(), client),
        userinfo: allowed(param.userinfo.as_ref(), client),
        sub: expected_sub(param)?,
    })
}

/// Whether `claim` is released to a grant of `scopes` that also asked for `extra`.
pub fn released(claim: &str, scopes: &[String], extra: &[String]) -> bool {
    extra.iter().any(|c| c == claim)
        || scope_of(claim).is_some_and(|scope| scopes.iter().any(|s| s == scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(scopes: &[&str]) -> Client {
        Client {
            client_id: "c".into(),
            name: "c".into(),
            secret_hash: None,
            auth_method: crate::db::clients::AuthMethod::None,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            default_acr_values: vec![],
            minimum_acr: None,
            id_token_alg: crate::keys::SigningAlg::ES256,
            created_at: 0,
            profile: Default::default(),
        }
    }

    fn param(json: &str) -> ClaimsParam {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn only_claims_of_the_clients_scopes_are_requested() {
        let p = param(
            r#"{"userinfo":{"name":{"essential":true},"email":null,"groups":null,"x":null},
                "id_token":{"email_verified":{"essential":false},"auth_time":null}}"#,
        );
        let r = requested(&p, &client(&["openid", "profile", "email"])).unwrap();
        assert_eq!(r.userinfo, vec!["name", "email"]);
        assert_eq!(r.id_token, vec!["email_verified"]);
        assert_eq!(r.sub, None);
        let r = requested(&p, &client(&["openid"])).unwrap();
        assert!(r.is_empty());
    }

    #[test]
    fn a_sub_value_names_the_expected_user() {
        let c = client(&["openid"]);
        let r = requested(&param(r#"{"id_token":{"sub":{"value":"u1"}}}"#), &c).unwrap();
        assert_eq!(r.sub.as_deref(), Some("u1"));
        assert!(requested(&param(r#"{"id_token":{"sub":{"value":5}}}"#), &c).is_err());
        let two = r#"{"id_token":{"sub":{"value":"a"}},"userinfo":{"sub":{"value":"b"}}}"#;
        assert!(requested(&param(two), &c).is_err());
    }

    #[test]
    fn release_by_scope_or_by_request() {
        let scopes = vec!["openid".to_owned(), "email".to_owned()];
        assert!(released("email", &scopes, &[]));
        assert!(!released("name", &scopes, &[]));
        assert!(released("name", &scopes, &["name".to_owned()]));
    }
}
