//! The token endpoint (RFC 6749 §3.2, §4.1.3): client authentication, the request
//! parsed into a typed value by `grant_type`, codes and access tokens.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::auth::stepup::Proof;
use crate::config::Settings;
use crate::db::cache::ReadCache;
use crate::error::Failure;
use crate::keys::KeyRing;
use crate::oidc::claims::ClaimsRequest;
use crate::oidc::error::TokenError;
use crate::secrets;
use crate::store::{Store, StoreError};

pub mod authorization_code;
pub mod client_auth;
pub mod client_credentials;
pub mod issue;
pub mod refresh_token;
pub mod request;

pub use client_auth::ClientAuth;
pub use request::TokenRequest;

pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// How long a redeemed code is remembered, to detect and punish its reuse.
const USED_CODE_TTL: Duration = Duration::from_secs(3600);

/// What the token, revocation and introspection endpoints use of the server:
/// built per request by the HTTP layer.
#[derive(Clone, Copy)]
pub struct TokenCtx<'a> {
    pub settings: &'a Settings,
    pub db: &'a DatabaseConnection,
    pub store: &'a Store,
    pub keys: &'a KeyRing,
    pub cache: &'a ReadCache,
    /// Users and their groups, without a database read while unchanged.
    pub directory: &'a crate::directory::Directory,
}

/// RFC 6749 §3.2: the token request, authenticated and parsed, then handed to
/// its grant.
pub async fn exchange(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
    form: &HashMap<String, String>,
) -> Result<TokenResponse, TokenError> {
    let client = client_auth::client_of_request(ctx, auth).await?;
    match TokenRequest::from_form(form)? {
        TokenRequest::AuthorizationCode(r) => authorization_code::exchange(ctx, &client, r).await,
        TokenRequest::RefreshToken(r) => refresh_token::exchange(ctx, &client, r).await,
        TokenRequest::ClientCredentials(r) => client_credentials::exchange(ctx, &client, r).await,
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
    /// Claims asked for one by one (OIDC Core §5.5).
    #[serde(default)]
    pub claims: ClaimsRequest,
    /// The upstream identity provider the login went through.
    #[serde(default)]
    pub idp: Option<String>,
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
    /// Claims userinfo releases beyond the scopes (OIDC Core §5.5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub userinfo_claims: Vec<String>,
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
pub async fn redeem_code(ctx: &TokenCtx<'_>, code: &str) -> Result<Option<CodeGrant>, Failure> {
    let digest = secrets::digest(code);
    let store = ctx.store;
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
            refresh_token::revoke_family(ctx, family).await?;
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
