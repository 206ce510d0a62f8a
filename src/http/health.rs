//! Probes for orchestrators and load balancers. `/livez`: the process answers.
//! `/readyz` (and `/health`, kept for existing checks): the database and the
//! session store both answer within a short timeout, else 503 naming which did
//! not, so a load balancer stops sending sign-ins that would fail closed anyway.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::http::state::AppState;

/// A ping slower than this counts as down: a probe must answer before the
/// orchestrator's own timeout (often one second) runs out.
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let backends = state.backends();
    let (store, db) = tokio::join!(
        tokio::time::timeout(PING_TIMEOUT, backends.store()),
        tokio::time::timeout(PING_TIMEOUT, backends.database()),
    );
    let store = matches!(store, Ok(true));
    let db = matches!(db, Ok(true));
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
    let backends = state.backends();
    let store = backends.store().await;
    let db = backends.database().await;
    let body = json!({"store": if store {"ok"} else {"unavailable"}, "database": if db {"ok"} else {"unavailable"}});
    if store && db {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
