//! The client address of a request. Forwarding headers are believed only from
//! peers in `server.trusted_proxies`; otherwise anyone could claim to be inside
//! the office network and skip a factor.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    resolve(
        peer,
        header("forwarded").as_deref(),
        header("x-forwarded-for").as_deref(),
        trusted,
    )
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|n| n.contains(&ip))
}

/// `Forwarded` (RFC 7239) `for=` values, or `X-Forwarded-For` entries, walked from
/// the right: the first address that is not a trusted proxy is the client.
pub fn resolve(
    peer: Option<IpAddr>,
    forwarded: Option<&str>,
    xff: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let chain: Vec<Option<IpAddr>> = match (forwarded, xff) {
        (Some(f), _) => f
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| parse_node(v))
                })
            })
            .collect(),
        (None, Some(x)) => x.split(',').map(parse_node).collect(),
        (None, None) => return Some(peer),
    };
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip, trusted) => continue,
            // A malformed or obfuscated hop: we cannot tell who the client is, so we
            // fall back to "unknown", which never matches a network exemption.
            None => return None,
            Some(ip) => return Some(*ip),
        }
    }
    chain.first().copied().flatten().or(Some(peer))
}

fn parse_node(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse::<IpAddr>()
        .ok()
        .or_else(|| v.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(v: &[&str]) -> Vec<IpNet> {
        v.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn untrusted_peers_cannot_spoof() {
        let t = nets(&["10.0.0.0/8"]);
        assert_eq!(
            resolve(ip("203.0.113.7"), None, Some("10.1.1.1"), &t),
            ip("203.0.113.7")
        );
        assert_eq!(
            resolve(ip("203.0.113.7"), Some("for=10.1.1.1"), None, &t),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let t = nets(&["10.0.0.0/8"]);
        assert_eq!(
            resolve(ip("10.0.0.2"), None, Some("198.51.100.9, 10.0.0.5"), &t),
            ip("198.51.100.9")
        );
        // A client-supplied left-most entry is ignored when a real hop follows it.
        assert_eq!(
            resolve(ip("10.0.0.2"), None, Some("10.9.9.9, 198.51.100.9"), &t),
            ip("198.51.100.9")
        );
        assert_eq!(
            resolve(
                ip("10.0.0.2"),
                Some("for=\"[2001:db8::1]:4711\", for=10.0.0.3"),
                None,
                &t
            ),
            ip("2001:db8::1")
        );
        assert_eq!(
            resolve(
                ip("10.0.0.2"),
                Some("for=192.0.2.60;proto=http;by=203.0.113.43"),
                None,
                &t
            ),
            ip("192.0.2.60")
        );
        assert_eq!(resolve(ip("10.0.0.2"), None, None, &t), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), Some("for=_hidden"), None, &t), None);
        assert_eq!(
            resolve(ip("10.0.0.2"), None, Some("198.51.100.9:1234"), &t),
            ip("198.51.100.9")
        );
    }
}
