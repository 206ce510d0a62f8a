//! `[[upstream]]`: OpenID Connect identity providers users may sign in through,
//! and `[groups.by_email_domain]`: groups given by email domain, however a user
//! is created.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::{ConfigError, Secret};
use crate::auth::acr::{AcrRegistry, Level};

/// How far what an upstream proved counts here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// An upstream login proves the first factor only (`pwd`).
    None,
    /// `mfa` when the ID token's `amr` shows two factors.
    Amr,
    /// The level `acr_map` gives the ID token's `acr`.
    Acr,
}

/// One upstream identity provider.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// In URLs: the redirect URI is `{issuer}/upstream/{id}/callback`.
    pub id: String,
    /// The login page's button text.
    pub name: String,
    /// The upstream's issuer, exactly as it names itself (with its trailing
    /// `/` if it has one, as Auth0's does): discovery is read from there, and
    /// its discovery document, ID tokens and callbacks must name it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub scopes: Vec<String>,
    /// Lower-cased email domains routed to this upstream.
    pub domains: Vec<String>,
    pub trust: Trust,
    /// Upstream acr values and the level each proves here.
    pub acr_map: BTreeMap<String, Level>,
    pub create_users: bool,
    /// Lower-cased; empty: `domains`.
    pub allowed_domains: Vec<String>,
    pub link_by_email: bool,
    pub groups: Vec<String>,
    pub forward_acr: bool,
    /// How long one request to the upstream (discovery, keys, token,
    /// userinfo) may take before the sign-in gives up with a 503 page.
    pub timeout: Duration,
}

/// `timeout` when the file gives none, in seconds.
pub const DEFAULT_TIMEOUT_S: u64 = 10;
/// Longer than this is a hang as far as a person at the login page is concerned.
const MAX_TIMEOUT_S: u64 = 60;

impl UpstreamSettings {
    /// `allowed_domains`, else `domains`.
    fn own_domains(&self) -> &[String] {
        if self.allowed_domains.is_empty() {
            &self.domains
        } else {
            &self.allowed_domains
        }
    }

    fn owns_domain_of(&self, email: &str) -> bool {
        domain_of(email).is_some_and(|d| self.own_domains().iter().any(|a| a == d))
    }

    /// Whether a new account may be made for `email` (lower-cased).
    pub fn may_create_for(&self, email: &str) -> bool {
        self.create_users && self.owns_domain_of(email)
    }

    /// Whether `link_by_email` reaches an existing account with `email`
    /// (lower-cased): one in the upstream's own domains when it lists any, so
    /// that an upstream routed for one company cannot claim the accounts of
    /// another by asserting their addresses. An upstream that lists no domain
    /// is trusted for every address.
    pub fn may_link(&self, email: &str) -> bool {
        self.link_by_email && (self.own_domains().is_empty() || self.owns_domain_of(email))
    }

    /// Whether `email` (lower-cased) is in a domain this upstream names, in
    /// `domains` or `allowed_domains`.
    pub fn names_domain_of(&self, email: &str) -> bool {
        domain_of(email).is_some_and(|d| {
            self.domains
                .iter()
                .chain(&self.allowed_domains)
                .any(|x| x == d)
        })
    }

    /// The upstream acr values that prove at least `level`, weakest first.
    pub fn acr_values_for(&self, level: Level) -> Vec<String> {
        let mut values: Vec<(Level, &String)> = self
            .acr_map
            .iter()
            .filter(|(_, l)| **l >= level)
            .map(|(v, l)| (*l, v))
            .collect();
        values.sort();
        values.into_iter().map(|(_, v)| v.clone()).collect()
    }
}

/// The domain of an email address, lower-cased input expected.
pub fn domain_of(email: &str) -> Option<&str> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// `[groups]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupSettings {
    /// Lower-cased domain → groups every user with an email there is given.
    pub by_email_domain: BTreeMap<String, Vec<String>>,
}

