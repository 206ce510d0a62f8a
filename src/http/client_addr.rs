//! The client address of a request. A forwarding header is believed
//! only from peers in `server.trusted_proxies`, and only the one header named by
//! `server.forwarded_header`: the other one is whatever the client sent, passed on
//! by the proxy. Otherwise anyone could claim to be inside the office network and
//! skip a factor.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

use crate::config::{ForwardedHeader, ServerSettings};

/// The client's address; None when it cannot be known (a trusted proxy that names
/// no client, or a hop we cannot read). None never matches a network rule.
pub fn client_ip(req: &HttpRequest, server: &ServerSettings) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    // Bytes that are not text stay in their element (it names no address),
    // and every other element keeps its place: the hop our proxy appended is
    // still the one found from the right. Skipping such a line would let the
    // client's own entry pass for the last hop, and giving up on the whole
    // header would let any client, trusted proxy or not, make its own address
    // unknown.
    let lines: Vec<_> = req
        .headers()
        .get_all(server.forwarded_header.name())
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect();
    let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    resolve(
        peer,
        &lines,
        server.forwarded_header,
        &server.trusted_proxies,
    )
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|n| n.contains(&ip))
}

/// The hops named by every line of the header, in order (RFC 7230 §3.2.2: several
/// lines of one header are one comma-separated list). None marks a hop that names
/// no usable address: `unknown`, an obfuscated identifier (RFC 7239 §6.3), or a
/// `Forwarded` element without `for=`.
fn hops(lines: &[&str], header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let elements = lines.iter().flat_map(|line| line.split(','));
    match header {
        ForwardedHeader::XForwardedFor => elements.map(parse_node).collect(),
        ForwardedHeader::Forwarded => elements
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| parse_node(v))
                })?
            })
            .collect(),
    }
}

/// Walks the hops from the right: the first address that is not a trusted proxy
/// is the client. A trusted peer that names no client gives None, never its own
/// address: the proxy's address would earn its network's exemption.
pub fn resolve(
    peer: Option<IpAddr>,
    lines: &[&str],
    header: ForwardedHeader,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let chain = hops(lines, header);
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip, trusted) => continue,
            // We cannot tell who the client is: "unknown", which never matches a
            // network exemption.
            None => return None,
            Some(ip) => return Some(*ip),
        }
    }
    // Every hop is trusted: the client itself sits in a trusted network, and the
    // left-most hop, written by the first proxy, names it.
    chain.first().copied().flatten()
}

fn parse_node(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    let ip = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next()?.parse().ok()
    } else {
        v.parse::<IpAddr>()
            .ok()
            .or_else(|| v.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
    };
    ip.map(|i: IpAddr| i.to_canonical())
}

#[cfg(test)]
mod tests;
