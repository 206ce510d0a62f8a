use actix_web::{HttpResponse, web};

use crate::http::state::AppState;
use crate::oidc::discovery;

pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(discovery::metadata(&state.settings))
}

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .content_type("application/jwk-set+json")
        .body(state.keys.current().jwks_json().to_string())
}
