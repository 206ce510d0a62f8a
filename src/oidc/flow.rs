//! The login state machine, as pure functions: which acr a request aims at for a
//! given user, and what the session must still prove. It is recomputed from the
//! session's proofs at every step, so no ordering of requests (back button, reused
//! URLs, two tabs) can make it claim a level that was not met.

use super::authorize::AcrRequest;
use super::error::{AuthzError, AuthzErrorCode};
use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::factor_rules::{self, Enrolled, Permit};
use crate::auth::stepup::{self, Freshness, Missing, Proof};

/// What a user could prove in this request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// A TOTP authenticator is enrolled.
    pub has_totp: bool,
    /// A security key is enrolled and WebAuthn is available here.
    pub has_webauthn: bool,
    /// A security key is enrolled but WebAuthn is unavailable here (the issuer is
    /// not a domain name): it cannot be checked, yet the account is not new.
    pub unusable_webauthn: bool,
    /// Enrollment is allowed and TOTP can be enrolled here.
    pub can_enroll_totp: bool,
    /// Enrollment is allowed and a security key can be enrolled here.
    pub can_enroll_webauthn: bool,
}

impl Capabilities {
    /// The factors on the account, usable here or not.
    pub fn enrolled(&self) -> Enrolled {
        Enrolled {
            totp: self.has_totp,
            webauthn: self.has_webauthn || self.unusable_webauthn,
        }
    }

    fn can_prove_any(&self) -> bool {
        self.has_totp || self.has_webauthn
    }

    /// Whether a login could get to add a factor: the account has none, or one
    /// that can be proven first (CONTRACT §10, [`factor_rules`]).
    fn may_reach_enrollment(&self) -> bool {
        factor_rules::reachable(self.enrolled(), self.can_prove_any())
    }

    pub fn can_meet(&self, level: Level) -> bool {
        match level {
            Level::Pwd => true,
            // Any enrolled factor proves mfa, so enrollment is only ever the first
            // factor here: an account whose only factor cannot be checked here is
            // never offered another one in its place.
            Level::Mfa => {
                self.can_prove_any()
                    || (self.may_reach_enrollment()
                        && (self.can_enroll_totp || self.can_enroll_webauthn))
            }
            // phr needs a key: the user's own, or one added now (after proving an
            // existing factor when the account has one).
            Level::Phr => {
                self.has_webauthn || (self.can_enroll_webauthn && self.may_reach_enrollment())
            }
        }
    }
}

/// The acr string the ID token will carry and the level behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub acr: String,
    pub level: Level,
}

/// Picks the first requested value (in the relying party's order) that this user
/// can meet, never below `floor` (policy, client minimum: CONTRACT §6 floor rule).
/// An essential request that cannot be met fails; a voluntary one falls back to
/// the floor and the ID token then names what was really met.
pub fn choose_target(
    acr: &AcrRequest,
    floor: Level,
    registry: &AcrRegistry,
    caps: &Capabilities,
) -> Result<Target, AuthzError> {
    for name in &acr.values {
        let Some(level) = registry.level_of(name) else {
            continue;
        };
        let needed = level.max(floor);
        if caps.can_meet(needed) {
            let acr = if level >= floor {
                name.clone()
            } else {
                floor.as_str().to_owned()
            };
            return Ok(Target { acr, level: needed });
        }
    }
    if acr.essential && !acr.values.is_empty() {
        return Err(AuthzError::new(
            AuthzErrorCode::UnmetAuthenticationRequirements,
            "the requested authentication level cannot be met for this user",
        ));
    }
    if !caps.can_meet(floor) {
        return Err(AuthzError::new(
            AuthzErrorCode::UnmetAuthenticationRequirements,
            format!("this login requires {floor} but the user has no usable second factor"),
        ));
    }
    Ok(Target {
        acr: floor.as_str().to_owned(),
        level: floor,
    })
}

/// The next thing a login must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Done: issue a code carrying `acr` and the evidence's amr/auth_time.
    Issue {
        acr: String,
        evidence: Vec<Proof>,
    },
    Password,
    /// Verify an enrolled second factor (`webauthn_only` for phr).
    /// `before_enrolling`: the target needs a kind of factor the account lacks,
    /// and one of its existing factors must be proven before another is added.
    SecondFactor {
        webauthn_only: bool,
        before_enrolling: bool,
    },
    /// Enroll a factor (only a security key when `webauthn_only`), as `permit`
    /// allows: the account's first factor, or one more after a recent proof.
    Enroll {
        webauthn_only: bool,
        permit: Permit,
    },
}

pub fn next(target: &Target, proofs: &[Proof], caps: &Capabilities, fresh: &Freshness) -> Next {
    match stepup::missing(proofs, target.level, fresh) {
        Missing::Nothing => match stepup::evidence(proofs, target.level, fresh) {
            Some(evidence) => Next::Issue {
                acr: target.acr.clone(),
                evidence,
            },
            None => Next::Password,
        },
        Missing::Password => Next::Password,
        Missing::SecondFactor { webauthn_only } => {
            let has = if webauthn_only {
                caps.has_webauthn
            } else {
                caps.has_totp || caps.has_webauthn
            };
            if has {
                return Next::SecondFactor {
                    webauthn_only,
                    before_enrolling: false,
                };
            }
            match factor_rules::may_add_factor(caps.enrolled(), proofs, fresh) {
                Ok(permit) => Next::Enroll {
                    webauthn_only,
                    permit,
                },
                // A password alone never adds a factor to an account that has one:
                // first a proof of a factor it already has (any kind will do).
                // [`choose_target`] only picks such a target when the account has
                // a factor usable here; otherwise this step cannot be passed.
                Err(_) => Next::SecondFactor {
                    webauthn_only: false,
                    before_enrolling: true,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
