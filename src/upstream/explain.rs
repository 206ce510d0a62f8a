//! A dry run of an upstream sign-in: given the claims of an upstream ID token,
//! the level it proves here, what a login would still step up, and whether
//! and with which groups an account would be made, through the very functions
//! the sign-in uses. Nothing is read from or written to the database.

use openidconnect::core::CoreIdTokenClaims;
use serde::Serialize;

use super::accounts::{self, Identity};
use super::level::{self, LevelClaims};
use crate::auth::acr::Level;
use crate::config::{Settings, Trust};

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("unknown upstream {0:?} (configured: {1})")]
    UnknownUpstream(String, String),
    #[error("the claims are not an ID token's: {0}")]
    BadClaims(String),
    #[error(
        "the claims name the issuer {found:?}, but upstream {id:?} is {expected:?}: its sign-in would refuse them"
    )]
    OtherIssuer {
        id: String,
        found: String,
        expected: String,
    },
}

/// What a sign-in with these claims would give.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub upstream: String,
    pub subject: String,
    pub trust: &'static str,
    pub upstream_acr: Option<String>,
    pub upstream_amr: Vec<String>,
    /// The level the upstream proves here.
    pub level: Level,
    /// Levels a login may ask for that this sign-in meets.
    pub met: Vec<Level>,
    /// Levels a login may ask for that would still be stepped up here.
    pub stepped_up: Vec<Level>,
    /// The upstream's `auth_time` (else `iat`), unix seconds: what `max_age` is
    /// measured against.
    pub auth_time: i64,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Whether a first sign-in of this subject may make an account (when the
    /// subject is not linked and no local account has the email).
    pub creates_user: bool,
    /// Why not, when it may not.
    pub refusal: Option<String>,
    /// The groups an account made by this sign-in is given.
    pub groups: Vec<String>,
    /// Whether a local account with this email would be linked (when its email
    /// is known good).
    pub links_by_email: bool,
}

/// Explains a sign-in through upstream `id` whose ID token has `claims` (JSON).
pub fn explain(settings: &Settings, id: &str, claims: &[u8]) -> Result<Explanation, ExplainError> {
    let up = settings.upstream(id).ok_or_else(|| {
        let known: Vec<&str> = settings.upstreams.iter().map(|u| u.id.as_str()).collect();
        ExplainError::UnknownUpstream(
            id.to_owned(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            },
        )
    })?;
    let claims: CoreIdTokenClaims =
        serde_json::from_slice(claims).map_err(|e| ExplainError::BadClaims(e.to_string()))?;
    let iss = claims.issuer().as_str();
    if iss != up.issuer {
        return Err(ExplainError::OtherIssuer {
            id: up.id.clone(),
            found: iss.to_owned(),
            expected: up.issuer.clone(),
        });
    }
    let level_claims = LevelClaims::of(&claims);
    let proven = level::proven(up, &level_claims);
    let identity = Identity::from_claims(&claims);
    let email = accounts::verified_email(&identity);
    let creatable = email.filter(|e| up.may_create_for(e));
    let refusal = match (creatable, email, &identity.email) {
        (Some(_), _, _) => None,
        (None, Some(e), _) if !up.create_users => {
            Some(format!("create_users is off: no account is made for {e}"))
        }
        (None, Some(e), _) => Some(format!("the domain of {e} is not allowed")),
        (None, None, Some(e)) => Some(format!("the address {e} is not verified")),
        (None, None, None) => Some("the claims carry no email address".to_owned()),
    };
    Ok(Explanation {
        upstream: up.id.clone(),
        subject: identity.subject.clone(),
        trust: match up.trust {
            Trust::None => "none",
            Trust::Amr => "amr",
            Trust::Acr => "acr",
        },
        upstream_acr: level_claims.acr,
        upstream_amr: level_claims.amr,
        level: proven,
        met: Level::ALL.into_iter().filter(|l| *l <= proven).collect(),
        stepped_up: Level::ALL.into_iter().filter(|l| *l > proven).collect(),
        auth_time: claims
            .auth_time()
            .unwrap_or_else(|| claims.issue_time())
            .timestamp(),
        email: identity.email.clone(),
        email_verified: identity.email_verified,
        creates_user: creatable.is_some(),
        refusal,
        groups: creatable
            .map(|e| accounts::groups_of_new_user(&settings.groups, up, e))
            .unwrap_or_default(),
        links_by_email: up.link_by_email && email.is_some(),
    })
}
