//! Layered settings: built-in defaults, then a TOML file, then
//! `PORTCULLIS__SECTION__KEY` environment variables. Every value is parsed into a
//! typed field here, so a bad value stops start-up with one line naming its key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::policy::{Mode, Policy, Rule, RuleSpec};

mod security;
mod store;
pub use security::{ForwardedHeader, LockoutSettings};

/// A string that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl fmt::Display) -> Self {
        Self {
            key: key.to_owned(),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: Url,
    pub server: ServerSettings,
    pub database_url: Secret,
    /// How long clients and stored policy rules read from the database are reused
    /// (`database.cache_ttl`, 0–10 seconds; 0: read every time).
    pub cache_ttl: Duration,
    pub redis_url: Option<Secret>,
    pub keys_dir: PathBuf,
    pub initial_access_token: Option<Secret>,
    /// Lifetime of secrets issued by dynamic registration (`registration.client_secret_ttl`); None: never expire.
    pub client_secret_ttl: Option<Duration>,
    pub acr: AcrRegistry,
    /// How long an elevated level (mfa, phr) stays valid in a session; None: as long as the session.
    pub step_up_ttl: Option<Duration>,
    pub enrollment_allowed: bool,
    pub session_ttl: Duration,
    /// Lifetime of an authorization code (`tokens.code_ttl`, seconds).
    pub code_ttl: Duration,
    /// How long an unused refresh token stays valid (`tokens.refresh_ttl`, seconds).
    pub refresh_ttl: Duration,
    /// How long a refresh-token family lives from its first token, however often
    /// it is refreshed (`tokens.refresh_max_lifetime`, seconds).
    pub refresh_max_lifetime: Duration,
    /// How long a superseded signing key stays published (`keys.grace_period`, seconds).
    pub key_grace_period: Duration,
    pub mail: MailSettings,
    pub policy: Policy,
    /// The admin console: who may sign in (`admin.group`) and the level they must meet (`admin.acr`).
    pub admin: AdminSettings,
    /// Caps of the embedded store (`store.max_entries`, `store.max_bytes`).
    pub store: crate::store::MemoryLimits,
    /// Failure limits per client address and the password queue bound.
    pub lockout: LockoutSettings,
    /// The Prometheus listener (`metrics.bind`); None: off.
    pub metrics_bind: Option<SocketAddr>,
    /// `log.format`: one line of text or one JSON object per event.
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub group: String,
    pub acr: String,
    pub level: Level,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The one header those proxies set (`server.forwarded_header`).
    pub forwarded_header: ForwardedHeader,
    /// After SIGTERM, how long `/readyz` says 503 while everything is still
    /// served, before the listener closes (`server.shutdown_delay`, seconds).
    pub shutdown_delay: Duration,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<Secret>,
    pub outbox_dir: PathBuf,
    pub from: String,
    /// Lifetime of a set-password link (`mail.link_ttl`, seconds).
    pub link_ttl: Duration,
}

#[derive(Debug, Deserialize)]
struct Raw {
    issuer: String,
    server: RawServer,
    database: RawDatabase,
    #[serde(default)]
    redis: RawRedis,
    keys: RawKeys,
    #[serde(default)]
    registration: RawRegistration,
    #[serde(default)]
    acr: RawAcr,
    enrollment: RawEnrollment,
    session: RawSession,
    tokens: RawTokens,
    mail: RawMail,
    policy: RawPolicy,
    admin: RawAdmin,
    #[serde(default)]
    store: store::RawStore,
    #[serde(default)]
    lockout: security::RawLockout,
    #[serde(default)]
    passwords: security::RawPasswords,
    metrics: RawMetrics,
    log: RawLog,
}

#[derive(Debug, Deserialize)]
struct RawMetrics {
    bind: String,
}

#[derive(Debug, Deserialize)]
struct RawLog {
    format: String,
}

#[derive(Debug, Deserialize)]
struct RawAdmin {
    group: String,
    acr: String,
}

