//! Logging to stderr, filtered by `RUST_LOG` (default: `info` for the server,
//! `warn` for one-shot commands, whose stderr carries only their error line).

pub fn init(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
