//! Logging to stderr, filtered by `RUST_LOG` (default: `info` for the server,
//! `warn` for one-shot commands, whose stderr carries only their error line).
//! `log.format = "json"` writes one JSON object per line, with the request's
//! span (and so its `request_id`) on every line logged while serving it.

use crate::config::LogFormat;

pub fn init(default_level: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
