//! The UserInfo endpoint (OIDC Core §5.3).

use serde_json::{Value, json};

use super::error::BearerError;
use super::id_token::ProfileClaims;
use super::token::{TokenCtx, access_grant};
use crate::db::clients::Client;
use crate::error::Failure;

/// RFC 6750 §3.1: the token was sent but is not good (any more).
fn invalid_token(description: &str) -> BearerError {
    BearerError::invalid_token(description, true)
}

/// A userinfo answer: plain JSON, or a signed JWT (`application/jwt`, OIDC Core
/// §5.3.2) for a client registered with `userinfo_signed_response_alg`.
#[derive(Debug, Clone, PartialEq)]
pub enum UserInfo {
    Json(Value),
    Jwt(String),
}

pub async fn answer(ctx: &TokenCtx<'_>, token: Option<&str>) -> Result<UserInfo, BearerError> {
    let (client, mut claims) = claims(ctx, token).await?;
    let Some(alg) = client.profile.options.userinfo_signed_response_alg else {
        return Ok(UserInfo::Json(claims));
    };
    // §5.3.2: a signed answer carries iss and aud.
    claims["iss"] = ctx.settings.issuer_str().into();
    claims["aud"] = client.client_id.clone().into();
    let jwt = ctx
        .keys
        .sign_blocking(alg, claims)
        .await
        .map_err(Failure::from)?;
    Ok(UserInfo::Jwt(jwt))
}

async fn claims(ctx: &TokenCtx<'_>, token: Option<&str>) -> Result<(Client, Value), BearerError> {
    let token =
        token.ok_or_else(|| BearerError::InvalidRequest("a bearer token is required".into()))?;
    let grant = access_grant(ctx, token)
        .await?
        .ok_or_else(|| invalid_token("the access token is invalid or expired"))?;
    // A deleted client's tokens go with it.
    let client = ctx
        .cache
        .client(ctx.db, &grant.client_id)
        .await?
        .ok_or_else(|| invalid_token("the access token is invalid or expired"))?;
    // A client_credentials token acts for a client: there is no user to describe.
    let user_id = grant
        .user_id
        .as_deref()
        .ok_or_else(|| invalid_token("the access token does not identify a user"))?;
    let user = ctx
        .directory
        .find_user(ctx.db, ctx.store, user_id)
        .await?
        .filter(|u| grant.valid_for(u))
        .ok_or_else(|| invalid_token("the user is no longer active"))?;
    // OIDC Core §5.3: userinfo answers for a token of an OpenID request. A
    // refresh narrowed to drop `openid` leaves one that may not read it.
    if !grant.scopes.iter().any(|s| s == "openid") {
        return Err(BearerError::InsufficientScope {
            description: "the access token was not granted the openid scope".into(),
            scope: "openid",
        });
    }
    let groups = if ProfileClaims::wants_groups(&grant.scopes, &grant.userinfo_claims) {
        Some(Vec::clone(
            &*ctx.directory.groups(ctx.db, ctx.store, &user.id).await?,
        ))
    } else {
        None
    };
    let mut out = json!({ "sub": user.id });
    if let (Some(obj), Value::Object(extra)) = (
        out.as_object_mut(),
        serde_json::to_value(ProfileClaims::for_scopes(
            &user,
            &grant.scopes,
            &grant.userinfo_claims,
            groups,
        ))
        .unwrap_or(Value::Null),
    ) {
        obj.extend(extra);
    }
    Ok((client, out))
}
