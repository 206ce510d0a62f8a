//! The OAuth 2.0 Step Up Authentication Challenge Protocol (RFC 9470), both ends:
//! a resource server decides from a token's `acr` and `auth_time` whether the
//! authentication behind it is strong and recent enough, and answers with a
//! `WWW-Authenticate` challenge when not (§3); a client reads that challenge and
//! asks for a new authorization with the `acr_values` and `max_age` it names (§4).

use std::str::FromStr;

use crate::auth::acr::Level;

pub const ERROR: &str = "insufficient_user_authentication";

/// What a protected resource demands of the authentication behind a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Acceptable acr values, any one of them. A built-in level (`pwd`, `mfa`,
    /// `phr`) is also met by a stronger built-in level.
    pub acr_values: Vec<String>,
    /// At most this many seconds since the user last authenticated actively.
    pub max_age: Option<i64>,
}

/// The authentication facts of a token, as introspection reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenAuthentication {
    pub acr: Option<String>,
    pub auth_time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    StepUp(Challenge),
}

/// An `insufficient_user_authentication` challenge (§3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub acr_values: Vec<String>,
    pub max_age: Option<i64>,
    pub description: String,
}

/// Whether a token's acr meets a wanted value: the same string, or both built-in
/// levels with the token's at least as strong.
pub fn acr_satisfies(have: &str, want: &str) -> bool {
    if have == want {
        return true;
    }
    match (Level::from_str(have), Level::from_str(want)) {
        (Ok(h), Ok(w)) => h >= w,
        _ => false,
    }
}

/// The resource server's decision. A token without `acr` or `auth_time` fails the
/// corresponding check: nothing is assumed in its favour.
pub fn decide(req: &Requirement, token: &TokenAuthentication, now: i64) -> Decision {
    let acr_ok = req.acr_values.is_empty()
        || token
            .acr
            .as_deref()
            .is_some_and(|have| req.acr_values.iter().any(|w| acr_satisfies(have, w)));
    let age_ok = req
        .max_age
        .is_none_or(|max| token.auth_time.is_some_and(|t| now - t <= max));
    if acr_ok && age_ok {
        return Decision::Allow;
    }
    let description = if acr_ok {
        "A more recent authentication is required"
    } else {
        "A different authentication level is required"
    };
    // acr_values always, when the resource has any, so that a fresher login is
    // also strong enough; max_age only when the age was the problem, so that a
    // step-up alone does not force the password again.
    Decision::StepUp(Challenge {
        acr_values: req.acr_values.clone(),
        max_age: if age_ok { None } else { req.max_age },
        description: description.into(),
    })
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Challenge {
    /// The `WWW-Authenticate` header value.
    pub fn header(&self) -> String {
        let mut out = format!(
            "Bearer error={}, error_description={}",
            quote(ERROR),
            quote(&self.description)
        );
        if !self.acr_values.is_empty() {
            out.push_str(&format!(
                ", acr_values={}",
                quote(&self.acr_values.join(" "))
            ));
        }
        if let Some(m) = self.max_age {
            out.push_str(&format!(", max_age={}", quote(&m.to_string())));
        }
        out
    }

    /// Reads a Bearer challenge; Some only for `insufficient_user_authentication`.
    pub fn parse(header: &str) -> Option<Challenge> {
        let rest = header.trim_start();
        let (scheme, params) = rest.split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let params = auth_params(params)?;
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("error")? != ERROR {
            return None;
        }
        Some(Challenge {
            acr_values: get("acr_values")
                .map(|v| v.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            max_age: match get("max_age") {
                Some(v) => Some(v.trim().parse().ok()?),
                None => None,
            },
            description: get("error_description").unwrap_or_default().to_owned(),
        })
    }
}

/// `name=value` pairs separated by commas; values are tokens or quoted strings
/// (RFC 9110 §11.2).
fn auth_params(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            name.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return None;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',' && !c.is_whitespace()) {
                value.push(c);
            }
        }
        out.push((name.to_ascii_lowercase(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(acr: &[&str], max_age: Option<i64>) -> Requirement {
        Requirement {
            acr_values: acr.iter().map(|s| s.to_string()).collect(),
            max_age,
        }
    }

    fn token(acr: &str, auth_time: i64) -> TokenAuthentication {
        TokenAuthentication {
            acr: Some(acr.into()),
            auth_time: Some(auth_time),
        }
    }

    #[test]
    fn stronger_built_in_levels_satisfy_weaker_ones_and_aliases_match_exactly() {
        assert!(acr_satisfies("phr", "mfa"));
        assert!(acr_satisfies("mfa", "mfa"));
        assert!(!acr_satisfies("pwd", "mfa"));
        assert!(acr_satisfies("urn:x", "urn:x"));
        assert!(!acr_satisfies("urn:x", "mfa"));
    }

    #[test]
    fn a_weak_token_gets_acr_values_and_an_old_one_max_age() {
        let r = req(&["mfa"], Some(300));
        assert_eq!(decide(&r, &token("mfa", 1000), 1200), Decision::Allow);
        let Decision::StepUp(c) = decide(&r, &token("pwd", 1000), 1200) else {
            panic!("pwd must not pass");
        };
        assert_eq!(
            (c.acr_values.clone(), c.max_age),
            (vec!["mfa".into()], None)
        );
        let Decision::StepUp(c) = decide(&r, &token("mfa", 1000), 1301) else {
            panic!("too old");
        };
        assert_eq!(c.max_age, Some(300));
        assert_eq!(
            decide(&r, &TokenAuthentication::default(), 0),
            Decision::StepUp(Challenge {
                acr_values: vec!["mfa".into()],
                max_age: Some(300),
                description: "A different authentication level is required".into(),
            })
        );
    }

    #[test]
    fn the_header_round_trips() {
        let c = Challenge {
            acr_values: vec!["mfa".into(), "urn:a\"b".into()],
            max_age: Some(5),
            description: "A different authentication level is required".into(),
        };
        let h = c.header();
        assert!(h.starts_with("Bearer error=\"insufficient_user_authentication\""));
        assert!(h.contains("max_age=\"5\""));
        assert_eq!(Challenge::parse(&h), Some(c));
        assert_eq!(
            Challenge::parse("Bearer error=insufficient_user_authentication, acr_values=\"mfa\"")
                .map(|c| c.acr_values),
            Some(vec!["mfa".to_string()])
        );
        assert_eq!(Challenge::parse("Bearer error=\"invalid_token\""), None);
        assert_eq!(Challenge::parse("Basic realm=\"x\""), None);
        assert_eq!(Challenge::parse("Bearer error=\"unterminated"), None);
    }
}
