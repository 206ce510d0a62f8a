//! The UserInfo endpoint (OIDC Core §5.3).

use serde_json::{Value, json};

use super::error::BearerError;
use super::id_token::ProfileClaims;
use super::token::{TokenCtx, access_grant};
use crate::db::users;

/// RFC 6750 §3.1: the token was sent but is not good (any more).
fn invalid_token(description: &str) -> BearerError {
    BearerError::invalid_token(description, true)
}

pub async fn claims(ctx: &TokenCtx<'_>, token: Option<&str>) -> Result<Value, BearerError> {
    let token =
        token.ok_or_else(|| BearerError::InvalidRequest("a bearer token is required".into()))?;
    let grant = access_grant(ctx.store, token)
        .await?
        .ok_or_else(|| invalid_token("the access token is invalid or expired"))?;
    // A deleted client's tokens go with it.
    if ctx.cache.client(ctx.db, &grant.client_id).await?.is_none() {
        return Err(invalid_token("the access token is invalid or expired"));
    }
    // A client_credentials token acts for a client: there is no user to describe.
    let user_id = grant
        .user_id
        .as_deref()
        .ok_or_else(|| invalid_token("the access token does not identify a user"))?;
    let user = users::find_by_id(ctx.db, user_id)
        .await?
        .filter(|u| grant.valid_for(u))
        .ok_or_else(|| invalid_token("the user is no longer active"))?;
    let groups = if ProfileClaims::wants_groups(&grant.scopes, &grant.userinfo_claims) {
        Some(users::groups_of(ctx.db, &user.id).await?)
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
    Ok(out)
}
