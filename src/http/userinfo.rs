use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use crate::http::state::AppState;
use crate::oidc::userinfo::{self, UserInfo};

pub fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn respond(info: UserInfo) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    resp.insert_header(("Cache-Control", "no-store"));
    match info {
        UserInfo::Json(claims) => resp.json(claims),
        UserInfo::Jwt(jwt) => resp.content_type("application/jwt").body(jwt),
    }
}

pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, JsonError> {
    let info = userinfo::answer(&state.token_ctx(), bearer(&req).as_deref()).await?;
    Ok(respond(info))
}

/// RFC 6750 §2.2: the token may also come as a form field.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Option<web::Form<HashMap<String, String>>>,
) -> Result<HttpResponse, JsonError> {
    let token = bearer(&req).or_else(|| form.and_then(|f| f.get("access_token").cloned()));
    let info = userinfo::answer(&state.token_ctx(), token.as_deref()).await?;
    Ok(respond(info))
}
