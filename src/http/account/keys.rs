//! Adding a security key from the account page: the page of the sign-in's
//! WebAuthn ceremony (its script is the only JavaScript here), begun and
//! finished as JSON with the page's token in `X-CSRF-Token` and a same-origin
//! `Origin`, under the same fresh proof as every factor change.

use actix_web::{HttpRequest, HttpResponse, web};
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use super::{Signed, path, signed_in, to_fresh_login, to_login};
use crate::accounts::account::{self, AccountError};
use crate::auth::factor_rules::Permit;
use crate::auth::webauthn::origin_of;
use crate::http::errors::{JsonError, PageError};
use crate::http::pages::WebauthnPage;
use crate::http::security_headers::CspNonce;
use crate::http::state::AppState;
use crate::http::ui::page as render_page;
use crate::oidc::webauthn_step;

const PURPOSE: &str = "account:webauthn";
/// One ceremony per account session at a time.
const CEREMONY: &str = "account";

async fn key_permit(state: &AppState, s: &Signed) -> Result<Permit, AccountError> {
    let e = account::enrolled(&state.login_ctx(), &s.user).await?;
    account::permit(&s.session, e, crate::oidc::now_ms())
}

/// `GET /account/key`: the ceremony page, once the sign-in is fresh.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(s) = signed_in(&state, &req).await? else {
        return Ok(to_login(&state));
    };
    let permit = match key_permit(&state, &s).await {
        Ok(p) => p,
        Err(AccountError::Failure(f)) => return Err(PageError::Failure(f)),
        Err(_) => return Ok(to_fresh_login(&state)),
    };
    let csrf = state
        .sessions
        .issue_csrf_signed_in(&s.cookie, PURPOSE, &s.user.id)
        .await?;
    let begin = path(&state, "/account/key/begin");
    let finish = path(&state, "/account/key/finish");
    let back = path(&state, "/account");
    let nonce = CspNonce::of(&req);
    let chrome = super::chrome(&state, &req);
    let first_factor = permit.first_factor();
    let (title, intro, button) = WebauthnPage::texts(&chrome, true, first_factor);
    Ok(render_page(
        actix_web::http::StatusCode::OK,
        &WebauthnPage {
            chrome: &chrome,
            register: true,
            first_factor,
            title,
            intro,
            button,
            begin: &begin,
            finish: &finish,
            csrf: &csrf,
            nonce: &nonce,
            alternative: Some((&back, chrome.t("account-back"))),
        },
    ))
}

/// The checks both JSON calls share: same origin, an account session, the
/// page's token, and a fresh proof.
async fn guard(state: &AppState, req: &HttpRequest) -> Result<(Signed, Permit), JsonError> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if origin != origin_of(&state.settings.issuer) {
        return Err(JsonError::access_denied("cross-origin request refused"));
    }
    let signed = signed_in(state, req).await.map_err(|e| match e {
        PageError::Failure(f) => JsonError::from(f),
        other => JsonError::invalid_request(other.to_string()),
    })?;
    let Some(s) = signed else {
        return Err(JsonError::access_denied(
            "sign in to the account page first",
        ));
    };
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state
        .sessions
        .check_csrf_keep(token, &s.cookie, PURPOSE)
        .await?
    {
        return Err(JsonError::access_denied("missing or invalid CSRF token"));
    }
    match key_permit(state, &s).await {
        Ok(p) => Ok((s, p)),
        Err(AccountError::Failure(f)) => Err(f.into()),
        Err(e) => Err(JsonError::access_denied(e.to_string())),
    }
}

pub async fn begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    crate::http::limited_body(
        payload,
        crate::http::webauthn::BODY_LIMIT,
        "WebAuthn messages",
    )
    .await?;
    let (s, permit) = guard(&state, &req).await?;
    let cookie = s.cookie.clone();
    let options =
        webauthn_step::begin_registration(&state.login_ctx(), &cookie, &s.user, CEREMONY, permit)
            .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(options))
}

pub async fn finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body = crate::http::limited_body(
        payload,
        crate::http::webauthn::BODY_LIMIT,
        "WebAuthn messages",
    )
    .await?;
    let credential: RegisterPublicKeyCredential = serde_json::from_slice(&body)
        .map_err(|e| JsonError::invalid_request(format!("not a WebAuthn credential: {e}")))?;
    let (s, permit) = guard(&state, &req).await?;
    webauthn_step::register_key(
        &state.login_ctx(),
        &s.cookie,
        &s.user,
        CEREMONY,
        &credential,
        permit,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "redirect": path(&state, "/account?done=key-added") })))
}
