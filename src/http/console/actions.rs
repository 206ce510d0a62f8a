//! Console form posts: add a user, bulk actions (with the tab rules enforced
//! here too, not only by the page), and one user's actions. Each checks the
//! session's CSRF token and answers with a redirect (post/redirect/get).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{csrf_ok, ctx, redirect_to_login, session};
use crate::admin::admin_group::AdminGrant;
use crate::admin::console::ConsoleSession;
use crate::admin::users::{self as admin_users, BulkAction, CreateUser};
use crate::admin::{AdminError, sign_out};
use crate::db::user_admin::Patch;
use crate::http::errors::PageError;
use crate::http::see_other;
use crate::http::state::AppState;

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn forbidden() -> PageError {
    PageError::Status(
        StatusCode::FORBIDDEN,
        "This form has expired or was not sent by the console. Reload the page and try again."
            .into(),
    )
}

fn failure(e: AdminError) -> PageError {
    match e {
        AdminError::Failure(f) => PageError::Failure(f),
        AdminError::NotFound => PageError::Status(StatusCode::NOT_FOUND, "No such user.".into()),
        other => PageError::BadRequest(other.to_string()),
    }
}

/// A console form post: the signed-in administrator and the form's fields, its
/// CSRF token checked; otherwise the sign-in redirect to answer with.
async fn posted(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Result<(ConsoleSession, Vec<(String, String)>), HttpResponse>, PageError> {
    let Some(s) = session(state, req).await? else {
        return Ok(Err(redirect_to_login(state)));
    };
    let f = form_pairs(body);
    if !csrf_ok(&s, &field(&f, "csrf_token")) {
        return Err(forbidden());
    }
    Ok(Ok((s, f)))
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (s, f) = match posted(&state, &req, &body).await? {
        Ok(v) => v,
        Err(sign_in) => return Ok(sign_in),
    };
    let base = format!("{}/admin/users", state.settings.issuer_path());
    let input = CreateUser {
        username: field(&f, "username"),
        email: field(&f, "email"),
        first_name: field(&f, "first_name"),
        last_name: field(&f, "last_name"),
        password: Some(field(&f, "password")),
        ..Default::default()
    };
    match admin_users::create(&ctx(&state, &s), input).await {
        Ok((u, _)) => Ok(see_other(&format!("{base}/{}?msg=created", u.user.id))),
        Err(AdminError::Invalid(_)) => Ok(see_other(&format!("{base}?error=input"))),
        Err(AdminError::Conflict(_)) => Ok(see_other(&format!("{base}?error=exists"))),
        Err(e) => Err(failure(e)),
    }
}

pub async fn bulk(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (s, f) = match posted(&state, &req, &body).await? {
        Ok(v) => v,
        Err(sign_in) => return Ok(sign_in),
    };
    let tab = field(&f, "tab");
    let back = |q: &str| {
        format!(
            "{}/admin/users?tab={}&{q}",
            state.settings.issuer_path(),
            if ["enabled", "disabled"].contains(&tab.as_str()) {
                tab.as_str()
            } else {
                "all"
            }
        )
    };
    let action = match field(&f, "action").as_str() {
        "enable_2fa" => BulkAction::Enable2fa,
        "disable_2fa" => BulkAction::Disable2fa,
        "reset_mfa" => BulkAction::ResetMfa,
        "delete" => BulkAction::Delete,
        _ => return Ok(see_other(&back("error=input"))),
    };
    // The seed's tab rules: enabling from the enabled tab, or disabling from the
    // disabled tab, is refused.
    if (tab == "enabled" && action == BulkAction::Enable2fa)
        || (tab == "disabled" && action == BulkAction::Disable2fa)
    {
        return Ok(see_other(&back("error=tab")));
    }
    let ids: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    match admin_users::bulk(&ctx(&state, &s), action, &ids).await {
        Ok(_) => Ok(see_other(&back("msg=bulk"))),
        Err(AdminError::Invalid(_)) => Ok(see_other(&back("error=input"))),
        Err(e) => Err(failure(e)),
    }
}

pub async fn user_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (s, f) = match posted(&state, &req, &body).await? {
        Ok(v) => v,
        Err(sign_in) => return Ok(sign_in),
    };
    let ctx = ctx(&state, &s);
    let page = format!(
        "{}/admin/users/{}",
        state.settings.issuer_path(),
        id.as_str()
    );
    let done = |msg: &str| Ok(see_other(&format!("{page}?msg={msg}")));
    let opt = |name: &str| Some(field(&f, name));
    let result = match field(&f, "op").as_str() {
        "edit" => admin_users::update(
            &ctx,
            &id,
            Patch {
                username: opt("username"),
                email: opt("email"),
                first_name: opt("first_name"),
                last_name: opt("last_name"),
                display_name: opt("display_name"),
                ..Default::default()
            },
            // The console's edit form changes no groups.
            AdminGrant::Refused,
        )
        .await
        .map(|_| "updated"),
        "password" => {
            if field(&f, "password") != field(&f, "password_confirm") {
                return Ok(see_other(&format!("{page}?error=input")));
            }
            admin_users::set_password(&ctx, &id, field(&f, "password"))
                .await
                .map(|_| "password")
        }
        "2fa-on" => admin_users::set_two_factor(&ctx, &id, true)
            .await
            .map(|_| "2fa-on"),
        "2fa-off" => admin_users::set_two_factor(&ctx, &id, false)
            .await
            .map(|_| "2fa-off"),
        "reset-mfa" => admin_users::reset_mfa(&ctx, &id).await.map(|_| "mfa"),
        "sign-out" => sign_out::sign_out(&ctx, &id).await.map(|_| "signed-out"),
        "disable" => sign_out::set_active(&ctx, &id, false)
            .await
            .map(|_| "disabled"),
        "enable" => sign_out::set_active(&ctx, &id, true)
            .await
            .map(|_| "enabled"),
        "delete" => {
            match admin_users::delete(&ctx, &id).await {
                Err(AdminError::LastAdmin(_)) => {
                    return Ok(see_other(&format!("{page}?error=last-admin")));
                }
                other => other.map_err(failure)?,
            }
            return Ok(see_other(&format!(
                "{}/admin/users?msg=deleted",
                state.settings.issuer_path()
            )));
        }
        _ => return Err(PageError::BadRequest("unknown action".into())),
    };
    match result {
        Ok(msg) => done(msg),
        Err(AdminError::Invalid(_)) => Ok(see_other(&format!("{page}?error=input"))),
        Err(AdminError::Conflict(_)) => Ok(see_other(&format!("{page}?error=exists"))),
        Err(AdminError::LastAdmin(_)) => Ok(see_other(&format!("{page}?error=last-admin"))),
        Err(e) => Err(failure(e)),
    }
}
