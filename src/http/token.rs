//! `POST /token` (RFC 6749 §3.2).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use super::extract::OnceForm;
use crate::http::state::AppState;
use crate::oidc::token::{self, ClientAuth};

pub fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok())
}

/// What the request brought to authenticate its client (RFC 6749 §2.3.1): the
/// `Authorization` header and the body's credentials.
pub fn client_auth(req: &HttpRequest, form: &HashMap<String, String>) -> ClientAuth {
    ClientAuth {
        authorization: authorization(req).map(str::to_owned),
        client_id: form.get("client_id").cloned(),
        client_secret: form.get("client_secret").cloned(),
    }
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OnceForm,
) -> Result<HttpResponse, JsonError> {
    let auth = client_auth(&req, &form);
    let response = token::exchange(&state.token_ctx(), &auth, &form).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(response))
}
