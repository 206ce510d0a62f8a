//! `/audit?user=&since=&limit=`: audit events, newest first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Admin, json};
use crate::admin::AdminError;
use crate::db::audit;
use crate::http::errors::JsonError;

#[derive(Deserialize)]
pub struct Params {
    user: Option<String>,
    since: Option<String>,
    limit: Option<u64>,
}

/// Unix seconds or an RFC 3339 time.
fn parse_since(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp())
    })
}

pub async fn list(admin: Admin, p: web::Query<Params>) -> Result<HttpResponse, JsonError> {
    let since = match p.since.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_since(s).ok_or_else(|| {
            JsonError::invalid_request("since: unix seconds or an RFC 3339 time")
        })?),
        None => None,
    };
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(JsonError::invalid_request("limit: 1 to 1000"));
    }
    let user = p.user.as_deref().filter(|u| !u.is_empty());
    let items = audit::list(&admin.ctx.db, user, since, limit)
        .await
        .map_err(AdminError::from)?;
    Ok(json(StatusCode::OK, &json!({"items": items})))
}
