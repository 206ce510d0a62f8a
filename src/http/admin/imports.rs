//! `/imports`: validate a CSV, run its batches (safe) or all of them in the
//! background (auto), status and progress, per-row results as CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Admin, json};
use crate::admin::AdminError;
use crate::admin::admin_group::AdminGrant;
use crate::admin::import_run::{self, DEFAULT_BATCH, ImportOptions, Mode};
use crate::admin::import_status;
use crate::http::errors::JsonError;

#[derive(Deserialize)]
pub struct Params {
    mode: Option<String>,
    batch_size: Option<u64>,
    /// `false` creates the users without mailing them.
    notify: Option<bool>,
    /// `true` lets rows put users into `admin.group`.
    #[serde(default)]
    allow_admin_group: bool,
}

pub async fn create(
    admin: Admin,
    p: web::Query<Params>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let body = crate::http::limited_body(payload, import_run::MAX_FILE, "CSV files").await?;
    let mode = Mode::parse(p.mode.as_deref().unwrap_or("safe"))?;
    let opts = ImportOptions {
        mode,
        batch_size: p.batch_size.unwrap_or(DEFAULT_BATCH),
        notify: p.notify.unwrap_or(true),
        admin_grant: AdminGrant::from_flag(p.allow_admin_group),
    };
    let v = import_run::validate_and_store_with(&admin.ctx, &body, opts).await?;
    if mode == Mode::Auto {
        import_run::spawn_auto(admin.ctx.clone(), v.id.clone());
    }
    Ok(json(StatusCode::OK, &v))
}

pub async fn status(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let s = import_status::status(&admin.ctx, &id).await?;
    Ok(json(StatusCode::OK, &s))
}

pub async fn run_batch(
    admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JsonError> {
    let (id, n) = path.into_inner();
    let n: u64 = n.parse().map_err(|_| AdminError::NotFound)?;
    let results = import_run::run_batch(&admin.ctx, &id, n).await?;
    let mut counts = serde_json::Map::new();
    for r in &results {
        let c = counts.entry(r.status.clone()).or_insert(json!(0));
        *c = json!(c.as_u64().unwrap_or(0) + 1);
    }
    Ok(json(
        StatusCode::OK,
        &json!({"id": id, "batch": n, "counts": counts, "results": results}),
    ))
}

/// Cancels the batches that have not begun (a running one finishes).
pub async fn cancel(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let done = import_run::cancel(&admin.ctx, &id).await?;
    Ok(json(StatusCode::OK, &done))
}

pub async fn results(admin: Admin, id: web::Path<String>) -> Result<HttpResponse, JsonError> {
    let body = import_status::results_csv(&admin.ctx, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"import-{id}-results.csv\""),
        ))
        .content_type("text/csv; charset=utf-8")
        .body(body))
}
