//! Conditional 2FA policy: ordered rules, first match wins, else the
//! default. The result is a floor: the level a login must meet is the higher of
//! this and what the relying party asked for, so a policy can raise a request but
//! never lower it.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::acr::{AcrRegistry, Level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Users are asked when the rules say so.
    #[default]
    Enabled,
    /// Every user (with the 2FA switch on) needs a second factor, enrolling at the
    /// next login when they have none; rules can only raise this.
    Enforced,
}

/// One rule as written in configuration or stored in the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_networks: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_clients: Vec<String>,
    pub require: String,
}

/// A rule parsed and checked: networks are CIDRs, `require` a known level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub spec: RuleSpec,
    pub level: Level,
    networks: Vec<IpNet>,
    not_networks: Vec<IpNet>,
}

fn parse_net(s: &str) -> Result<IpNet, String> {
    parse_network(s).ok_or_else(|| format!("{s:?} is not a CIDR network or address"))
}

/// A network or a single address as configured. An IPv4-mapped IPv6 network
/// (`::ffff:10.0.0.0/104`, or `::ffff:10.0.0.2` as a listener on `[::]`
/// prints a proxy) is taken as the IPv4 network it maps: client addresses are
/// read the same way, and a network of one family never contains an address
/// of the other, so the mapped form would silently match nothing.
pub fn parse_network(s: &str) -> Option<IpNet> {
    let net = s
        .parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .ok()?;
    Some(match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => IpNet::V4(ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).ok()?.trunc()),
            None => net,
        },
        other => other,
    })
}

impl Rule {
    pub fn parse(spec: RuleSpec, registry: &AcrRegistry) -> Result<Self, String> {
        if spec.name.trim().is_empty() {
            return Err("a rule needs a name".into());
        }
        let level = registry.level_of(&spec.require).ok_or_else(|| {
            format!(
                "rule {:?}: unknown level {:?} in require",
                spec.name, spec.require
            )
        })?;
        let nets = |v: &[String]| {
            v.iter()
                .map(|s| parse_net(s))
                .collect::<Result<Vec<_>, _>>()
        };
        let networks = nets(&spec.networks).map_err(|e| format!("rule {:?}: {e}", spec.name))?;
        let not_networks =
            nets(&spec.not_networks).map_err(|e| format!("rule {:?}: {e}", spec.name))?;
        let mut spec = spec;
        for list in [&mut spec.users, &mut spec.not_users] {
            for u in list.iter_mut() {
                *u = u.trim().to_lowercase();
            }
        }
        Ok(Self {
            spec,
            level,
            networks,
            not_networks,
        })
    }

    /// Why this rule does or does not match; None when it matches.
    fn mismatch(&self, s: &Subject<'_>) -> Option<String> {
        let r = &self.spec;
        let in_any = |nets: &[IpNet]| s.ip.is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)));
        let ip =
            s.ip.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into());
        if !self.networks.is_empty() && !in_any(&self.networks) {
            return Some(format!("address {ip} is not in networks"));
        }
        // An unknown address is "outside" every network: it never earns an exemption.
        if !self.not_networks.is_empty() && in_any(&self.not_networks) {
            return Some(format!("address {ip} is in not_networks"));
        }
        let member = |gs: &[String]| gs.iter().any(|g| s.groups.iter().any(|x| x == g));
        if !r.groups.is_empty() && !member(&r.groups) {
            return Some("user is in none of groups".into());
        }
        if !r.not_groups.is_empty() && member(&r.not_groups) {
            return Some("user is in not_groups".into());
        }
        let named = |us: &[String]| us.iter().any(|u| u == s.username);
        if !r.users.is_empty() && !named(&r.users) {
            return Some("user is not in users".into());
        }
        if !r.not_users.is_empty() && named(&r.not_users) {
            return Some("user is in not_users".into());
        }
        let client = |cs: &[String]| cs.iter().any(|c| c == s.client_id);
        if !r.clients.is_empty() && !client(&r.clients) {
            return Some("client is not in clients".into());
        }
        if !r.not_clients.is_empty() && client(&r.not_clients) {
            return Some("client is in not_clients".into());
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub default: Level,
    pub mode: Mode,
    pub rules: Vec<Rule>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            default: Level::Pwd,
            mode: Mode::Enabled,
            rules: Vec::new(),
        }
    }
}

/// Who is signing in, where from, to which client.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub username: &'a str,
    pub groups: &'a [String],
    pub client_id: &'a str,
    pub ip: Option<IpAddr>,
    /// The per-user 2FA switch; off exempts the user from policy-driven 2FA only.
    pub two_factor: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub matched: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub level: Level,
    /// The rule that fired, or None (default, or the user is exempt).
    pub rule: Option<String>,
    pub exempt: bool,
    pub trace: Vec<RuleTrace>,
}

impl Policy {
    /// Whether any rule looks at group membership, i.e. whether [`Subject::groups`]
    /// must be read for a decision.
    pub fn needs_groups(&self, stored: &[Rule]) -> bool {
        self.rules
            .iter()
            .chain(stored)
            .any(|r| !r.spec.groups.is_empty() || !r.spec.not_groups.is_empty())
    }

    /// Decides with the configured rules followed by `stored` (database) rules.
    pub fn decide(&self, stored: &[Rule], s: &Subject<'_>) -> Decision {
        let mut trace = Vec::new();
        if !s.two_factor {
            trace.push(RuleTrace {
                rule: "(user switch)".into(),
                matched: true,
                reason: "two-factor is switched off for this user: policy asks for a password only"
                    .into(),
            });
            return Decision {
                level: Level::Pwd,
                rule: None,
                exempt: true,
                trace,
            };
        }
        let mut fired: Option<&Rule> = None;
        for rule in self.rules.iter().chain(stored) {
            if fired.is_some() {
                trace.push(RuleTrace {
                    rule: rule.spec.name.clone(),
                    matched: false,
                    reason: "not reached: an earlier rule fired".into(),
                });
                continue;
            }
            match rule.mismatch(s) {
                None => {
                    trace.push(RuleTrace {
                        rule: rule.spec.name.clone(),
                        matched: true,
                        reason: format!("every field matches: requires {}", rule.level),
                    });
                    fired = Some(rule);
                }
                Some(why) => trace.push(RuleTrace {
                    rule: rule.spec.name.clone(),
                    matched: false,
                    reason: why,
                }),
            }
        }
        let mut level = fired.map(|r| r.level).unwrap_or(self.default);
        if self.mode == Mode::Enforced && level < Level::Mfa {
            trace.push(RuleTrace {
                rule: "(mode = enforced)".into(),
                matched: true,
                reason: format!("enforced mode raises {level} to mfa"),
            });
            level = Level::Mfa;
        }
        Decision {
            level,
            rule: fired.map(|r| r.spec.name.clone()),
            exempt: false,
            trace,
        }
    }
}

#[cfg(test)]
mod tests;
