//! From the settings as written to typed [`Settings`]: every value is checked
//! here, so a bad one stops start-up with one line naming its key.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use super::raw::Raw;
use super::{
    AdminSettings, ConfigError, ForwardedHeader, LockoutSettings, LogFormat, MailSettings, Secret,
    ServerSettings, Settings, store,
};
use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::policy::{Mode, Policy, Rule};

/// Longer than any load balancer needs to notice a failing readiness probe.
const MAX_SHUTDOWN_DELAY: u64 = 120;

impl Settings {
    pub(super) fn from_raw(raw: Raw) -> Result<Self, ConfigError> {
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
            let net = crate::auth::policy::parse_network(p).ok_or_else(|| {
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
        // A name no group can have would leave the console without anyone
        // who could ever be made an administrator.
        crate::db::groups::validate_name(&raw.admin.group)
            .map_err(|e| ConfigError::new("admin.group", e.to_string()))?;
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
        // Up to a hundred years: beyond that a cut-off would lie before 1926.
        if !(0..=36_500).contains(&raw.audit.retention_days) {
            return Err(ConfigError::new(
                "audit.retention_days",
                "must be between 0 (keep every row) and 36500 days",
            ));
        }
        if raw.session.ttl == 0 {
            return Err(ConfigError::new("session.ttl", "must be positive"));
        }
        let upstreams = super::upstream::upstreams(raw.upstream, &acr)?;
        let groups = super::upstream::groups(raw.groups)?;
        // The admin group is only ever given by name, by an administrator.
        let admin_group = raw.admin.group.trim();
        if let Some(u) = upstreams
            .iter()
            .find(|u| u.groups.iter().any(|g| g.trim() == admin_group))
        {
            return Err(ConfigError::new(
                &format!("upstream.{}.groups", u.id),
                "must not give the admin group",
            ));
        }
        if groups
            .by_email_domain
            .values()
            .flatten()
            .any(|g| g.trim() == admin_group)
        {
            return Err(ConfigError::new(
                "groups.by_email_domain",
                "must not give the admin group",
            ));
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
            recovery: super::accounts::recovery(raw.recovery)?,
            signup: super::accounts::signup(raw.signup)?,
            factors: super::accounts::factors(raw.factors)?,
            ui: super::ui::ui(raw.ui)?,
            upstreams,
            groups,
            audit_retention: (raw.audit.retention_days > 0)
                .then(|| Duration::from_secs(raw.audit.retention_days.unsigned_abs() * 24 * 3600)),
        })
    }
}
