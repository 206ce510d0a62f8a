//! The token request: the form body tagged on `grant_type`, and the client
//! credentials of the Basic header and the body (RFC 6749 §2.3.1, §3.2). The
//! first line of the input is the `Authorization` header, the rest the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::oidc::token::TokenRequest;
use portcullis::oidc::token::client_auth::{ClientAuth, presented_client};
use portcullis_fuzz::form;

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let Some(fields) = form(body) else { return };
    if let Ok(request) = TokenRequest::from_form(&fields) {
        let grant = fields.get("grant_type").map(String::as_str);
        let expected = match request {
            TokenRequest::AuthorizationCode(_) => "authorization_code",
            TokenRequest::RefreshToken(_) => "refresh_token",
            TokenRequest::ClientCredentials(_) => "client_credentials",
        };
        assert_eq!(grant, Some(expected));
    }
    let auth = ClientAuth {
        authorization: std::str::from_utf8(header).ok().map(str::to_owned),
        client_id: fields.get("client_id").cloned(),
        client_secret: fields.get("client_secret").cloned(),
    };
    if let Ok(p) = presented_client(&auth) {
        // A Basic header and a body secret together are refused, never merged.
        assert!(!(p.via_basic && auth.client_secret.is_some()));
        if !p.via_basic {
            assert!(!p.client_id.is_empty());
        }
    }
});
