//! `RequestedAuthnContext` class refs as acr values, and back.
//!
//! Built in: `PasswordProtectedTransport` is `pwd`, REFEDS MFA is `mfa`; any
//! other class ref is understood when `acr.aliases` names it (or it is a level's
//! own name). `Comparison="exact"` (the default) asks for one of the named
//! levels, in the SP's order; `minimum` for at least the lowest one named. An
//! explicit request is essential in SAML: one that cannot be met is answered
//! with `NoAuthnContext`, never with a weaker login. `better` and `maximum` are
//! not offered and get `NoAuthnContext` too.

use super::request::{Comparison, Requested};
use super::{AC_PASSWORD_PROTECTED, AC_REFEDS_MFA};
use crate::auth::acr::{AcrRegistry, Level};
use crate::oidc::authorize::AcrRequest;

/// What a request asks for, as the login engine takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// The acr request, and each acr string with the class ref that named it.
    Acr(AcrRequest, Vec<(String, String)>),
    /// Nothing we know how to meet was asked for.
    Unmeetable,
}

/// The acr string a class ref stands for, if we understand it.
fn acr_of(class_ref: &str, registry: &AcrRegistry) -> Option<String> {
    match class_ref {
        AC_PASSWORD_PROTECTED => Some(Level::Pwd.as_str().to_owned()),
        AC_REFEDS_MFA => Some(Level::Mfa.as_str().to_owned()),
        other => registry.level_of(other).map(|_| other.to_owned()),
    }
}

pub fn acr_request(requested: Option<&Requested>, registry: &AcrRegistry) -> Asked {
    let Some(r) = requested else {
        return Asked::Acr(AcrRequest::default(), Vec::new());
    };
    if matches!(r.comparison, Comparison::Better | Comparison::Maximum) {
        return Asked::Unmeetable;
    }
    let mut known: Vec<(String, String, Level)> = Vec::new();
    for class_ref in &r.class_refs {
        if let Some(acr) = acr_of(class_ref, registry)
            && let Some(level) = registry.level_of(&acr)
            && !known.iter().any(|(a, _, _)| *a == acr)
        {
            known.push((acr, class_ref.clone(), level));
        }
    }
    if known.is_empty() {
        // Only unknown class refs or declaration refs: nothing to meet them with.
        return Asked::Unmeetable;
    }
    let values: Vec<String> = match r.comparison {
        Comparison::Minimum => {
            let lowest = known.iter().map(|(_, _, l)| *l).min().unwrap_or(Level::Pwd);
            known
                .iter()
                .filter(|(_, _, l)| *l == lowest)
                .map(|(a, _, _)| a.clone())
                .take(1)
                .collect()
        }
        _ => known.iter().map(|(a, _, _)| a.clone()).collect(),
    };
    let pairs = known.into_iter().map(|(a, c, _)| (a, c)).collect();
    Asked::Acr(
        AcrRequest {
            values,
            essential: true,
            from_client_default: false,
        },
        pairs,
    )
}

/// The class ref an answer names for the acr that was met: the SP's own
/// string when it asked for that level, else the built-in one of the level.
pub fn class_ref_for(acr: &str, asked: &[(String, String)], registry: &AcrRegistry) -> String {
    if let Some((_, class_ref)) = asked.iter().find(|(a, _)| a == acr) {
        return class_ref.clone();
    }
    match registry.level_of(acr) {
        Some(Level::Pwd) => AC_PASSWORD_PROTECTED.to_owned(),
        // phr is a second factor too: REFEDS MFA holds for it.
        Some(Level::Mfa | Level::Phr) => AC_REFEDS_MFA.to_owned(),
        None => acr.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> AcrRegistry {
        let mut r = AcrRegistry::default();
        r.add_alias("urn:example:2fa", Level::Mfa).unwrap();
        r
    }

    fn req(comparison: Comparison, refs: &[&str]) -> Requested {
        Requested {
            class_refs: refs.iter().map(|s| (*s).to_owned()).collect(),
            comparison,
            decl_refs: false,
        }
    }

    #[test]
    fn no_requested_context_asks_for_nothing() {
        assert_eq!(
            acr_request(None, &registry()),
            Asked::Acr(AcrRequest::default(), Vec::new())
        );
    }

    #[test]
    fn built_in_and_alias_class_refs_become_acr_values() {
        let r = req(
            Comparison::Exact,
            &[AC_REFEDS_MFA, "urn:unknown", "urn:example:2fa"],
        );
        let Asked::Acr(acr, pairs) = acr_request(Some(&r), &registry()) else {
            panic!("understood")
        };
        assert_eq!(
            acr.values,
            vec!["mfa".to_owned(), "urn:example:2fa".to_owned()]
        );
        assert!(acr.essential, "an explicit SAML request cannot be weakened");
        assert_eq!(class_ref_for("mfa", &pairs, &registry()), AC_REFEDS_MFA);
        assert_eq!(
            class_ref_for("urn:example:2fa", &pairs, &registry()),
            "urn:example:2fa"
        );
        assert_eq!(
            class_ref_for("pwd", &pairs, &registry()),
            AC_PASSWORD_PROTECTED
        );
    }

    #[test]
    fn minimum_asks_for_the_lowest_named_level() {
        let r = req(Comparison::Minimum, &[AC_REFEDS_MFA, AC_PASSWORD_PROTECTED]);
        let Asked::Acr(acr, _) = acr_request(Some(&r), &registry()) else {
            panic!("understood")
        };
        assert_eq!(acr.values, vec!["pwd".to_owned()]);
    }

    #[test]
    fn what_cannot_be_understood_cannot_be_met() {
        let unknown = req(Comparison::Exact, &["urn:unknown"]);
        assert_eq!(acr_request(Some(&unknown), &registry()), Asked::Unmeetable);
        let better = req(Comparison::Better, &[AC_PASSWORD_PROTECTED]);
        assert_eq!(acr_request(Some(&better), &registry()), Asked::Unmeetable);
        let decl = Requested {
            class_refs: vec![],
            comparison: Comparison::Exact,
            decl_refs: true,
        };
        assert_eq!(acr_request(Some(&decl), &registry()), Asked::Unmeetable);
    }
}
