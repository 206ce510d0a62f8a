//! Logging to stderr, filtered by `RUST_LOG` (default: `info` for the server,
//! `warn` for one-shot commands, whose stderr carries only their error line), and
//! the access log. `log.format = "json"` writes one JSON object per line, with
//! the request's span (and so its `request_id`) on every line logged while
//! serving it.
//!
//! Lines logged on an HTTP worker's thread are written together: the first
//! line of a batch wakes a task of the worker's that writes out, once the
//! tasks already waiting have run, every line logged meanwhile. Under load one
//! `write` then carries the lines of all the requests a worker served in one
//! pass (22 lines per write, measured with 32 browsers), where each line was a
//! `write` of its own; a line waits no longer than that pass. Other threads
//! write each line at once.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::task::Waker;
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
        .with_writer(Lines(write_stderr))
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

fn write_stderr(lines: &[u8]) -> std::io::Result<()> {
    std::io::stderr().lock().write_all(lines)
}

/// Where log lines go (`tracing_subscriber`'s writer): at once, or on a
/// thread that [`batch_this_thread`] marked, with the other lines of the
/// worker's pass.
#[derive(Clone, Copy)]
pub struct Lines(pub Sink);

/// Writes lines out.
pub type Sink = fn(&[u8]) -> std::io::Result<()>;

/// A thread's lines waiting to be written, and the task that writes them.
/// Written out when the thread ends, whatever is left.
struct Batch {
    /// The writing task's waker: lines wait only where it runs.
    writer: Option<Waker>,
    asked: bool,
    lines: Vec<u8>,
    sink: Option<Sink>,
}

impl Batch {
    fn write_out(&mut self) {
        self.asked = false;
        if let Some(sink) = self.sink
            && !self.lines.is_empty()
        {
            // A log line that cannot be written has nowhere to be reported.
            let _ = sink(&self.lines);
        }
        self.lines.clear();
        // A burst's room is not kept for a quiet worker.
        if self.lines.capacity() > KEPT {
            self.lines = Vec::with_capacity(KEPT);
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.write_out();
    }
}

/// Bytes of lines after which they are written without waiting for the pass.
const MOST: usize = 64 * 1024;
/// Room a worker's batch keeps between passes.
const KEPT: usize = 16 * 1024;

thread_local! {
    static BATCH: RefCell<Batch> = const {
        RefCell::new(Batch { writer: None, asked: false, lines: Vec::new(), sink: None })
    };
}

/// Lines logged on this thread from now on are written with the others of the
/// same pass of its worker. Call on the worker's thread, in its runtime (an
/// `actix` worker's or any local one): the task that writes them runs there.
pub fn batch_this_thread() {
    let started = BATCH.with_borrow(|b| b.writer.is_some());
    if !started {
        tokio::task::spawn_local(BatchWriter);
    }
}

/// The task that writes a worker's lines: woken by the first line of a batch
/// (on the same thread, so the wake is a place in the run queue, no system
/// call), it runs after the tasks that were already waiting. Should the
/// runtime drop it, lines wait for the thread's end or a full batch.
struct BatchWriter;

impl std::future::Future for BatchWriter {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        BATCH.with_borrow_mut(|b| {
            if b.asked {
                b.write_out();
            }
            if !b.writer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                b.writer = Some(cx.waker().clone());
            }
        });
        std::task::Poll::Pending
    }
}

impl Lines {
    fn take(&self, line: &[u8]) -> std::io::Result<()> {
        let wake = BATCH.try_with(|b| {
            let Ok(mut b) = b.try_borrow_mut() else {
                return Err(());
            };
            if b.writer.is_none() {
                return Err(());
            }
            b.sink = Some(self.0);
            b.lines.extend_from_slice(line);
            if b.lines.len() >= MOST {
                b.write_out();
                Ok(None)
            } else if b.asked {
                Ok(None)
            } else {
                b.asked = true;
                Ok(b.writer.clone())
            }
        });
        match wake {
            Ok(Ok(Some(writer))) => {
                writer.wake();
                Ok(())
            }
            Ok(Ok(None)) => Ok(()),
            // Not a worker's thread (or the line is logged while its batch
            // is being written): the line goes now.
            Ok(Err(())) | Err(_) => (self.0)(line),
        }
    }
}

/// One line, as `tracing_subscriber` writes it.
pub struct LineWriter(Lines);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.take(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.take(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter(*self)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// What each test's sink was given, one entry per write.
    static WRITES: Mutex<Vec<(std::thread::ThreadId, Vec<u8>)>> = Mutex::new(Vec::new());

    fn sink(lines: &[u8]) -> std::io::Result<()> {
        WRITES
            .lock()
            .unwrap()
            .push((std::thread::current().id(), lines.to_vec()));
        Ok(())
    }

    /// The writes this thread's sink was given.
    fn writes() -> Vec<String> {
        let me = std::thread::current().id();
        WRITES
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| *t == me)
            .map(|(_, w)| String::from_utf8(w.clone()).unwrap())
            .collect()
    }

    fn log(line: &str) {
        use tracing_subscriber::fmt::MakeWriter;
        Lines(sink)
            .make_writer()
            .write_all(line.as_bytes())
            .unwrap();
    }

    /// A worker's runtime: tokio's local runtime, as the HTTP server runs
    /// its workers on.
    fn worker<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(Default::default())
            .unwrap()
            .block_on(f)
    }

    /// Two lines logged in one pass reach the sink in one write, after it.
    async fn two_lines_in_one_write() {
        batch_this_thread();
        tokio::task::yield_now().await;
        log("one\n");
        log("two\n");
        assert!(writes().is_empty(), "written before the pass ended");
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        assert_eq!(writes(), ["one\ntwo\n"]);
    }

    #[test]
    fn a_worker_writes_the_lines_of_a_pass_together() {
        worker(async {
            two_lines_in_one_write().await;
            log("three\n");
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            assert_eq!(writes(), ["one\ntwo\n", "three\n"]);
        });
    }

    #[test]
    fn an_actix_arbiter_writes_them_too() {
        actix_rt::System::new().block_on(two_lines_in_one_write());
    }

    #[test]
    fn a_full_batch_is_written_at_once() {
        worker(async {
            batch_this_thread();
            tokio::task::yield_now().await;
            let line = format!("{}\n", "x".repeat(1023));
            for _ in 0..MOST / line.len() {
                log(&line);
            }
            assert_eq!(writes().concat().len(), MOST, "written without waiting");
        });
    }

    #[test]
    fn other_threads_write_each_line_at_once() {
        log("alone\n");
        log("again\n");
        assert_eq!(writes(), ["alone\n", "again\n"]);
    }

    #[test]
    fn lines_left_when_the_thread_ends_are_written() {
        // Written from the thread's own destructors: no thread id to ask for.
        static LEFT: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        fn left(lines: &[u8]) -> std::io::Result<()> {
            LEFT.lock().unwrap().push(lines.to_vec());
            Ok(())
        }
        std::thread::spawn(|| {
            // A writer task that will not run again (its runtime is gone).
            BATCH.with_borrow_mut(|b| {
                b.writer = Some(Waker::noop().clone());
                b.asked = true;
            });
            use tracing_subscriber::fmt::MakeWriter;
            Lines(left)
                .make_writer()
                .write_all(b"last words\n")
                .unwrap();
            assert!(LEFT.lock().unwrap().is_empty(), "waiting for its pass");
        })
        .join()
        .unwrap();
        assert_eq!(*LEFT.lock().unwrap(), [b"last words\n".to_vec()]);
    }
}