#[derive(Debug, Deserialize)]
struct RawTokens {
    code_ttl: u64,
    refresh_ttl: i64,
    refresh_max_lifetime: i64,
}

#[derive(Debug, Deserialize)]
struct RawServer {
    bind: String,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    forwarded_header: Option<String>,
    #[serde(default)]
    shutdown_delay: u64,
}

#[derive(Debug, Deserialize)]
struct RawPolicy {
    default: String,
    mode: String,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}
#[derive(Debug, Deserialize)]
struct RawDatabase {
    url: String,
    cache_ttl: u64,
}
#[derive(Debug, Default, Deserialize)]
struct RawRedis {
    url: Option<String>,
}
#[derive(Debug, Deserialize)]
struct RawKeys {
    dir: PathBuf,
    grace_period: i64,
}
#[derive(Debug, Default, Deserialize)]
struct RawRegistration {
    initial_access_token: Option<String>,
    #[serde(default)]
    client_secret_ttl: u64,
}
#[derive(Debug, Default, Deserialize)]
struct RawAcr {
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    step_up_ttl: Option<u64>,
}
#[derive(Debug, Deserialize)]
struct RawEnrollment {
    allowed: bool,
}
#[derive(Debug, Deserialize)]
struct RawSession {
    ttl: u64,
}
#[derive(Debug, Deserialize)]
struct RawMail {
    smtp_url: Option<String>,
    outbox_dir: PathBuf,
    from: String,
    link_ttl: u64,
}

/// Longer than any load balancer needs to notice a failing readiness probe.
const MAX_SHUTDOWN_DELAY: u64 = 120;

const DEFAULTS: &str = r#"
issuer = "http://localhost:8080"
[server]
bind = "127.0.0.1:8080"
[database]
url = "sqlite://data/portcullis.db?mode=rwc"
cache_ttl = 5
[keys]
dir = "keys"
grace_period = 86400
[enrollment]
allowed = true
[session]
ttl = 43200
[tokens]
code_ttl = 60
refresh_ttl = 2592000
refresh_max_lifetime = 7776000
[policy]
default = "pwd"
mode = "enabled"
[registration]
client_secret_ttl = 0
[mail]
outbox_dir = "data/outbox"
from = "Portcullis <no-reply@localhost>"
link_ttl = 259200
[admin]
group = "admins"
acr = "mfa"
[metrics]
bind = "127.0.0.1:9464"
[log]
format = "text"
"#;

