//! `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client gets an
//! access token that acts for itself. No user took part, so there is no ID token
//! and no refresh token (§4.4.3), and the token is refused at userinfo.

use super::{AccessGrant, TokenCtx, TokenResponse};
use crate::db::clients::Client;
use crate::oidc::error::TokenError;
use crate::oidc::now_s;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ClientCredentialsRequest {
    pub scope: Option<String>,
}

/// Scopes that only make sense with a signed-in user.
const USER_ONLY_SCOPES: [&str; 2] = ["openid", "offline_access"];

/// The requested scopes, each registered for the client and not user-only.
pub fn machine_scopes(client: &Client, requested: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for s in requested.unwrap_or_default().split_whitespace() {
        if USER_ONLY_SCOPES.contains(&s) {
            return Err(format!(
                "scope {s:?} needs a user and cannot be granted to a client"
            ));
        }
        if !client.scopes.iter().any(|c| c == s) {
            return Err(format!("scope {s:?} is not registered for this client"));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

pub async fn exchange(
    ctx: &TokenCtx<'_>,
    client: &Client,
    req: ClientCredentialsRequest,
) -> Result<TokenResponse, TokenError> {
    // RFC 6749 §5.2 unauthorized_client: the grant must be registered for the
    // client (an RP registered for the code flow does not act for itself).
    if !client.allows_grant("client_credentials") {
        return Err(TokenError::UnauthorizedClient(
            "this client is not registered for the client_credentials grant".into(),
        ));
    }
    // RFC 6749 §4.4: only for clients that can keep a secret.
    if client.is_public() {
        return Err(TokenError::UnauthorizedClient(
            "the client_credentials grant is for confidential clients only".into(),
        ));
    }
    let scopes = machine_scopes(client, req.scope.as_deref()).map_err(TokenError::InvalidScope)?;
    let now = now_s();
    let grant = AccessGrant {
        user_id: None,
        client_id: client.client_id.clone(),
        scopes: scopes.clone(),
        acr: String::new(),
        amr: Vec::new(),
        auth_time: 0,
        issued_at: now,
        expires_at: now + super::ACCESS_TOKEN_TTL.as_secs() as i64,
        epoch: 0,
        userinfo_claims: Vec::new(),
        grant_id: None,
        jti: String::new(),
    };
    let access_token = ctx.access.seal(&grant)?.token;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        id_token: None,
        scope: scopes.join(" "),
        refresh_token: None,
    })
}
