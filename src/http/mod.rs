//! Thin HTTP handlers: extract, call the domain, map the result. No SQL, no Redis.

pub mod account;
pub mod admin;
mod anon_form;
pub mod authorize;
pub mod client_addr;
pub mod consent;
pub mod console;
pub mod content_coding;
pub mod context;
pub mod discovery;
pub mod email_code;
pub mod errors;
pub mod extract;
pub mod forgot;
pub mod health;
pub mod interaction;
pub mod introspection;
pub mod logout;
pub mod metrics;
pub mod observe;
mod own_client;
pub mod pages;
pub mod par;
pub mod registration;
pub mod revocation;
pub mod saml;
pub mod second_factor;
pub mod security_headers;
mod self_service_pages;
pub mod set_password;
pub mod signup;
pub mod state;
pub mod token;
pub mod ui;
pub mod upstream;
pub mod userinfo;
pub mod webauthn;

use actix_web::cookie::{Cookie, CookieBuilder, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::config::Settings;
use crate::oidc::session::COOKIE;
use state::AppState;

/// Routes are tried in the order they are registered, and every pattern with a
/// `{…}` part is a regular expression: the protocol endpoints of the hot path
/// come first, before any such pattern.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/openid-configuration",
        web::get().to(discovery::openid_configuration),
    )
    .route("/jwks", web::get().to(discovery::jwks))
    .route("/authorize", web::get().to(authorize::get))
    .route("/authorize", web::post().to(authorize::post))
    .route("/token", web::post().to(token::token))
    .route("/userinfo", web::get().to(userinfo::get))
    .route("/userinfo", web::post().to(userinfo::post))
    .route("/revoke", web::post().to(revocation::revoke))
    .route("/introspect", web::post().to(introspection::introspect))
    .route("/interaction/{id}", web::get().to(interaction::show))
    .route(
        "/interaction/{id}/login",
        web::post().to(interaction::login),
    )
    .route("/interaction/{id}/consent", web::post().to(consent::post))
    .route("/interaction/{id}/email", web::post().to(email_code::post))
    .route(
        "/interaction/{id}/email/send",
        web::post().to(email_code::resend),
    )
    .route(
        "/interaction/{id}/totp",
        web::post().to(second_factor::totp_post),
    )
    .route(
        "/interaction/{id}/enroll/totp",
        web::post().to(second_factor::enroll_totp_post),
    )
    .route(
        "/interaction/{id}/webauthn/register/begin",
        web::post().to(webauthn::register_begin),
    )
    .route(
        "/interaction/{id}/webauthn/register/finish",
        web::post().to(webauthn::register_finish),
    )
    .route(
        "/interaction/{id}/webauthn/authenticate/begin",
        web::post().to(webauthn::authenticate_begin),
    )
    .route(
        "/interaction/{id}/webauthn/authenticate/finish",
        web::post().to(webauthn::authenticate_finish),
    )
    .route("/interaction/{id}/upstream", web::get().to(upstream::start))
    .route(
        "/upstream/{upstream}/callback",
        web::get().to(upstream::callback),
    )
    .route(crate::oidc::par::PATH, web::post().to(par::push))
    .route(ui::THEME_PATH, web::get().to(ui::theme))
    .route("/health", web::get().to(health::health))
    .route("/livez", web::get().to(health::livez))
    .route("/readyz", web::get().to(health::readyz))
    .route("/logout", web::get().to(logout::get))
    .route("/logout", web::post().to(logout::post))
    .route("/logout/confirm", web::post().to(logout::confirm))
    .route("/set-password/{token}", web::get().to(set_password::show))
    .route(
        "/set-password/{token}",
        web::post().to(set_password::submit),
    )
    .route("/forgot-password", web::get().to(forgot::show))
    .route("/forgot-password", web::post().to(forgot::submit))
    .route("/signup", web::get().to(signup::show))
    .route("/signup", web::post().to(signup::submit))
    .route("/signup/{token}", web::get().to(signup::link_show))
    .route("/signup/{token}", web::post().to(signup::link_submit))
    .configure(saml::routes)
    .configure(admin::routes)
    .configure(console::routes)
    .configure(account::routes);
    registration::routes(cfg);
}

/// A cookie's name as the browser sees it. With an https issuer it carries the
/// `__Host-` prefix (RFC 6265bis §4.1.3.2): the browser keeps such a cookie only
/// when it is Secure, has Path=/ and no Domain, so neither a sibling subdomain
/// nor a plain-http answer can plant or shadow it. On http, the plain name.
pub fn cookie_name(settings: &Settings, name: &str) -> String {
    if settings.secure_cookies() {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// A cookie named and scoped by [`cookie_name`]: on https Secure with Path=/ (what
/// the prefix demands), on http the given `path`. HttpOnly, never a Domain.
pub fn cookie(
    settings: &Settings,
    name: &str,
    value: String,
    path: &'static str,
) -> CookieBuilder<'static> {
    let secure = settings.secure_cookies();
    Cookie::build(cookie_name(settings, name), value)
        .path(if secure { "/" } else { path })
        .secure(secure)
        .http_only(true)
}

pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    let state = req.app_data::<web::Data<AppState>>()?;
    req.cookie(&cookie_name(&state.settings, COOKIE))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// HttpOnly, SameSite=Lax, Secure and `__Host-` when the issuer is https.
pub fn set_session_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    cookie(&state.settings, COOKIE, value.to_owned(), "/")
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            state.settings.session_ttl.as_secs() as i64,
        ))
        .finish()
}

/// What removes the session cookie (same name and scope as the one set).
pub fn session_cookie_removal(state: &AppState) -> Cookie<'static> {
    let mut c = cookie(&state.settings, COOKIE, String::new(), "/").finish();
    c.make_removal();
    c
}

/// The request body up to `limit` bytes; above it a 413 as JSON, not actix's
/// plain text, and nothing of the request has been acted on yet.
pub async fn limited_body(
    payload: web::Payload,
    limit: usize,
    what: &str,
) -> Result<web::Bytes, errors::JsonError> {
    use errors::JsonError;
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(JsonError::invalid_request(
            "the request body could not be read",
        )),
        Err(_) => Err(JsonError::too_large(format!(
            "{what} are limited to {limit} bytes"
        ))),
    }
}

/// A 302 Found to `location`, never cached.
pub fn found(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", location.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// A 303 See Other: after a form post, the browser follows with GET.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

pub fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}
