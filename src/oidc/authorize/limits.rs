//! Size bounds on the authorization request. Anyone may send one without signing
//! in, and one that leads to a page is kept in the store for 15 minutes, so
//! without bounds a client could make the provider parse and hold whatever it
//! sends. Too long is `invalid_request` (RFC 6749 §4.1.2.1) once the client and
//! redirect URI are known good, an error page before that.

use std::collections::HashMap;

use super::super::error::AuthzError;

/// Most bytes of `state`: echoed in every response (RFC 6749 §4.1.2), so an
/// over-long one cannot be answered by redirect at all and gets the error page.
pub const MAX_STATE: usize = 2048;

/// Most bytes of each parameter we read or keep with a pending request.
pub const MAX_PARAM: [(&str, usize); 9] = [
    ("nonce", 512),
    ("login_hint", 256),
    ("idp_hint", 256),
    ("claims", 4096),
    ("acr_values", 1024),
    ("ui_locales", 256),
    ("scope", 1024),
    ("prompt", 64),
    ("max_age", 20),
];

/// Most bytes of the whole request (names and values) and most parameters: what
/// is not read (extensions, `id_token_hint`, `display` …) is bounded by these.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
pub const MAX_PARAMS: usize = 64;

/// Whether the state can be sent back; checked with the redirect URI.
pub fn state_fits(params: &HashMap<String, String>) -> Result<(), String> {
    match params.get("state") {
        Some(s) if s.len() > MAX_STATE => Err(format!(
            "The state parameter is longer than {MAX_STATE} bytes."
        )),
        _ => Ok(()),
    }
}

/// The bounds above, before anything is parsed.
pub fn check(params: &HashMap<String, String>) -> Result<(), AuthzError> {
    let total: usize = params.iter().map(|(k, v)| k.len() + v.len()).sum();
    if params.len() > MAX_PARAMS || total > MAX_REQUEST_BYTES {
        return Err(AuthzError::invalid_request(format!(
            "the request is larger than {MAX_REQUEST_BYTES} bytes or {MAX_PARAMS} parameters"
        )));
    }
    // No parameter of the protocol carries control characters (RFC 6749
    // Appendix A: VSCHAR and NQCHAR); JSON whitespace may format `claims`.
    // Kept, each other one would take six bytes in the stored request.
    if let Some(name) = params
        .iter()
        .find(|(_, v)| v.chars().any(is_control))
        .map(|(k, _)| k)
    {
        return Err(AuthzError::invalid_request(format!(
            "{name} contains a control character"
        )));
    }
    for (name, max) in MAX_PARAM {
        if params.get(name).is_some_and(|v| v.len() > max) {
            return Err(AuthzError::invalid_request(format!(
                "{name} is longer than {max} bytes"
            )));
        }
    }
    Ok(())
}

/// A control character other than the whitespace JSON allows.
fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}
