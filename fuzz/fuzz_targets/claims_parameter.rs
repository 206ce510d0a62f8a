//! The `claims` parameter (OIDC Core §5.5) inside an otherwise valid
//! authorization request: only its acr member is read. Known values only ever
//! come out; an essential request that names only unknown values is refused.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use portcullis::db::clients::AuthMethod;
use portcullis::oidc::authorize;
use portcullis::oidc::error::AuthzErrorCode;
use portcullis_fuzz::{REDIRECT_URI, client, registry};

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = std::str::from_utf8(data) else {
        return;
    };
    let params: HashMap<String, String> = [
        ("response_type", "code"),
        ("client_id", "fuzz-client"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid"),
        ("acr_values", "pwd"),
        ("claims", claims),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let registry = registry();
    let c = client(AuthMethod::ClientSecretBasic, &["phr"]);
    let back = authorize::return_to(&params, Some(&c)).expect("a valid client and URI");
    match authorize::parse(&params, &c, back, &registry, 0) {
        Ok(req) => {
            assert!(
                req.acr
                    .values
                    .iter()
                    .all(|v| registry.level_of(v).is_some())
            );
            if req.acr.essential {
                assert!(!req.acr.values.is_empty() || req.acr.from_client_default);
            }
        }
        Err(e) => assert!(
            matches!(
                e.code,
                AuthzErrorCode::InvalidRequest | AuthzErrorCode::UnmetAuthenticationRequirements
            ),
            "{e:?}"
        ),
    }
});
