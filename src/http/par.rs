//! `POST /par`: Pushed Authorization Requests (RFC 9126 §2).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use super::extract::OnceForm;
use super::token::client_auth;
use crate::oidc::par::{self, ParError};
use crate::startup::AppState;

pub async fn push(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OnceForm,
) -> Result<HttpResponse, JsonError> {
    let auth = client_auth(&req, &form);
    match par::push(&state.token_ctx(), &auth, &form).await {
        Ok(body) => Ok(HttpResponse::build(StatusCode::CREATED)
            .insert_header(("Cache-Control", "no-store"))
            .json(body)),
        Err(ParError::Token(e)) => Err(e.into()),
        Err(ParError::Authz(e)) => Err(JsonError::bad_request(e.code.as_str(), e.description)),
    }
}
