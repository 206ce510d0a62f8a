//! `POST /revoke` (RFC 7009).

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use super::extract::OnceForm;
use super::token::client_auth;
use crate::http::state::AppState;
use crate::oidc::revocation;

pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OnceForm,
) -> Result<HttpResponse, JsonError> {
    revocation::handle(&state.token_ctx(), &client_auth(&req, &form), &form).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
