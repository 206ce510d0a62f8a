//! The Prometheus scrape endpoint, served only by the metrics listener
//! (`metrics.bind`), which an operator keeps off the public network.

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::store::Store;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(render));
}

async fn render(handle: web::Data<PrometheusHandle>, store: web::Data<Store>) -> HttpResponse {
    let mut body = handle.render();
    if let Some(census) = store.census() {
        if !body.is_empty() && !body.ends_with('\n') {
            body.push('\n');
        }
        body.push_str(&crate::metrics::render_store(&census));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
