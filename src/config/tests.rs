use std::path::Path;

use super::*;
use crate::auth::policy::Mode;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.push((
        "PORTCULLIS_CONFIG".into(),
        "/nonexistent-portcullis.toml".into(),
    ));
    v
}

fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    // The /nonexistent config is required once named: drop it for these tests.
    let v: Vec<(String, String)> = env(pairs)
        .into_iter()
        .filter(|(k, _)| k != "PORTCULLIS_CONFIG")
        .collect();
    Settings::load_from(None, &v)
}

#[test]
fn defaults_match_the_contract() {
    let s = load(&[]).unwrap();
    assert_eq!(s.issuer_str(), "http://localhost:8080");
    assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(
        s.database_url.expose(),
        "sqlite://data/portcullis.db?mode=rwc"
    );
    assert!(s.redis_url.is_none());
    assert_eq!(s.keys_dir, PathBuf::from("keys"));
    assert!(s.initial_access_token.is_none());
    assert!(s.enrollment_allowed);
    assert_eq!(s.mail.outbox_dir, PathBuf::from("data/outbox"));
}

#[test]
fn environment_overrides_with_double_underscores() {
    let s = load(&[
        ("PORTCULLIS__REDIS__URL", "redis://127.0.0.1:6390"),
        ("PORTCULLIS__SERVER__BIND", "0.0.0.0:9000"),
        ("PORTCULLIS__ENROLLMENT__ALLOWED", "false"),
        ("PORTCULLIS__ISSUER", "https://id.example.com"),
    ])
    .unwrap();
    assert_eq!(
        s.redis_url.as_ref().unwrap().expose(),
        "redis://127.0.0.1:6390"
    );
    assert_eq!(s.server.bind.port(), 9000);
    assert!(!s.enrollment_allowed);
    assert!(s.secure_cookies());
}

