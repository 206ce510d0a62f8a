//! Per-request observability: a request id, a tracing span that carries it into
//! every log line of the request (the access log line included), and the HTTP
//! metrics.
//!
//! The id comes from an incoming `X-Request-Id` only when it is short and
//! printable (a proxy's id joins our logs to its own); anything else is
//! replaced, so a client cannot inject line breaks or megabytes into the logs.
//! Metric labels name the matched route pattern, never the path:
//! paths carry set-password tokens and interaction ids, query strings carry
//! `login_hint`, `state` and `nonce`.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id we keep (a UUID is 36).
const MAX_ID: usize = 64;

/// Whether an incoming id may be reused: 1–64 of `[A-Za-z0-9._:-]`.
pub fn acceptable_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_id() -> String {
    let mut bytes = [0u8; 12];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
    crate::secrets::hex(&bytes)
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_id(v))
        .map(str::to_owned)
        .unwrap_or_else(new_id);
    let method = crate::metrics::method_label(req.method().as_str());
    let route = crate::telemetry::route(&req);
    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(req).instrument(span).await;
    let mut res = match result {
        Ok(res) => res,
        Err(e) => {
            // An error that no handler turned into a response: still counted.
            let status = e.as_response_error().status_code().as_u16();
            let seconds = started.elapsed().as_secs_f64();
            crate::metrics::http_request("(error)", method, status, seconds);
            return Err(e);
        }
    };
    let status = res.status().as_u16();
    crate::metrics::http_request(route, method, status, started.elapsed().as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_ids_are_kept() {
        assert!(acceptable_id("3f2a-9c:req_1.2"));
        assert!(!acceptable_id(""));
        assert!(!acceptable_id("a b"));
        assert!(!acceptable_id("line\nbreak"));
        assert!(!acceptable_id(&"a".repeat(65)));
        assert_eq!(new_id().len(), 24);
        assert!(acceptable_id(&new_id()));
    }
}
