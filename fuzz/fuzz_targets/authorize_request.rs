//! The authorization request (query string of `/authorize`), through both steps
//! of the parser, for a confidential and a public client. Beyond "no panic": a
//! request that passes never holds what the parser promises to refuse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::db::clients::AuthMethod;
use portcullis::oidc::authorize::{self, SUPPORTED_SCOPES};
use portcullis_fuzz::{REDIRECT_URI, client, form, registry};

fuzz_target!(|data: &[u8]| {
    let Some(params) = form(data) else { return };
    let registry = registry();
    for c in [
        client(AuthMethod::ClientSecretBasic, &[]),
        client(AuthMethod::None, &["mfa"]),
    ] {
        let Ok(back) = authorize::return_to(&params, Some(&c)) else {
            continue;
        };
        assert_eq!(back.redirect_uri, REDIRECT_URI, "only a registered URI");
        assert!(
            back.state
                .as_ref()
                .is_none_or(|s| s.len() <= authorize::limits::MAX_STATE)
        );
        let Ok(req) = authorize::parse(&params, &c, back, &registry, 1_000_000_000_000) else {
            continue;
        };
        assert!(req.has_scope("openid"));
        assert!(
            req.scopes
                .iter()
                .all(|s| SUPPORTED_SCOPES.contains(&s.as_str()))
        );
        if c.is_public() {
            assert!(
                req.code_challenge.is_some(),
                "PKCE is required for public clients"
            );
        }
        if let Some(ch) = &req.code_challenge {
            assert!((43..=128).contains(&ch.len()));
        }
        assert!(
            req.acr
                .values
                .iter()
                .all(|v| registry.level_of(v).is_some())
        );
        assert!(!(req.prompt.none && (req.prompt.login || req.prompt.consent)));
        assert!(req.max_age.is_none_or(|a| a >= 0));
    }
});