impl GroupSettings {
    /// `groups` and those `email`'s domain gives, each once.
    pub fn with_domain_groups(&self, email: &str, mut groups: Vec<String>) -> Vec<String> {
        for g in self.for_email(email) {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        groups
    }

    /// The groups `email`'s domain gives.
    pub fn for_email(&self, email: &str) -> &[String] {
        let email = email.to_lowercase();
        domain_of(&email)
            .and_then(|d| self.by_email_domain.get(d))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUpstream {
    id: String,
    name: Option<String>,
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    #[serde(default)]
    domains: Vec<String>,
    trust: Option<String>,
    #[serde(default)]
    acr_map: BTreeMap<String, String>,
    #[serde(default)]
    create_users: bool,
    #[serde(default)]
    allowed_domains: Vec<String>,
    #[serde(default)]
    link_by_email: bool,
    #[serde(default)]
    groups: Vec<String>,
    forward_acr: Option<bool>,
    /// Seconds.
    timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawGroups {
    #[serde(default)]
    by_email_domain: BTreeMap<String, Vec<String>>,
}

fn domain(key: &str, d: &str) -> Result<String, ConfigError> {
    let d = d.trim().trim_start_matches('@').to_lowercase();
    if d.is_empty() || !d.contains('.') || d.contains(|c: char| c.is_whitespace() || c == '@') {
        return Err(ConfigError::new(key, format!("{d:?} is not a domain")));
    }
    Ok(d)
}

fn one(raw: RawUpstream, acr: &AcrRegistry) -> Result<UpstreamSettings, ConfigError> {
    let key = |k: &str| format!("upstream.{}.{k}", raw.id);
    let id_ok = !raw.id.is_empty()
        && raw.id.len() <= 64
        && raw
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !id_ok {
        return Err(ConfigError::new(
            "upstream.id",
            format!(
                "{:?}: 1 to 64 letters, digits, '-' or '_' (it is part of URLs)",
                raw.id
            ),
        ));
    }
    let issuer = Url::parse(&raw.issuer).map_err(|e| ConfigError::new(&key("issuer"), e))?;
    if !matches!(issuer.scheme(), "http" | "https") || issuer.host_str().is_none() {
        return Err(ConfigError::new(
            &key("issuer"),
            "must be an http(s) URL with a host",
        ));
    }
    if raw.client_id.trim().is_empty() {
        return Err(ConfigError::new(&key("client_id"), "must not be empty"));
    }
    let trust = match raw.trust.as_deref().unwrap_or("none") {
        "none" => Trust::None,
        "amr" => Trust::Amr,
        "acr" => Trust::Acr,
        other => {
            return Err(ConfigError::new(
                &key("trust"),
                format!("{other:?}: expected none, amr or acr"),
            ));
        }
    };
    let mut acr_map = BTreeMap::new();
    for (value, level) in raw.acr_map {
        let level = acr.level_of(&level).ok_or_else(|| {
            ConfigError::new(
                &key("acr_map"),
                format!("{value:?}: unknown level {level:?}"),
            )
        })?;
        acr_map.insert(value, level);
    }
    if trust == Trust::Acr && acr_map.is_empty() {
        return Err(ConfigError::new(
            &key("acr_map"),
            "trust = \"acr\" needs at least one acr value mapped to a level",
        ));
    }
    let timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT_S);
    if !(1..=MAX_TIMEOUT_S).contains(&timeout) {
        return Err(ConfigError::new(
            &key("timeout"),
            format!("{timeout}: seconds from 1 to {MAX_TIMEOUT_S}"),
        ));
    }
    let scopes = raw
        .scopes
        .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]);
    if !scopes.iter().any(|s| s == "openid") {
        return Err(ConfigError::new(&key("scopes"), "must include openid"));
    }
    let domains = raw
        .domains
        .iter()
        .map(|d| domain(&key("domains"), d))
        .collect::<Result<Vec<_>, _>>()?;
    let allowed_domains = raw
        .allowed_domains
        .iter()
        .map(|d| domain(&key("allowed_domains"), d))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = group_names(&key("groups"), raw.groups)?;
    Ok(UpstreamSettings {
        name: raw.name.unwrap_or_else(|| raw.id.clone()),
        id: raw.id,
        issuer: raw.issuer.trim().to_owned(),
        client_id: raw.client_id,
        client_secret: raw.client_secret.filter(|s| !s.is_empty()).map(Secret::new),
        scopes,
        domains,
        trust,
        acr_map,
        create_users: raw.create_users,
        allowed_domains,
        link_by_email: raw.link_by_email,
        groups,
        forward_acr: raw.forward_acr.unwrap_or(true),
        timeout: Duration::from_secs(timeout),
    })
}

pub(super) fn upstreams(
    raw: Vec<RawUpstream>,
    acr: &AcrRegistry,
) -> Result<Vec<UpstreamSettings>, ConfigError> {
    let mut out: Vec<UpstreamSettings> = Vec::new();
    for r in raw {
        let u = one(r, acr)?;
        if out.iter().any(|o| o.id == u.id) {
            return Err(ConfigError::new(
                "upstream.id",
                format!("{:?} is used twice", u.id),
            ));
        }
        // One domain routes to one upstream: home-realm discovery must not guess.
        if let Some(d) = u
            .domains
            .iter()
            .find(|d| out.iter().any(|o| o.domains.contains(d)))
        {
            return Err(ConfigError::new(
                &format!("upstream.{}.domains", u.id),
                format!("{d:?} is routed to another upstream already"),
            ));
        }
        out.push(u);
    }
    Ok(out)
}

pub(super) fn groups(raw: RawGroups) -> Result<GroupSettings, ConfigError> {
    let mut by_email_domain = BTreeMap::new();
    for (d, groups) in raw.by_email_domain {
        let d = domain("groups.by_email_domain", &d)?;
        let groups = group_names(&format!("groups.by_email_domain.{d}"), groups)?;
        by_email_domain.insert(d, groups);
    }
    Ok(GroupSettings { by_email_domain })
}

/// Group names as every way of making a group checks them (trimmed, 1 to 128
/// bytes, no `;`, control character or noncharacter): a name that could never
/// be made is refused at start, not at the first user it would be given to.
fn group_names(key: &str, groups: Vec<String>) -> Result<Vec<String>, ConfigError> {
    groups
        .iter()
        .map(|g| {
            crate::db::groups::validate_name(g).map_err(|e| ConfigError::new(key, e.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: serde_json::Value) -> RawUpstream {
        serde_json::from_value(v).unwrap()
    }

    fn corp() -> serde_json::Value {
        serde_json::json!({"id": "corp", "issuer": "https://idp.corp.example", "client_id": "p",
            "domains": ["Corp.Example"]})
    }

    #[test]
    fn defaults_and_domains_are_normalized() {
        let ups = upstreams(vec![raw(corp())], &AcrRegistry::default()).unwrap();
        let u = &ups[0];
        assert_eq!(u.trust, Trust::None);
        assert!(u.forward_acr && !u.create_users && !u.link_by_email);
        assert_eq!(u.domains, vec!["corp.example".to_owned()]);
        assert!(u.scopes.contains(&"openid".to_owned()));
        assert_eq!(u.timeout, Duration::from_secs(DEFAULT_TIMEOUT_S));
    }

    /// OpenID Connect Discovery compares issuers as strings: one that ends in
    /// `/` must stay as it is, or its discovery document never matches.
    #[test]
    fn the_issuer_is_kept_exactly() {
        let mut c = corp();
        c["issuer"] = "https://tenant.auth.example/".into();
        let ups = upstreams(vec![raw(c)], &AcrRegistry::default()).unwrap();
        assert_eq!(ups[0].issuer, "https://tenant.auth.example/");
    }

    #[test]
    fn bad_upstreams_stop_start_up_naming_their_key() {
        let reg = AcrRegistry::default();
        let with = |k: &str, v: serde_json::Value| {
            let mut c = corp();
            c[k] = v;
            upstreams(vec![raw(c)], &reg).unwrap_err().key
        };
        assert_eq!(with("id", "a/b".into()), "upstream.id");
        assert_eq!(with("issuer", "ftp://x".into()), "upstream.corp.issuer");
        assert_eq!(with("trust", "all".into()), "upstream.corp.trust");
        // No timeout would let a silent upstream hold the login page forever.
        assert_eq!(with("timeout", 0.into()), "upstream.corp.timeout");
        assert_eq!(with("timeout", 600.into()), "upstream.corp.timeout");
        // trust = acr with nothing mapped would trust nothing silently.
        assert_eq!(with("trust", "acr".into()), "upstream.corp.acr_map");
        assert_eq!(
            with("acr_map", serde_json::json!({"x": "gold"})),
            "upstream.corp.acr_map"
        );
        assert_eq!(
            with("scopes", serde_json::json!(["email"])),
            "upstream.corp.scopes"
        );
        let twice = upstreams(vec![raw(corp()), raw(corp())], &reg).unwrap_err();
        assert_eq!(twice.key, "upstream.id");
        let mut other = corp();
        other["id"] = "other".into();
        let shared = upstreams(vec![raw(corp()), raw(other)], &reg).unwrap_err();
        assert_eq!(shared.key, "upstream.other.domains");
    }

    #[test]
    fn creation_needs_the_switch_and_an_allowed_domain() {
        let mut c = corp();
        c["create_users"] = true.into();
        let u = upstreams(vec![raw(c.clone())], &AcrRegistry::default()).unwrap()[0].clone();
        assert!(u.may_create_for("ann@corp.example"));
        assert!(!u.may_create_for("ann@evil-corp.example"));
        c["allowed_domains"] = serde_json::json!(["partner.example"]);
        let u = upstreams(vec![raw(c)], &AcrRegistry::default()).unwrap()[0].clone();
        assert!(u.may_create_for("bo@partner.example"));
        assert!(!u.may_create_for("ann@corp.example"));
    }

    /// A group name that no way of making a group takes is refused at start,
    /// not when the first user would be given it.
    #[test]
    fn configured_group_names_meet_the_group_rules() {
        for bad in ["customers; portal", "org\u{FFFE}", " ", "x\ty"] {
            let r = groups(RawGroups {
                by_email_domain: BTreeMap::from([("acme.example".to_owned(), vec![bad.into()])]),
            });
            assert!(r.is_err(), "{bad:?}");
            let mut c = corp();
            c["groups"] = serde_json::json!([bad]);
            assert!(
                upstreams(vec![raw(c)], &AcrRegistry::default()).is_err(),
                "{bad:?}"
            );
        }
        let g = groups(RawGroups {
            by_email_domain: BTreeMap::from([("acme.example".to_owned(), vec![" org ".into()])]),
        })
        .unwrap();
        assert_eq!(g.for_email("a@acme.example"), ["org".to_owned()]);
    }

    #[test]
    fn groups_by_email_domain_match_whole_domains() {
        let g = groups(RawGroups {
            by_email_domain: BTreeMap::from([("Acme.Example".to_owned(), vec!["org-acme".into()])]),
        })
        .unwrap();
        assert_eq!(g.for_email("Carl@ACME.example"), ["org-acme".to_owned()]);
        assert!(g.for_email("carl@sub.acme.example").is_empty());
        assert_eq!(
            g.with_domain_groups("c@acme.example", vec!["org-acme".into(), "x".into()]),
            vec!["org-acme".to_owned(), "x".to_owned()]
        );
    }
}