impl Settings {
    /// Loads the layers in order. `file` is `--config`; without it
    /// `PORTCULLIS_CONFIG`, then `./portcullis.toml` when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(file, &env)
    }

    /// Same as [`Settings::load`] with an explicit environment, so tests never touch
    /// the process environment.
    pub fn load_from(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let chosen: Option<(PathBuf, bool)> = match file {
            Some(path) => Some((path.to_path_buf(), true)),
            None => match env.iter().find(|(k, _)| k == "PORTCULLIS_CONFIG") {
                Some((_, path)) => Some((PathBuf::from(path), true)),
                None => Some((PathBuf::from("portcullis.toml"), false)),
            },
        };
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some((path, required)) = chosen {
            if required && !path.exists() {
                return Err(ConfigError::new(
                    "--config",
                    format!("{} does not exist", path.display()),
                ));
            }
            builder = builder.add_source(
                config::File::from(path)
                    .format(config::FileFormat::Toml)
                    .required(required),
            );
        }
        let env_map: config::Map<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("PORTCULLIS__"))
            .cloned()
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("PORTCULLIS")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env_map)),
        );
        let raw: Raw = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError::new("settings", e))?;
        Self::from_raw(raw)
    }

    /// Built-in defaults alone, as a fresh machine sees them.
    pub fn defaults() -> Result<Self, ConfigError> {
        let raw: Raw = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError::new("settings", e))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: Raw) -> Result<Self, ConfigError> {
        let issuer = Url::parse(&raw.issuer).map_err(|e| ConfigError::new("issuer", e))?;
        if !matches!(issuer.scheme(), "http" | "https") || issuer.host_str().is_none() {
            return Err(ConfigError::new(
                "issuer",
                "must be an http(s) URL with a host",
            ));
        }
        // OIDC Discovery §3: the issuer has no query or fragment.
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(ConfigError::new(
                "issuer",
                "must not have a query or fragment",
            ));
        }
        let bind: SocketAddr =
            raw.server.bind.parse().map_err(|e| {
                ConfigError::new("server.bind", format!("{e}: {:?}", raw.server.bind))
            })?;
        let mut trusted_proxies = Vec::new();
        for p in &raw.server.trusted_proxies {
            let net = p
                .parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new("server.trusted_proxies", format!("{p:?} is not a CIDR"))
                })?;
            trusted_proxies.push(net);
        }
        let forwarded_header = match &raw.server.forwarded_header {
            Some(h) => ForwardedHeader::parse(h)?,
            None => ForwardedHeader::default(),
        };
        if raw.server.shutdown_delay > MAX_SHUTDOWN_DELAY {
            return Err(ConfigError::new(
                "server.shutdown_delay",
                format!("at most {MAX_SHUTDOWN_DELAY} seconds"),
            ));
        }
        let lockout = LockoutSettings::parse(raw.lockout, raw.passwords)?;
        let db = &raw.database.url;
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "database.url",
                "must be a sqlite: or postgres:// URL",
            ));
        }
        let redis_url = match raw.redis.url.filter(|u| !u.is_empty()) {
            Some(u) => {
                let parsed = Url::parse(&u).map_err(|e| ConfigError::new("redis.url", e))?;
                if !matches!(parsed.scheme(), "redis" | "rediss" | "redis+unix" | "unix") {
                    return Err(ConfigError::new("redis.url", "must be a redis:// URL"));
                }
                Some(Secret::new(u))
            }
            None => None,
        };
        let mut acr = AcrRegistry::default();
        for (alias, level) in &raw.acr.aliases {
            let level: Level = level
                .parse()
                .map_err(|e| ConfigError::new(&format!("acr.aliases.{alias}"), e))?;
            acr.add_alias(alias, level)
                .map_err(|e| ConfigError::new(&format!("acr.aliases.{alias}"), e))?;
        }
        let smtp_url = match raw.mail.smtp_url.filter(|u| !u.is_empty()) {
            Some(u) => {
                let parsed = Url::parse(&u).map_err(|e| ConfigError::new("mail.smtp_url", e))?;
                if !matches!(parsed.scheme(), "smtp" | "smtps") {
                    return Err(ConfigError::new(
                        "mail.smtp_url",
                        "must be smtp:// or smtps://",
                    ));
                }
                Some(Secret::new(u))
            }
            None => None,
        };
        let policy = Policy {
            default: acr.level_of(&raw.policy.default).ok_or_else(|| {
                ConfigError::new(
                    "policy.default",
                    format!("unknown level {:?}", raw.policy.default),
                )
            })?,
            mode: match raw.policy.mode.as_str() {
                "enabled" => Mode::Enabled,
                "enforced" => Mode::Enforced,
                other => {
                    return Err(ConfigError::new(
                        "policy.mode",
                        format!("{other:?}: expected enabled or enforced"),
                    ));
                }
            },
            rules: raw
                .policy
                .rules
                .into_iter()
                .map(|r| Rule::parse(r, &acr))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ConfigError::new("policy.rules", e))?,
        };
        if raw.database.cache_ttl > 10 {
            return Err(ConfigError::new(
                "database.cache_ttl",
                "must be between 0 and 10 seconds (CLI changes must reach a running server within 10 s)",
            ));
        }
        if raw.tokens.code_ttl == 0 || raw.tokens.code_ttl > 600 {
            return Err(ConfigError::new(
                "tokens.code_ttl",
                "must be between 1 and 600 seconds",
            ));
        }
        if raw.tokens.refresh_ttl <= 0 {
            return Err(ConfigError::new("tokens.refresh_ttl", "must be positive"));
        }
        if raw.tokens.refresh_max_lifetime <= 0 {
            return Err(ConfigError::new(
                "tokens.refresh_max_lifetime",
                "must be a positive number of seconds",
            ));
        }
        if raw.keys.grace_period < 0 {
            return Err(ConfigError::new(
                "keys.grace_period",
                "must be zero or more seconds",
            ));
        }
        if raw.mail.link_ttl == 0 || raw.mail.link_ttl > 30 * 24 * 3600 {
            return Err(ConfigError::new(
                "mail.link_ttl",
                "must be between 1 second and 30 days",
            ));
        }
        let admin_level = acr.level_of(&raw.admin.acr).ok_or_else(|| {
            ConfigError::new("admin.acr", format!("unknown level {:?}", raw.admin.acr))
        })?;
        if raw.admin.group.trim().is_empty() {
            return Err(ConfigError::new("admin.group", "must not be empty"));
        }
        let store_limits = store::parse(raw.store)?;
        let metrics_bind = match raw.metrics.bind.trim() {
            "" => None,
            b => Some(b.parse::<SocketAddr>().map_err(|e| {
                ConfigError::new("metrics.bind", format!("{e}: {:?}", raw.metrics.bind))
            })?),
        };
        let log_format = match raw.log.format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "log.format",
                    format!("{other:?}: expected text or json"),
                ));
            }
        };
        if raw.session.ttl == 0 {
            return Err(ConfigError::new("session.ttl", "must be positive"));
        }
        Ok(Self {
            issuer,
            server: ServerSettings {
                bind,
                trusted_proxies,
                forwarded_header,
                shutdown_delay: Duration::from_secs(raw.server.shutdown_delay),
            },
            database_url: Secret::new(raw.database.url),
            cache_ttl: Duration::from_secs(raw.database.cache_ttl),
            redis_url,
            keys_dir: raw.keys.dir,
            initial_access_token: raw
                .registration
                .initial_access_token
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            client_secret_ttl: (raw.registration.client_secret_ttl > 0)
                .then(|| Duration::from_secs(raw.registration.client_secret_ttl)),
            acr,
            step_up_ttl: raw
                .acr
                .step_up_ttl
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            enrollment_allowed: raw.enrollment.allowed,
            session_ttl: Duration::from_secs(raw.session.ttl),
            code_ttl: Duration::from_secs(raw.tokens.code_ttl),
            refresh_ttl: Duration::from_secs(raw.tokens.refresh_ttl.unsigned_abs()),
            refresh_max_lifetime: Duration::from_secs(
                raw.tokens.refresh_max_lifetime.unsigned_abs(),
            ),
            key_grace_period: Duration::from_secs(raw.keys.grace_period.unsigned_abs()),
            mail: MailSettings {
                smtp_url,
                outbox_dir: raw.mail.outbox_dir,
                from: raw.mail.from,
                link_ttl: Duration::from_secs(raw.mail.link_ttl),
            },
            policy,
            admin: AdminSettings {
                group: raw.admin.group.trim().to_owned(),
                acr: raw.admin.acr,
                level: admin_level,
            },
            store: store_limits,
            lockout,
            metrics_bind,
            log_format,
        })
    }

    /// The issuer as it appears in `iss`: no trailing slash.
    pub fn issuer_str(&self) -> String {
        self.issuer.as_str().trim_end_matches('/').to_owned()
    }

    /// Endpoint URL under the issuer (which may have a path).
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.issuer_str(), path)
    }

    /// The issuer's path ("" at the root), prefixed to our own relative links.
    pub fn issuer_path(&self) -> String {
        self.issuer.path().trim_end_matches('/').to_owned()
    }

    pub fn secure_cookies(&self) -> bool {
        self.issuer.scheme() == "https"
    }
}

#[cfg(test)]
mod tests;
