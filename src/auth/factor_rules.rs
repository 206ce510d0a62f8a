//! Who may add a second factor, and when: one rule for every path that adds one
//! (enrollment during a sign-in, the account page), and the list of factor
//! changes the owner is told about.
//!
//! A password alone must never be enough to add a factor to an account that has
//! one: otherwise a stolen password plus an attacker's own security key becomes
//! `phr`, and the real factor never matters again. So:
//!
//! - an account without any second factor may enroll its first one right after
//!   the password (trust on first use: imported users, enforced mode, after an
//!   administrator's "Reset MFA");
//! - an account with a second factor may add another only after this login proved
//!   one of its existing factors, recently ([`PROOF_MAX_AGE_MS`]) and within the
//!   current request's freshness (`max_age`, `prompt=login`, `acr.step_up_ttl`).
//!
//! The functions are pure; the sign-in flow ([`crate::oidc::flow`]) turns their
//! answer into the next step, and the enrollment endpoints need the [`Permit`]
//! only this module can make.

use super::acr::Level;
use super::stepup::{self, Factor, Freshness, Proof};

/// How recent the proof of an existing factor must be for another one to be
/// added: long enough to register a key right after typing a code, short enough
/// that an unattended session hours later cannot add one.
pub const PROOF_MAX_AGE_MS: i64 = 10 * 60 * 1000;

/// The second factors on an account, whether or not this server can check them
/// right now (a security key while WebAuthn is unavailable still counts: the
/// account is not new).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enrolled {
    pub totp: bool,
    pub webauthn: bool,
    /// Mailed one-time codes are switched on (`[factors] email_otp`) and the
    /// account has an address: its mailbox is a factor it already has.
    pub email: bool,
}

impl Enrolled {
    pub fn any(&self) -> bool {
        self.totp || self.webauthn || self.email
    }

    /// Whether `p` is a proof of a factor this account has. A recovery code
    /// stands in for the TOTP authenticator it came with. A mailed code is the
    /// weakest factor: it backs a new one only on an account with neither an
    /// authenticator app nor a key, so a password and a mailbox never add a
    /// key beside an authenticator the attacker does not hold.
    fn backs(&self, p: &Proof) -> bool {
        match p.factor {
            Factor::Totp | Factor::RecoveryCode => self.totp,
            Factor::WebAuthn => self.webauthn,
            Factor::EmailOtp => self.email && !self.totp && !self.webauthn,
            // The first factor, or what an upstream proved: not a factor of
            // this account.
            Factor::Password | Factor::Upstream | Factor::UpstreamMfa | Factor::UpstreamKey => {
                false
            }
        }
    }
}

/// Leave to add a factor in this login. Only [`may_add_factor`] makes one, so an
/// enrollment function that takes a `Permit` cannot be reached around the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    first: bool,
}

impl Permit {
    /// The account has no second factor yet: this is its first (trust on first use).
    pub fn first_factor(&self) -> bool {
        self.first
    }
}

/// Why a factor may not be added now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No password counts for this request: nothing is added before sign-in.
    PasswordFirst,
    /// The account has a second factor and this login has not recently proven one.
    ProveExistingFactor,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::PasswordFirst => "sign in with the password first",
            Refused::ProveExistingFactor => {
                "confirm with an existing second factor before adding another"
            }
        })
    }
}

/// Whether this login may add a second factor to the account.
pub fn may_add_factor(
    enrolled: Enrolled,
    proofs: &[Proof],
    fresh: &Freshness,
) -> Result<Permit, Refused> {
    if stepup::evidence(proofs, Level::Pwd, fresh).is_none() {
        return Err(Refused::PasswordFirst);
    }
    if !enrolled.any() {
        return Ok(Permit { first: true });
    }
    if proven_existing(enrolled, proofs, fresh) {
        Ok(Permit { first: false })
    } else {
        Err(Refused::ProveExistingFactor)
    }
}

/// A password and a proof of one of the account's own factors, both counting for
/// this request, the factor proof no older than [`PROOF_MAX_AGE_MS`].
fn proven_existing(enrolled: Enrolled, proofs: &[Proof], fresh: &Freshness) -> bool {
    let own: Vec<Proof> = proofs
        .iter()
        .filter(|p| p.factor.is_first() || enrolled.backs(p))
        .cloned()
        .collect();
    // `evidence` for mfa is the newest counting password and the newest counting
    // second factor among the account's own factors.
    stepup::evidence(&own, Level::Mfa, fresh).is_some_and(|e| {
        e.iter()
            .filter(|p| !p.factor.is_first())
            .all(|p| fresh.now_ms - p.at <= PROOF_MAX_AGE_MS)
    })
}

/// Whether a login could come to add a factor at all: the account has none, or
/// it has one that can be proven here first. A key-only account while WebAuthn
/// is unavailable cannot: it is never offered another factor instead.
pub fn reachable(enrolled: Enrolled, provable_here: bool) -> bool {
    !enrolled.any() || provable_here
}

/// A change to an account's factors that its owner is told about (mail and
/// audit), whoever made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorChange {
    TotpAdded,
    SecurityKeyAdded,
    /// The owner removed the authenticator app (and its recovery codes).
    TotpRemoved,
    /// The owner removed one security key.
    SecurityKeyRemoved,
    /// The owner made new recovery codes; the old ones stopped working.
    RecoveryCodesRenewed,
    /// An administrator removed every factor and recovery code.
    AllRemoved,
    RecoveryCodeUsed {
        remaining: u64,
    },
}

impl FactorChange {
    /// The name in the audit log's `detail.kind` of the mail.
    pub fn kind(&self) -> &'static str {
        match self {
            FactorChange::TotpAdded => "factor_added_totp",
            FactorChange::SecurityKeyAdded => "factor_added_webauthn",
            FactorChange::TotpRemoved => "factor_removed_totp",
            FactorChange::SecurityKeyRemoved => "factor_removed_webauthn",
            FactorChange::RecoveryCodesRenewed => "recovery_codes_renewed",
            FactorChange::AllRemoved => "factors_removed",
            FactorChange::RecoveryCodeUsed { .. } => "recovery_code_used",
        }
    }
}

#[cfg(test)]
mod tests;
