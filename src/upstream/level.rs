//! What an upstream's ID token proves here: never more than its `trust`
//! lets count, and never more than the token shows.

use openidconnect::core::CoreIdTokenClaims;

use crate::auth::acr::Level;
use crate::config::{Trust, UpstreamSettings};

/// RFC 8176 method values that are a factor of their own kind.
const KNOWN_METHODS: &[(&str, &str)] = &[
    ("pwd", "knowledge"),
    ("pin", "knowledge"),
    ("kba", "knowledge"),
    ("otp", "possession"),
    ("sms", "possession"),
    ("tel", "possession"),
    ("hwk", "possession"),
    ("swk", "possession"),
    ("sc", "possession"),
    ("fpt", "inherence"),
    ("face", "inherence"),
    ("iris", "inherence"),
    ("retina", "inherence"),
    ("vbm", "inherence"),
    ("bio", "inherence"),
];

/// The claims of an upstream ID token that decide the level.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct LevelClaims {
    #[serde(default)]
    pub acr: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
}

impl LevelClaims {
    /// The `acr` and `amr` of a verified upstream ID token.
    pub fn of(claims: &CoreIdTokenClaims) -> Self {
        Self {
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|m| m.as_str().to_owned()).collect())
                .unwrap_or_default(),
        }
    }
}

/// Whether `amr` shows two factors: `mfa`, or methods of two kinds.
fn amr_shows_two(amr: &[String]) -> bool {
    if amr.iter().any(|m| m == "mfa") {
        return true;
    }
    let mut kinds: Vec<&str> = amr
        .iter()
        .filter_map(|m| KNOWN_METHODS.iter().find(|(v, _)| v == m).map(|(_, k)| *k))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds.len() >= 2
}

/// The level an upstream sign-in proves here.
pub fn proven(up: &UpstreamSettings, claims: &LevelClaims) -> Level {
    match up.trust {
        Trust::None => Level::Pwd,
        Trust::Amr => {
            if amr_shows_two(&claims.amr) {
                Level::Mfa
            } else {
                Level::Pwd
            }
        }
        Trust::Acr => claims
            .acr
            .as_deref()
            .and_then(|a| up.acr_map.get(a).copied())
            .unwrap_or(Level::Pwd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn up(trust: Trust) -> UpstreamSettings {
        UpstreamSettings {
            id: "corp".into(),
            name: "Corp".into(),
            issuer: "https://idp.example".into(),
            client_id: "c".into(),
            client_secret: None,
            scopes: vec!["openid".into()],
            domains: vec!["corp.example".into()],
            trust,
            acr_map: BTreeMap::from([("urn:corp:mfa".to_owned(), Level::Mfa)]),
            create_users: false,
            allowed_domains: vec![],
            link_by_email: false,
            groups: vec![],
            forward_acr: true,
            timeout: std::time::Duration::from_secs(10),
        }
    }

    fn claims(acr: Option<&str>, amr: &[&str]) -> LevelClaims {
        LevelClaims {
            acr: acr.map(str::to_owned),
            amr: amr.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn trust_none_never_counts_more_than_the_first_factor() {
        let c = claims(Some("urn:corp:mfa"), &["pwd", "otp", "mfa"]);
        assert_eq!(proven(&up(Trust::None), &c), Level::Pwd);
    }

    #[test]
    fn trust_amr_needs_two_kinds_of_factor() {
        let u = up(Trust::Amr);
        assert_eq!(proven(&u, &claims(None, &["pwd", "otp"])), Level::Mfa);
        assert_eq!(proven(&u, &claims(None, &["mfa"])), Level::Mfa);
        assert_eq!(proven(&u, &claims(None, &["pwd", "pin"])), Level::Pwd);
        assert_eq!(proven(&u, &claims(None, &["pwd"])), Level::Pwd);
        assert_eq!(proven(&u, &claims(None, &[])), Level::Pwd);
        // acr is not what this upstream is trusted for.
        assert_eq!(
            proven(&u, &claims(Some("urn:corp:mfa"), &["pwd"])),
            Level::Pwd
        );
    }

    #[test]
    fn trust_acr_counts_only_mapped_values() {
        let u = up(Trust::Acr);
        assert_eq!(proven(&u, &claims(Some("urn:corp:mfa"), &[])), Level::Mfa);
        assert_eq!(proven(&u, &claims(Some("urn:other"), &["mfa"])), Level::Pwd);
        assert_eq!(proven(&u, &claims(None, &["pwd", "otp"])), Level::Pwd);
    }

    #[test]
    fn forwarded_acr_values_prove_at_least_the_level() {
        let u = up(Trust::Acr);
        assert_eq!(
            u.acr_values_for(Level::Mfa),
            vec!["urn:corp:mfa".to_owned()]
        );
        assert!(u.acr_values_for(Level::Phr).is_empty());
    }
}
