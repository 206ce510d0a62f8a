//! The admin REST API under `/admin/api/v1`: bearer admin tokens,
//! JSON in and out, errors as `{"error", "error_description"}`.

mod audit;
mod groups;
mod imports;
mod users;

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use crate::admin::admin_group::AdminGrant;
use crate::admin::{AdminCtx, AdminError};
use crate::http::errors::JsonError;
use crate::http::state::AppState;
use crate::oidc::error::BearerError;

pub const OPENAPI: &str = include_str!("openapi.json");

impl From<AdminError> for JsonError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => JsonError::invalid_request(m),
            AdminError::NotFound => JsonError::not_found("no such resource"),
            AdminError::Conflict(m) | AdminError::LastAdmin(m) => JsonError::conflict(m),
            AdminError::Failure(f) => f.into(),
        }
    }
}

/// An authenticated admin API caller; every action it takes is audited as
/// `admin:<token name>`.
pub struct Admin {
    pub ctx: AdminCtx,
}

impl FromRequest for Admin {
    type Error = JsonError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                JsonError::from(crate::error::Failure::Internal("no app state".into()))
            })?;
            // RFC 6750 §3.1: no credentials → a bare challenge; bad ones → invalid_token.
            let realm = "Bearer realm=\"portcullis-admin\"";
            let presented = header
                .as_deref()
                .and_then(|h| {
                    h.strip_prefix("Bearer ")
                        .or_else(|| h.strip_prefix("bearer "))
                })
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    JsonError::invalid_token(
                        "an admin API token is required (Authorization: Bearer …)",
                    )
                    .with_challenge(realm)
                })?;
            match state.admin_ctx("admin").for_token(presented).await? {
                Some(ctx) => Ok(Admin { ctx }),
                None => Err(
                    JsonError::invalid_token("the admin API token is unknown or revoked")
                        .with_challenge(format!(
                            "{realm}, error=\"{}\"",
                            BearerError::INVALID_TOKEN
                        )),
                ),
            }
        })
    }
}

/// `?allow_admin_group=true`: this call may put users into `admin.group`.
#[derive(serde::Deserialize)]
pub struct GrantParam {
    #[serde(default)]
    allow_admin_group: bool,
}

impl GrantParam {
    fn grant(&self) -> AdminGrant {
        AdminGrant::from_flag(self.allow_admin_group)
    }
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

async fn not_found() -> Result<HttpResponse, JsonError> {
    Err(JsonError::not_found("no such admin API route"))
}

fn json_error(e: impl std::fmt::Display) -> actix_web::Error {
    JsonError::invalid_request(e.to_string()).into()
}

/// JSON bodies of the admin API are small (a bulk action names at most 1,000
/// ids, about 40 KB); a larger one is refused (413) before it is parsed.
const JSON_LIMIT: usize = 256 * 1024;

fn json_body_error(e: actix_web::error::JsonPayloadError) -> actix_web::Error {
    use actix_web::error::JsonPayloadError::{Overflow, OverflowKnownLength};
    match e {
        Overflow { .. } | OverflowKnownLength { .. } => {
            JsonError::too_large(format!("JSON bodies are limited to {JSON_LIMIT} bytes")).into()
        }
        other => json_error(other),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin/api/v1")
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(|e, _| json_body_error(e)),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| json_error(e)))
            .route("/openapi.json", web::get().to(openapi))
            .route("/users", web::get().to(users::list))
            .route("/users", web::post().to(users::create))
            .route("/users/bulk", web::post().to(users::bulk))
            .route("/users/{id}", web::get().to(users::get))
            .route("/users/{id}", web::patch().to(users::patch))
            .route("/users/{id}", web::delete().to(users::delete))
            .route("/users/{id}/password", web::post().to(users::password))
            .route("/users/{id}/reset-mfa", web::post().to(users::reset_mfa))
            .route("/users/{id}/two-factor", web::put().to(users::two_factor))
            .route("/users/{id}/sign-out", web::post().to(users::sign_out))
            .route("/groups", web::get().to(groups::list))
            .route("/groups", web::post().to(groups::create))
            .route("/groups/{id}", web::get().to(groups::get))
            .route("/groups/{id}", web::patch().to(groups::rename))
            .route("/groups/{id}", web::delete().to(groups::delete))
            .route("/groups/{id}/members", web::get().to(groups::members))
            .route("/groups/{id}/members", web::post().to(groups::add_member))
            .route(
                "/groups/{id}/members/{user_id}",
                web::delete().to(groups::remove_member),
            )
            .route("/imports", web::post().to(imports::create))
            .route("/imports/{id}", web::get().to(imports::status))
            .route(
                "/imports/{id}/batches/{n}",
                web::post().to(imports::run_batch),
            )
            .route("/imports/{id}/cancel", web::post().to(imports::cancel))
            .route("/imports/{id}/results.csv", web::get().to(imports::results))
            .route("/audit", web::get().to(audit::list))
            .default_service(web::to(not_found)),
    );
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
