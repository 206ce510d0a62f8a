//! `/forgot-password`: input `email`; always the same answer, a reset link
//! mailed when an account uses that address (`crate::accounts::recovery`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::anon_form::{self, EXPIRED_FORM_KEY};
use super::client_addr::client_ip;
use super::extract::CsrfForm;
use super::self_service_pages::{ForgotPage, MailSentPage, TooManyPage};
use super::ui::{Chrome, page};
use crate::accounts::{Requested, recovery};
use crate::db::users::validate_email;
use crate::http::errors::PageError;
use crate::http::state::AppState;

const PURPOSE: &str = "forgot-password";

async fn form(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: &str,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let token = anon_form::issue(state, req, PURPOSE).await?;
    let chrome = Chrome::for_request(state, req, None);
    let form = ForgotPage {
        chrome: &chrome,
        action: &format!("{}/forgot-password", state.settings.issuer_path()),
        csrf: &token.csrf,
        email,
        error: error.map(|key| chrome.t(key)),
    };
    let res = page(status, &form);
    token.attach(state, res)
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
            Some(EXPIRED_FORM_KEY),
        )
        .await;
    }
    if validate_email(&email.to_lowercase()).is_err() {
        let msg = "forgot-invalid-email";
        return form(&state, &req, StatusCode::BAD_REQUEST, email, Some(msg)).await;
    }
    let ip = client_ip(&req, &state.settings.server);
    let chrome = Chrome::for_request(&state, &req, None);
    Ok(
        match recovery::request(
            &state.accounts_ctx(),
            email,
            ip,
            super::ui::lang_of(&state.settings, &req, None),
        )
        .await?
        {
            Requested::Accepted => page(
                StatusCode::OK,
                &MailSentPage {
                    chrome: &chrome,
                    what: "forgot-sent",
                },
            ),
            Requested::TooMany => page(
                StatusCode::TOO_MANY_REQUESTS,
                &TooManyPage { chrome: &chrome },
            ),
        },
    )
}
