//! `/groups`: create, rename, delete, members.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Admin, GrantParam, json, no_content};
use crate::admin::{AdminError, groups as admin_groups};
use crate::db::groups;
use crate::http::errors::JsonError;

pub async fn list(admin: Admin) -> Result<HttpResponse, JsonError> {
    let items = groups::list(&admin.ctx.db)
        .await
        .map_err(AdminError::from)?;
    Ok(json(
        StatusCode::OK,
        &json!({"items": items, "total": items.len()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    name: String,
}

pub async fn create(admin: Admin, body: web::Json<NameBody>) -> Result<HttpResponse, JsonError> {
    let g = admin_groups::create(&admin.ctx, &body.name).await?;
    Ok(json(StatusCode::CREATED, &g))
}

pub async fn get(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let g = groups::find(&admin.ctx.db, &id)
        .await
        .map_err(AdminError::from)?;
    Ok(json(StatusCode::OK, &g))
}

pub async fn rename(
    admin: Admin,
    id: web::Path<String>,
    q: web::Query<GrantParam>,
    body: web::Json<NameBody>,
) -> Result<HttpResponse, JsonError> {
    let g = admin_groups::rename(&admin.ctx, &id, &body.name, q.grant()).await?;
    Ok(json(StatusCode::OK, &g))
}

pub async fn delete(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    admin_groups::delete(&admin.ctx, &id).await?;
    Ok(no_content())
}

pub async fn members(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let g = groups::find(&admin.ctx.db, &id)
        .await
        .map_err(AdminError::from)?;
    let items: Vec<_> = groups::members(&admin.ctx.db, &g.id)
        .await
        .map_err(AdminError::from)?
        .into_iter()
        .map(|(id, username)| json!({"id": id, "username": username}))
        .collect();
    Ok(json(StatusCode::OK, &json!({"group": g, "items": items})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    user_id: String,
}

pub async fn add_member(
    admin: Admin,
    id: web::Path<String>,
    q: web::Query<GrantParam>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, JsonError> {
    let g = admin_groups::add_member(&admin.ctx, &id, &body.user_id, q.grant()).await?;
    Ok(json(StatusCode::OK, &g))
}

pub async fn remove_member(
    admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JsonError> {
    let (id, user_id) = path.into_inner();
    admin_groups::remove_member(&admin.ctx, &id, &user_id).await?;
    Ok(no_content())
}
