//! The second-factor pages of a sign-in: the TOTP form, the choice between
//! factors, TOTP and security-key enrollment, and the TOTP form posts.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::interaction::{here, signed_in};
use super::pages;
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
        Next::SecondFactor { webauthn_only } => {
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
                    false,
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
                }),
            ))
        }
        Next::Enroll { webauthn_only } => {
            if webauthn_only || (method.as_deref() == Some("webauthn") && caps.can_enroll_webauthn)
            {
                let alternative = (!webauthn_only).then(|| with_method("totp"));
                return webauthn_page(
                    state,
                    &cookie,
                    id,
                    true,
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
                }),
            ))
        }
        Next::Issue { .. } | Next::Password => Ok(see_other(&base)),
    }
}

#[derive(Deserialize)]
struct MethodQuery {
    method: Option<String>,
}

async fn webauthn_page(
    state: &AppState,
    cookie: &str,
    id: &str,
    register: bool,
    status: StatusCode,
    alternative: Option<(&str, &str)>,
) -> Result<HttpResponse, PageError> {
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
            begin: &format!("{base}/begin"),
            finish: &format!("{base}/finish"),
            csrf: &csrf,
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

/// The common start of a second-factor post: the step must be the expected one and
/// the CSRF token must belong to this browser and request.
async fn second_factor_post(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    csrf: &str,
    expected: Next,
) -> Result<Result<(String, BrowserSession, User), HttpResponse>, PageError> {
    let (_, step) = interaction::resume(state, id, &super::interaction::visit(state, req)).await?;
    match step {
        Step::ToClient(url) => return Ok(Err(see_other(&url))),
        Step::Do(next) if next == expected => {}
        _ => return Ok(Err(see_other(&here(state, id)))),
    }
    let (cookie, session, user) = signed_in(state, req).await?;
    if !state.sessions.check_csrf(csrf, &cookie, id).await? {
        let page = render_step(
            state,
            req,
            id,
            expected,
            StatusCode::BAD_REQUEST,
            Some("This form has expired or was not sent by this browser. Please try again."),
        )
        .await?;
        return Ok(Err(page));
    }
    Ok(Ok((cookie, session, user)))
}

pub async fn totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let expected = Next::SecondFactor {
        webauthn_only: false,
    };
    let (cookie, session, user) =
        match second_factor_post(&state, &req, &id, &form.csrf_token, expected.clone()).await? {
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
    let expected = Next::Enroll {
        webauthn_only: false,
    };
    let (cookie, session, user) =
        match second_factor_post(&state, &req, &id, &form.csrf_token, expected.clone()).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    match second_factor::confirm_enrollment(&state, &cookie, session, &user, form.code.trim())
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
