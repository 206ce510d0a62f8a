//! The policy floor of one login, decided for every client address
//! that took part in it: the authorization request, each request that proved a
//! factor the session holds, and the current request. The floor is the highest of
//! those decisions, so no mix of addresses lowers the level: a login started
//! inside the office network and finished from outside is held to the outside
//! rule, whichever request comes last.

use std::net::IpAddr;

use super::session::BrowserSession;
use crate::auth::acr::Level;
use crate::auth::policy::{Decision, Subject};
use crate::db::audit::AuditEvent;
use crate::db::users::User;
use crate::error::Failure;
use crate::login::{LoginCtx, Party, PendingLogin};

/// Each distinct address of a login and the policy level decided for it.
pub type PerAddress = Vec<(Option<IpAddr>, Level)>;

/// What the server itself demands for this login.
pub struct Floor {
    /// The policy's highest decision, raised to the client's minimum acr.
    pub level: Level,
    /// The decision that gave the highest policy level (the first such address).
    pub decision: Decision,
    /// The address that decision was made for.
    pub ip: Option<IpAddr>,
    /// Each distinct address and the policy level decided for it.
    pub per_address: PerAddress,
}

/// The addresses of this login, in order: the authorization request, the current
/// request, then where each proof the session holds for this request was made.
/// Proofs older than the request's `not_before` never count for it, so their
/// addresses do not either. None (unknown) is an address like any other.
pub fn addresses(
    req: &PendingLogin,
    session: Option<&BrowserSession>,
    current: Option<IpAddr>,
) -> Vec<Option<IpAddr>> {
    let mut all = vec![req.started_from, current];
    if let Some(s) = session {
        all.extend(
            s.proofs
                .iter()
                .filter(|p| p.at >= req.not_before_ms)
                .map(|p| p.from),
        );
    }
    let mut distinct = Vec::with_capacity(all.len());
    for ip in all {
        if !distinct.contains(&ip) {
            distinct.push(ip);
        }
    }
    distinct
}

/// Decides the policy for every address in `ips` (at least one) and keeps the
/// highest, raised to the party's minimum acr. The policy's `clients` fields
/// match the party's id: a client ID, or a SAML service provider's entity ID.
pub async fn floor(
    ctx: &LoginCtx<'_>,
    party: &Party,
    user: &User,
    ips: &[Option<IpAddr>],
) -> Result<Floor, Failure> {
    let stored = ctx.cache.policy_rules(ctx.db, &ctx.settings.acr).await?;
    let groups = if ctx.settings.policy.needs_groups(&stored) {
        ctx.directory.groups(ctx.db, ctx.store, &user.id).await?
    } else {
        Default::default()
    };
    let decide = |ip: Option<IpAddr>| {
        ctx.settings.policy.decide(
            &stored,
            &Subject {
                username: &user.username,
                groups: &groups,
                client_id: party.id(),
                ip,
                two_factor: user.two_factor,
            },
        )
    };
    let (ip, decision, per_address) = highest(ips, decide);
    let level = decision.level.max(party.floor(&ctx.settings.acr)?);
    Ok(Floor {
        level,
        decision,
        ip,
        per_address,
    })
}

/// The highest of the decisions for `ips` (for no address at all: the decision
/// for an unknown one), the address it was made for (the first, on a tie), and
/// every address with its level. `policy explain` decides through this too.
pub fn highest(
    ips: &[Option<IpAddr>],
    decide: impl Fn(Option<IpAddr>) -> Decision,
) -> (Option<IpAddr>, Decision, PerAddress) {
    let first = ips.first().copied().flatten();
    let mut best = (first, decide(first));
    let mut per_address = vec![(best.0, best.1.level)];
    for &ip in ips.iter().skip(1) {
        let d = decide(ip);
        per_address.push((ip, d.level));
        if d.level > best.1.level {
            best = (ip, d);
        }
    }
    (best.0, best.1, per_address)
}

/// Writes the outcome of a decided request to the audit log: the address whose
/// decision set the level, the rule that fired for it, and every address of the
/// login with its level, so the row says why this level was asked.
pub async fn audit(
    ctx: &LoginCtx<'_>,
    req: &PendingLogin,
    user: &User,
    floor: &Floor,
    level: Level,
    outcome: &str,
    acr: Option<&str>,
) -> Result<(), Failure> {
    let per_address: Vec<_> = floor
        .per_address
        .iter()
        .map(|(ip, level)| {
            serde_json::json!({
                "ip": ip.map_or_else(|| "unknown".to_owned(), |i| i.to_string()),
                "level": level,
            })
        })
        .collect();
    ctx.audit
        .record(AuditEvent {
            actor: format!("user:{}", user.username),
            event: "authorization".into(),
            user_id: Some(user.id.clone()),
            username: Some(user.username.clone()),
            client_id: Some(req.client_id.clone()),
            ip: floor.ip.map(|i| i.to_string()),
            requested_acr: (!req.acr.values.is_empty()).then(|| req.acr.values.join(" ")),
            level: Some(level.to_string()),
            rule: floor.decision.rule.clone(),
            outcome: outcome.into(),
            detail: serde_json::json!({
                "acr": acr,
                "exempt": floor.decision.exempt,
                "addresses": per_address,
            }),
            ..AuditEvent::default()
        })
        .await?;
    Ok(())
}
