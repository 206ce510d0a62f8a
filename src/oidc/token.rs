//! The token endpoint (RFC 6749 §3.2, §4.1.3): client authentication, the request
//! parsed into a typed value by `grant_type`, codes and access tokens.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::stepup::Proof;
use crate::db::clients::{AuthMethod, Client};
use crate::error::{Failure, JsonError};
use crate::secrets;
use crate::startup::AppState;
use crate::store::{Store, StoreError};

pub mod authorization_code;
pub mod client_auth;
pub mod client_credentials;
pub mod issue;
pub mod refresh_token;

pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// How long a redeemed code is remembered, to detect and punish its reuse.
const USED_CODE_TTL: Duration = Duration::from_secs(3600);

/// How the client presented itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub via_basic: bool,
}

/// RFC 6749 §2.3.1: credentials from the Basic header (form-urlencoded inside) or
/// the body; both at once is an error.
pub fn presented_client(
    authorization: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<PresentedClient, JsonError> {
    let basic = authorization.and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    });
    if let Some(b64) = basic {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| invalid_client("malformed Basic credentials", true))?;
        let (id, secret) = raw
            .split_once(':')
            .ok_or_else(|| invalid_client("malformed Basic credentials", true))?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        if form.contains_key("client_secret") {
            return Err(JsonError::bad_request(
                "invalid_request",
                "use one client authentication method",
            ));
        }
        return Ok(PresentedClient {
            client_id: decode(id),
            secret: Some(decode(secret)),
            via_basic: true,
        });
    }
    let client_id = form
        .get("client_id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid_client("client authentication is required", false))?;
    Ok(PresentedClient {
        client_id: client_id.clone(),
        secret: form.get("client_secret").cloned(),
        via_basic: false,
    })
}

pub fn invalid_client(description: &str, basic: bool) -> JsonError {
    let e = JsonError::new(StatusCode::UNAUTHORIZED, "invalid_client", description);
    if basic {
        e.with_challenge("Basic realm=\"portcullis\"")
    } else {
        e
    }
}

/// Checks presented credentials against the registered client. Confidential
/// clients may use either secret method; public clients send no secret.
pub fn authenticate(
    client: Option<Client>,
    presented: &PresentedClient,
) -> Result<Client, JsonError> {
    let basic = presented.via_basic;
    let client = client.ok_or_else(|| invalid_client("unknown client", basic))?;
    match (client.auth_method, &presented.secret) {
        (AuthMethod::None, None) => Ok(client),
        (AuthMethod::None, Some(_)) => {
            Err(invalid_client("public clients do not use a secret", basic))
        }
        (_, Some(secret)) if client.verify_secret(secret) => Ok(client),
        _ => Err(invalid_client("client authentication failed", basic)),
    }
}

/// What an authorization code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub acr: String,
    pub evidence: Vec<Proof>,
    pub sid: String,
    /// The user's session epoch when the code was issued.
    #[serde(default)]
    pub epoch: i64,
}

/// What an access token stands for (it is opaque; this lives in the store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessGrant {
    /// The user, or None for a `client_credentials` token that acts for the client.
    pub user_id: Option<String>,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub acr: String,
    pub amr: Vec<String>,
    pub auth_time: i64,
    #[serde(default)]
    pub issued_at: i64,
    pub expires_at: i64,
    /// The user's session epoch the token descends from: an administrator's
    /// reset or sign-out ends the epoch and the token with it.
    #[serde(default)]
    pub epoch: i64,
}

impl AccessGrant {
    /// Whether the token still speaks for `user`: active, same session epoch.
    pub fn valid_for(&self, user: &crate::db::users::User) -> bool {
        self.user_id.as_deref() == Some(user.id.as_str())
            && user.active
            && self.epoch == user.session_epoch
    }
}

/// What a redeemed code issued, kept so that a replay of the code revokes it
/// (RFC 6749 §4.1.2, §10.5).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct UsedCode {
    pub access_tokens: Vec<String>,
    #[serde(default)]
    pub refresh_family: Option<String>,
}

pub async fn put_code(
    store: &Store,
    grant: &CodeGrant,
    ttl: Duration,
) -> Result<String, StoreError> {
    let code = secrets::random_token(32);
    store
        .put_json(&format!("code:{}", secrets::digest(&code)), grant, ttl)
        .await?;
    Ok(code)
}

/// Redeems a code once. A second redemption finds the code gone; if it was used
/// before, every token it issued is revoked (RFC 6749 §4.1.2, §10.5): the access
/// tokens and the whole refresh-token family.
pub async fn redeem_code(state: &AppState, code: &str) -> Result<Option<CodeGrant>, Failure> {
    let digest = secrets::digest(code);
    let store = &state.store;
    if let Some(grant) = store
        .take_json::<CodeGrant>(&format!("code:{digest}"))
        .await?
    {
        return Ok(Some(grant));
    }
    if let Some(used) = store
        .get_json::<UsedCode>(&format!("usedcode:{digest}"))
        .await?
    {
        for at in &used.access_tokens {
            revoke_access_digest(store, at).await?;
        }
        if let Some(family) = &used.refresh_family {
            refresh_token::revoke_family(state, family).await?;
        }
        tracing::warn!("authorization code replayed: tokens issued from it were revoked");
    }
    Ok(None)
}

/// Remembers what a redeemed code issued, for [`redeem_code`] to revoke on replay.
pub async fn remember_code(store: &Store, code: &str, used: &UsedCode) -> Result<(), StoreError> {
    store
        .put_json(
            &format!("usedcode:{}", secrets::digest(code)),
            used,
            USED_CODE_TTL,
        )
        .await
}

/// Stores a new opaque access token; returns it and its digest.
pub async fn put_access_token(
    store: &Store,
    grant: &AccessGrant,
) -> Result<(String, String), StoreError> {
    let token = secrets::random_token(32);
    let digest = secrets::digest(&token);
    store
        .put_json(&format!("at:{digest}"), grant, ACCESS_TOKEN_TTL)
        .await?;
    Ok((token, digest))
}

pub async fn revoke_access_digest(store: &Store, digest: &str) -> Result<(), StoreError> {
    store.delete(&format!("at:{digest}")).await
}

pub async fn access_grant(store: &Store, token: &str) -> Result<Option<AccessGrant>, StoreError> {
    if token.is_empty() || token.len() > 256 {
        return Ok(None);
    }
    let grant: Option<AccessGrant> = store
        .get_json(&format!("at:{}", secrets::digest(token)))
        .await?;
    Ok(grant.filter(|g| g.expires_at > super::now_s()))
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        use base64::Engine;
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("my%3Aid:p%40ss")
        );
        let p = presented_client(Some(&h), &form(&[])).unwrap();
        assert_eq!(p.client_id, "my:id");
        assert_eq!(p.secret.as_deref(), Some("p@ss"));
        assert!(p.via_basic);
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        use base64::Engine;
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("a:b")
        );
        assert!(presented_client(Some(&h), &form(&[("client_secret", "b")])).is_err());
    }

    #[test]
    fn missing_client_is_invalid_client() {
        let e = presented_client(None, &form(&[])).unwrap_err();
        assert_eq!(e.error, "invalid_client");
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
    }
}
