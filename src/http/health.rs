//! Probes for orchestrators and load balancers. `/livez`: the process answers.
//! `/readyz` (and `/health`, kept for existing checks): the database and the
//! session store both answer within a short timeout, else 503 naming which did
//! not, so a load balancer stops sending sign-ins that would fail closed anyway.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::AppState;

/// A ping slower than this counts as down: a probe must answer before the
/// orchestrator's own timeout (often one second) runs out.
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (store, db) = tokio::join!(
        tokio::time::timeout(PING_TIMEOUT, state.store.ping()),
        tokio::time::timeout(PING_TIMEOUT, state.db.ping()),
    );
    let store = matches!(store, Ok(Ok(_)));
    let db = matches!(db, Ok(Ok(_)));
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let mut body = json!({"store": word(store), "database": word(db)});
    let draining = state.draining.load(std::sync::atomic::Ordering::SeqCst);
    if draining {
        body["status"] = json!("shutting down");
    }
    let mut answer = if store && db && !draining {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    answer
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// Readiness for a load balancer: 503 when the store or the database is down.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.ping().await.is_ok();
    let db = state.db.ping().await.is_ok();
    let body = json!({"store": if store {"ok"} else {"unavailable"}, "database": if db {"ok"} else {"unavailable"}});
    if store && db {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
