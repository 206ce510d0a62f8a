//! A protected resource that demands step-up authentication (RFC 9470): it
//! introspects each bearer token at Portcullis (RFC 7662) and answers 401 with an
//! `insufficient_user_authentication` challenge when the token's `acr` or
//! `auth_time` falls short. `examples/resource_server.rs` runs it; it lives in the
//! library so the integration tests run exactly this code.
//!
//! How the token is introspected (an HTTP client with the resource server's own
//! client credentials) is left to the caller through [`Introspector`], so the
//! provider itself carries no HTTP client.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde::Deserialize;
use serde_json::json;

use crate::oidc::step_up_challenge::{self, Decision, Requirement, TokenAuthentication};

/// The path of the protected resource.
pub const PATH: &str = "/protected";

/// An RFC 7662 introspection response, the members this server reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub acr: Option<String>,
    #[serde(default)]
    pub amr: Option<Vec<String>>,
    #[serde(default)]
    pub auth_time: Option<i64>,
}

/// Asks the authorization server about a token.
#[async_trait::async_trait]
pub trait Introspector: Send + Sync + 'static {
    /// Err when the authorization server could not be asked or did not answer.
    async fn introspect(&self, token: &str) -> Result<Introspection, String>;
}

pub struct ResourceServer {
    pub requirement: Requirement,
    pub introspector: Arc<dyn Introspector>,
}

/// Serves [`PATH`] on `listener`.
pub fn serve(listener: TcpListener, rs: ResourceServer) -> std::io::Result<Server> {
    let data = web::Data::new(rs);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(PATH, web::get().to(protected))
    })
    .listen(listener)?
    .workers(1)
    .run())
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(challenge: String, body: serde_json::Value) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header(("WWW-Authenticate", challenge))
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

async fn protected(rs: web::Data<ResourceServer>, req: HttpRequest) -> HttpResponse {
    // RFC 6750 §3.1: no token, no error code.
    let Some(token) = bearer(&req) else {
        return unauthorized(
            "Bearer realm=\"resource\"".into(),
            json!({"error": "invalid_request"}),
        );
    };
    let info = match rs.introspector.introspect(token).await {
        Ok(info) => info,
        Err(e) => {
            tracing::warn!(error = %e, "introspection failed");
            return HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
                .json(json!({"error": "temporarily_unavailable"}));
        }
    };
    if !info.active {
        return unauthorized(
            "Bearer realm=\"resource\", error=\"invalid_token\"".into(),
            json!({"error": "invalid_token"}),
        );
    }
    let facts = TokenAuthentication {
        acr: info.acr.clone(),
        auth_time: info.auth_time,
    };
    match step_up_challenge::decide(&rs.requirement, &facts, crate::oidc::now_s()) {
        Decision::Allow => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({
                "sub": info.sub,
                "client_id": info.client_id,
                "acr": info.acr,
                "amr": info.amr,
                "auth_time": info.auth_time,
                "message": "access granted",
            })),
        Decision::StepUp(c) => unauthorized(
            c.header(),
            json!({
                "error": step_up_challenge::ERROR,
                "error_description": c.description,
            }),
        ),
    }
}
