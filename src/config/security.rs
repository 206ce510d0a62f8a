//! Settings that decide who a client is and how hard it may guess:
//! `server.forwarded_header`, `lockout.*` and `passwords.*`.

use serde::Deserialize;

use super::ConfigError;

/// The one forwarding header a trusted proxy sets. The other one is
/// never read: a client can send it through the proxy, which passes it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded` (its `for=` parameters).
    Forwarded,
}

impl ForwardedHeader {
    pub fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    pub(super) fn parse(raw: &str) -> Result<Self, ConfigError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(ConfigError::new(
                "server.forwarded_header",
                format!("{other:?}: expected x-forwarded-for or forwarded"),
            )),
        }
    }
}

/// Limits on guessing that are not fixed by the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutSettings {
    /// Failed passwords and codes from one client address (an IPv6 /64) within
    /// the failure window before that address is refused (`lockout.failures_per_address`).
    pub failures_per_address: u64,
    /// Password checks allowed to wait for a verification thread; None: 64 per
    /// thread (`passwords.max_queued`). Beyond it a login is answered 503 at once.
    pub max_queued_passwords: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawLockout {
    failures_per_address: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPasswords {
    max_queued: Option<i64>,
}

const DEFAULT_FAILURES_PER_ADDRESS: i64 = 100;

impl LockoutSettings {
    pub(super) fn parse(lockout: RawLockout, passwords: RawPasswords) -> Result<Self, ConfigError> {
        let failures_per_address = u64::try_from(
            lockout
                .failures_per_address
                .unwrap_or(DEFAULT_FAILURES_PER_ADDRESS),
        )
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| {
            ConfigError::new(
                "lockout.failures_per_address",
                "must be between 1 and 1000000",
            )
        })?;
        let max_queued_passwords = match passwords.max_queued {
            None => None,
            Some(n) => Some(
                usize::try_from(n)
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        ConfigError::new("passwords.max_queued", "must be between 1 and 1000000")
                    })?,
            ),
        };
        Ok(Self {
            failures_per_address,
            max_queued_passwords,
        })
    }
}
