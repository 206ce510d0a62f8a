//! The real `portcullis serve` as a child process, for what only a process
//! shows: its log lines on stderr and how it ends on a signal.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::redis_server::free_port;

pub struct Served {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    dir: Option<tempfile::TempDir>,
    extra: String,
    env: Vec<(String, String)>,
}

impl Served {
    /// Starts the server with `extra` TOML and waits until `/livez` answers.
    pub fn start(extra: &str) -> Served {
        Self::start_with_env(extra, &[])
    }

    /// As [`Served::start`], with environment variables (`PORTCULLIS__…`).
    pub fn start_with_env(extra: &str, env: &[(&str, &str)]) -> Served {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::launch(tempfile::tempdir().unwrap(), free_port(), extra, env)
    }

    /// Starts again on the same folder (database, keys) and port, once stopped.
    pub fn restart(mut self) -> Served {
        let dir = self.dir.take().unwrap();
        let env = std::mem::take(&mut self.env);
        Self::launch(dir, self.port, &self.extra.clone(), env)
    }

    pub fn config_path(&self) -> std::path::PathBuf {
        self.dir.as_ref().unwrap().path().join("portcullis.toml")
    }

    fn launch(
        dir: tempfile::TempDir,
        port: u16,
        extra: &str,
        env: Vec<(String, String)>,
    ) -> Served {
        let toml = format!(
            "issuer = \"http://localhost:{port}\"\n[server]\nbind = \"127.0.0.1:{port}\"\n[database]\nurl = \"sqlite://{d}/p.db?mode=rwc\"\n[keys]\ndir = \"{d}/keys\"\n[mail]\noutbox_dir = \"{d}/outbox\"\n{extra}",
            d = dir.path().display()
        );
        let path = dir.path().join("portcullis.toml");
        std::fs::write(&path, toml).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(["--config", path.to_str().unwrap(), "serve"])
            .env("RUST_LOG", "info")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut served = Served {
            child,
            port,
            stderr,
            dir: Some(dir),
            extra: extra.to_owned(),
            env,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("the server exited ({status}): {}", served.stderr());
            }
            if served
                .try_request("GET /livez HTTP/1.1\r\n\r\n")
                .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
            {
                return served;
            }
            assert!(Instant::now() < deadline, "no /livez: {}", served.stderr());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `head` is the request line and headers, ending in an empty line;
    /// `Host` and `Connection: close` are added.
    fn try_request(&self, head: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.write_all(with_host(head, self.port).as_bytes()).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }

    pub fn request(&self, head: &str) -> String {
        self.try_request(head).expect("the server answers")
    }

    /// An open connection to the server.
    pub fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).unwrap()
    }

    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Waits for the process to end; a hang fails the test instead of the suite.
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Adds `Host` and `Connection: close` after the request line.
pub fn with_host(head: &str, port: u16) -> String {
    let (line, rest) = head.split_once("\r\n").unwrap();
    format!("{line}\r\nHost: localhost:{port}\r\nConnection: close\r\n{rest}")
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
