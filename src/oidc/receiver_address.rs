//! Where the server may send a request that a self-registered client chose
//! (its `backchannel_logout_uri`): anyone may register, so such a URI must not
//! make the server reach what only it can reach (loopback, the private
//! network, a cloud metadata address). A name is checked at registration when
//! it is an address, and again at each delivery after resolving it, with the
//! connection made to the address that was checked (a name that resolves to a
//! public address at registration and to a private one later gains nothing).
//! Clients an administrator made are trusted to name internal receivers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Whether `ip` is an address of the public internet: not loopback, private,
/// shared (carrier-grade NAT), link-local, multicast, reserved, documentation
/// or benchmarking space, and not an IPv6 form of such an IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn v4_of(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // Forms that reach an IPv4 address: NAT64 (64:ff9b::/96) and IPv4-
    // translated (::ffff:0:0/96) in the last 32 bits, 6to4 (2002::/16) in
    // the 32 bits after the prefix.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return is_public_v4(v4_of(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(v4_of(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: a tunnel to anywhere
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 (RFC 8215)
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible
}

/// Why `url` can never reach a public receiver: its host is `localhost` (or a
/// name under it) or an address that is not public. None when it may.
pub fn refusal(url: &Url) -> Option<&'static str> {
    match url.host() {
        None => Some("has no host"),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            (d == "localhost" || d.ends_with(".localhost"))
                .then_some("names this server's own machine (localhost)")
        }
        Some(Host::Ipv4(ip)) => {
            (!is_public_v4(ip)).then_some("is a loopback, private or reserved address")
        }
        Some(Host::Ipv6(ip)) => {
            (!is_public_v6(ip)).then_some("is a loopback, private or reserved address")
        }
    }
}

/// A resolver that keeps only public addresses: a name with none fails to
/// connect, whatever it resolved to at registration.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
            "2001:db8::1",
            "2002:a00:1::1",
            "2002:7f00:1::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "64:ff9b:1::a00:1",
            "::ffff:0:a00:1",
        ] {
            assert!(!public(ip), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
        ] {
            assert!(public(ip), "{ip}");
        }
    }

    #[test]
    fn localhost_and_internal_literals_are_refused_and_names_pass() {
        let refused = |u: &str| refusal(&Url::parse(u).unwrap()).is_some();
        assert!(refused("http://localhost:8080/bcl"));
        assert!(refused("https://api.LOCALHOST./bcl"));
        assert!(refused("https://127.0.0.1/bcl"));
        assert!(refused("https://[::1]/bcl"));
        assert!(refused("https://[::ffff:a9fe:a9fe]/bcl"));
        assert!(refused("https://169.254.169.254/latest/meta-data"));
        assert!(refused("https://2130706433/bcl"), "a decimal IPv4 literal");
        assert!(!refused("https://rp.example/bcl"));
        assert!(!refused("https://93.184.216.34/bcl"));
    }

    #[tokio::test]
    async fn the_resolver_drops_internal_addresses() {
        let name: Name = "localhost".parse().unwrap();
        assert!(PublicOnly.resolve(name).await.is_err());
    }
}
