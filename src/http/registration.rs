//! `POST /register` (RFC 7591) and `/register/{client_id}` (RFC 7592).

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::JsonError;
use crate::oidc::registration;
use crate::startup::AppState;

fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Answers carry secrets or what protects them: never cached.
fn json(mut b: actix_web::HttpResponseBuilder, doc: serde_json::Value) -> HttpResponse {
    b.insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(doc)
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, JsonError> {
    let doc = registration::register(&state, bearer(&req).as_deref(), &body).await?;
    Ok(json(HttpResponse::Created(), doc))
}

pub async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    let doc = registration::read(&state, &client_id, bearer(&req).as_deref()).await?;
    Ok(json(HttpResponse::Ok(), doc))
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, JsonError> {
    let doc = registration::update(&state, &client_id, bearer(&req).as_deref(), &body).await?;
    Ok(json(HttpResponse::Ok(), doc))
}

pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    registration::delete(&state, &client_id, bearer(&req).as_deref()).await?;
    Ok(HttpResponse::NoContent()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
