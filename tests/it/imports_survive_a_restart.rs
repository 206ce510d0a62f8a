//! A graceful shutdown lets the running batch of an automatic import commit and
//! starts no new one, so the next start carries on with the pending batches at
//! once. (A batch cut in the middle is rolled back and stays claimed until its
//! claim goes stale, minutes later.)

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::served_binary::{Served, with_host};

fn call(served: &Served, head: &str, body: &str) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut conn = served.connect();
    let request = format!("{}{body}", with_host(head, served.port));
    conn.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

#[tokio::test]
async fn a_shutdown_stops_imports_between_batches() {
    tokio::task::spawn_blocking(|| {
        let mut served = Served::start("[metrics]\nbind = \"\"\n");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(["--config", served.config_path().to_str().unwrap()])
            .args(["admin", "token", "create", "--name", "ops"])
            .output()
            .unwrap();
        let token: Value = serde_json::from_slice(&out.stdout).unwrap();
        let bearer = format!("Authorization: Bearer {}\r\n", token["token"].as_str().unwrap());
        // Rows with passwords: each costs an argon2 hash, so a batch takes a while.
        let mut csv = String::from("username,email,first_name,last_name,password\n");
        for i in 0..100 {
            csv.push_str(&format!(
                "imp{i},imp{i}@example.com,Im,Port{i},a long import password {i}\n"
            ));
        }
        let (status, import) = call(
            &served,
            &format!(
                "POST /admin/api/v1/imports?mode=auto&batch_size=20 HTTP/1.1\r\n{bearer}Content-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
                csv.len()
            ),
            &csv,
        );
        assert!(status < 300, "{status} {import}");
        let id = import["id"].as_str().unwrap().to_owned();

        // Signalled while the import runs: after its first batch, before its last.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, body) = call(
                &served,
                &format!("GET /admin/api/v1/imports/{id} HTTP/1.1\r\n{bearer}\r\n"),
                "",
            );
            let done = body["batches_done"].as_u64().unwrap_or(0);
            assert!(done < 5, "the import finished before the signal: {body}");
            if done >= 1 {
                break;
            }
            assert!(Instant::now() < deadline, "the import did not start: {body}");
            std::thread::sleep(Duration::from_millis(20));
        }
        served.signal("TERM");
        assert!(served.wait().success(), "{}", served.stderr());

        let served = served.restart();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (status, body) = call(
                &served,
                &format!("GET /admin/api/v1/imports/{id} HTTP/1.1\r\n{bearer}\r\n"),
                "",
            );
            assert_eq!(status, 200, "{body}");
            if body["status"] == "done" {
                assert_eq!(body["counts"]["created"], 100, "{body}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the import did not resume after the restart: {body}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    })
    .await
    .unwrap();
}
