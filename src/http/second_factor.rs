//! The second-factor pages of a sign-in: the TOTP form, the choice between
//! factors, TOTP and security-key enrollment, and the TOTP form posts.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::interaction::{here, signed_in};
use super::pages;
use super::security_headers::CspNonce;
use super::{html, see_other, set_session_cookie};
use crate::auth::totp;
use crate::db::users::User;
use crate::error::PageError;
use crate::oidc::flow::Next;
use crate::oidc::interaction::{self, Step};
use crate::oidc::second_factor::{self, Enrolled, Verified};
use crate::oidc::session::BrowserSession;
use crate::startup::AppState;

/// Renders the page for a second-factor step.
pub(super) async fn render_step(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    next: Next,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (cookie, _, user) = signed_in(state, req).await?;
    let caps = interaction::capabilities(state, &user).await?;
    let method = web::Query::<MethodQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().method);
    let base = here(state, id);
    let with_method = |m: &str| format!("{base}?method={m}");
    match next {
        Next::SecondFactor {
            webauthn_only,
            before_enrolling,
        } => {
            let both = caps.has_totp && caps.has_webauthn;
            if !webauthn_only && both && method.is_none() && error.is_none() {
                return Ok(html(
                    status,
                    pages::factor_choice(&with_method("totp"), &with_method("webauthn")),
                ));
            }
            let use_key = webauthn_only
                || (caps.has_webauthn && (!caps.has_totp || method.as_deref() == Some("webauthn")));
            if use_key {
                let alternative = (!webauthn_only && caps.has_totp).then(|| with_method("totp"));
                return webauthn_page(
                    state,
                    &cookie,
                    id,
                    &CspNonce::of(req),
                    KeyStep::Authenticate,
                    status,
                    alternative
                        .as_deref()
                        .map(|h| (h, "Enter a code from your authenticator app instead")),
                )
                .await;
            }
            let csrf = state.sessions.issue_csrf(&cookie, id).await?;
            let action = format!("{base}/totp");
            Ok(html(
                status,
                pages::totp(&pages::TotpForm {
                    action: &action,
                    csrf: &csrf,
                    error,
                    before_enrolling,
                }),
            ))
        }
        Next::Enroll {
            webauthn_only,
            permit,
        } => {
            let first_factor = permit.first_factor();
            if webauthn_only || (method.as_deref() == Some("webauthn") && caps.can_enroll_webauthn)
            {
                // Another kind instead is only ever offered for the first factor.
                let alternative = (!webauthn_only).then(|| with_method("totp"));
                return webauthn_page(
                    state,
                    &cookie,
                    id,
                    &CspNonce::of(req),
                    KeyStep::Register { first_factor },
                    status,
                    alternative
                        .as_deref()
                        .map(|h| (h, "Use an authenticator app instead")),
                )
                .await;
            }
            let csrf = state.sessions.issue_csrf(&cookie, id).await?;
            let secret = second_factor::pending_secret(state, &cookie, &user).await?;
            let otpauth = totp::otpauth_uri(&secret, &user.username);
            let action = format!("{base}/enroll/totp");
            let key_href = caps.can_enroll_webauthn.then(|| with_method("webauthn"));
            Ok(html(
                status,
                pages::enroll_totp(&pages::EnrollTotp {
                    action: &action,
                    csrf: &csrf,
                    otpauth: &otpauth,
                    secret_b32: &totp::to_base32(&secret),
                    qr_svg: &totp::qr_svg(&otpauth),
                    error,
                    security_key_href: key_href.as_deref(),
                    first_factor,
                }),
            ))
        }
        Next::Issue { .. } | Next::Password => Ok(see_other(&base)),
    }
}

/// Which security-key page to show.
#[derive(Clone, Copy)]
enum KeyStep {
    Authenticate,
    Register { first_factor: bool },
}

#[derive(Deserialize)]
struct MethodQuery {
    method: Option<String>,
}

async fn webauthn_page(
    state: &AppState,
    cookie: &str,
    id: &str,
    nonce: &str,
    step: KeyStep,
    status: StatusCode,
    alternative: Option<(&str, &str)>,
) -> Result<HttpResponse, PageError> {
    let (register, first_factor) = match step {
        KeyStep::Authenticate => (false, false),
        KeyStep::Register { first_factor } => (true, first_factor),
    };
    let csrf = state
        .sessions
        .issue_csrf(cookie, &super::webauthn::csrf_purpose(id))
        .await?;
    let base = format!(
        "{}/webauthn/{}",
        here(state, id),
        if register { "register" } else { "authenticate" }
    );
    Ok(html(
        status,
        pages::webauthn(&pages::WebauthnPage {
            register,
            first_factor,
            begin: &format!("{base}/begin"),
            finish: &format!("{base}/finish"),
            csrf: &csrf,
            nonce,
            alternative,
        }),
    ))
}

