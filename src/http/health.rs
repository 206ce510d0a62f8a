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

/// Whether the store and the database each answered a ping in time.
async fn ping(state: &AppState) -> (bool, bool) {
    let backends = state.backends();
    let (store, db) = tokio::join!(
        tokio::time::timeout(PING_TIMEOUT, backends.store()),
        tokio::time::timeout(PING_TIMEOUT, backends.database()),
    );
    (matches!(store, Ok(true)), matches!(db, Ok(true)))
}

fn word(ok: bool) -> &'static str {
    if ok { "ok" } else { "unavailable" }
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (store, db) = ping(&state).await;
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

/// Readiness for a load balancer: 503 when the store or the database is down
/// or does not answer within the same timeout as `/readyz`. It is public: a
/// backend that hangs must not hold every probe with it.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let (store, db) = ping(&state).await;
    let body = json!({"store": word(store), "database": word(db)});
    let mut answer = if store && db {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    answer
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
