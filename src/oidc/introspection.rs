//! Token introspection (RFC 7662) for resource servers. Besides the standard
//! members, an active user token reports `acr`, `amr` and `auth_time`, so that a
//! resource server can demand a step-up (RFC 9470 §6.2). Anything not active
//! (unknown, expired, revoked, user deactivated, sessions ended by an
//! administrator, client deleted) is `{"active": false}` and nothing else (§2.2).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::error::TokenError;
use super::now_s;
use super::revocation::{Hint, TokenRef};
use super::token::client_auth::confidential_client_of_request;
use super::token::refresh_token::REFRESH_TOKEN_MAX_LEN;
use super::token::{ClientAuth, TokenCtx, access_grant, refresh_token};
use crate::db::clients::Client;
use crate::db::refresh_tokens::{self, TokenState};
use crate::error::Failure;
use crate::secrets;

pub fn inactive() -> Value {
    json!({ "active": false })
}

/// The user still stands behind a token of `epoch`: active, and no
/// administrator ended their sessions since.
async fn user_current(ctx: &TokenCtx<'_>, user_id: &str, epoch: i64) -> Result<bool, Failure> {
    Ok(ctx
        .directory
        .find_user(ctx.db, ctx.store, user_id)
        .await?
        .is_some_and(|u| u.active && u.session_epoch == epoch))
}

/// RFC 7662 §2.2: a token whose client is gone is not active; its tokens go
/// with it (as at userinfo), within `database.cache_ttl` when deleted elsewhere.
async fn client_exists(ctx: &TokenCtx<'_>, client_id: &str) -> Result<bool, Failure> {
    Ok(ctx.cache.client(ctx.db, client_id).await?.is_some())
}

/// `POST /introspect`: a confidential client authenticates, then names a token.
pub async fn handle(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
    form: &HashMap<String, String>,
) -> Result<Value, TokenError> {
    let caller = confidential_client_of_request(ctx, auth).await?;
    let r = TokenRef::from_form(form)?;
    Ok(introspect(ctx, &caller, &r.token, r.hint).await?)
}

/// An operator's confidential client may introspect any access token (that is
/// what a resource server does); a self-registered one only its own, since
/// whoever holds the registration token could otherwise check any stolen
/// token and read whose it is. A refresh token is reported only to the client
/// it was issued to, since no one else should ever hold it.
pub async fn introspect(
    ctx: &TokenCtx<'_>,
    caller: &Client,
    token: &str,
    hint: Option<Hint>,
) -> Result<Value, Failure> {
    if token.is_empty() {
        return Ok(inactive());
    }
    let now = now_s();
    let issuer = ctx.settings.issuer_str();
    for kind in Hint::order(hint) {
        match kind {
            Hint::AccessToken => {
                let Some(g) = access_grant(ctx, token).await? else {
                    continue;
                };
                if caller.profile.dynamic && g.client_id != caller.client_id {
                    return Ok(inactive());
                }
                if !client_exists(ctx, &g.client_id).await? {
                    return Ok(inactive());
                }
                let mut out = json!({
                    "active": true,
                    "token_type": "Bearer",
                    "scope": g.scopes.join(" "),
                    "client_id": g.client_id,
                    "exp": g.expires_at,
                    "iat": g.issued_at,
                    "iss": issuer,
                });
                match &g.user_id {
                    Some(user_id) => {
                        if !user_current(ctx, user_id, g.epoch).await? {
                            return Ok(inactive());
                        }
                        out["sub"] = json!(user_id);
                        out["acr"] = json!(g.acr);
                        out["amr"] = json!(g.amr);
                        out["auth_time"] = json!(g.auth_time);
                    }
                    // client_credentials: the client acts for itself.
                    None => out["sub"] = json!(g.client_id),
                }
                return Ok(out);
            }
            Hint::RefreshToken => {
                if token.len() > REFRESH_TOKEN_MAX_LEN {
                    continue;
                }
                let digest = secrets::digest(token);
                let Some(record) = refresh_tokens::find(ctx.db, &digest).await? else {
                    continue;
                };
                let g = &record.grant;
                if g.client_id != caller.client_id
                    || record.state(now) != TokenState::Usable
                    || refresh_token::family_expired(ctx, g, now)
                    || !user_current(ctx, &g.user_id, g.epoch).await?
                {
                    return Ok(inactive());
                }
                return Ok(json!({
                    "active": true,
                    "scope": g.scopes.join(" "),
                    "client_id": g.client_id,
                    "sub": g.user_id,
                    "exp": record.expires_at,
                    "iat": record.created_at,
                    "iss": issuer,
                    "acr": g.acr,
                    "amr": g.amr,
                    "auth_time": g.auth_time,
                }));
            }
        }
    }
    Ok(inactive())
}
