//! The admin console under `/admin`: server-rendered pages, plain forms with a
//! synchronizer CSRF token, and a little JavaScript for confirmations and the
//! import progress bar. Sign-in goes through our own `/authorize` (see
//! `admin::console`); the session cookie is HttpOnly, SameSite=Strict, path /admin.

mod actions;
mod apps;
mod import;
mod layout;
mod pages;
mod user;

pub(crate) use layout::STYLE;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::own_client::{self, CallbackParams, Landing};
use super::{found, html};
use crate::admin::AdminCtx;
use crate::admin::console::{self, ConsoleSession, Refused};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::{Chrome, page};
use crate::secrets;

const COOKIE: &str = "portcullis_admin";
const LOGIN_COOKIE: &str = "portcullis_admin_login";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home))
        .route("/admin/login", web::get().to(login))
        .route("/admin/callback", web::get().to(callback))
        .route("/admin/logout", web::post().to(logout))
        .route("/admin/users", web::get().to(pages::users))
        .route("/admin/users", web::post().to(actions::create))
        .route("/admin/users/bulk", web::post().to(actions::bulk))
        .route("/admin/users/{id}", web::get().to(user::user))
        .route("/admin/users/{id}", web::post().to(actions::user_action))
        .route("/admin/apps", web::get().to(apps::page))
        .route("/admin/import", web::get().to(import::page))
        .route("/admin/import", web::post().to(import::upload))
        .route("/admin/import/{id}", web::get().to(import::status))
        .route(
            "/admin/import/{id}/results.csv",
            web::get().to(import::results),
        )
        .route(
            "/admin/import/{id}/batches/{n}",
            web::post().to(import::run_batch),
        )
        .route("/admin/import/{id}/cancel", web::post().to(import::cancel));
}

/// Console cookies: HttpOnly, `__Host-` and Secure on https (then Path=/, as the
/// prefix demands), else scoped to /admin; the session cookie SameSite=Strict.
fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    path: &'static str,
) -> Cookie<'static> {
    super::cookie(&state.settings, name, value, path)
        .same_site(if name == COOKIE {
            SameSite::Strict
        } else {
            SameSite::Lax
        })
        .finish()
}

fn read_cookie(state: &AppState, req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(&super::cookie_name(&state.settings, name))
        .map(|c| c.value().to_owned())
}

/// The signed-in administrator, or None (the caller redirects to sign-in).
pub(crate) async fn session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<ConsoleSession>, PageError> {
    match read_cookie(state, req, COOKIE) {
        Some(c) => Ok(console::session(
            &state.console_ctx(),
            &c,
            super::session_cookie(req).as_deref(),
        )
        .await?),
        None => Ok(None),
    }
}

pub(crate) fn ctx(state: &AppState, s: &ConsoleSession) -> AdminCtx {
    state.admin_ctx(format!("console:{}", s.username))
}

pub(crate) fn csrf_ok(s: &ConsoleSession, presented: &str) -> bool {
    !presented.is_empty() && secrets::ct_eq(&s.csrf, presented)
}

pub(crate) fn redirect_to_login(state: &AppState) -> HttpResponse {
    found(&format!("{}/admin/login", state.settings.issuer_path()))
}

fn to_users(state: &AppState) -> HttpResponse {
    found(&format!("{}/admin/users", state.settings.issuer_path()))
}

async fn home(state: web::Data<AppState>) -> HttpResponse {
    to_users(&state)
}

async fn login(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let (login_cookie, url) = console::begin(&state.console_ctx()).await?;
    let mut resp = found(&url);
    resp.add_cookie(&cookie(&state, LOGIN_COOKIE, login_cookie, "/admin"))?;
    Ok(resp)
}

async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<CallbackParams>,
) -> Result<HttpResponse, PageError> {
    let state = &state;
    let login = cookie(state, LOGIN_COOKIE, String::new(), "/admin");
    own_client::callback(
        &req,
        &p,
        login,
        "err-console-sign-in-failed",
        |back| async move {
            let finished = console::finish(
                &state.console_ctx(),
                back.started.as_deref(),
                &back.state,
                &back.code,
            )
            .await?;
            match finished {
                Ok((value, s)) => {
                    let ctx = ctx(state, &s);
                    ctx.audit(
                        "console_login",
                        None,
                        "success",
                        serde_json::json!({"acr": s.acr}),
                    )
                    .await?;
                    Ok(Ok(Landing {
                        session: cookie(state, COOKIE, value, "/admin"),
                        to: format!("{}/admin/users", state.settings.issuer_path()),
                    }))
                }
                Err(Refused::Invalid(m)) => Err(PageError::BadRequest(m.into())),
                Err(Refused::Forbidden(m)) => Ok(Err(html(
                    StatusCode::FORBIDDEN,
                    super::pages::error_page("Not an administrator", &m),
                ))),
            }
        },
    )
    .await
}

/// After leaving the console: in the visitor's language, with the product's look.
#[derive(Template)]
#[template(path = "console/signed_out.html")]
struct SignedOut<'a> {
    chrome: &'a Chrome,
    base: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    // Only a post with this session's token signs out, and only it clears the
    // cookie: a strict cookie is not sent with another site's post, so that
    // post finds no session here, and clearing the cookie on its answer would
    // still sign the administrator out.
    match (
        read_cookie(&state, &req, COOKIE),
        session(&state, &req).await?,
    ) {
        (Some(c), Some(s)) if csrf_ok(&s, &form.csrf_token) => {
            console::end(&state.console_ctx(), &c).await?;
        }
        _ => return Ok(to_users(&state)),
    }
    let chrome = Chrome::for_request(&state, &req, None);
    let mut resp = page(
        StatusCode::OK,
        &SignedOut {
            chrome: &chrome,
            base: state.settings.issuer_path(),
        },
    );
    let mut gone = cookie(&state, COOKIE, String::new(), "/admin");
    gone.make_removal();
    resp.add_cookie(&gone)?;
    Ok(resp)
}
