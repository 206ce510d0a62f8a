//! Prometheus series, served on their own listener (`metrics.bind`), never on
//! the public one. Labels are chosen from small fixed sets: a route pattern,
//! never a path (paths carry set-password tokens and interaction ids); a level
//! or an outcome named by our code, never a value a client sent (an attacker
//! could otherwise grow the series without bound, or read secrets from them).

use std::sync::OnceLock;

use ::metrics::{counter, describe_counter, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::audit::AuditEvent;
use crate::store::Census;

const HTTP_REQUESTS: &str = "portcullis_http_requests_total";
const HTTP_DURATION: &str = "portcullis_http_request_duration_seconds";
const LOGINS: &str = "portcullis_logins_total";
const FACTOR_CHECKS: &str = "portcullis_factor_checks_total";
const LOCKOUTS: &str = "portcullis_lockouts_total";
const AUTHORIZATIONS: &str = "portcullis_authorizations_total";
const POLICY_RULES: &str = "portcullis_policy_rule_hits_total";
const BACKEND_ERRORS: &str = "portcullis_backend_errors_total";
const DIRECTORY_LOOKUPS: &str = "portcullis_directory_lookups_total";

/// Seconds: the SSO hit answers in about a millisecond, a password check in
/// tens of milliseconds; a request beyond a few seconds is an incident.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The factor events of the audit log (what a user proved, or failed to).
const FACTORS: [&str; 6] = [
    "totp",
    "recovery_code",
    "webauthn",
    "email_otp",
    "totp_enrollment",
    "webauthn_enrollment",
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// What the user directory was asked for.
#[derive(Debug, Clone, Copy)]
pub enum Lookup {
    /// A user with which factors they have.
    User,
    /// A user's groups.
    Groups,
}

/// The directory's counters, registered once with the recorder: a lookup runs
/// several times per SSO hit, and a kept handle counts with one atomic add
/// where the `counter!` macro would build and find its key each time.
struct DirectoryCounters {
    user: [::metrics::Counter; 2],
    groups: [::metrics::Counter; 2],
}

static DIRECTORY: OnceLock<DirectoryCounters> = OnceLock::new();

/// The process's recorder, installed on first use. The `metrics` facade has one
/// recorder per process, as a process has one set of signal handlers; servers
/// started in the same process (tests) share it, so their counters add up.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            if let Err(e) = ::metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %e, "metrics: another recorder is installed");
                return None;
            }
            describe();
            let answers = |kind: &'static str| {
                ["snapshot", "database"]
                    .map(|answer| counter!(DIRECTORY_LOOKUPS, "kind" => kind, "answer" => answer))
            };
            let _ = DIRECTORY.set(DirectoryCounters {
                user: answers("user"),
                groups: answers("groups"),
            });
            gauge!("portcullis_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .clone()
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by route pattern, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        ::metrics::Unit::Seconds,
        "HTTP request latency by route pattern and method"
    );
    describe_counter!(
        LOGINS,
        "Password checks by outcome (success, failure, locked)"
    );
    describe_counter!(
        FACTOR_CHECKS,
        "Second-factor checks and enrollments by method and outcome"
    );
    describe_counter!(LOCKOUTS, "Attempts refused because the account is locked");
    describe_counter!(
        AUTHORIZATIONS,
        "Authorization decisions by required level, acr met and outcome"
    );
    describe_counter!(POLICY_RULES, "Policy decisions by the rule that fired");
    describe_counter!(
        BACKEND_ERRORS,
        "Requests failed by the database or the session store"
    );
    describe_counter!(
        DIRECTORY_LOOKUPS,
        "User directory lookups by kind, answered from this server's snapshot or read from the database"
    );
}

/// A lookup in the user directory, answered from this server's snapshot
/// (`from_snapshot`) or read from the database.
pub fn directory_lookup(kind: Lookup, from_snapshot: bool) {
    if let Some(c) = DIRECTORY.get() {
        let answers = match kind {
            Lookup::User => &c.user,
            Lookup::Groups => &c.groups,
        };
        answers[usize::from(!from_snapshot)].increment(1);
    }
}

/// One answered request. `route` is the matched pattern (`/interaction/{id}`),
/// one of the application's own; `method` is [`method_label`]'s.
pub fn http_request(route: &'static str, method: &'static str, status: u16, seconds: f64) {
    counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status_label(status))
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route, "method" => method).record(seconds);
}

