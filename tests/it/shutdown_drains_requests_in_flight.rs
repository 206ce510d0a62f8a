//! SIGTERM (orchestrators, systemd) and SIGINT (Ctrl-C) stop the server
//! gracefully: it stops accepting, the request in flight gets its whole
//! answer, and the process exits 0, so a rolling restart loses no sign-in.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::served_binary::{Served, with_host};

fn drains_on(signal: &str) {
    let mut served = Served::start("[metrics]\nbind = \"127.0.0.1:0\"\n");
    let body =
        "grant_type=authorization_code&code=nothing&redirect_uri=https%3A%2F%2Fa.example%2Fcb";
    let (first, rest) = body.split_at(20);
    let head = with_host(
        &format!(
            "POST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ),
        served.port,
    );
    let mut conn = served.connect();
    // The server has the request once it invites the body.
    conn.write_all(head.as_bytes()).unwrap();
    let mut invited = [0u8; 25];
    conn.read_exact(&mut invited).unwrap();
    assert_eq!(&invited, b"HTTP/1.1 100 Continue\r\n\r\n");
    conn.write_all(first.as_bytes()).unwrap();

    served.signal(signal);
    // Shutdown has begun once new connections are refused.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", served.port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still accepting after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut answer = String::new();
    if let Err(e) = conn
        .write_all(rest.as_bytes())
        .and_then(|()| conn.read_to_string(&mut answer).map(drop))
    {
        panic!("the request in flight was cut ({e}): {}", served.stderr());
    }
    assert!(
        answer.starts_with("HTTP/1.1 4"),
        "the request in flight was cut: {answer:?}"
    );
    assert!(answer.contains("\"error\""), "{answer}");
    let status = served.wait();
    assert!(status.success(), "{status}: {}", served.stderr());
}

#[tokio::test]
async fn sigterm_drains_the_request_in_flight() {
    tokio::task::spawn_blocking(|| drains_on("TERM"))
        .await
        .unwrap();
}

#[tokio::test]
async fn ctrl_c_drains_the_request_in_flight() {
    tokio::task::spawn_blocking(|| drains_on("INT"))
        .await
        .unwrap();
}

/// With `server.shutdown_delay`, SIGTERM first makes `/readyz` fail while
/// every request is still served, so the load balancer moves away before the
/// listener closes; then the process drains and exits 0 as without it.
fn readiness_fails_first(served: &mut Served) {
    assert!(
        served
            .request("GET /readyz HTTP/1.1\r\n\r\n")
            .starts_with("HTTP/1.1 200")
    );
    served.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let a = served.request("GET /readyz HTTP/1.1\r\n\r\n");
        if !a.starts_with("HTTP/1.1 200") {
            break a;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz kept passing after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("shutting down"), "{answer}");
    let discovery = served.request("GET /.well-known/openid-configuration HTTP/1.1\r\n\r\n");
    assert!(
        discovery.starts_with("HTTP/1.1 200"),
        "still serving: {discovery}"
    );
    let status = served.wait();
    assert!(status.success(), "{status}: {}", served.stderr());
}

#[tokio::test]
async fn with_a_shutdown_delay_readiness_fails_before_the_listener_closes() {
    tokio::task::spawn_blocking(|| {
        let mut served = Served::start_with_env(
            "[metrics]\nbind = \"127.0.0.1:0\"\n",
            &[("PORTCULLIS__SERVER__SHUTDOWN_DELAY", "2")],
        );
        readiness_fails_first(&mut served);
    })
    .await
    .unwrap();
}
