//! Dynamic client registration metadata (RFC 7591 §2): any JSON body. What is
//! accepted names at least one redirect URI, only known grants, and known acr
//! values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::oidc::registration::metadata;
use portcullis_fuzz::registry;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let registry = registry();
    let Ok(m) = metadata::parse(&body, &registry) else {
        return;
    };
    assert!(!m.redirect_uris.is_empty());
    assert!(
        m.grant_types
            .iter()
            .all(|g| portcullis::db::clients::GRANT_TYPES.contains(&g.as_str()))
    );
    assert!(
        m.default_acr_values
            .iter()
            .all(|v| registry.level_of(v).is_some())
    );
    assert!(m.default_max_age.is_none_or(|a| a >= 0));
    let new = m.new_client();
    assert_eq!(new.redirect_uris, m.redirect_uris);
});
