//! Logging to stderr, filtered by `RUST_LOG` (default: `info` for the server,
//! `warn` for one-shot commands, whose stderr carries only their error line), and
//! the access log. `log.format = "json"` writes one JSON object per line, with
//! the request's span (and so its `request_id`) on every line logged while
//! serving it.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::config::LogFormat;

pub fn init(default_level: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in files or journald.
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Probes that a load balancer sends every few seconds: not worth a line each.
const UNLOGGED: [&str; 3] = ["/health", "/livez", "/readyz"];

/// What the access log names instead of a path that matched no route.
pub const UNMATCHED: &str = "(no route)";

/// The route pattern a request matched ([`UNMATCHED`] for none), kept in the
/// request's extensions by [`route`].
#[derive(Debug, Clone, Copy)]
struct Route(&'static str);

/// The route pattern `req` matches ([`UNMATCHED`] for none). Looked up once per
/// request (a walk over the route table) and kept for the access log line and
/// the metrics, whichever asks first.
pub fn route(req: &ServiceRequest) -> &'static str {
    if let Some(r) = req.extensions().get::<Route>() {
        return r.0;
    }
    let found = req.match_pattern().map_or(UNMATCHED, intern);
    req.extensions_mut().insert(Route(found));
    found
}

/// One copy of each route pattern for the life of the process: the patterns
/// are the application's own routes, a fixed set (never a path), so the
/// metrics and the log take them without a copy per request.
fn intern(pattern: String) -> &'static str {
    static PATTERNS: std::sync::Mutex<BTreeSet<&'static str>> =
        std::sync::Mutex::new(BTreeSet::new());
    let mut known = PATTERNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = known.get(pattern.as_str()) {
        return p;
    }
    let p: &'static str = Box::leak(pattern.into_boxed_str());
    known.insert(p);
    p
}

/// One line per request: method, route, status and duration.
///
/// The route is the pattern that matched (`/set-password/{token}`,
/// `/interaction/{id}`), never the path: paths carry set-password tokens,
/// pending-request ids and client ids, and query strings carry `login_hint`,
/// `state` and `nonce`. A path that matches no route is not written either, since
/// it may be a mistyped one of those. Logs are read by more people, and kept
/// longer, than the secrets they would hold.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if UNLOGGED.contains(&req.path()) {
        return next.call(req).await;
    }
    let method = req.method().clone();
    let route = route(&req);
    let started = Instant::now();
    let res = next.call(req).await;
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    tracing::info!(
        target: "access",
        method = %method,
        route = %route,
        status = status.as_u16(),
        ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    res
}
