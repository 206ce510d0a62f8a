use actix_web::{HttpResponse, web};

use crate::http::state::AppState;

pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/json")
        .body(state.discovery.clone())
}

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .content_type("application/jwk-set+json")
        .body(state.keys.current().jwks_body())
}
