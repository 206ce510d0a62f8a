//! `/forgot-password`: input `email`; always the same answer, a reset link
//! mailed when an account uses that address (`crate::accounts::recovery`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::{self, EXPIRED_FORM};
use super::client_addr::client_ip;
use super::extract::CsrfForm;
use super::html;
use super::self_service_pages as pages;
use crate::accounts::{Requested, recovery};
use crate::db::users::validate_email;
use crate::http::errors::PageError;
use crate::http::state::AppState;

const PURPOSE: &str = "forgot-password";

const SENT: &str = "If an account uses that address, we have mailed it a link to choose a new password. The link works once and expires soon.";

async fn form(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let token = anon_form::issue(state, req, PURPOSE).await?;
    let action = format!("{}/forgot-password", state.settings.issuer_path());
    let page = pages::forgot(&action, &token.csrf, email, error);
    token.attach(state, html(status, page))
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    form(&state, &req, StatusCode::OK, "", None).await
}

#[derive(Deserialize)]
pub struct Input {
    #[serde(default)]
    email: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    input: CsrfForm<Input>,
) -> Result<HttpResponse, PageError> {
    let email = input.form.email.trim();
    if !input.check(PURPOSE).await? {
        return form(
            &state,
            &req,
            StatusCode::BAD_REQUEST,
            email,
            Some(EXPIRED_FORM),
        )
        .await;
    }
    if validate_email(&email.to_lowercase()).is_err() {
        let msg = "Enter the email address of your account.";
        return form(&state, &req, StatusCode::BAD_REQUEST, email, Some(msg)).await;
    }
    let ip = client_ip(&req, &state.settings.server);
    match recovery::request(&state.accounts_ctx(), email, ip).await? {
        Requested::Accepted => Ok(html(StatusCode::OK, pages::check_your_mail(SENT))),
        Requested::TooMany => Ok(html(StatusCode::TOO_MANY_REQUESTS, pages::too_many())),
    }
}
