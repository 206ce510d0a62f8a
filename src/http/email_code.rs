//! The mailed-code step of a sign-in (`?method=email`): the page mails a code
//! when none is pending for this login, the form posts it back (input `code`),
//! and a second form asks for a new one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::extract::CsrfForm;
use super::interaction::here;
use super::pages::{error_box, esc, layout};
use super::second_factor::{CodeInput, LOCKED_OUT, render_step, second_factor_post, with_cookie};
use super::{html, see_other};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{Post, SignedIn, Visit};
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

const LIMITED: &str =
    "Too many codes were sent to your address. Please wait 15 minutes, then ask for a new one.";

/// The mailed-code form; a code goes out first unless one is still valid for
/// this login (`again` replaces it).
pub(super) async fn render(
    state: &AppState,
    id: &str,
    signed_in: &SignedIn,
    shown: Shown<'_>,
) -> Result<HttpResponse, PageError> {
    let ctx = state.login_ctx();
    let sent = email_code::send(&ctx, id, &signed_in.user, &signed_in.session, shown.again).await?;
    let (status, error, note) = match sent {
        Sent::Limited => (StatusCode::TOO_MANY_REQUESTS, Some(LIMITED), None),
        Sent::Sent if shown.again => (shown.status, shown.error, Some("A new code is on its way.")),
        _ => (shown.status, shown.error, None),
    };
    let cookie = &signed_in.cookie;
    let base = here(state, id);
    let page = EmailForm {
        action: &format!("{base}/email?method=email"),
        resend: &format!("{base}/email/send?method=email"),
        csrf: &state.sessions.issue_csrf(cookie, id).await?,
        resend_csrf: &state.sessions.issue_csrf(cookie, id).await?,
        to: &masked(&signed_in.user.email),
        error,
        note,
        before_enrolling: shown.before_enrolling,
    };
    Ok(html(status, email_form(&page)))
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

struct EmailForm<'a> {
    action: &'a str,
    resend: &'a str,
    csrf: &'a str,
    resend_csrf: &'a str,
    to: &'a str,
    error: Option<&'a str>,
    note: Option<&'a str>,
    before_enrolling: bool,
}

const BEFORE_ENROLLING: &str = "<div class=\"note\" id=\"prove-existing-factor\">This sign-in needs a security key, which your account does not have yet. Before one can be added, confirm it's you with a code sent to your email address.</div>";

fn email_form(f: &EmailForm<'_>) -> String {
    layout(
        "Two-step verification",
        &format!(
            "<h1>Two-step verification</h1>\
<p class=\"sub\">Enter the 6-digit code we sent to <strong>{to}</strong>. It expires in {minutes} minutes.</p>{before}{note}{err}\
<form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"code\">Code</label>\
<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required autofocus>\
<button type=\"submit\">Verify</button></form>\
<form method=\"post\" action=\"{resend}\" id=\"resend\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{resend_csrf}\">\
<button type=\"submit\" class=\"button secondary\">Send a new code</button></form>",
            to = esc(f.to),
            minutes = email_code::CODE_TTL.as_secs() / 60,
            before = if f.before_enrolling {
                BEFORE_ENROLLING
            } else {
                ""
            },
            note = f
                .note
                .map(|n| format!("<div class=\"note\" role=\"status\">{}</div>", esc(n)))
                .unwrap_or_default(),
            err = error_box(f.error),
            action = esc(f.action),
            csrf = esc(f.csrf),
            resend = esc(f.resend),
            resend_csrf = esc(f.resend_csrf),
        ),
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
    let (expected, signed_in) =
        match second_factor_post(&state, &req, &id, &visit, &form, Post::EmailCode).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    if !signed_in.caps.has_email {
        return Ok(see_other(&here(&state, &id)));
    }
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
        Checked::Invalid => (
            StatusCode::UNAUTHORIZED,
            "That code is not valid. Check the latest mail, or ask for a new code.",
        ),
        Checked::LockedOut => (StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT),
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

/// `POST /interaction/{id}/email/send`: mail a new code in place of the last.
pub async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let (expected, signed_in) =
        match second_factor_post(&state, &req, &id, &visit, &form, Post::EmailCode).await? {
            Ok(v) => v,
            Err(resp) => return Ok(resp),
        };
    if !signed_in.caps.has_email {
        return Ok(see_other(&here(&state, &id)));
    }
    let before_enrolling = matches!(
        expected,
        crate::login::NextStep::Prove {
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
    render(&state, &id, &signed_in, shown).await
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
