//! The login state machine, as pure functions: which acr a request aims at for a
//! given user, and what the session must still prove. It is recomputed from the
//! session's proofs at every step, so no ordering of requests (back button, reused
//! URLs, two tabs) can make it claim a level that was not met.

use super::authorize::AcrRequest;
use super::error::{AuthzError, AuthzErrorCode};
use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::stepup::{self, Freshness, Missing, Proof};

/// What a user could prove in this request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub has_totp: bool,
    pub has_webauthn: bool,
    /// The user may enroll a TOTP authenticator during this login.
    pub can_enroll_totp: bool,
    /// The user may enroll a security key during this login.
    pub can_enroll_webauthn: bool,
}

impl Capabilities {
    pub fn can_meet(&self, level: Level) -> bool {
        match level {
            Level::Pwd => true,
            Level::Mfa => {
                self.has_totp
                    || self.has_webauthn
                    || self.can_enroll_totp
                    || self.can_enroll_webauthn
            }
            Level::Phr => self.has_webauthn || self.can_enroll_webauthn,
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
    SecondFactor {
        webauthn_only: bool,
    },
    /// No usable factor is enrolled: enroll one first.
    Enroll {
        webauthn_only: bool,
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
                Next::SecondFactor { webauthn_only }
            } else {
                Next::Enroll { webauthn_only }
            }
        }
    }
}

#[cfg(test)]
mod tests;