#[test]
fn file_layer_and_aliases() {
    let dir = tempfile_dir();
    let path = dir.join("p.toml");
    std::fs::write(
        &path,
        "issuer = \"http://idp.test:1234\"\n[acr.aliases]\n\"urn:example:jira:2fa\" = \"mfa\"\n",
    )
    .unwrap();
    let s = Settings::load_from(
        Some(&path),
        &[("PORTCULLIS__SERVER__BIND".into(), "127.0.0.1:1".into())],
    )
    .unwrap();
    assert_eq!(s.issuer_str(), "http://idp.test:1234");
    assert_eq!(s.acr.level_of("urn:example:jira:2fa"), Some(Level::Mfa));
    assert_eq!(s.server.bind.port(), 1);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_values_name_their_key() {
    let e = load(&[("PORTCULLIS__SERVER__BIND", "not-an-address")]).unwrap_err();
    assert_eq!(e.key, "server.bind");
    let e = load(&[("PORTCULLIS__ISSUER", "::nope")]).unwrap_err();
    assert_eq!(e.key, "issuer");
    let e = load(&[("PORTCULLIS__DATABASE__URL", "mysql://x")]).unwrap_err();
    assert_eq!(e.key, "database.url");
    let e = load(&[("PORTCULLIS__REDIS__URL", "http://x")]).unwrap_err();
    assert_eq!(e.key, "redis.url");
    let e = load(&[("PORTCULLIS__KEYS__GRACE_PERIOD", "-1")]).unwrap_err();
    assert_eq!(e.key, "keys.grace_period");
    let e = load(&[("PORTCULLIS__TOKENS__REFRESH_TTL", "0")]).unwrap_err();
    assert_eq!(e.key, "tokens.refresh_ttl");
    let e = load(&[("PORTCULLIS__DATABASE__CACHE_TTL", "11")]).unwrap_err();
    assert_eq!(e.key, "database.cache_ttl");
}

#[test]
fn database_cache_ttl_defaults_to_five_seconds_and_may_be_off() {
    assert_eq!(load(&[]).unwrap().cache_ttl, Duration::from_secs(5));
    let s = load(&[("PORTCULLIS__DATABASE__CACHE_TTL", "0")]).unwrap();
    assert_eq!(s.cache_ttl, Duration::ZERO);
}

#[test]
fn token_lifecycle_defaults() {
    let s = load(&[]).unwrap();
    assert_eq!(s.key_grace_period, Duration::from_secs(86400));
    assert_eq!(s.refresh_ttl, Duration::from_secs(30 * 86400));
}

#[test]
fn unknown_acr_level_in_alias_is_refused() {
    let dir = tempfile_dir();
    let path = dir.join("p.toml");
    std::fs::write(&path, "[acr.aliases]\n\"urn:x\" = \"superstrong\"\n").unwrap();
    let e = Settings::load_from(Some(&path), &[]).unwrap_err();
    assert_eq!(e.key, "acr.aliases.urn:x");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn missing_named_config_file_is_an_error() {
    let e = Settings::load_from(Some(Path::new("/nonexistent/x.toml")), &[]).unwrap_err();
    assert_eq!(e.key, "--config");
}

#[test]
fn secrets_are_redacted_in_debug() {
    let s = load(&[("PORTCULLIS__REDIS__URL", "redis://:hunter2@127.0.0.1:6379")]).unwrap();
    assert!(!format!("{s:?}").contains("hunter2"));
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-cfg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn policy_rules_and_trusted_proxies() {
    let dir = tempfile_dir();
    let path = dir.join("p.toml");
    std::fs::write(
        &path,
        "[server]\ntrusted_proxies = [\"10.0.0.1\", \"fd00::/8\"]\n[acr.aliases]\n\"urn:x\" = \"mfa\"\n[policy]\ndefault = \"mfa\"\nmode = \"enforced\"\n[[policy.rules]]\nname = \"office\"\nnetworks = [\"10.0.0.0/8\"]\nrequire = \"pwd\"\n[[policy.rules]]\nname = \"jira\"\nclients = [\"c\"]\nrequire = \"urn:x\"\n",
    )
    .unwrap();
    let s = Settings::load_from(Some(&path), &[]).unwrap();
    assert_eq!(s.server.trusted_proxies.len(), 2);
    assert_eq!(s.policy.default, Level::Mfa);
    assert_eq!(s.policy.mode, Mode::Enforced);
    assert_eq!(s.policy.rules.len(), 2);
    assert_eq!(s.policy.rules[1].level, Level::Mfa);
    for (bad, key) in [
        ("[policy]\nmode = \"sometimes\"\n", "policy.mode"),
        ("[policy]\ndefault = \"gold\"\n", "policy.default"),
        (
            "[[policy.rules]]\nname = \"x\"\nrequire = \"gold\"\n",
            "policy.rules",
        ),
        (
            "[[policy.rules]]\nname = \"x\"\nnetworks = [\"nope\"]\nrequire = \"mfa\"\n",
            "policy.rules",
        ),
        (
            "[server]\ntrusted_proxies = [\"x\"]\n",
            "server.trusted_proxies",
        ),
        ("[admin]\ngroup = \"ops;admins\"\n", "admin.group"),
        ("[admin]\ngroup = \"ops\u{FFFE}\"\n", "admin.group"),
    ] {
        std::fs::write(&path, bad).unwrap();
        let e = Settings::load_from(Some(&path), &[]).unwrap_err();
        assert_eq!(e.key, key, "{bad}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn registration_settings() {
    let s = load(&[]).unwrap();
    assert!(
        s.client_secret_ttl.is_none(),
        "secrets never expire by default"
    );
    let s = load(&[
        (
            "PORTCULLIS__REGISTRATION__INITIAL_ACCESS_TOKEN",
            "let-me-in",
        ),
        ("PORTCULLIS__REGISTRATION__CLIENT_SECRET_TTL", "3600"),
    ])
    .unwrap();
    assert_eq!(s.initial_access_token.unwrap().expose(), "let-me-in");
    assert_eq!(s.client_secret_ttl, Some(Duration::from_secs(3600)));
    let e = load(&[("PORTCULLIS__REGISTRATION__CLIENT_SECRET_TTL", "soon")]).unwrap_err();
    assert!(e.to_string().contains("client_secret_ttl"), "{e}");
}

#[test]
fn embedded_store_caps() {
    let s = load(&[]).unwrap();
    assert_eq!(s.store, crate::store::MemoryLimits::default());
    let s = load(&[
        ("PORTCULLIS__STORE__MAX_ENTRIES", "5000"),
        ("PORTCULLIS__STORE__MAX_BYTES", "64 MiB"),
    ])
    .unwrap();
    assert_eq!(s.store.max_entries, 5000);
    assert_eq!(s.store.max_bytes, 64 << 20);
    let e = load(&[("PORTCULLIS__STORE__MAX_ENTRIES", "10")]).unwrap_err();
    assert_eq!(e.key, "store.max_entries");
    let e = load(&[("PORTCULLIS__STORE__MAX_BYTES", "lots")]).unwrap_err();
    assert_eq!(e.key, "store.max_bytes");
}

#[test]
fn the_forwarding_header_and_lockout_limits_are_checked() {
    let s = load(&[]).unwrap();
    assert_eq!(s.server.forwarded_header, ForwardedHeader::XForwardedFor);
    assert_eq!(s.lockout.failures_per_address, 100);
    assert_eq!(s.lockout.max_queued_passwords, None);
    let s = load(&[
        ("PORTCULLIS__SERVER__FORWARDED_HEADER", "Forwarded"),
        ("PORTCULLIS__LOCKOUT__FAILURES_PER_ADDRESS", "20"),
        ("PORTCULLIS__PASSWORDS__MAX_QUEUED", "8"),
    ])
    .unwrap();
    assert_eq!(s.server.forwarded_header, ForwardedHeader::Forwarded);
    assert_eq!(s.lockout.failures_per_address, 20);
    assert_eq!(s.lockout.max_queued_passwords, Some(8));
    for (var, key) in [
        (
            "PORTCULLIS__SERVER__FORWARDED_HEADER",
            "server.forwarded_header",
        ),
        (
            "PORTCULLIS__LOCKOUT__FAILURES_PER_ADDRESS",
            "lockout.failures_per_address",
        ),
        ("PORTCULLIS__PASSWORDS__MAX_QUEUED", "passwords.max_queued"),
    ] {
        let bad = if key == "server.forwarded_header" {
            "x-real-ip"
        } else {
            "0"
        };
        let e = load(&[(var, bad)]).unwrap_err();
        assert_eq!(e.key, key, "{e}");
    }
}

#[test]
fn refresh_max_lifetime_defaults_to_ninety_days_and_must_be_positive() {
    let s = load(&[]).unwrap();
    assert_eq!(s.refresh_max_lifetime, Duration::from_secs(90 * 86400));
    let s = load(&[("PORTCULLIS__TOKENS__REFRESH_MAX_LIFETIME", "3600")]).unwrap();
    assert_eq!(s.refresh_max_lifetime, Duration::from_secs(3600));
    for bad in ["0", "-5"] {
        let e = load(&[("PORTCULLIS__TOKENS__REFRESH_MAX_LIFETIME", bad)]).unwrap_err();
        assert_eq!(e.key, "tokens.refresh_max_lifetime");
    }
}

#[test]
fn metrics_listener_and_log_format() {
    let s = load(&[]).unwrap();
    assert_eq!(s.metrics_bind.unwrap().to_string(), "127.0.0.1:9464");
    assert_eq!(s.log_format, LogFormat::Text);
    let s = load(&[
        ("PORTCULLIS__METRICS__BIND", ""),
        ("PORTCULLIS__LOG__FORMAT", "json"),
    ])
    .unwrap();
    assert!(s.metrics_bind.is_none());
    assert_eq!(s.log_format, LogFormat::Json);
    let e = load(&[("PORTCULLIS__LOG__FORMAT", "xml")]).unwrap_err();
    assert_eq!(e.key, "log.format");
    let e = load(&[("PORTCULLIS__METRICS__BIND", "everywhere")]).unwrap_err();
    assert_eq!(e.key, "metrics.bind");
}

#[test]
fn shutdown_delay_is_off_by_default_and_bounded() {
    assert!(load(&[]).unwrap().server.shutdown_delay.is_zero());
    let s = load(&[("PORTCULLIS__SERVER__SHUTDOWN_DELAY", "5")]).unwrap();
    assert_eq!(s.server.shutdown_delay, Duration::from_secs(5));
    let e = load(&[("PORTCULLIS__SERVER__SHUTDOWN_DELAY", "121")]).unwrap_err();
    assert!(e.to_string().contains("server.shutdown_delay"), "{e}");
}

#[test]
fn audit_rows_are_kept_for_ever_unless_a_retention_is_set() {
    assert_eq!(load(&[]).unwrap().audit_retention, None);
    let days = |v: &str| load(&[("PORTCULLIS__AUDIT__RETENTION_DAYS", v)]);
    assert_eq!(days("0").unwrap().audit_retention, None);
    assert_eq!(
        days("30").unwrap().audit_retention,
        Some(Duration::from_secs(30 * 24 * 3600))
    );
    for bad in ["-1", "36501"] {
        let e = days(bad).unwrap_err();
        assert_eq!(e.key, "audit.retention_days", "{bad}");
    }
}
