//! A throwaway `redis-server` per test: its own loopback port and data directory,
//! killed on drop, so tests run in parallel and can simulate an outage.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct RedisServer {
    pub port: u16,
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// A loopback port nobody listens on right now, for a server started in another
/// process, which binds it a moment later. Taken below the kernel's ephemeral
/// range, where no listener on port 0 (every test app) and no outgoing
/// connection can land in that moment; a counter keeps the tests of this process
/// from picking the same one, and the process id spreads the test binaries.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const SPAN: u32 = 8_000;
    let first_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32_768);
    let Some(base) = first_ephemeral.checked_sub(SPAN).filter(|b| *b >= 1_024) else {
        return any_free_port();
    };
    let start = std::process::id() % SPAN;
    for _ in 0..SPAN {
        let port = (base + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % SPAN) as u16;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    any_free_port()
}

fn any_free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl RedisServer {
    pub fn start() -> RedisServer {
        // The port may be taken between choosing and binding it: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            match Self::try_start_on(free_port()) {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("redis-server did not start: {last_error}");
    }

    /// Starts a server on a given port, e.g. one a store was pointed at while it was down.
    pub fn start_on(port: u16) -> RedisServer {
        Self::try_start_on(port).unwrap_or_else(|e| panic!("redis-server did not start: {e}"))
    }

    fn try_start_on(port: u16) -> Result<RedisServer, String> {
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        let child = spawn(port, &dir)?;
        let mut server = RedisServer {
            port,
            url: format!("redis://127.0.0.1:{port}/"),
            child,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// Stops the server abruptly, as an outage would.
    pub fn kill(&mut self) {
        // Already exited is fine: the point is that it is not running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Suspends the server (SIGSTOP): it keeps its port but answers nothing.
    pub fn freeze(&mut self) {
        self.signal("-STOP");
    }

    /// Resumes a frozen server (SIGCONT).
    pub fn thaw(&mut self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status()
            .expect("cannot run kill");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Starts the server again on the same port after `kill`.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(self.port, &self.dir).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = self.wait_ready() {
            panic!("redis-server did not restart: {e}");
        }
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}; log:\n{}", self.log()));
            }
            // Another test's server may have taken the port first: only ours counts.
            if served_by(self.port) == Some(self.child.id()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!(
                    "no answer on port {} within {READY_TIMEOUT:?}; log:\n{}",
                    self.port,
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(port: u16, dir: &tempfile::TempDir) -> Result<Child, String> {
    let port_arg = port.to_string();
    Command::new("redis-server")
        .args(["--port", &port_arg, "--bind", "127.0.0.1", "--save", ""])
        .args(["--appendonly", "no", "--logfile"])
        .arg(dir.path().join("redis.log"))
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => panic!(
                "redis-server is not installed: the Redis tests need it on PATH \
                 (`make test` installs it; or `apt-get install redis-server`)"
            ),
            _ => format!("cannot run redis-server: {e}"),
        })
}

/// The pid of the Redis server answering on `port`, from `INFO server`.
fn served_by(port: u16) -> Option<u32> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&reply);
        if let Some(rest) = text.split("process_id:").nth(1)
            && let Some((pid, _)) = rest.split_once("\r\n")
        {
            return pid.parse().ok();
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
        }
    }
}