/// A request method as a label: the standard ones by name, any other as
/// `other`. A client may send any token as its method, and every label value
/// is a series the registry keeps for the life of the process.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        _ => "other",
    }
}

/// The statuses this server answers with most, without formatting one per
/// request.
fn status_label(status: u16) -> ::metrics::SharedString {
    match status {
        200 => "200".into(),
        204 => "204".into(),
        302 => "302".into(),
        303 => "303".into(),
        400 => "400".into(),
        401 => "401".into(),
        404 => "404".into(),
        s => s.to_string().into(),
    }
}

/// Counts a committed sign-in audit row: logins, factor checks, lock-outs,
/// authorization decisions and policy rule hits all pass through it.
pub fn audit_event(e: &AuditEvent) {
    let outcome = short(&e.outcome);
    match e.event.as_str() {
        "password" => counter!(LOGINS, "outcome" => outcome.clone()).increment(1),
        "authorization" => {
            let acr = e.detail.get("acr").and_then(|v| v.as_str());
            counter!(
                AUTHORIZATIONS,
                "level" => short(e.level.as_deref().unwrap_or("none")),
                "acr" => acr_label(acr),
                "outcome" => outcome.clone()
            )
            .increment(1);
            // Rule names come from the operator's configuration or stored rules.
            let rule = e.rule.as_deref().unwrap_or("(default)");
            counter!(POLICY_RULES, "rule" => short(rule)).increment(1);
        }
        m if FACTORS.contains(&m) => {
            counter!(FACTOR_CHECKS, "method" => m.to_owned(), "outcome" => outcome.clone())
                .increment(1)
        }
        _ => {}
    }
    if e.outcome == "locked" {
        counter!(LOCKOUTS, "factor" => short(&e.event)).increment(1);
    }
}

/// A request failed closed because `backend` ("database" or "store") failed.
pub fn backend_error(backend: &'static str, kind: &'static str) {
    counter!(BACKEND_ERRORS, "backend" => backend, "kind" => kind).increment(1);
}

/// The embedded store's census in the text format, read at each scrape from
/// the store this server holds (not set on the process's recorder, which
/// servers started in one process share). `session` counts browser sessions,
/// signed in or only binding a sign-in form's CSRF token; `login` pending
/// sign-ins; the other kinds are codes, ceremonies and counters.
pub fn render_store(census: &Census) -> String {
    let mut out = String::from(
        "# HELP portcullis_store_entries Live entries of the embedded store by kind\n\
         # TYPE portcullis_store_entries gauge\n",
    );
    for (kind, n) in &census.by_kind {
        out.push_str(&format!(
            "portcullis_store_entries{{kind=\"{}\"}} {n}\n",
            short(kind)
        ));
    }
    out.push_str(&format!(
        "# HELP portcullis_store_bytes Bytes the embedded store counts against store.max_bytes\n\
         # TYPE portcullis_store_bytes gauge\n\
         portcullis_store_bytes {}\n",
        census.bytes
    ));
    out
}

/// The acr issued: a built-in level by name; an operator's alias as "alias"
/// (the level label already says what it stands for).
fn acr_label(acr: Option<&str>) -> String {
    match acr {
        None => "none".into(),
        Some(a @ ("pwd" | "mfa" | "phr")) => a.into(),
        Some(_) => "alias".into(),
    }
}

/// Our own names are short; anything else is cut, never grown without bound.
fn short(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(acr_label(Some("urn:example:jira:2fa")), "alias");
        assert_eq!(acr_label(Some("mfa")), "mfa");
        assert_eq!(short(&"x".repeat(500)).len(), 64);
    }

    #[test]
    fn the_store_census_is_prometheus_text() {
        let text = render_store(&Census {
            entries: 3,
            bytes: 2048,
            by_kind: vec![("login".into(), 1), ("session".into(), 2)],
        });
        assert!(text.contains("# TYPE portcullis_store_entries gauge\n"));
        assert!(text.contains("\nportcullis_store_entries{kind=\"session\"} 2\n"));
        assert!(text.contains("\nportcullis_store_entries{kind=\"login\"} 1\n"));
        assert!(text.ends_with("\nportcullis_store_bytes 2048\n"));
    }
}
