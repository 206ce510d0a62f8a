//! The Prometheus scrape endpoint, served only by the metrics listener
//! (`metrics.bind`), which an operator keeps off the public network.

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(render));
}

async fn render(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
