//! A small round-robin HTTP proxy run by the test itself: every request goes to
//! the next instance in turn, forwarded as it came (method, path and query,
//! headers, body; nothing rewritten, no header added). As a load balancer does,
//! it checks each instance's `/readyz` every 200 ms and skips one that fails
//! while the other passes (when both fail, both still get requests, which they
//! answer 503), and a request whose instance refuses the connection goes to the
//! other: nothing was sent yet, so this is safe for any method. Any other
//! failure is answered 502 and counted.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// Hop-by-hop headers (RFC 9110 §7.6.1) and the length, which the client
/// library sets for the body it actually sends.
const NOT_FORWARDED: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
];

#[derive(Default)]
pub struct ProxyCounters {
    /// Requests answered by each backend, in backend order.
    pub served: [AtomicU64; 2],
    /// Requests moved to the other backend because theirs refused the connection.
    pub rerouted: AtomicU64,
    /// Requests answered 502 by the proxy (no backend could answer).
    pub bad_gateway: AtomicU64,
}

struct Shared {
    backends: [String; 2],
    /// What the last readiness check of each backend said.
    ready: [AtomicBool; 2],
    next: AtomicUsize,
    http: reqwest::Client,
    counters: Arc<ProxyCounters>,
}

pub struct RoundRobinProxy {
    pub counters: Arc<ProxyCounters>,
    handle: ServerHandle,
}

impl RoundRobinProxy {
    /// Listens on `listener` and forwards to the two loopback ports.
    pub fn start(listener: TcpListener, backends: [u16; 2]) -> RoundRobinProxy {
        let counters = Arc::new(ProxyCounters::default());
        let shared = web::Data::new(Shared {
            backends: backends.map(|p| format!("http://127.0.0.1:{p}")),
            ready: [AtomicBool::new(true), AtomicBool::new(true)],
            next: AtomicUsize::new(0),
            // One connection per request, so a restarting instance is seen at once.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            counters: counters.clone(),
        });
        let data = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .default_service(web::to(forward))
        })
        .workers(2)
        // Longer than the clients' idle timeout (reqwest: 90 s), so a client
        // never reuses a connection the proxy is closing at that moment.
        .keep_alive(Duration::from_secs(120))
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        tokio::spawn(check_readiness(shared));
        RoundRobinProxy { counters, handle }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// The health check: every 200 ms, `/readyz` of each backend straight.
async fn check_readiness(shared: web::Data<Shared>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .no_proxy()
        .build()
        .unwrap();
    loop {
        for (i, base) in shared.backends.iter().enumerate() {
            let ok = matches!(http.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == 200);
            shared.ready[i].store(ok, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn forward(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let mut first = shared.next.fetch_add(1, Ordering::Relaxed) % 2;
    if !shared.ready[first].load(Ordering::Relaxed)
        && shared.ready[1 - first].load(Ordering::Relaxed)
    {
        first = 1 - first;
    }
    for (attempt, index) in [first, 1 - first].into_iter().enumerate() {
        let url = format!("{}{}", shared.backends[index], req.uri());
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
        let mut out = shared.http.request(method, url).body(body.clone());
        for (name, value) in req.headers() {
            if !NOT_FORWARDED.contains(&name.as_str()) {
                out = out.header(name.as_str(), value.as_bytes());
            }
        }
        match out.send().await {
            Ok(resp) => {
                shared.counters.served[index].fetch_add(1, Ordering::Relaxed);
                if attempt > 0 {
                    shared.counters.rerouted.fetch_add(1, Ordering::Relaxed);
                }
                return match relay(resp).await {
                    Ok(r) => r,
                    Err(e) => bad_gateway(&shared, &format!("body cut: {e}")),
                };
            }
            Err(e) if e.is_connect() => continue,
            Err(e) => return bad_gateway(&shared, &e.to_string()),
        }
    }
    bad_gateway(&shared, "no instance accepts connections")
}

async fn relay(resp: reqwest::Response) -> Result<HttpResponse, reqwest::Error> {
    let mut out = HttpResponse::build(StatusCode::from_u16(resp.status().as_u16()).unwrap());
    for (name, value) in resp.headers() {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            out.append_header((name.as_str(), value.as_bytes()));
        }
    }
    Ok(out.body(resp.bytes().await?))
}

fn bad_gateway(shared: &Shared, why: &str) -> HttpResponse {
    shared.counters.bad_gateway.fetch_add(1, Ordering::Relaxed);
    HttpResponse::BadGateway().body(format!("proxy: {why}"))
}
