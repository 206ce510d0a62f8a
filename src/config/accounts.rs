//! Settings of the self-service account features: `[recovery]` (forgot
//! password), `[signup]` and `[factors]` (which second factors are offered).

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

/// `[recovery]`: the "forgot password" page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverySettings {
    /// Lifetime of a mailed reset link (`recovery.link_ttl`, seconds).
    pub link_ttl: Duration,
    /// Requests per email address and hour (`recovery.requests_per_email`).
    pub requests_per_email: u64,
    /// Requests per client address and hour (`recovery.requests_per_address`),
    /// shared with sign-up requests.
    pub requests_per_address: u64,
}

/// `[signup]`: self-service sign-up for some email domains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignupSettings {
    pub enabled: bool,
    /// Lower-cased domains; an address must be in one exactly (no subdomains).
    pub allowed_domains: Vec<String>,
}

impl SignupSettings {
    /// Whether sign-up is open to `email` (already lower-cased).
    pub fn allows(&self, email: &str) -> bool {
        self.enabled
            && email
                .rsplit_once('@')
                .is_some_and(|(_, d)| self.allowed_domains.iter().any(|a| a == d))
    }
}

/// `[factors]`: the second-factor methods offered to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorSwitches {
    pub totp: bool,
    pub webauthn: bool,
    pub email_otp: bool,
}

impl Default for FactorSwitches {
    fn default() -> Self {
        Self {
            totp: true,
            webauthn: true,
            email_otp: false,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRecovery {
    link_ttl: Option<i64>,
    requests_per_email: Option<i64>,
    requests_per_address: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawSignup {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    allowed_domains: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawFactors {
    totp: Option<bool>,
    webauthn: Option<bool>,
    email_otp: Option<bool>,
}

fn bounded(key: &str, v: Option<i64>, default: i64, max: i64) -> Result<u64, ConfigError> {
    let v = v.unwrap_or(default);
    if v < 1 || v > max {
        return Err(ConfigError::new(
            key,
            format!("must be between 1 and {max}"),
        ));
    }
    Ok(v.unsigned_abs())
}

pub(super) fn recovery(raw: RawRecovery) -> Result<RecoverySettings, ConfigError> {
    Ok(RecoverySettings {
        link_ttl: Duration::from_secs(bounded(
            "recovery.link_ttl",
            raw.link_ttl,
            3600,
            7 * 24 * 3600,
        )?),
        requests_per_email: bounded(
            "recovery.requests_per_email",
            raw.requests_per_email,
            3,
            1000,
        )?,
        requests_per_address: bounded(
            "recovery.requests_per_address",
            raw.requests_per_address,
            30,
            1_000_000,
        )?,
    })
}

pub(super) fn signup(raw: RawSignup) -> Result<SignupSettings, ConfigError> {
    let mut allowed_domains = Vec::new();
    for d in raw.allowed_domains {
        let d = d.trim().trim_start_matches('@').to_lowercase();
        if d.is_empty() || !d.contains('.') || d.contains(|c: char| c.is_whitespace() || c == '@') {
            return Err(ConfigError::new(
                "signup.allowed_domains",
                format!("{d:?} is not a domain"),
            ));
        }
        allowed_domains.push(d);
    }
    Ok(SignupSettings {
        enabled: raw.enabled,
        allowed_domains,
    })
}

pub(super) fn factors(raw: RawFactors) -> Result<FactorSwitches, ConfigError> {
    let d = FactorSwitches::default();
    let f = FactorSwitches {
        totp: raw.totp.unwrap_or(d.totp),
        webauthn: raw.webauthn.unwrap_or(d.webauthn),
        email_otp: raw.email_otp.unwrap_or(d.email_otp),
    };
    if !(f.totp || f.webauthn || f.email_otp) {
        return Err(ConfigError::new(
            "factors",
            "at least one of totp, webauthn and email_otp must stay on (levels above pwd need one)",
        ));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signup_matches_whole_domains_only() {
        let s = signup(RawSignup {
            enabled: true,
            allowed_domains: vec!["@Example.com".into()],
        })
        .unwrap();
        assert!(s.allows("ann@example.com"));
        assert!(!s.allows("ann@evil-example.com"));
        assert!(!s.allows("ann@sub.example.com"));
        assert!(!s.allows("ann@example.com.evil.org"));
        let off = SignupSettings {
            enabled: false,
            ..s
        };
        assert!(!off.allows("ann@example.com"));
    }

    #[test]
    fn every_factor_off_is_refused() {
        let raw = RawFactors {
            totp: Some(false),
            webauthn: Some(false),
            email_otp: Some(false),
        };
        assert!(factors(raw).is_err());
    }

    #[test]
    fn mailed_codes_alone_are_enough() {
        let raw = RawFactors {
            totp: Some(false),
            webauthn: Some(false),
            email_otp: Some(true),
        };
        assert!(factors(raw).unwrap().email_otp);
    }
}
