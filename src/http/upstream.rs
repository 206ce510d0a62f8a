//! Signing in at an upstream identity provider: the redirect there, and its
//! answer at `/upstream/{id}/callback`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::errors::PageError;
use super::interaction::here;
use super::state::AppState;
use super::{see_other, set_session_cookie};
use crate::login::{PendingLogin, Visit};
use crate::upstream::flow::{self, CallbackParams};

/// The URL that starts pending login `id` at upstream `upstream`.
pub fn start_url(state: &AppState, id: &str, upstream: &str) -> String {
    let q = serde_urlencoded::to_string([("upstream", upstream)]).unwrap_or_default();
    format!("{}/upstream?{q}", here(state, id))
}

/// The login page's buttons: (id, name, URL) per upstream.
pub fn buttons(state: &AppState, id: &str) -> Vec<(String, String, String)> {
    state
        .settings
        .upstreams
        .iter()
        .map(|u| (u.id.clone(), u.name.clone(), start_url(state, id, &u.id)))
        .collect()
}

/// The upstream a relying party's `idp_hint`, or its `login_hint` by domain,
/// sends this login to.
pub fn hinted<'a>(state: &'a AppState, login: &PendingLogin) -> Option<&'a str> {
    if let Some(hint) = &login.idp_hint
        && let Some(up) = state.settings.upstream(hint)
    {
        return Some(&up.id);
    }
    let hint = login.login_hint.as_deref()?;
    state
        .settings
        .upstream_for_email(hint)
        .map(|u| u.id.as_str())
}

#[derive(Deserialize)]
pub struct StartQuery {
    upstream: String,
}

/// `GET /interaction/{id}/upstream?upstream=ID`: to the upstream.
pub async fn start(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<StartQuery>,
    visit: Visit,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let ctx = state.login_ctx();
    let url = flow::start(&ctx, &state.upstreams, &id, &query.upstream, &visit).await?;
    Ok(see_other(&url))
}

/// `GET /upstream/{id}/callback`: the upstream's answer. Signed in, the
/// browser goes back to its pending login, which finishes or steps up.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallbackParams>,
    visit: Visit,
) -> Result<HttpResponse, PageError> {
    let upstream = path.into_inner();
    let ctx = state.login_ctx();
    let arrived = flow::callback(
        &ctx,
        &state.upstreams,
        &upstream,
        query.into_inner(),
        &visit,
        super::ui::accept_language(&req),
    )
    .await?;
    let mut resp = see_other(&here(&state, &arrived.login_id));
    resp.add_cookie(&set_session_cookie(&state, &arrived.cookie))?;
    Ok(resp)
}
