//! `/users`: list and search, create, read, change, delete, password, reset MFA,
//! the 2FA switch, bulk actions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Admin, GrantParam, json, no_content};
use crate::admin::AdminError;
use crate::admin::sign_out as ending;
use crate::admin::users::{self as admin_users, BulkAction, CreateUser};
use crate::db::user_admin::{self, Patch, Query, TwoFactorFilter};
use crate::http::errors::JsonError;

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    two_factor: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

pub async fn list(admin: Admin, p: web::Query<ListParams>) -> Result<HttpResponse, JsonError> {
    let two_factor = match p.two_factor.as_deref() {
        None | Some("all") | Some("") => TwoFactorFilter::All,
        Some("enabled") => TwoFactorFilter::Enabled,
        Some("disabled") => TwoFactorFilter::Disabled,
        Some(other) => {
            return Err(JsonError::invalid_request(format!(
                "two_factor {other:?}: expected enabled, disabled or all"
            )));
        }
    };
    let page = p.page.unwrap_or(1);
    let per_page = p.per_page.unwrap_or(50);
    if page == 0 {
        return Err(JsonError::invalid_request("page counts from 1"));
    }
    if !(1..=500).contains(&per_page) {
        return Err(JsonError::invalid_request("per_page: 1 to 500"));
    }
    let res = user_admin::search(
        &admin.ctx.db,
        &Query {
            q: p.q.clone(),
            two_factor,
            page,
            per_page,
        },
    )
    .await
    .map_err(AdminError::from)?;
    Ok(json(
        StatusCode::OK,
        &json!({"items": res.items, "total": res.total, "page": page, "per_page": per_page}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    username: Option<String>,
    email: Option<String>,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    display_name: String,
    password: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    /// The language of the user's mails: `en`, `de` or `fr`.
    locale: Option<String>,
}

pub async fn create(
    admin: Admin,
    q: web::Query<GrantParam>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, JsonError> {
    let b = body.into_inner();
    let (user, mail) = admin_users::create(
        &admin.ctx,
        CreateUser {
            username: b.username.unwrap_or_default(),
            email: b.email.unwrap_or_default(),
            first_name: b.first_name,
            last_name: b.last_name,
            display_name: b.display_name,
            password: b.password,
            groups: b.groups,
            locale: b.locale,
            admin_grant: q.grant(),
        },
    )
    .await?;
    let mut out = serde_json::to_value(&user).unwrap_or_default();
    if let Some(o) = out.as_object_mut() {
        o.insert("mail".into(), json!(mail));
    }
    Ok(json(StatusCode::CREATED, &out))
}

pub async fn get(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let u = user_admin::get(&admin.ctx.db, &id)
        .await
        .map_err(AdminError::from)?;
    Ok(json(StatusCode::OK, &u))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    username: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    groups: Option<Vec<String>>,
    two_factor: Option<bool>,
    /// false disables sign-in and ends the user's sessions and tokens.
    active: Option<bool>,
    /// The language of the user's mails: `en`, `de` or `fr`.
    locale: Option<String>,
}

pub async fn patch(
    admin: Admin,
    id: web::Path<String>,
    q: web::Query<GrantParam>,
    body: web::Json<PatchBody>,
) -> Result<HttpResponse, JsonError> {
    let b = body.into_inner();
    let u = admin_users::update(
        &admin.ctx,
        &id,
        Patch {
            username: b.username,
            email: b.email,
            first_name: b.first_name,
            last_name: b.last_name,
            display_name: b.display_name,
            groups: b.groups,
            two_factor: b.two_factor,
            locale: b.locale,
        },
        q.grant(),
    )
    .await?;
    let u = match b.active {
        Some(active) => {
            ending::set_active(&admin.ctx, &id, active).await?;
            user_admin::get(&admin.ctx.db, &id)
                .await
                .map_err(AdminError::from)?
        }
        None => u,
    };
    Ok(json(StatusCode::OK, &u))
}

/// Ends the user's browser sessions and revokes their refresh tokens (with the
/// access tokens issued from them), and nothing else.
pub async fn sign_out(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let out = ending::sign_out(&admin.ctx, &id).await?;
    Ok(json(StatusCode::OK, &out))
}

pub async fn delete(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    admin_users::delete(&admin.ctx, &id).await?;
    Ok(no_content())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    password: String,
}

pub async fn password(
    admin: Admin,
    id: web::Path<String>,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, JsonError> {
    admin_users::set_password(&admin.ctx, &id, body.into_inner().password).await?;
    Ok(no_content())
}

pub async fn reset_mfa(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let u = admin_users::reset_mfa(&admin.ctx, &id).await?;
    Ok(json(StatusCode::OK, &u))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorBody {
    enabled: bool,
}

pub async fn two_factor(
    admin: Admin,
    id: web::Path<String>,
    body: web::Json<TwoFactorBody>,
) -> Result<HttpResponse, JsonError> {
    let u = admin_users::set_two_factor(&admin.ctx, &id, body.enabled).await?;
    Ok(json(StatusCode::OK, &u))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    action: BulkAction,
    ids: Vec<String>,
}

pub async fn bulk(admin: Admin, body: web::Json<BulkBody>) -> Result<HttpResponse, JsonError> {
    let results = admin_users::bulk(&admin.ctx, body.action, &body.ids).await?;
    let ok = results.iter().filter(|r| r.status == "ok").count();
    Ok(json(
        StatusCode::OK,
        &json!({"action": body.action, "results": results, "succeeded": ok, "failed": results.len() - ok}),
    ))
}
