use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::AppState;

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
