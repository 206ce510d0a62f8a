//! Inputs that are not protocol parameters: a user CSV file, the forwarded
//! headers of a proxy, and the WebAuthn JSON bodies.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use ipnet::IpNet;
use portcullis::admin::csv_import::{self, Verdict};
use portcullis::config::ForwardedHeader;
use portcullis::http::client_addr::resolve;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid,
};

/// A user CSV file as the import reads it (admin API body, CLI file). Rows are
/// numbered from 1 without gaps, and a row judged importable has a username and
/// an email.
pub fn csv_import(data: &[u8]) {
    let Ok(parsed) = csv_import::parse(data) else {
        return;
    };
    for (i, row) in parsed.rows.iter().enumerate() {
        assert_eq!(row.row, i + 1);
        if row.verdict == Verdict::Ok {
            assert!(!row.user.email.is_empty());
            assert!(!row.user.username.is_empty());
        }
    }
}

/// The client address from `X-Forwarded-For` or `Forwarded` (RFC 7239) behind a
/// trusted proxy. Input: the first byte picks the header and the peer, the rest
/// is the header's lines. Properties beyond "no panic": a peer that is not
/// trusted is the client whatever the header says; our own proxy appending its
/// hop changes nothing; and once an untrusted client address is found, whatever
/// the client wrote to the left of it (a spoofed hop) changes nothing.
pub fn forwarded_headers(data: &[u8]) {
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
}

fn rp() -> &'static (Webauthn, PasskeyRegistration) {
    static RP: OnceLock<(Webauthn, PasskeyRegistration)> = OnceLock::new();
    RP.get_or_init(|| {
        let issuer = url::Url::parse("https://id.example.com").expect("literal");
        let rp = portcullis::auth::webauthn::relying_party(&issuer).expect("a domain issuer");
        let (_, state) = rp
            .start_passkey_registration(Uuid::nil(), "fuzz", "Fuzz", None)
            .expect("registration starts");
        (rp, state)
    })
}

/// The JSON bodies of the WebAuthn finish endpoints: a registration credential
/// and an assertion in WebAuthn's JSON form (base64url fields), decoded as the
/// HTTP layer decodes them, then handed to the relying party's verification
/// (attestation and client data parsing) against a ceremony started here.
/// The first input byte picks which of the two bodies the rest is.
pub fn webauthn_json(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let (rp, state) = rp();
    if kind & 1 == 0 {
        if let Ok(cred) = serde_json::from_slice::<RegisterPublicKeyCredential>(body) {
            // The challenge is random per process: nothing the input holds matches it.
            assert!(rp.finish_passkey_registration(&cred, state).is_err());
        }
    } else if let Ok(cred) = serde_json::from_slice::<PublicKeyCredential>(body) {
        let _ = serde_json::to_vec(&cred);
    }
}
