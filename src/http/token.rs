use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::db::clients;
use crate::error::JsonError;
use crate::oidc::token::{self, authorization_code};
use crate::startup::AppState;

/// The token request, parsed by `grant_type`.
enum Grant {
    AuthorizationCode(authorization_code::CodeRequest),
}

fn parse(form: &HashMap<String, String>) -> Result<Grant, JsonError> {
    let get = |k: &str| form.get(k).filter(|v| !v.is_empty()).cloned();
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            Ok(Grant::AuthorizationCode(authorization_code::CodeRequest {
                code: get("code")
                    .ok_or_else(|| JsonError::bad_request("invalid_request", "code is required"))?,
                redirect_uri: get("redirect_uri"),
                code_verifier: get("code_verifier"),
            }))
        }
        Some(_) => Err(JsonError::bad_request(
            "unsupported_grant_type",
            "this grant type is not supported",
        )),
        None => Err(JsonError::bad_request(
            "invalid_request",
            "grant_type is required",
        )),
    }
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, JsonError> {
    let form = form.into_inner();
    let authz = req
        .headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok());
    let presented = token::presented_client(authz, &form)?;
    let client = if presented.client_id.len() <= 128 {
        clients::find(&state.db, &presented.client_id).await?
    } else {
        None
    };
    let client = token::authenticate(client, &presented)?;
    let response = match parse(&form)? {
        Grant::AuthorizationCode(r) => authorization_code::exchange(&state, &client, r).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(response))
}
