use super::*;

const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;
const FWD: ForwardedHeader = ForwardedHeader::Forwarded;

fn nets(v: &[&str]) -> Vec<IpNet> {
    v.iter().map(|s| s.parse().unwrap()).collect()
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn untrusted_peers_cannot_spoof() {
    let t = nets(&["10.0.0.0/8"]);
    for header in [XFF, FWD] {
        for line in ["10.1.1.1", "for=10.1.1.1"] {
            assert_eq!(
                resolve(ip("203.0.113.7"), &[line], header, &t),
                ip("203.0.113.7")
            );
        }
    }
}

#[test]
fn trusted_proxies_are_skipped_from_the_right() {
    let t = nets(&["10.0.0.0/8"]);
    let peer = ip("10.0.0.2");
    assert_eq!(
        resolve(peer, &["198.51.100.9, 10.0.0.5"], XFF, &t),
        ip("198.51.100.9")
    );
    // A client-supplied left-most entry is ignored when a real hop follows it.
    assert_eq!(
        resolve(peer, &["10.9.9.9, 198.51.100.9"], XFF, &t),
        ip("198.51.100.9")
    );
    assert_eq!(
        resolve(peer, &["for=\"[2001:db8::1]:4711\", for=10.0.0.3"], FWD, &t),
        ip("2001:db8::1")
    );
    assert_eq!(
        resolve(
            peer,
            &["for=192.0.2.60;proto=http;by=203.0.113.43"],
            FWD,
            &t
        ),
        ip("192.0.2.60")
    );
    assert_eq!(
        resolve(peer, &["198.51.100.9:1234"], XFF, &t),
        ip("198.51.100.9")
    );
    // Every hop trusted: the client is inside, named by the first proxy.
    assert_eq!(resolve(peer, &["10.1.2.3"], XFF, &t), ip("10.1.2.3"));
}

#[test]
fn a_trusted_peer_that_names_no_client_gives_an_unknown_address() {
    let t = nets(&["10.0.0.0/8"]);
    let peer = ip("10.0.0.2");
    assert_eq!(resolve(peer, &[], XFF, &t), None, "never the proxy's own");
    assert_eq!(resolve(peer, &[], FWD, &t), None);
    assert_eq!(resolve(peer, &["proto=https;by=10.0.0.2"], FWD, &t), None);
    assert_eq!(resolve(peer, &["for=_hidden"], FWD, &t), None);
    assert_eq!(resolve(peer, &["unknown"], XFF, &t), None);
    assert_eq!(resolve(peer, &["203.0.113.5, "], XFF, &t), None);
    // An element without for= appended by the proxy is not skipped, so the
    // client's own element cannot pass for the last hop.
    assert_eq!(
        resolve(peer, &["for=203.0.113.5, proto=https"], FWD, &t),
        None
    );
}

#[test]
fn every_line_of_the_header_is_one_list() {
    let t = nets(&["10.0.0.0/8"]);
    let peer = ip("10.0.0.2");
    // The client sent the first line; the proxy appended the second.
    assert_eq!(
        resolve(peer, &["10.20.30.40", "203.0.113.5"], XFF, &t),
        ip("203.0.113.5")
    );
    assert_eq!(
        resolve(peer, &["for=10.20.30.40", "for=203.0.113.5"], FWD, &t),
        ip("203.0.113.5")
    );
}

#[test]
fn ipv4_mapped_addresses_are_read_as_ipv4() {
    let t = nets(&["10.0.0.0/8"]);
    assert_eq!(
        resolve(ip("::ffff:10.0.0.2"), &["::ffff:203.0.113.5"], XFF, &t),
        ip("203.0.113.5")
    );
}

/// A header that is not text never makes an address unknown: an untrusted
/// peer is its own address whatever it sends, and behind a trusted proxy the
/// element the proxy appended is still read.
#[test]
fn bytes_that_are_not_text_change_no_address() {
    use actix_web::http::header::HeaderValue;
    use actix_web::test::TestRequest;

    let server = |trusted: &[&str]| ServerSettings {
        bind: "127.0.0.1:0".parse().unwrap(),
        trusted_proxies: nets(trusted),
        forwarded_header: ForwardedHeader::XForwardedFor,
        shutdown_delay: std::time::Duration::ZERO,
    };
    let request = |peer: &str, lines: &[&[u8]]| {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for line in lines {
            r = r.append_header(("X-Forwarded-For", HeaderValue::from_bytes(line).unwrap()));
        }
        r.to_http_request()
    };
    let direct = request("203.0.113.7:5000", &[b"\x80"]);
    assert_eq!(client_ip(&direct, &server(&[])), ip("203.0.113.7"));
    assert_eq!(
        client_ip(&direct, &server(&["10.0.0.0/8"])),
        ip("203.0.113.7")
    );
    // nginx joins the client's line and its own entry into one.
    let joined = request("10.0.0.2:5000", &[b"\x80, 198.51.100.5"]);
    assert_eq!(
        client_ip(&joined, &server(&["10.0.0.0/8"])),
        ip("198.51.100.5")
    );
    // HAProxy adds a line of its own after the client's.
    let apart = request("10.0.0.2:5000", &[b"\xff\xfe", b"198.51.100.6"]);
    assert_eq!(
        client_ip(&apart, &server(&["10.0.0.0/8"])),
        ip("198.51.100.6")
    );
    // The client's garbage as the last hop names nobody: unknown, as before.
    let last = request("10.0.0.2:5000", &[b"198.51.100.5, \x80"]);
    assert_eq!(client_ip(&last, &server(&["10.0.0.0/8"])), None);
}
