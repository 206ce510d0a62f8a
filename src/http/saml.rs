//! The SAML endpoints: `/saml/metadata`, `/saml/sso` (HTTP-Redirect and
//! HTTP-POST bindings) and `/saml/post/{id}`, the self-submitting form that
//! delivers a Response to the service provider's ACS URL.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::found;
use super::security_headers::{CspNonce, allow_form_target};
use super::ui::{Chrome, page};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::Visit;
use crate::oidc::interaction::Started;
use crate::saml::front::{self, PostForm, SsoAnswer};
use crate::saml::request::Binding;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/saml/metadata", web::get().to(metadata))
        .route("/saml/sso", web::get().to(sso_get))
        .route("/saml/sso", web::post().to(sso_post))
        .route("/saml/post/{id}", web::get().to(post_page));
}

pub async fn metadata(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let keys = state.saml_keys.current();
    let xml = crate::saml::metadata::idp_metadata(state.settings.issuer_str(), &keys)
        .map_err(|e| PageError::Failure(crate::error::Failure::Internal(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("application/samlmetadata+xml")
        .body(xml))
}

#[derive(Deserialize)]
pub struct SsoParams {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    /// Set by our own re-post of a cross-site POST (see [`sso_post`]).
    #[serde(default)]
    resubmitted: Option<String>,
}

pub async fn sso_get(
    state: web::Data<AppState>,
    req: HttpRequest,
    visit: Visit,
    query: web::Query<SsoParams>,
) -> Result<HttpResponse, PageError> {
    run(&state, &req, &visit, Binding::Redirect, query.into_inner()).await
}

/// A POST from the service provider's page is cross-site: browsers hold back
/// our SameSite=Lax cookies from it, so a signed-in user would look signed
/// out. Such a post (`Sec-Fetch-Site: cross-site`) is posted once more by a
/// page of ours, same-site this time, with the same fields.
pub async fn sso_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    visit: Visit,
    form: web::Form<SsoParams>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site && form.resubmitted.is_none() {
        let mut fields = vec![("resubmitted", "1".to_owned())];
        if let Some(r) = &form.saml_request {
            if r.len() > crate::saml::request::MAX_ENCODED {
                return Err(PageError::bad_request("err-saml-too-large"));
            }
            fields.push(("SAMLRequest", r.clone()));
        }
        if let Some(r) = &form.relay_state {
            fields.push(("RelayState", r.clone()));
        }
        let action = format!("{}/saml/sso", state.settings.issuer_path());
        return Ok(auto_post(&state, &req, &action, &fields, "continue"));
    }
    run(&state, &req, &visit, Binding::Post, form).await
}

async fn run(
    state: &AppState,
    req: &HttpRequest,
    visit: &Visit,
    binding: Binding,
    params: SsoParams,
) -> Result<HttpResponse, PageError> {
    let Some(saml_request) = params.saml_request.filter(|r| !r.is_empty()) else {
        return Err(PageError::bad_request("err-saml-missing"));
    };
    match front::sso(
        &state.login_ctx(),
        binding,
        &saml_request,
        params.relay_state,
        visit,
    )
    .await?
    {
        SsoAnswer::Post(form) => Ok(post_response(state, req, &form)),
        SsoAnswer::Redirect(url) => Ok(found(&url)),
        SsoAnswer::Started(Started { id, new_browser }) => {
            let mut resp = found(&super::interaction::here(state, &id));
            if let Some(browser) = new_browser {
                resp.add_cookie(&super::interaction::browser_cookie(state, &browser))
                    .map_err(|e| PageError::BadRequest(e.to_string()))?;
            }
            Ok(resp)
        }
    }
}

/// The Response of a finished login, for the browser session it was made for.
pub async fn post_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    visit: Visit,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    match front::take_post(&state.login_ctx(), &id, visit.session.as_deref()).await? {
        Some(form) => Ok(post_response(&state, &req, &form)),
        None => Err(PageError::bad_request("err-saml-answer-gone")),
    }
}

fn post_response(state: &AppState, req: &HttpRequest, form: &PostForm) -> HttpResponse {
    let mut fields = vec![("SAMLResponse", form.saml_response.clone())];
    if let Some(r) = &form.relay_state {
        fields.push(("RelayState", r.clone()));
    }
    let mut resp = auto_post(state, req, &form.acs_url, &fields, "saml-post-to-app");
    allow_form_target(&mut resp, &form.acs_url);
    resp
}

#[derive(askama::Template)]
#[template(path = "saml_post.html")]
struct AutoPost<'a> {
    chrome: &'a Chrome,
    action: &'a str,
    fields: &'a [(&'a str, String)],
    /// The message id of the button.
    button: &'static str,
    nonce: &'a str,
}

/// A form that posts `fields` to `action`: by script at once (with this
/// response's CSP nonce), by its button (labelled by the message `button`)
/// without script.
fn auto_post(
    state: &AppState,
    req: &HttpRequest,
    action: &str,
    fields: &[(&str, String)],
    button: &'static str,
) -> HttpResponse {
    let chrome = Chrome::for_request(state, req, None);
    let nonce = CspNonce::of(req);
    let form = AutoPost {
        chrome: &chrome,
        action,
        fields,
        button,
        nonce: &nonce,
    };
    page(StatusCode::OK, &form)
}
