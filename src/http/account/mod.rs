//! `/account`: people manage their own sign-in here. Server-rendered pages with
//! plain forms and a synchronizer CSRF token; sign-in goes through our own
//! `/authorize` (see `accounts::account`). The session cookie is HttpOnly and
//! SameSite=Strict, scoped to /account (or `__Host-` on https).

mod actions;
mod keys;
mod pages;

use crate::http::ui::Said;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::own_client::{self, CallbackParams, Landing};
use super::{found, session_cookie};
use crate::accounts::account::{self, AccountSession};
use crate::db::users::User;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::{self, Chrome};

const COOKIE: &str = "portcullis_account";
const LOGIN_COOKIE: &str = "portcullis_account_login";
/// What the page's CSRF tokens are bound to, beside the account session.
const CSRF_PURPOSE: &str = "account";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(pages::home))
        .route("/account/login", web::get().to(login))
        .route("/account/callback", web::get().to(callback))
        .route("/account/logout", web::post().to(actions::logout))
        .route("/account/password", web::post().to(actions::password))
        .route("/account/factors/remove", web::post().to(actions::remove))
        .route("/account/key", web::get().to(keys::page))
        .route("/account/key/begin", web::post().to(keys::begin))
        .route("/account/key/finish", web::post().to(keys::finish))
        .route("/account/totp", web::get().to(pages::totp))
        .route("/account/totp", web::post().to(actions::confirm_totp))
        .route(
            "/account/recovery-codes",
            web::post().to(actions::recovery_codes),
        )
        .route("/account/sessions/end", web::post().to(actions::end_one))
        .route(
            "/account/consents/revoke",
            web::post().to(actions::revoke_consent),
        )
        .route(
            "/account/sessions/end-others",
            web::post().to(actions::end_others),
        );
}

fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    super::cookie(&state.settings, name, value, "/account")
        .same_site(if name == COOKIE {
            SameSite::Strict
        } else {
            SameSite::Lax
        })
        .finish()
}

fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut gone = cookie(state, name, String::new());
    gone.make_removal();
    gone
}

fn read_cookie(state: &AppState, req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(&super::cookie_name(&state.settings, name))
        .map(|c| c.value().to_owned())
}

/// A signed-in visitor of the account page.
pub(super) struct Signed {
    pub cookie: String,
    pub session: AccountSession,
    pub user: User,
}

/// The signed-in account session of this browser, or None (then sign in).
async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Option<Signed>, PageError> {
    let Some(c) = read_cookie(state, req, COOKIE) else {
        return Ok(None);
    };
    let browser = session_cookie(req);
    Ok(
        account::session(&state.console_ctx(), &c, browser.as_deref())
            .await?
            .map(|(session, user)| Signed {
                cookie: c,
                session,
                user,
            }),
    )
}

fn path(state: &AppState, p: &str) -> String {
    format!("{}{p}", state.settings.issuer_path())
}

fn to_login(state: &AppState) -> HttpResponse {
    found(&path(state, "/account/login"))
}

/// Sends the browser through `/authorize` again for fresh proofs.
fn to_fresh_login(state: &AppState) -> HttpResponse {
    found(&path(state, "/account/login?fresh=1"))
}

#[derive(Deserialize)]
pub struct LoginParams {
    #[serde(default)]
    fresh: Option<String>,
}

async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<LoginParams>,
) -> Result<HttpResponse, PageError> {
    // Fresh proofs are asked of the account signed in here (its factors
    // decide the level); a stranger just signs in.
    let fresh_for = match (&q.fresh, signed_in(&state, &req).await?) {
        (Some(_), Some(s)) => Some(account::enrolled(&state.login_ctx(), &s.user).await?),
        _ => None,
    };
    let (login_cookie, url) = account::begin(&state.console_ctx(), fresh_for).await?;
    let mut resp = found(&url);
    resp.add_cookie(&cookie(&state, LOGIN_COOKIE, login_cookie))?;
    Ok(resp)
}

async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<CallbackParams>,
) -> Result<HttpResponse, PageError> {
    let (state, r) = (&state, &req);
    let login = cookie(state, LOGIN_COOKIE, String::new());
    own_client::callback(
        r,
        &p,
        login,
        "err-account-sign-in-failed",
        |back| async move {
            let ctx = state.console_ctx();
            match account::finish(&ctx, back.started.as_deref(), &back.state, &back.code).await? {
                Ok((value, s)) => {
                    // A new sign-in replaces the account session this browser had.
                    if let Some(old) = read_cookie(state, r, COOKIE) {
                        account::end(&ctx, &old).await?;
                    }
                    tracing::info!(user = %s.username, "account page signed in");
                    Ok(Ok(Landing {
                        session: cookie(state, COOKIE, value),
                        to: path(state, "/account"),
                    }))
                }
                Err(why) => Err(PageError::Said(
                    StatusCode::BAD_REQUEST,
                    Said::new("err-account-sign-in-failed").detail(why),
                )),
            }
        },
    )
    .await
}

pub(super) fn chrome(state: &AppState, req: &HttpRequest) -> Chrome {
    Chrome::for_request(state, req, None)
}

fn render(t: &impl askama::Template) -> HttpResponse {
    ui::page(StatusCode::OK, t)
}
