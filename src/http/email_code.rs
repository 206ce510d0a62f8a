//! The mailed-code step of a sign-in (`?method=email`): the page mails a code
//! when none is pending for this login, the form posts it back (input `code`),
//! and a second form asks for a new one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::extract::CsrfForm;
use super::interaction::here;
use super::second_factor::{CodeInput, LOCKED_OUT, render_step, second_factor_post, with_cookie};
use super::see_other;
use super::ui::{Chrome, page};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{NextStep, Post, SignedIn, Visit};
use crate::oidc::email_code::{self, Checked, Sent};

/// What the page says above the form.
#[derive(Clone, Copy)]
pub(super) struct Shown<'a> {
    pub status: StatusCode,
    pub error: Option<&'a str>,
    pub before_enrolling: bool,
    /// A new code was asked for.
    pub again: bool,
}

/// The mailed-code form; a code goes out first unless one is still valid for
/// this login (`again` replaces it).
pub(super) async fn render(
    state: &AppState,
    id: &str,
    signed_in: &SignedIn,
    chrome: &Chrome,
    shown: Shown<'_>,
) -> Result<HttpResponse, PageError> {
    let ctx = state.login_ctx();
    let sent = email_code::send(&ctx, id, &signed_in.user, &signed_in.session, shown.again).await?;
    let limited = chrome.t("email-limited");
    let again = chrome.t("email-sent-again");
    let (status, error, note) = match sent {
        Sent::Limited => (StatusCode::TOO_MANY_REQUESTS, Some(limited.as_str()), None),
        Sent::Sent if shown.again => (shown.status, shown.error, Some(again.as_str())),
        _ => (shown.status, shown.error, None),
    };
    let cookie = &signed_in.cookie;
    let base = here(state, id);
    let form = EmailForm {
        chrome,
        action: &format!("{base}/email?method=email"),
        resend: &format!("{base}/email/send?method=email"),
        csrf: &state.sessions.issue_csrf(cookie, id).await?,
        resend_csrf: &state.sessions.issue_csrf(cookie, id).await?,
        to: &masked(&signed_in.user.email),
        error,
        note,
        before_enrolling: shown.before_enrolling,
        minutes: email_code::CODE_TTL.as_secs() / 60,
    };
    Ok(page(status, &form))
}

/// `ann@example.com` as `a••@example.com`: enough to recognise, not to learn.
fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}\u{2022}\u{2022}@{domain}")
        }
        None => String::new(),
    }
}

#[derive(askama::Template)]
#[template(path = "email_code.html")]
struct EmailForm<'a> {
    chrome: &'a Chrome,
    action: &'a str,
    resend: &'a str,
    csrf: &'a str,
    resend_csrf: &'a str,
    to: &'a str,
    error: Option<&'a str>,
    note: Option<&'a str>,
    before_enrolling: bool,
    minutes: u64,
}

/// The start of both mailed-code posts: the second-factor posts' own (see
/// [`second_factor_post`]), on an account that can be mailed a code.
async fn email_post(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    visit: &Visit,
    form: &CsrfForm<CodeInput>,
) -> Result<Result<(NextStep, SignedIn, Chrome), HttpResponse>, PageError> {
    Ok(
        match second_factor_post(state, req, id, visit, form, Post::EmailCode).await? {
            Ok((_, signed_in, _)) if !signed_in.caps.has_email => Err(see_other(&here(state, id))),
            started => started,
        },
    )
}

/// `POST /interaction/{id}/email`: the mailed code.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (expected, signed_in, chrome) = match email_post(&state, &req, &id, &visit, &form).await? {
        Ok(v) => v,
        Err(resp) => return Ok(resp),
    };
    let checked = email_code::check(
        &state.login_ctx(),
        &id,
        &signed_in.cookie,
        signed_in.session.clone(),
        &signed_in.user,
        form.form.code.trim(),
    )
    .await?;
    let (status, message) = match checked {
        Checked::Proven { cookie } => {
            return with_cookie(&state, see_other(&here(&state, &id)), &cookie);
        }
        Checked::Invalid => (StatusCode::UNAUTHORIZED, "email-code-invalid"),
        Checked::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
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

/// `POST /interaction/{id}/email/send`: mail a new code in place of the last.
pub async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (expected, signed_in, chrome) = match email_post(&state, &req, &id, &visit, &form).await? {
        Ok(v) => v,
        Err(resp) => return Ok(resp),
    };
    let before_enrolling = matches!(
        expected,
        NextStep::Prove {
            before_enrolling: true,
            ..
        }
    );
    let shown = Shown {
        status: StatusCode::OK,
        error: None,
        before_enrolling,
        again: true,
    };
    render(&state, &id, &signed_in, &chrome, shown).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_masked() {
        assert_eq!(
            super::masked("ann@example.com"),
            "a\u{2022}\u{2022}@example.com"
        );
        assert_eq!(super::masked("nobody"), "");
    }
}
