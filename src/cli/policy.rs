//! `portcullis policy …` and `portcullis audit list`: the dry-run that answers
//! "why was I asked for 2FA?", stored rules, and the audit log.

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;

use crate::auth::policy::{RuleSpec, Subject};
use crate::config::Settings;
use crate::db::{audit, clients, policy_rules, users};

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// Dry-run the policy for a user, client and address; prints the decided level,
    /// the rule that fired and why the others did not. Several `--ip`: a login
    /// whose requests came from these addresses (the highest decision counts);
    /// `unknown` stands for an address that could not be known.
    Explain {
        #[arg(long)]
        user: String,
        #[arg(long)]
        client: String,
        #[arg(long = "ip", required = true)]
        ips: Vec<String>,
        /// An acr value the relying party would send.
        #[arg(long)]
        acr: Option<String>,
    },
    /// Rules stored in the database (evaluated after the configured ones).
    #[command(subcommand)]
    Rules(RulesCmd),
}

// Parsed once per process: the size of a variant does not matter here.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum RulesCmd {
    List,
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        require: String,
        #[arg(long = "network")]
        networks: Vec<String>,
        #[arg(long = "not-network")]
        not_networks: Vec<String>,
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long = "not-group")]
        not_groups: Vec<String>,
        #[arg(long = "user")]
        users: Vec<String>,
        #[arg(long = "not-user")]
        not_users: Vec<String>,
        #[arg(long = "client")]
        clients: Vec<String>,
        #[arg(long = "not-client")]
        not_clients: Vec<String>,
    },
    Delete {
        name: String,
    },
}

pub async fn run(
    settings: &Settings,
    conn: &sea_orm::DatabaseConnection,
    cmd: PolicyCmd,
) -> anyhow::Result<()> {
    match cmd {
        PolicyCmd::Explain {
            user,
            client,
            ips,
            acr,
        } => {
            let u = users::find_by_username(conn, &user)
                .await?
                .with_context(|| format!("unknown user {user:?}"))?;
            // A client ID, or a SAML service provider's entity ID.
            let c = match clients::find(conn, &client).await? {
                Some(c) => crate::login::Party::Oidc(Box::new(c)),
                None => crate::login::Party::Saml(
                    crate::db::saml_sps::find_by_entity_id(conn, &client)
                        .await?
                        .with_context(|| format!("unknown client {client:?}"))?,
                ),
            };
            let ips = ips
                .iter()
                .map(|ip| match ip.as_str() {
                    "unknown" => Ok(None),
                    other => other
                        .parse::<std::net::IpAddr>()
                        .map(|i| Some(i.to_canonical()))
                        .with_context(|| format!("{other:?} is not an IP address")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let requested = match &acr {
                Some(a) => Some(
                    settings
                        .acr
                        .level_of(a)
                        .with_context(|| format!("unknown acr value {a:?}"))?,
                ),
                None => None,
            };
            let groups = users::groups_of(conn, &u.id).await?;
            let stored = policy_rules::list(conn, &settings.acr).await?;
            let decide = |ip| {
                let subject = Subject {
                    username: &u.username,
                    groups: &groups,
                    client_id: c.id(),
                    ip,
                    two_factor: u.two_factor,
                };
                settings.policy.decide(&stored, &subject)
            };
            let (ip, d, per_address) = crate::oidc::login_policy::highest(&ips, decide);
            let show = |ip: Option<std::net::IpAddr>| {
                ip.map_or_else(|| "unknown".to_owned(), |i| i.to_string())
            };
            let minimum = c.floor(&settings.acr)?;
            let level = d.level.max(minimum).max(requested.unwrap_or(d.level));
            println!(
                "{}",
                json!({
                    "level": level,
                    "rule": d.rule,
                    "policy_level": d.level,
                    "requested": acr,
                    "client_minimum": minimum,
                    "exempt": d.exempt,
                    "mode": settings.policy.mode,
                    "default": settings.policy.default,
                    "groups": groups,
                    "ip": show(ip),
                    "addresses": per_address
                        .iter()
                        .map(|(ip, level)| json!({"ip": show(*ip), "level": level}))
                        .collect::<Vec<_>>(),
                    "rules": d.trace,
                })
            );
        }
        PolicyCmd::Rules(RulesCmd::List) => {
            let configured: Vec<&RuleSpec> =
                settings.policy.rules.iter().map(|r| &r.spec).collect();
            let stored: Vec<RuleSpec> = policy_rules::list(conn, &settings.acr)
                .await?
                .into_iter()
                .map(|r| r.spec)
                .collect();
            println!("{}", json!({"configured": configured, "stored": stored}));
        }
        PolicyCmd::Rules(RulesCmd::Add {
            name,
            require,
            networks,
            not_networks,
            groups,
            not_groups,
            users,
            not_users,
            clients,
            not_clients,
        }) => {
            let spec = RuleSpec {
                name,
                networks,
                not_networks,
                groups,
                not_groups,
                users,
                not_users,
                clients,
                not_clients,
                require,
            };
            let rule = policy_rules::add(conn, &settings.acr, spec).await?;
            println!("{}", json!({"added": rule.spec}));
        }
        PolicyCmd::Rules(RulesCmd::Delete { name }) => {
            policy_rules::delete(conn, &name)
                .await
                .with_context(|| format!("rule {name:?}"))?;
            println!("{}", json!({"deleted": name}));
        }
    }
    Ok(())
}

/// `audit list --since`: unix seconds or an RFC 3339 time.
pub fn parse_since(s: &str) -> anyhow::Result<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => Ok(t.timestamp()),
        Err(_) => bail!("--since {s:?}: expected unix seconds or an RFC 3339 time"),
    }
}

pub async fn audit_list(
    conn: &sea_orm::DatabaseConnection,
    user: Option<String>,
    since: Option<String>,
    limit: u64,
) -> anyhow::Result<()> {
    let since = since.as_deref().map(parse_since).transpose()?;
    let items = audit::list(conn, user.as_deref(), since, limit).await?;
    println!("{}", json!({ "items": items }));
    Ok(())
}
