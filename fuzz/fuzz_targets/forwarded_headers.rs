//! The client address from `X-Forwarded-For` or `Forwarded` (RFC 7239) behind a
//! trusted proxy. Input: the first byte picks the header and the peer, the rest
//! is the header's lines. Properties beyond "no panic": a peer that is not
//! trusted is the client whatever the header says; our own proxy appending its
//! hop changes nothing; and once an untrusted client address is found, whatever
//! the client wrote to the left of it (a spoofed hop) changes nothing.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use libfuzzer_sys::fuzz_target;
use portcullis::config::ForwardedHeader;
use portcullis::http::client_addr::resolve;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let (header, hop) = if first & 1 == 0 {
        (ForwardedHeader::XForwardedFor, "")
    } else {
        (ForwardedHeader::Forwarded, "for=")
    };
    let peer: IpAddr = match (first >> 1) % 4 {
        0 => Ipv4Addr::new(10, 0, 0, 1).into(),
        1 => Ipv4Addr::new(203, 0, 113, 9).into(),
        2 => Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1).into(),
        _ => "::ffff:10.0.0.2".parse().expect("literal"),
    };
    let trusted: Vec<IpNet> = vec![
        "10.0.0.0/8".parse().expect("literal"),
        "fd00::/8".parse().expect("literal"),
    ];
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(&ip));
    let found = resolve(Some(peer), &lines, header, &trusted);
    assert_eq!(resolve(None, &lines, header, &trusted), None);
    if !is_trusted(peer.to_canonical()) {
        assert_eq!(found, Some(peer.to_canonical()));
        return;
    }

    let appended = format!("{hop}10.9.9.9");
    let mut with_proxy = lines.clone();
    with_proxy.push(&appended);
    assert_eq!(resolve(Some(peer), &with_proxy, header, &trusted), found);

    if let Some(ip) = found.filter(|ip| !is_trusted(*ip)) {
        let spoofed = format!("{hop}10.6.6.6, {hop}192.0.2.66,{}", lines[0]);
        let mut with_spoof = lines.clone();
        with_spoof[0] = &spoofed;
        assert_eq!(resolve(Some(peer), &with_spoof, header, &trusted), Some(ip));
    }
});
