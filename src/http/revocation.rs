//! `POST /revoke` (RFC 7009).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::token::authorization;
use crate::error::JsonError;
use crate::oidc::revocation::{self, Hint};
use crate::oidc::token::client_auth::client_of_request;
use crate::startup::AppState;

pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, JsonError> {
    let form = form.into_inner();
    let client = client_of_request(&state, authorization(&req), &form).await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| JsonError::bad_request("invalid_request", "token is required"))?;
    let hint = Hint::parse(form.get("token_type_hint").map(String::as_str));
    revocation::revoke(&state, &client, token, hint).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
