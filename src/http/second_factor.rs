//! The second-factor pages of a sign-in: the TOTP form, the choice between
//! factors, TOTP and security-key enrollment, and the TOTP form posts.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::interaction::{here, method_of};
use super::pages;
use super::security_headers::CspNonce;
use super::{html, see_other, set_session_cookie};
use crate::auth::totp;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{self, EnrollWith, Expect, Method, NextStep, Post, ProveWith, SignedIn, Visit};
use crate::oidc::second_factor::{self, Enrolled, Verified};

/// Renders the page of a second-factor step, as decided by the login engine.
pub(super) async fn render_step(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    next: NextStep,
    signed_in: &SignedIn,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let cookie = &signed_in.cookie;
    let base = here(state, id);
    let with_method = |m: Method| format!("{base}?method={}", m.as_str());
    match next {
        NextStep::Prove {
            before_enrolling,
            show,
            ..
        } => match show {
            ProveWith::Choice => {
                let caps = &signed_in.caps;
                let offer = |has: bool, m: Method| has.then(|| with_method(m));
                Ok(html(
                    status,
                    pages::factor_choice(&pages::Choice {
                        webauthn: offer(caps.has_webauthn, Method::WebAuthn).as_deref(),
                        totp: offer(caps.has_totp, Method::Totp).as_deref(),
                        email: offer(caps.has_email, Method::Email).as_deref(),
                    }),
                ))
            }
            ProveWith::Email => {
                let shown = super::email_code::Shown {
                    status,
                    error,
                    before_enrolling,
                    again: false,
                };
                super::email_code::render(state, id, signed_in, shown).await
            }
            ProveWith::Key { totp_instead } => {
                let alternative = totp_instead.then(|| with_method(Method::Totp));
                webauthn_page(
                    state,
                    cookie,
                    id,
                    &CspNonce::of(req),
                    KeyStep::Authenticate,
                    status,
                    alternative
                        .as_deref()
                        .map(|h| (h, "Enter a code from your authenticator app instead")),
                )
                .await
            }
            ProveWith::Totp => {
                let csrf = state.sessions.issue_csrf(cookie, id).await?;
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
        },
        NextStep::Enroll { permit, show, .. } => {
            let first_factor = permit.first_factor();
            match show {
                EnrollWith::Key { totp_instead } => {
                    let alternative = totp_instead.then(|| with_method(Method::Totp));
                    webauthn_page(
                        state,
                        cookie,
                        id,
                        &CspNonce::of(req),
                        KeyStep::Register { first_factor },
                        status,
                        alternative
                            .as_deref()
                            .map(|h| (h, "Use an authenticator app instead")),
                    )
                    .await
                }
                EnrollWith::Totp { key_instead } => {
                    let user = &signed_in.user;
                    let csrf = state.sessions.issue_csrf(cookie, id).await?;
                    let secret =
                        second_factor::pending_secret(&state.login_ctx(), cookie, user).await?;
                    let otpauth = totp::otpauth_uri(&secret, &user.username);
                    let action = format!("{base}/enroll/totp");
                    let key_href = key_instead.then(|| with_method(Method::WebAuthn));
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
            }
        }
        NextStep::ShowLogin | NextStep::Finish(_) => Ok(see_other(&base)),
    }
}

/// Which security-key page to show.
#[derive(Clone, Copy)]
enum KeyStep {
    Authenticate,
    Register { first_factor: bool },
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

pub(super) fn with_cookie(
    state: &AppState,
    mut resp: HttpResponse,
    cookie: &str,
) -> Result<HttpResponse, PageError> {
    resp.add_cookie(&set_session_cookie(state, cookie))?;
    Ok(resp)
}

pub(super) const LOCKED_OUT: &str = "Too many wrong codes. Please wait 15 minutes and try again.";

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    pub(super) code: String,
}

/// The common start of a second-factor post: one resume that recomputes the step
/// server-side (a post never relies on what the page offered), which must take
/// `post`, and a CSRF token that belongs to this browser and login. Otherwise the
/// answer to send instead.
pub(super) async fn second_factor_post(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    visit: &Visit,
    form: &CsrfForm<CodeInput>,
    post: Post,
) -> Result<Result<(NextStep, SignedIn), HttpResponse>, PageError> {
    let expect = Expect::Post(post, method_of(req));
    let resumed = login::resume(&state.login_ctx(), id, visit, expect).await?;
    if let NextStep::Finish(url) = &resumed.next {
        return Ok(Err(see_other(url)));
    }
    if !resumed.taken {
        return Ok(Err(see_other(&here(state, id))));
    }
    let (next, signed_in) = resumed.signed_in()?;
    if !form.check_for(Some(&signed_in.cookie), id).await? {
        let page = render_step(
            state,
            req,
            id,
            next,
            &signed_in,
            StatusCode::BAD_REQUEST,
            Some("This form has expired or was not sent by this browser. Please try again."),
        )
        .await?;
        return Ok(Err(page));
    }
    Ok(Ok((next, signed_in)))
}

pub async fn totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (expected, signed_in) =
        match second_factor_post(&state, &req, &id, &visit, &form, Post::TotpCode).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    let SignedIn {
        cookie,
        session,
        user,
        ..
    } = &signed_in;
    let (status, message) = match second_factor::verify(
        &state.login_ctx(),
        cookie,
        session.clone(),
        user,
        form.form.code.trim(),
    )
    .await?
    {
        Verified::Totp { cookie } => {
            return with_cookie(&state, see_other(&here(&state, &id)), &cookie);
        }
        Verified::RecoveryCode { cookie, remaining } => {
            let page = pages::recovery_used(remaining, &here(&state, &id));
            return with_cookie(&state, html(StatusCode::OK, page), &cookie);
        }
        Verified::Invalid => (
            StatusCode::UNAUTHORIZED,
            "That code is not valid. Try the next one.",
        ),
        Verified::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
    };
    render_step(
        &state,
        &req,
        &id,
        expected,
        &signed_in,
        status,
        Some(message),
    )
    .await
}

pub async fn enroll_totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    // Only at a step where the factor rules permit adding a TOTP authenticator.
    let post = Post::TotpEnrollment;
    let (expected, signed_in) =
        match second_factor_post(&state, &req, &id, &visit, &form, post).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    let Some(permit) = expected.permit() else {
        return Ok(see_other(&here(&state, &id)));
    };
    let SignedIn {
        cookie,
        session,
        user,
        ..
    } = &signed_in;
    let (status, message) = match second_factor::confirm_enrollment(
        &state.login_ctx(),
        cookie,
        session.clone(),
        user,
        form.form.code.trim(),
        permit,
    )
    .await?
    {
        Enrolled::Done {
            cookie,
            recovery_codes,
        } => {
            let page = pages::recovery_codes(&recovery_codes, &here(&state, &id));
            return with_cookie(&state, html(StatusCode::OK, page), &cookie);
        }
        Enrolled::Invalid => (
            StatusCode::UNAUTHORIZED,
            "That code does not match. Check the time on your device and try again.",
        ),
        Enrolled::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
    };
    render_step(
        &state,
        &req,
        &id,
        expected,
        &signed_in,
        status,
        Some(message),
    )
    .await
}
