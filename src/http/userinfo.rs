use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use crate::http::state::AppState;
use crate::oidc::userinfo;

pub fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, JsonError> {
    let claims = userinfo::claims(&state.token_ctx(), bearer(&req).as_deref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(claims))
}

/// RFC 6750 §2.2: the token may also come as a form field.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Option<web::Form<HashMap<String, String>>>,
) -> Result<HttpResponse, JsonError> {
    let token = bearer(&req).or_else(|| form.and_then(|f| f.get("access_token").cloned()));
    let claims = userinfo::claims(&state.token_ctx(), token.as_deref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(claims))
}
