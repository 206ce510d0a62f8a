//! Layered settings: built-in defaults, then a TOML file, then
//! `PORTCULLIS__SECTION__KEY` environment variables (read in `raw`). Every
//! value is parsed into a typed field (in `parse`), so a bad value stops
//! start-up with one line naming its key.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::policy::Policy;

mod accounts;
pub mod colour;
mod parse;
mod raw;
mod security;
mod store;
mod ui;
pub use accounts::{FactorSwitches, RecoverySettings, SignupSettings};
pub use security::{ForwardedHeader, LockoutSettings};
pub use ui::UiSettings;
mod upstream;
pub use upstream::{GroupSettings, Trust, UpstreamSettings, domain_of};

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
    /// `[recovery]`: forgot-password links and their limits.
    pub recovery: RecoverySettings,
    /// `[signup]`: self-service sign-up.
    pub signup: SignupSettings,
    /// `[factors]`: the second-factor methods offered.
    pub factors: FactorSwitches,
    /// `[ui]`: branding and the default language of the pages.
    pub ui: UiSettings,
    /// `[[upstream]]`: identity providers users may sign in through.
    pub upstreams: Vec<UpstreamSettings>,
    /// `[groups]`: groups given by email domain.
    pub groups: GroupSettings,
    /// How long audit rows are kept (`audit.retention_days`); None: for ever.
    pub audit_retention: Option<Duration>,
}

impl Settings {
    /// The upstream with this id.
    pub fn upstream(&self, id: &str) -> Option<&UpstreamSettings> {
        self.upstreams.iter().find(|u| u.id == id)
    }

    /// The upstream an email address is routed to by its domain.
    /// Another upstream than `id` that names `email`'s domain (lower-cased
    /// input expected): that domain's accounts are that upstream's to link.
    pub fn other_upstream_naming(&self, id: &str, email: &str) -> Option<&UpstreamSettings> {
        self.upstreams
            .iter()
            .find(|u| u.id != id && u.names_domain_of(email))
    }

    pub fn upstream_for_email(&self, email: &str) -> Option<&UpstreamSettings> {
        let email = email.trim().to_lowercase();
        let d = domain_of(&email)?;
        self.upstreams
            .iter()
            .find(|u| u.domains.iter().any(|x| x == d))
    }
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

impl Settings {
    /// The issuer as it appears in `iss`: no trailing slash.
    pub fn issuer_str(&self) -> &str {
        self.issuer.as_str().trim_end_matches('/')
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
