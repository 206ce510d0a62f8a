//! A hostile upstream cannot fill our memory: an answer larger than
//! `MAX_ANSWER_BYTES` is refused as soon as it passes the cap, whether it
//! declares its length or streams without one, as an upstream that cannot be
//! reached (the 503 page and its audit event), and nothing is created.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use portcullis::upstream::MAX_ANSWER_BYTES;

use crate::helpers::*;
use crate::upstream_op::upstream_toml;

/// A loopback "provider" whose discovery document is well formed but padded
/// with whitespace to four times the cap, so that only its size is wrong; its
/// keys are a small, valid, empty set. With `declared`, the answer carries a
/// `Content-Length`; without, it is sent until the connection closes.
async fn oversized_provider(declared: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let issuer = format!("http://127.0.0.1:{port}");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let issuer = issuer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request);
                if head.starts_with("GET /jwks ") {
                    let body = r#"{"keys":[]}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(answer.as_bytes()).await;
                    return;
                }
                let document = serde_json::json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/auth"),
                    "token_endpoint": format!("{issuer}/token"),
                    "jwks_uri": format!("{issuer}/jwks"),
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                })
                .to_string();
                let padding = 4 * MAX_ANSWER_BYTES;
                let length = if declared {
                    format!("Content-Length: {}\r\n", document.len() + padding)
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n{document}"
                );
                if conn.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                // Written until the reader hangs up; JSON allows trailing whitespace.
                let chunk = vec![b' '; 64 * 1024];
                for _ in 0..padding / chunk.len() {
                    if conn.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn an_oversized_upstream_answer_is_refused_quickly_and_creates_nothing() {
    for declared in [false, true] {
        let port = oversized_provider(declared).await;
        let app = spawn_with(Options {
            toml: upstream_toml("huge", port, "x", "timeout = 30"),
            ..Options::default()
        })
        .await;
        let client = app.client(false).await;
        let browser = Browser::new(&app);
        let started = Instant::now();
        let page = browser
            .authorize(&AuthParams::new(&client).set("idp_hint", "huge"))
            .await;
        let took = started.elapsed();
        assert_eq!(page.status(), 503, "declared {declared}: {page:?}");
        assert!(page.html().contains("cannot be reached"), "{}", page.html());
        // Refused at the cap, not when the upstream's timeout ran out.
        assert!(
            took < Duration::from_secs(10),
            "declared {declared}: {took:?}"
        );
        let refusals: Vec<_> = portcullis::db::audit::list(&app.state.db, None, None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "upstream_login")
            .map(|e| (e.outcome, e.detail["reason"].as_str().map(str::to_owned)))
            .collect();
        assert_eq!(
            refusals,
            vec![("refused".to_owned(), Some("unreachable".to_owned()))],
            "declared {declared}"
        );
        assert!(
            portcullis::db::users::list_all(&app.state.db)
                .await
                .unwrap()
                .is_empty(),
            "a refused upstream sign-in created a user"
        );
    }
}
