//! Which acr a login aims at for a given user, as a pure function: the first
//! requested value the user can meet, never below the server's floor. What the
//! session must still prove towards it is [`crate::login::next_step::decide`].

use super::authorize::AcrRequest;
use super::error::{AuthzError, AuthzErrorCode};
use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::factor_rules::{self, Enrolled};

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
    /// Mailed one-time codes are on and the account has an address.
    pub has_email: bool,
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
            email: self.has_email,
        }
    }

    pub fn can_prove_any(&self) -> bool {
        self.has_totp || self.has_webauthn || self.has_email
    }

    /// Whether a login could get to add a factor: the account has none, or one
    /// that can be proven first ([`factor_rules`]).
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
/// can meet, never below `floor` (policy, client minimum: the floor rule).
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
            // Below the floor, the floor's level is met: named by a value the
            // relying party asked for when it asked for one of that level (an
            // essential request expects one of its own values back).
            let acr = if level >= floor {
                name.clone()
            } else {
                acr.values
                    .iter()
                    .find(|v| registry.level_of(v) == Some(needed))
                    .cloned()
                    .unwrap_or_else(|| floor.as_str().to_owned())
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

#[cfg(test)]
mod tests;
