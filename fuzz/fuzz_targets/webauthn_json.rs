//! The JSON bodies of the WebAuthn finish endpoints: a registration credential
//! and an assertion in WebAuthn's JSON form (base64url fields), decoded as the
//! HTTP layer decodes them, then handed to the relying party's verification
//! (attestation and client data parsing) against a ceremony started here.
//! The first input byte picks which of the two bodies the rest is.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid,
};

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

fuzz_target!(|data: &[u8]| {
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
});
