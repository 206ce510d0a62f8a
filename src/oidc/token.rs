//! The token endpoint (RFC 6749 §3.2, §4.1.3): client authentication, the request
//! parsed into a typed value by `grant_type`, codes and access tokens.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::auth::stepup::Proof;
use crate::config::Settings;
use crate::db::cache::ReadCache;
use crate::db::clients::Client;
use crate::error::Failure;
use crate::keys::KeyRing;
use crate::oidc::claims::ClaimsRequest;
use crate::oidc::error::TokenError;
use crate::oidc::now_s;
use crate::secrets;
use crate::store::{Store, StoreError};

pub mod access;
pub mod authorization_code;
pub mod client_auth;
pub mod client_credentials;
pub mod issue;
pub mod refresh_token;
pub mod request;

pub use client_auth::ClientAuth;
pub use request::TokenRequest;

pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);

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
    /// Seals and opens access tokens.
    pub access: &'a access::AccessTokens,
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

/// What an access token stands for. It is the token's own content, sealed
/// ([`access`]): short member names keep the token short.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessGrant {
    /// The user, or None for a `client_credentials` token that acts for the client.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(rename = "c")]
    pub client_id: String,
    #[serde(rename = "p")]
    pub scopes: Vec<String>,
    #[serde(rename = "a", default, skip_serializing_if = "String::is_empty")]
    pub acr: String,
    #[serde(rename = "m", default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    #[serde(rename = "t", default)]
    pub auth_time: i64,
    #[serde(rename = "i")]
    pub issued_at: i64,
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// The user's session epoch the token descends from: an administrator's
    /// reset or sign-out ends the epoch and the token with it.
    #[serde(rename = "n", default)]
    pub epoch: i64,
    /// Claims userinfo releases beyond the scopes (OIDC Core §5.5).
    #[serde(rename = "u", default, skip_serializing_if = "Vec::is_empty")]
    pub userinfo_claims: Vec<String>,
    /// The grant the token descends from (the code's grant, which is also its
    /// refresh family): revoking the grant revokes the token.
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// The token's id, its sealing nonce; not part of the sealed record.
    #[serde(skip)]
    pub jti: String,
}

impl AccessGrant {
    /// Whether the token still speaks for `user`: active, same session epoch.
    pub fn valid_for(&self, user: &crate::db::users::User) -> bool {
        self.user_id.as_deref() == Some(user.id.as_str())
            && user.active
            && self.epoch == user.session_epoch
    }
}

/// Issues a code for `grant`: kept in the store for `ttl` under its digest,
/// and sealed with its own expiry and client ([`access::AccessTokens::new_code`]).
pub async fn put_code(
    store: &Store,
    codes: &access::AccessTokens,
    grant: &CodeGrant,
    ttl: Duration,
) -> Result<String, Failure> {
    let code = codes.new_code(now_s() + ttl.as_secs() as i64, &grant.client_id)?;
    store.put_json(&code_key(&code), grant, ttl).await?;
    Ok(code)
}

fn code_key(code: &str) -> String {
    format!("code:{}", secrets::digest(code))
}

/// Written when a replay of the code behind the grant id is seen, for the
/// code's lifetime: a first redemption still in flight revokes the refresh
/// family it has just started (see [`code_replayed`]).
fn replayed_key(grant_id: &str) -> String {
    format!("replayedcode:{grant_id}")
}

/// Whether the user's consent covers `scopes` for `client`: always for an
/// operator's client, which needs none.
pub async fn consent_stands(
    ctx: &TokenCtx<'_>,
    client: &Client,
    user_id: &str,
    scopes: &[String],
) -> Result<bool, Failure> {
    if !client.profile.dynamic {
        return Ok(true);
    }
    Ok(crate::db::consents::covers(ctx.db, user_id, &client.client_id, scopes, 0).await?)
}

/// Why [`redeem_code`] gave no grant.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeRefused {
    /// Made up, expired, or redeemed before (a replay, whose tokens are now
    /// revoked).
    Unusable,
    /// Sealed for another client than the one presenting it: left as it was.
    OtherClient,
}

/// Redeems a code once: whoever takes it from the store first. A code of ours
/// that is still within its lifetime but no longer in the store was redeemed
/// before (the store never drops a live entry, and a made-up code cannot carry
/// our seal): that is a replay, and every token the code issued, or is
/// issuing, is revoked (RFC 6749 §4.1.2, §10.5): the access tokens and the
/// whole refresh-token family. Nothing is kept per redeemed code; an expired
/// or made-up code is refused and changes nothing, and so is a code presented
/// by another client than `client_id` (RFC 6749 §4.1.3): a leaked code does not
/// let another client use it up, nor revoke what it issued.
pub async fn redeem_code(
    ctx: &TokenCtx<'_>,
    code: &str,
    client_id: &str,
) -> Result<Result<CodeGrant, CodeRefused>, Failure> {
    let store = ctx.store;
    let sealed = ctx.access.open_code(code);
    if sealed.as_ref().is_some_and(|c| !c.issued_to(client_id)) {
        return Ok(Err(CodeRefused::OtherClient));
    }
    if let Some(grant) = store.take_json::<CodeGrant>(&code_key(code)).await? {
        return Ok(Ok(grant));
    }
    if sealed.is_none_or(|c| c.expires_at <= now_s()) {
        return Ok(Err(CodeRefused::Unusable));
    }
    let grant_id = access::grant_id_of_code(code);
    // The mark first, so that a first redemption still in flight revokes the
    // family it is about to start; then what was issued already.
    store
        .put_json(&replayed_key(&grant_id), &true, ctx.settings.code_ttl)
        .await?;
    access::revoke_grant(store, &grant_id).await?;
    refresh_token::revoke_family(ctx, &grant_id).await?;
    tracing::warn!("authorization code replayed: tokens issued from it were revoked");
    Ok(Err(CodeRefused::Unusable))
}

/// Whether a replay of the code behind `grant_id` was seen since it was
/// redeemed; checked after a refresh family was started from it, which the
/// replay may have missed.
pub async fn code_replayed(ctx: &TokenCtx<'_>, grant_id: &str) -> Result<bool, StoreError> {
    ctx.store.contains(&replayed_key(grant_id)).await
}

/// The record of a presented access token: sealed by us, not expired, not
/// revoked. Whether its user and client still stand behind it is the caller's
/// check.
pub async fn access_grant(
    ctx: &TokenCtx<'_>,
    token: &str,
) -> Result<Option<AccessGrant>, StoreError> {
    let Some(grant) = ctx.access.open(token) else {
        return Ok(None);
    };
    let now = super::now_s();
    if grant.expires_at <= now || access::revoked(ctx.store, &grant, now).await? {
        return Ok(None);
    }
    Ok(Some(grant))
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
