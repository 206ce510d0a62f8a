//! `/signup` (when `[signup] enabled`): inputs `email`, `first_name`,
//! `last_name`; the same answer for every address. `/signup/{token}`: the
//! mailed link, where choosing a password creates the account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::{self, EXPIRED_FORM};
use super::client_addr::client_ip;
use super::extract::CsrfForm;
use super::html;
use super::pages::{esc, layout};
use super::self_service_pages::{self as pages, SignupForm};
use super::set_password::{self, invalid_page, render_form, too_many_page};
use crate::accounts::Requested;
use crate::accounts::signup::{self, Completed, Signup, SignupLink};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::secrets;

const PURPOSE: &str = "signup";

const SENT: &str = "If this address may sign up, we have mailed it a link to choose your password. Your account is created when you do.";

fn enabled(state: &AppState) -> Result<(), PageError> {
    if state.settings.signup.enabled {
        Ok(())
    } else {
        Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "Sign-up is not offered here. Ask your administrator for an account.".into(),
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
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let token = anon_form::issue(state, req, PURPOSE).await?;
    let action = format!("{}/signup", state.settings.issuer_path());
    let page = pages::signup(&SignupForm {
        action: &action,
        csrf: &token.csrf,
        email: input.email.trim(),
        first_name: input.first_name.trim(),
        last_name: input.last_name.trim(),
        error,
    });
    token.attach(state, html(status, page))
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
            Some(EXPIRED_FORM),
        )
        .await;
    }
    let parsed = match Signup::parse(&input.email, &input.first_name, &input.last_name) {
        Ok(s) => s,
        Err(msg) => return form(&state, &req, StatusCode::BAD_REQUEST, input, Some(msg)).await,
    };
    let ip = client_ip(&req, &state.settings.server);
    match signup::request(&state.accounts_ctx(), parsed, ip).await? {
        Requested::Accepted => Ok(html(StatusCode::OK, pages::check_your_mail(SENT))),
        Requested::TooMany => Ok(html(StatusCode::TOO_MANY_REQUESTS, pages::too_many())),
    }
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
            SignupLink::Invalid => Err(invalid_page()),
            SignupLink::TooMany => Err(too_many_page()),
        },
    )
}

async fn password_form(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    email: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let action = format!("{}/signup/{token}", state.settings.issuer_path());
    render_form(
        state,
        req,
        (&action, &link_purpose(token)),
        email,
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
        Ok(s) => password_form(&state, &req, &token, &s.email, StatusCode::OK, None).await,
        Err(page) => Ok(page),
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
    let s = match pending(&state, &req, &token).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    let again = |msg: &'static str| {
        password_form(
            &state,
            &req,
            &token,
            &s.email,
            StatusCode::BAD_REQUEST,
            Some(msg),
        )
    };
    if !form.check(&link_purpose(&token)).await? {
        return again(EXPIRED_FORM).await;
    }
    if form.form.mismatched() {
        return again("The two passwords differ.").await;
    }
    let password = form.form.password.clone();
    let user = match signup::complete(&state.accounts_ctx(), &token, password).await {
        Ok(Completed::Created(u)) => u,
        Ok(Completed::TooShort) => {
            return again("Choose a password of at least 8 characters.").await;
        }
        Ok(Completed::LinkSpent) => return Ok(invalid_page()),
        Err(e) => return Err(PageError::Failure(set_password::admin_failure(e))),
    };
    Ok(html(
        StatusCode::OK,
        layout(
            "Account created",
            &format!(
                "<h1>Account created</h1><div class=\"note\" id=\"account-created\">Your account is ready. Sign in as <strong>{}</strong> from any application that uses Portcullis.</div>",
                esc(&user.username)
            ),
        ),
    ))
}
