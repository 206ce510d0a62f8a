//! Token revocation (RFC 7009). A client may revoke only its own tokens. Revoking
//! a refresh token revokes its whole family and the access tokens issued from it
//! (§2.1); revoking an access token puts its id on the deny-list until it
//! expires, so userinfo and introspection refuse it from then on, on every
//! instance that shares the store.

use std::collections::HashMap;

use super::error::TokenError;
use super::now_s;
use super::token::client_auth::client_of_request;
use super::token::refresh_token::REFRESH_TOKEN_MAX_LEN;
use super::token::{ClientAuth, TokenCtx, access, refresh_token};
use crate::db::clients::Client;
use crate::db::refresh_tokens;
use crate::secrets;

/// `token_type_hint` (RFC 7009 §2.1): where to look first; the other kind is
/// searched too when the hint is wrong or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    AccessToken,
    RefreshToken,
}

impl Hint {
    pub fn parse(s: Option<&str>) -> Option<Hint> {
        match s {
            Some("access_token") => Some(Hint::AccessToken),
            Some("refresh_token") => Some(Hint::RefreshToken),
            _ => None,
        }
    }

    /// The kinds to look up, the hinted one first.
    pub fn order(hint: Option<Hint>) -> [Hint; 2] {
        match hint {
            Some(Hint::RefreshToken) => [Hint::RefreshToken, Hint::AccessToken],
            _ => [Hint::AccessToken, Hint::RefreshToken],
        }
    }
}

fn not_yours() -> TokenError {
    TokenError::UnauthorizedClient("the token was not issued to this client".into())
}

/// The token a revocation or introspection request names (RFC 7009 §2.1,
/// RFC 7662 §2.1), with its hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRef {
    pub token: String,
    pub hint: Option<Hint>,
}

impl TokenRef {
    pub fn from_form(form: &HashMap<String, String>) -> Result<Self, TokenError> {
        let token = form
            .get("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| TokenError::InvalidRequest("token is required".into()))?;
        Ok(Self {
            token: token.clone(),
            hint: Hint::parse(form.get("token_type_hint").map(String::as_str)),
        })
    }
}

/// `POST /revoke`: the client authenticates, then names a token of its own.
pub async fn handle(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
    form: &HashMap<String, String>,
) -> Result<(), TokenError> {
    let client = client_of_request(ctx, auth).await?;
    let r = TokenRef::from_form(form)?;
    revoke(ctx, &client, &r.token, r.hint).await
}

/// Revokes `token` for `client`. An unknown, expired or already revoked token is
/// not an error (§2.2): the client cannot tell them apart, and need not.
pub async fn revoke(
    ctx: &TokenCtx<'_>,
    client: &Client,
    token: &str,
    hint: Option<Hint>,
) -> Result<(), TokenError> {
    for kind in Hint::order(hint) {
        match kind {
            Hint::AccessToken => {
                // Expired or already revoked: nothing left to do, and no error.
                if let Some(grant) = ctx.access.open(token) {
                    if grant.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    access::revoke_token(ctx.store, &grant, now_s()).await?;
                    return Ok(());
                }
            }
            Hint::RefreshToken => {
                if token.len() > REFRESH_TOKEN_MAX_LEN {
                    continue;
                }
                let digest = secrets::digest(token);
                if let Some(record) = refresh_tokens::find(ctx.db, &digest).await? {
                    if record.grant.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    refresh_token::revoke_family(ctx, &record.grant.family_id).await?;
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}
