//! The UserInfo endpoint (OIDC Core §5.3).

use serde_json::{Value, json};

use super::id_token::ProfileClaims;
use super::token::access_grant;
use crate::db::users;
use crate::error::{Failure, JsonError};
use crate::startup::AppState;

fn invalid_token(description: &str) -> JsonError {
    JsonError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_token",
        description,
    )
    .with_challenge(format!(
        "Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"{description}\""
    ))
}

pub async fn claims(state: &AppState, token: Option<&str>) -> Result<Value, JsonError> {
    let token = token.ok_or_else(|| {
        JsonError::new(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "invalid_request",
            "a bearer token is required",
        )
        .with_challenge("Bearer realm=\"portcullis\"")
    })?;
    let grant = access_grant(&state.store, token)
        .await
        .map_err(Failure::from)?
        .ok_or_else(|| invalid_token("the access token is invalid or expired"))?;
    // A deleted client's tokens go with it.
    if state
        .cache
        .client(&state.db, &grant.client_id)
        .await
        .map_err(Failure::from)?
        .is_none()
    {
        return Err(invalid_token("the access token is invalid or expired"));
    }
    // A client_credentials token acts for a client: there is no user to describe.
    let user_id = grant
        .user_id
        .as_deref()
        .ok_or_else(|| invalid_token("the access token does not identify a user"))?;
    let user = users::find_by_id(&state.db, user_id)
        .await
        .map_err(Failure::from)?
        .filter(|u| grant.valid_for(u))
        .ok_or_else(|| invalid_token("the user is no longer active"))?;
    let groups = if grant.scopes.iter().any(|s| s == "groups") {
        Some(
            users::groups_of(&state.db, &user.id)
                .await
                .map_err(Failure::from)?,
        )
    } else {
        None
    };
    let mut out = json!({ "sub": user.id });
    if let (Some(obj), Value::Object(extra)) = (
        out.as_object_mut(),
        serde_json::to_value(ProfileClaims::for_scopes(&user, &grant.scopes, groups))
            .unwrap_or(Value::Null),
    ) {
        obj.extend(extra);
    }
    Ok(out)
}
