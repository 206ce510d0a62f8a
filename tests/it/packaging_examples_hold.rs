//! What `packaging/` hands operators holds: the example production
//! configuration loads as the production shape it claims (PostgreSQL, Redis, an
//! https issuer behind a trusted proxy, JSON logs, private metrics), and the
//! systemd unit parses cleanly on systemd with the exposure its hardening
//! promises, giving the process the time its shutdown needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use portcullis::config::{LogFormat, Settings};

fn packaging(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("packaging")
        .join(file)
}

fn example() -> Settings {
    Settings::load_from(Some(&packaging("portcullis.toml")), &[]).expect("the example loads")
}

#[test]
fn the_example_configuration_is_a_production_one() {
    let s = example();
    assert_eq!(s.issuer.scheme(), "https");
    assert!(s.secure_cookies());
    assert!(s.database_url.expose().starts_with("postgres://"));
    assert!(
        s.redis_url
            .as_ref()
            .is_some_and(|u| u.expose().starts_with("redis"))
    );
    assert!(!s.server.trusted_proxies.is_empty());
    assert!(
        s.server.bind.ip().is_loopback(),
        "only the proxy reaches it"
    );
    assert!(!s.server.shutdown_delay.is_zero());
    assert!(matches!(s.log_format, LogFormat::Json));
    let metrics = s.metrics_bind.expect("metrics on");
    assert_ne!(metrics.port(), s.server.bind.port());
}

#[test]
fn the_systemd_unit_parses_and_is_hardened() {
    let text = std::fs::read_to_string(packaging("portcullis.service")).unwrap();
    // systemd checks that ExecStart names an executable: point it at ours.
    let unit = text.replace(
        "/usr/local/bin/portcullis",
        env!("CARGO_BIN_EXE_portcullis"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portcullis.service");
    std::fs::write(&path, unit).unwrap();

    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (scripts/test-services.sh installs it)");
    let complaints = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success() && complaints.trim().is_empty(),
        "{complaints}"
    );

    // Exposure on systemd's 0-10 scale, in tenths: at most 2.0 ("OK").
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        security.status.success(),
        "{}",
        String::from_utf8_lossy(&security.stdout)
    );

    // SIGTERM: the delay in which /readyz fails, then up to 30 s of draining.
    let stop: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.trim().parse().ok())
        .expect("TimeoutStopSec in seconds");
    assert!(
        stop >= example().server.shutdown_delay.as_secs() + 30,
        "{stop}"
    );
}
