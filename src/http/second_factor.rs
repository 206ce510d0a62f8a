//! The second-factor pages of a sign-in: the TOTP form, the choice between
//! factors, TOTP and security-key enrollment, and the TOTP form posts.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::interaction::{here, method_of};
use super::pages;
use super::security_headers::CspNonce;
use super::ui::{Chrome, page};
use super::{see_other, set_session_cookie};
use crate::auth::totp;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{self, EnrollWith, Expect, Method, NextStep, Post, ProveWith, SignedIn, Visit};
use crate::oidc::second_factor::{self, Enrolled, Verified};

/// Renders the page of a second-factor step, as decided by the login engine.
#[allow(clippy::too_many_arguments)]
pub(super) async fn render_step(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    next: NextStep,
    signed_in: &SignedIn,
    chrome: &Chrome,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let error = error.map(|key| chrome.t(key));
    let error = error.as_deref();
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
                Ok(page(
                    status,
                    &pages::FactorChoice {
                        chrome,
                        webauthn_href: offer(caps.has_webauthn, Method::WebAuthn).as_deref(),
                        totp_href: offer(caps.has_totp, Method::Totp).as_deref(),
                        email_href: offer(caps.has_email, Method::Email).as_deref(),
                    },
                ))
            }
            ProveWith::Email => {
                let shown = super::email_code::Shown {
                    status,
                    error,
                    before_enrolling,
                    again: false,
                };
                super::email_code::render(state, id, signed_in, chrome, shown).await
            }
            ProveWith::Key { totp_instead } => {
                let alternative = totp_instead.then(|| with_method(Method::Totp));
                webauthn_page(
                    state,
                    chrome,
                    cookie,
                    id,
                    &CspNonce::of(req),
                    KeyStep::Authenticate,
                    status,
                    alternative
                        .as_deref()
                        .map(|h| (h, chrome.t("totp-instead"))),
                )
                .await
            }
            ProveWith::Totp => {
                let csrf = state.sessions.issue_csrf(cookie, id).await?;
                let action = format!("{base}/totp");
                Ok(page(
                    status,
                    &pages::TotpForm {
                        chrome,
                        action: &action,
                        csrf: &csrf,
                        error,
                        before_enrolling,
                    },
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
                        chrome,
                        cookie,
                        id,
                        &CspNonce::of(req),
                        KeyStep::Register { first_factor },
                        status,
                        alternative.as_deref().map(|h| (h, chrome.t("app-instead"))),
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
                    let (secret_grouped, issuer, account) =
                        pages::EnrollTotp::derive(&otpauth, &totp::to_base32(&secret));
                    Ok(page(
                        status,
                        &pages::EnrollTotp {
                            chrome,
                            action: &action,
                            csrf: &csrf,
                            otpauth: &otpauth,
                            secret_grouped,
                            issuer,
                            account,
                            qr_svg: &totp::qr_svg(&otpauth),
                            error,
                            security_key_href: key_href.as_deref(),
                            first_factor,
                        },
                    ))
                }
            }
        }
        NextStep::ShowLogin | NextStep::Consent | NextStep::Finish(_) => Ok(see_other(&base)),
    }
}

/// Which security-key page to show.
#[derive(Clone, Copy)]
enum KeyStep {
    Authenticate,
    Register { first_factor: bool },
}

#[allow(clippy::too_many_arguments)]
async fn webauthn_page(
    state: &AppState,
    chrome: &Chrome,
    cookie: &str,
    id: &str,
    nonce: &str,
    step: KeyStep,
    status: StatusCode,
    alternative: Option<(&str, String)>,
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
    let (title, intro, button) = pages::WebauthnPage::texts(chrome, register, first_factor);
    Ok(page(
        status,
        &pages::WebauthnPage {
            chrome,
            register,
            first_factor,
            title,
            intro,
            button,
            begin: &format!("{base}/begin"),
            finish: &format!("{base}/finish"),
            csrf: &csrf,
            nonce,
            alternative,
        },
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

pub(super) const LOCKED_OUT: &str = "code-locked-out";

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
) -> Result<Result<(NextStep, SignedIn, Chrome), HttpResponse>, PageError> {
    let expect = Expect::Post(post, method_of(req));
    let resumed = login::resume(&state.login_ctx(), id, visit, expect).await?;
    let chrome = Chrome::for_request(state, req, resumed.login.ui_locales.as_deref());
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
            &chrome,
            StatusCode::BAD_REQUEST,
            Some("step-form-expired"),
        )
        .await?;
        return Ok(Err(page));
    }
    Ok(Ok((next, signed_in, chrome)))
}

pub async fn totp_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (expected, signed_in, chrome) =
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
        &compact(&form.form.code),
    )
    .await?
    {
        Verified::Totp { cookie } => {
            return with_cookie(&state, see_other(&here(&state, &id)), &cookie);
        }
        Verified::RecoveryCode { cookie, remaining } => {
            let next = here(&state, &id);
            let used = pages::RecoveryUsed {
                chrome: &chrome,
                remaining,
                next: &next,
            };
            return with_cookie(&state, page(StatusCode::OK, &used), &cookie);
        }
        Verified::Invalid => (StatusCode::UNAUTHORIZED, "code-invalid"),
        Verified::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
    };
    render_step(
        &state,
        &req,
        &id,
        expected,
        &signed_in,
        &chrome,
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
    let (expected, signed_in, chrome) =
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
        &compact(&form.form.code),
        permit,
    )
    .await?
    {
        Enrolled::Done {
            cookie,
            recovery_codes,
        } => {
            let next = here(&state, &id);
            let codes = pages::RecoveryCodes {
                chrome: &chrome,
                codes: &recovery_codes,
                next: &next,
                nonce: &CspNonce::of(&req),
                download_href: pages::codes_file(&recovery_codes),
            };
            return with_cookie(&state, page(StatusCode::OK, &codes), &cookie);
        }
        Enrolled::Invalid => (StatusCode::UNAUTHORIZED, "code-mismatch"),
        Enrolled::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
    };
    render_step(
        &state,
        &req,
        &id,
        expected,
        &signed_in,
        &chrome,
        status,
        Some(message),
    )
    .await
}

/// A code as typed or pasted: authenticator apps show "123 456", and a pasted
/// code may carry spaces or a line break; none of them is part of the code.
fn compact(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}
