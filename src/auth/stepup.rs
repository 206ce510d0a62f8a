//! What a browser session has proven, and what a request still needs.
//!
//! A session keeps one proof per factor use with its time. A request carries a
//! `not_before` (from `max_age` or `prompt=login`) and the server may give elevated
//! factors a shorter life (`acr.step_up_ttl`): proofs older than that do not count.
//! From what counts we derive the level met, `amr` (RFC 8176) and `auth_time`.

use serde::{Deserialize, Serialize};

use super::acr::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Password,
    Totp,
    /// A single-use recovery code standing in for the TOTP code.
    RecoveryCode,
    WebAuthn,
    /// A single-use code mailed to the account's address: a second factor
    /// (`mfa`), never phishing-resistant.
    EmailOtp,
    /// A sign-in at an upstream identity provider: the first factor.
    Upstream,
    /// A second factor the upstream proved and its `trust` lets count (`mfa`).
    UpstreamMfa,
    /// A phishing-resistant factor the upstream proved and `acr_map` lets
    /// count (`phr`).
    UpstreamKey,
}

impl Factor {
    /// Proves who the user is: a password here, or a sign-in upstream.
    pub fn is_first(self) -> bool {
        matches!(self, Factor::Password | Factor::Upstream)
    }

    fn is_second(self) -> bool {
        !self.is_first()
    }

    fn is_key(self) -> bool {
        matches!(self, Factor::WebAuthn | Factor::UpstreamKey)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub factor: Factor,
    /// Unix time in milliseconds.
    pub at: i64,
    /// WebAuthn user verification (PIN or biometric) happened.
    #[serde(default)]
    pub user_verified: bool,
    /// The client address of the request that proved it (the policy
    /// is decided for it too); None when unknown.
    #[serde(default)]
    pub from: Option<std::net::IpAddr>,
}

/// Which proofs count for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    pub now_ms: i64,
    /// Proofs before this instant never count (max_age, prompt=login).
    pub not_before_ms: i64,
    /// Second-factor proofs older than this many ms no longer count.
    pub step_up_ttl_ms: Option<i64>,
}

impl Freshness {
    pub fn new(now_ms: i64, not_before_ms: i64, step_up_ttl_ms: Option<i64>) -> Self {
        Self {
            now_ms,
            not_before_ms,
            step_up_ttl_ms,
        }
    }

    fn counts(&self, p: &Proof) -> bool {
        if p.at < self.not_before_ms || p.at > self.now_ms + 5_000 {
            return false;
        }
        match (p.factor.is_second(), self.step_up_ttl_ms) {
            (true, Some(ttl)) => self.now_ms - p.at <= ttl,
            _ => true,
        }
    }
}

/// What a login must still do to reach a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Nothing,
    Password,
    /// Password is fresh; a second factor is needed (`webauthn_only` for `phr`).
    SecondFactor {
        webauthn_only: bool,
    },
}

/// The newest counting proof of a factor that satisfies `pred`.
fn newest<'a>(
    proofs: &'a [Proof],
    fresh: &Freshness,
    pred: impl Fn(&Proof) -> bool,
) -> Option<&'a Proof> {
    proofs
        .iter()
        .filter(|p| fresh.counts(p) && pred(p))
        .max_by_key(|p| p.at)
}

/// The proofs that meet `level`, newest of each kind; None when it is not met.
pub fn evidence(proofs: &[Proof], level: Level, fresh: &Freshness) -> Option<Vec<Proof>> {
    let pwd = newest(proofs, fresh, |p| p.factor.is_first())?.clone();
    match level {
        Level::Pwd => Some(vec![pwd]),
        Level::Mfa => {
            let second = newest(proofs, fresh, |p| p.factor.is_second())?.clone();
            Some(vec![pwd, second])
        }
        Level::Phr => {
            let key = newest(proofs, fresh, |p| p.factor.is_key())?.clone();
            Some(vec![pwd, key])
        }
    }
}

pub fn missing(proofs: &[Proof], level: Level, fresh: &Freshness) -> Missing {
    if newest(proofs, fresh, |p| p.factor.is_first()).is_none() {
        return Missing::Password;
    }
    if evidence(proofs, level, fresh).is_some() {
        return Missing::Nothing;
    }
    Missing::SecondFactor {
        webauthn_only: level == Level::Phr,
    }
}

/// The strongest level the counting proofs meet.
pub fn level_met(proofs: &[Proof], fresh: &Freshness) -> Option<Level> {
    Level::ALL
        .iter()
        .rev()
        .copied()
        .find(|l| evidence(proofs, *l, fresh).is_some())
}

/// RFC 8176 values for the evidence: `pwd`, `otp` (TOTP or a mailed code), `hwk` (+ `user` when the
/// authenticator verified the user), `mfa` when two factors were used. A recovery
/// code is not an OTP device: it is reported as `rc` (not in the RFC 8176
/// registry; documented in the README). A sign-in at an upstream identity
/// provider is `fed` (federated, as other providers name it); what the upstream
/// proved beyond it counts as a second factor (`mfa`, and `hwk` for `phr`).
pub fn amr(evidence: &[Proof]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &str| {
        if !out.iter().any(|x| x == v) {
            out.push(v.to_owned());
        }
    };
    for p in evidence {
        match p.factor {
            Factor::Password => push("pwd"),
            // RFC 8176 `otp`: a one-time password, whether from an
            // authenticator app or a mail.
            Factor::Totp | Factor::EmailOtp => push("otp"),
            Factor::RecoveryCode => push("rc"),
            Factor::WebAuthn => {
                push("hwk");
                if p.user_verified {
                    push("user");
                }
            }
            Factor::Upstream => push("fed"),
            Factor::UpstreamMfa => {}
            Factor::UpstreamKey => push("hwk"),
        }
    }
    if evidence.len() >= 2 {
        push("mfa");
    }
    out
}

/// `auth_time` in seconds: the last interactive authentication among the evidence.
pub fn auth_time(evidence: &[Proof]) -> i64 {
    evidence.iter().map(|p| p.at).max().unwrap_or(0) / 1000
}

#[cfg(test)]
mod tests;
