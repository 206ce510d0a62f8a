//! `/signup` (when `[signup] enabled`): inputs `email`, `first_name`,
//! `last_name`; the same answer for every address. `/signup/{token}`: the
//! mailed link, where choosing a password creates the account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::{self, EXPIRED_FORM_KEY};
use super::client_addr::client_ip;
use super::extract::CsrfForm;
use super::self_service_pages::{AccountCreatedPage, MailSentPage, SignupPage, TooManyPage};
use super::set_password::{self, invalid_page, render_form, too_many_page};
use super::ui::{Chrome, Said, page};
use crate::accounts::Requested;
use crate::accounts::signup::{self, Completed, Invalid, Signup, SignupLink};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::secrets;

const PURPOSE: &str = "signup";

fn enabled(state: &AppState) -> Result<(), PageError> {
    if state.settings.signup.enabled {
        Ok(())
    } else {
        Err(PageError::Said(
            StatusCode::NOT_FOUND,
            Said::new("err-signup-off"),
        ))
    }
}

#[derive(Deserialize, Default)]
pub struct Input {
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
}

async fn form(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    input: &Input,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let token = anon_form::issue(state, req, PURPOSE).await?;
    let chrome = Chrome::for_request(state, req, None);
    let form = SignupPage {
        chrome: &chrome,
        action: &format!("{}/signup", state.settings.issuer_path()),
        csrf: &token.csrf,
        email: input.email.trim(),
        first_name: input.first_name.trim(),
        last_name: input.last_name.trim(),
        error: error.map(|key| chrome.t(key)),
    };
    let res = page(status, &form);
    token.attach(state, res)
}

/// The message id saying what to fix.
fn invalid_key(invalid: Invalid) -> &'static str {
    match invalid {
        Invalid::Email => "signup-invalid-email",
        Invalid::NamesMissing => "signup-names-missing",
        Invalid::NamesTooLong => "signup-names-too-long",
    }
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    enabled(&state)?;
    form(&state, &req, StatusCode::OK, &Input::default(), None).await
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_in: CsrfForm<Input>,
) -> Result<HttpResponse, PageError> {
    enabled(&state)?;
    let input = &form_in.form;
    if !form_in.check(PURPOSE).await? {
        return form(
            &state,
            &req,
            StatusCode::BAD_REQUEST,
            input,
            Some(EXPIRED_FORM_KEY),
        )
        .await;
    }
    let parsed = match Signup::parse(&input.email, &input.first_name, &input.last_name) {
        Ok(s) => Signup {
            locale: Some(super::ui::lang_of(&state.settings, &req, None)),
            ..s
        },
        Err(invalid) => {
            let key = Some(invalid_key(invalid));
            return form(&state, &req, StatusCode::BAD_REQUEST, input, key).await;
        }
    };
    let ip = client_ip(&req, &state.settings.server);
    let chrome = Chrome::for_request(&state, &req, None);
    Ok(
        match signup::request(&state.accounts_ctx(), parsed, ip).await? {
            Requested::Accepted => page(
                StatusCode::OK,
                &MailSentPage {
                    chrome: &chrome,
                    what: "signup-sent",
                },
            ),
            Requested::TooMany => page(
                StatusCode::TOO_MANY_REQUESTS,
                &TooManyPage { chrome: &chrome },
            ),
        },
    )
}

fn link_purpose(token: &str) -> String {
    format!("signup-link:{}", secrets::digest(token))
}

async fn pending(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Result<Signup, HttpResponse>, PageError> {
    let ip = client_ip(req, &state.settings.server);
    Ok(
        match signup::open_link(&state.accounts_ctx(), token, ip).await? {
            SignupLink::Pending(s) => Ok(s),
            SignupLink::Invalid => Err(invalid_page(&Chrome::for_request(state, req, None))),
            SignupLink::TooMany => Err(too_many_page(&Chrome::for_request(state, req, None))),
        },
    )
}

async fn password_form(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    s: &Signup,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let action = format!("{}/signup/{token}", state.settings.issuer_path());
    render_form(
        state,
        req,
        (&action, &link_purpose(token)),
        (&s.email, Some((&s.first_name, &s.last_name))),
        status,
        error,
    )
    .await
}

pub async fn link_show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    enabled(&state)?;
    let token = path.into_inner();
    match pending(&state, &req, &token).await? {
        Ok(s) => password_form(&state, &req, &token, &s, StatusCode::OK, None).await,
        Err(page) => Ok(page),
    }
}

/// The link's sign-up as its owner finishes it: the names they confirmed or
/// corrected on the page (whoever asked for the link typed the first ones),
/// and the language they read it in. A post without names keeps the asked ones.
fn as_confirmed(
    state: &AppState,
    req: &HttpRequest,
    pending: &Signup,
    input: &set_password::Input,
) -> Result<Signup, (Signup, Invalid)> {
    let (first, last) = match (&input.first_name, &input.last_name) {
        (Some(f), Some(l)) => (f.as_str(), l.as_str()),
        _ => (pending.first_name.as_str(), pending.last_name.as_str()),
    };
    let locale = Some(super::ui::lang_of(&state.settings, req, None));
    match Signup::parse(&pending.email, first, last) {
        Ok(s) => Ok(Signup { locale, ..s }),
        Err(invalid) => Err((
            Signup {
                first_name: first.trim().to_owned(),
                last_name: last.trim().to_owned(),
                ..pending.clone()
            },
            invalid,
        )),
    }
}

pub async fn link_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: CsrfForm<set_password::Input>,
) -> Result<HttpResponse, PageError> {
    enabled(&state)?;
    let token = path.into_inner();
    let pending = match pending(&state, &req, &token).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    let confirmed = as_confirmed(&state, &req, &pending, &form.form);
    let shown = match &confirmed {
        Ok(s) | Err((s, _)) => s,
    };
    let again = |msg: &'static str| {
        password_form(
            &state,
            &req,
            &token,
            shown,
            StatusCode::BAD_REQUEST,
            Some(msg),
        )
    };
    if !form.check(&link_purpose(&token)).await? {
        return again(EXPIRED_FORM_KEY).await;
    }
    let signup = match &confirmed {
        Ok(s) => s.clone(),
        Err((_, invalid)) => return again(invalid_key(*invalid)).await,
    };
    if form.form.mismatched() {
        return again("password-mismatch").await;
    }
    let password = form.form.password.clone();
    let user = match signup::complete(&state.accounts_ctx(), &token, password, signup).await {
        Ok(Completed::Created(u)) => u,
        Ok(Completed::TooShort) => {
            return again("password-too-short").await;
        }
        Ok(Completed::LinkSpent) => {
            return Ok(invalid_page(&Chrome::for_request(&state, &req, None)));
        }
        Err(e) => return Err(PageError::Failure(set_password::admin_failure(e))),
    };
    let chrome = Chrome::for_request(&state, &req, None);
    let done = AccountCreatedPage {
        chrome: &chrome,
        username: &user.username,
    };
    Ok(page(StatusCode::OK, &done))
}
