//! The settings as written, in layers: built-in defaults, then a TOML file,
//! then `PORTCULLIS__SECTION__KEY` environment variables. Parsed into
//! [`Settings`] by `super::parse`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, Settings, security, store};
use crate::auth::policy::RuleSpec;

#[derive(Debug, Deserialize)]
pub(super) struct Raw {
    pub(super) issuer: String,
    pub(super) server: RawServer,
    pub(super) database: RawDatabase,
    #[serde(default)]
    pub(super) redis: RawRedis,
    pub(super) keys: RawKeys,
    #[serde(default)]
    pub(super) registration: RawRegistration,
    #[serde(default)]
    pub(super) acr: RawAcr,
    pub(super) enrollment: RawEnrollment,
    pub(super) session: RawSession,
    pub(super) tokens: RawTokens,
    pub(super) mail: RawMail,
    pub(super) policy: RawPolicy,
    pub(super) admin: RawAdmin,
    #[serde(default)]
    pub(super) store: store::RawStore,
    #[serde(default)]
    pub(super) lockout: security::RawLockout,
    #[serde(default)]
    pub(super) passwords: security::RawPasswords,
    pub(super) metrics: RawMetrics,
    pub(super) log: RawLog,
    #[serde(default)]
    pub(super) recovery: super::accounts::RawRecovery,
    #[serde(default)]
    pub(super) signup: super::accounts::RawSignup,
    #[serde(default)]
    pub(super) factors: super::accounts::RawFactors,
    #[serde(default)]
    pub(super) ui: super::ui::RawUi,
    #[serde(default)]
    pub(super) upstream: Vec<super::upstream::RawUpstream>,
    #[serde(default)]
    pub(super) groups: super::upstream::RawGroups,
    #[serde(default)]
    pub(super) audit: RawAudit,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawAudit {
    /// 0 (the default): rows are kept for ever.
    #[serde(default)]
    pub(super) retention_days: i64,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawMetrics {
    pub(super) bind: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawLog {
    pub(super) format: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawAdmin {
    pub(super) group: String,
    pub(super) acr: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawTokens {
    pub(super) code_ttl: u64,
    pub(super) refresh_ttl: i64,
    pub(super) refresh_max_lifetime: i64,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawServer {
    pub(super) bind: String,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<String>,
    pub(super) forwarded_header: Option<String>,
    #[serde(default)]
    pub(super) shutdown_delay: u64,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawPolicy {
    pub(super) default: String,
    pub(super) mode: String,
    #[serde(default)]
    pub(super) rules: Vec<RuleSpec>,
}
#[derive(Debug, Deserialize)]
pub(super) struct RawDatabase {
    pub(super) url: String,
    pub(super) cache_ttl: u64,
}
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRedis {
    pub(super) url: Option<String>,
}
#[derive(Debug, Deserialize)]
pub(super) struct RawKeys {
    pub(super) dir: PathBuf,
    pub(super) grace_period: i64,
}
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRegistration {
    pub(super) initial_access_token: Option<String>,
    #[serde(default)]
    pub(super) client_secret_ttl: u64,
}
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawAcr {
    #[serde(default)]
    pub(super) aliases: BTreeMap<String, String>,
    pub(super) step_up_ttl: Option<u64>,
}
#[derive(Debug, Deserialize)]
pub(super) struct RawEnrollment {
    pub(super) allowed: bool,
}
#[derive(Debug, Deserialize)]
pub(super) struct RawSession {
    pub(super) ttl: u64,
}
#[derive(Debug, Deserialize)]
pub(super) struct RawMail {
    pub(super) smtp_url: Option<String>,
    pub(super) outbox_dir: PathBuf,
    pub(super) from: String,
    pub(super) link_ttl: u64,
}

pub(super) const DEFAULTS: &str = r#"
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
}
