//! `POST /introspect` (RFC 7662): confidential clients only.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::token::authorization;
use crate::error::JsonError;
use crate::oidc::introspection;
use crate::oidc::revocation::Hint;
use crate::oidc::token::client_auth::confidential_client_of_request;
use crate::startup::AppState;

pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, JsonError> {
    let form = form.into_inner();
    let client = confidential_client_of_request(&state, authorization(&req), &form).await?;
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| JsonError::bad_request("invalid_request", "token is required"))?;
    let hint = Hint::parse(form.get("token_type_hint").map(String::as_str));
    let body = introspection::introspect(&state, &client, token, hint).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
