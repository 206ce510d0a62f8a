use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::JsonError;
use crate::oidc::token::client_auth::client_of_request;
use crate::oidc::token::{authorization_code, client_credentials, refresh_token};
use crate::startup::AppState;

/// The token request, parsed by `grant_type`.
enum Grant {
    AuthorizationCode(authorization_code::CodeRequest),
    RefreshToken(refresh_token::RefreshRequest),
    ClientCredentials(client_credentials::ClientCredentialsRequest),
}

fn parse(form: &HashMap<String, String>) -> Result<Grant, JsonError> {
    let get = |k: &str| form.get(k).filter(|v| !v.is_empty()).cloned();
    let required = |k: &str| {
        get(k).ok_or_else(|| JsonError::bad_request("invalid_request", format!("{k} is required")))
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            Ok(Grant::AuthorizationCode(authorization_code::CodeRequest {
                code: required("code")?,
                redirect_uri: get("redirect_uri"),
                code_verifier: get("code_verifier"),
            }))
        }
        Some("refresh_token") => Ok(Grant::RefreshToken(refresh_token::RefreshRequest {
            refresh_token: required("refresh_token")?,
            scope: get("scope"),
        })),
        Some("client_credentials") => Ok(Grant::ClientCredentials(
            client_credentials::ClientCredentialsRequest {
                scope: get("scope"),
            },
        )),
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

pub fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok())
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, JsonError> {
    let form = form.into_inner();
    let client = client_of_request(&state, authorization(&req), &form).await?;
    let response = match parse(&form)? {
        Grant::AuthorizationCode(r) => authorization_code::exchange(&state, &client, r).await?,
        Grant::RefreshToken(r) => refresh_token::exchange(&state, &client, r).await?,
        Grant::ClientCredentials(r) => client_credentials::exchange(&state, &client, r).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(response))
}