fn with_cookie(
    state: &AppState,
    mut resp: HttpResponse,
    cookie: &str,
) -> Result<HttpResponse, PageError> {
    resp.add_cookie(&set_session_cookie(state, cookie))
        .map_err(|e| PageError::BadRequest(e.to_string()))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
}

/// The common start of a second-factor post: the step must be one that `select`
/// takes (it returns what the post needs from it) and the CSRF token must belong
/// to this browser and request. The step is recomputed here, server-side: a post
/// never relies on what the page offered.
async fn second_factor_post<T>(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    csrf: &str,
    select: impl Fn(&Next) -> Option<T>,
) -> Result<Result<(String, BrowserSession, User, Next, T), HttpResponse>, PageError> {
    let (_, step) = interaction::resume(state, id, &super::interaction::visit(state, req)).await?;
    let (next, picked) = match step {
        Step::ToClient(url) => return Ok(Err(see_other(&url))),
        Step::Do(next) => match select(&next) {
            Some(picked) => (next, picked),
            None => return Ok(Err(see_other(&here(state, id)))),
        },
        Step::Login => return Ok(Err(see_other(&here(state, id)))),
    };
    let (cookie, session, user) = signed_in(state, req).await?;
    if !state.sessions.check_csrf(csrf, &cookie, id).await? {
        let page = render_step(
            state,
            req,
            id,
            next,
            StatusCode::BAD_REQUEST,
            Some("This form has expired or was not sent by this browser. Please try again."),
        )
        .await?;
        return Ok(Err(page));
    }
    Ok(Ok((cookie, session, user, next, picked)))
}

pub async fn totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let takes_totp = |n: &Next| {
        matches!(
            n,
            Next::SecondFactor {
                webauthn_only: false,
                ..
            }
        )
        .then_some(())
    };
    let (cookie, session, user, expected, ()) =
        match second_factor_post(&state, &req, &id, &form.csrf_token, takes_totp).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    match second_factor::verify(&state, &cookie, session, &user, form.code.trim()).await? {
        Verified::Totp { cookie } => with_cookie(&state, see_other(&here(&state, &id)), &cookie),
        Verified::RecoveryCode { cookie, remaining } => with_cookie(
            &state,
            html(
                StatusCode::OK,
                pages::recovery_used(remaining, &here(&state, &id)),
            ),
            &cookie,
        ),
        Verified::Invalid => {
            render_step(
                &state,
                &req,
                &id,
                expected,
                StatusCode::UNAUTHORIZED,
                Some("That code is not valid. Try the next one."),
            )
            .await
        }
        Verified::LockedOut => {
            render_step(
                &state,
                &req,
                &id,
                expected,
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many wrong codes. Please wait 15 minutes and try again."),
            )
            .await
        }
    }
}

pub async fn enroll_totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    // Only at a step where the factor rules permit adding a TOTP authenticator.
    let permit_for_totp = |n: &Next| match n {
        Next::Enroll {
            webauthn_only: false,
            permit,
        } => Some(*permit),
        _ => None,
    };
    let (cookie, session, user, expected, permit) =
        match second_factor_post(&state, &req, &id, &form.csrf_token, permit_for_totp).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    match second_factor::confirm_enrollment(
        &state,
        &cookie,
        session,
        &user,
        form.code.trim(),
        permit,
    )
    .await?
    {
        Enrolled::Done {
            cookie,
            recovery_codes,
        } => with_cookie(
            &state,
            html(
                StatusCode::OK,
                pages::recovery_codes(&recovery_codes, &here(&state, &id)),
            ),
            &cookie,
        ),
        Enrolled::Invalid => {
            render_step(
                &state,
                &req,
                &id,
                expected,
                StatusCode::UNAUTHORIZED,
                Some("That code does not match. Check the time on your device and try again."),
            )
            .await
        }
        Enrolled::LockedOut => {
            render_step(
                &state,
                &req,
                &id,
                expected,
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many wrong codes. Please wait 15 minutes and try again."),
            )
            .await
        }
    }
}
