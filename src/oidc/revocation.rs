//! Token revocation (RFC 7009). A client may revoke only its own tokens. Revoking
//! a refresh token revokes its whole family and the access tokens issued from it
//! (§2.1); revoking an access token removes it from the store at once, so userinfo
//! and introspection refuse it from then on.

use super::token::{AccessGrant, refresh_token, revoke_access_digest};
use crate::db::clients::Client;
use crate::db::refresh_tokens;
use crate::error::JsonError;
use crate::secrets;
use crate::startup::AppState;

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

fn not_yours() -> JsonError {
    JsonError::bad_request(
        "unauthorized_client",
        "the token was not issued to this client",
    )
}

/// Revokes `token` for `client`. An unknown, expired or already revoked token is
/// not an error (§2.2): the client cannot tell them apart, and need not.
pub async fn revoke(
    state: &AppState,
    client: &Client,
    token: &str,
    hint: Option<Hint>,
) -> Result<(), JsonError> {
    if token.len() > 256 {
        return Ok(());
    }
    let digest = secrets::digest(token);
    for kind in Hint::order(hint) {
        match kind {
            Hint::AccessToken => {
                let grant: Option<AccessGrant> =
                    state.store.get_json(&format!("at:{digest}")).await?;
                if let Some(grant) = grant {
                    if grant.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    revoke_access_digest(&state.store, &digest).await?;
                    return Ok(());
                }
            }
            Hint::RefreshToken => {
                if let Some(record) = refresh_tokens::find(&state.db, &digest).await? {
                    if record.grant.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    refresh_token::revoke_family(state, &record.grant.family_id)
                        .await
                        .map_err(JsonError::from)?;
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}
