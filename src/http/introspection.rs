//! `POST /introspect` (RFC 7662): confidential clients only.

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use super::extract::OnceForm;
use super::token::client_auth;
use crate::http::state::AppState;
use crate::oidc::introspection;

pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OnceForm,
) -> Result<HttpResponse, JsonError> {
    let body = introspection::handle(&state.token_ctx(), &client_auth(&req, &form), &form).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
