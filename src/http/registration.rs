//! `POST /register` (RFC 7591) and `/register/{client_id}` (RFC 7592).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::JsonError;
use super::userinfo::bearer;
use crate::http::state::AppState;
use crate::oidc::error::RegistrationError;
use crate::oidc::registration::{self, metadata::MetadataError};

/// Client metadata is small; a larger body is refused before it is parsed.
const BODY_LIMIT: usize = 64 * 1024;

/// `/register` and `/register/{client_id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::post().to(register)).service(
        web::resource("/register/{client_id}")
            .route(web::get().to(read))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
}

/// The request body, refused as JSON (not actix's plain text) when too large.
async fn body(payload: web::Payload) -> Result<web::Bytes, JsonError> {
    let refused = |d: String| JsonError::from(registration_error(d));
    match payload.to_bytes_limited(BODY_LIMIT).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(refused("the request body could not be read".into())),
        Err(_) => Err(
            refused(format!("client metadata is limited to {BODY_LIMIT} bytes"))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE),
        ),
    }
}

fn registration_error(description: String) -> RegistrationError {
    MetadataError::InvalidClientMetadata(description).into()
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
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body = body(payload).await?;
    let doc =
        registration::register(&state.registration_ctx(), bearer(&req).as_deref(), &body).await?;
    Ok(json(HttpResponse::Created(), doc))
}

pub async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    let doc = registration::read(
        &state.registration_ctx(),
        &client_id,
        bearer(&req).as_deref(),
    )
    .await?;
    Ok(json(HttpResponse::Ok(), doc))
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body = body(payload).await?;
    let doc = registration::update(
        &state.registration_ctx(),
        &client_id,
        bearer(&req).as_deref(),
        &body,
    )
    .await?;
    Ok(json(HttpResponse::Ok(), doc))
}

pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    registration::delete(
        &state.registration_ctx(),
        &client_id,
        bearer(&req).as_deref(),
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}
