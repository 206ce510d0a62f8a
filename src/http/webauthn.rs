//! The JSON half of the WebAuthn pages: begin returns the standard
//! options (`{"publicKey": …}`), finish takes the credential in WebAuthn's JSON
//! form and returns `{"redirect": URL}`. Both need the page's CSRF token in
//! `X-CSRF-Token` and a same-origin `Origin`.

use actix_web::{HttpRequest, HttpResponse, web};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::errors::JsonError;
use super::interaction::here;
use crate::auth::factor_rules::Permit;
use crate::auth::webauthn::origin_of;
use crate::http::state::AppState;
use crate::login::{self, Expect, NextStep, Post, SignedIn};
use crate::oidc::webauthn_step;

pub fn csrf_purpose(id: &str) -> String {
    format!("{id}:webauthn")
}

/// A WebAuthn message is a few KiB (options, attestation, assertion); the bodies
/// of all four endpoints are read up to this size before anything else happens,
/// so a larger one is refused (413) with no ceremony state read, taken or stored.
pub const BODY_LIMIT: usize = 16 * 1024;

async fn small_body(payload: web::Payload) -> Result<web::Bytes, JsonError> {
    super::limited_body(payload, BODY_LIMIT, "WebAuthn messages").await
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    serde_json::from_slice(body)
        .map_err(|e| JsonError::invalid_request(format!("not a WebAuthn credential: {e}")))
}

/// Origin and CSRF checks shared by the four endpoints, around one resume of the
/// login: the step must take `post`, recomputed server-side (never taken from
/// the page).
async fn guard(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    post: Post,
) -> Result<(NextStep, SignedIn), JsonError> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if origin != origin_of(&state.settings.issuer) {
        return Err(JsonError::access_denied("cross-origin request refused"));
    }
    let visit = super::extract::visit_of(state, req);
    let resumed = login::resume(&state.login_ctx(), id, &visit, Expect::Post(post, None)).await?;
    let taken = resumed.taken;
    let finished = matches!(resumed.next, NextStep::Finish(_));
    let (next, signed_in) = match resumed.signed_in() {
        Ok(v) => v,
        Err(_) if finished => return Err(not_now()),
        Err(e) => return Err(e.into()),
    };
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state
        .sessions
        .check_csrf_keep(token, &signed_in.cookie, &csrf_purpose(id))
        .await?
    {
        return Err(JsonError::access_denied("missing or invalid CSRF token"));
    }
    if !taken {
        return Err(not_now());
    }
    Ok((next, signed_in))
}

fn not_now() -> JsonError {
    JsonError::invalid_request("this sign-in step does not take a security key now")
}

/// Registration only at a step where the factor rules permit adding a factor:
/// an account with a factor must have proven it in this login first.
fn registration_permit(next: &NextStep) -> Result<Permit, JsonError> {
    next.permit().ok_or_else(not_now)
}

fn redirect_with_cookie(
    state: &AppState,
    id: &str,
    cookie: &str,
) -> Result<HttpResponse, JsonError> {
    let mut resp = HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "redirect": here(state, id) }));
    resp.add_cookie(&super::set_session_cookie(state, cookie))?;
    Ok(resp)
}

pub async fn register_begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    small_body(payload).await?;
    let id = path.into_inner();
    let (next, s) = guard(&state, &req, &id, Post::KeyRegistration).await?;
    let permit = registration_permit(&next)?;
    let options =
        webauthn_step::begin_registration(&state.login_ctx(), &s.cookie, &s.user, &id, permit)
            .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(options))
}

pub async fn register_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body: RegisterPublicKeyCredential = parse(&small_body(payload).await?)?;
    let id = path.into_inner();
    let (next, s) = guard(&state, &req, &id, Post::KeyRegistration).await?;
    let permit = registration_permit(&next)?;
    let new_cookie = webauthn_step::finish_registration(
        &state.login_ctx(),
        &s.cookie,
        s.session,
        &s.user,
        &id,
        &body,
        permit,
    )
    .await?;
    redirect_with_cookie(&state, &id, &new_cookie)
}

pub async fn authenticate_begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    small_body(payload).await?;
    let id = path.into_inner();
    let (_, s) = guard(&state, &req, &id, Post::KeyCheck).await?;
    let options =
        webauthn_step::begin_authentication(&state.login_ctx(), &s.cookie, &s.user, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(options))
}

pub async fn authenticate_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body: PublicKeyCredential = parse(&small_body(payload).await?)?;
    let id = path.into_inner();
    let (_, s) = guard(&state, &req, &id, Post::KeyCheck).await?;
    let new_cookie = webauthn_step::finish_authentication(
        &state.login_ctx(),
        &s.cookie,
        s.session,
        &s.user,
        &id,
        &body,
    )
    .await?;
    redirect_with_cookie(&state, &id, &new_cookie)
}
