//! The relying party's JWKS cache for the two-instance test: a token naming a
//! key not seen yet makes it fetch again, for as long as a new key may take to
//! reach every instance.

use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::CoreJsonWebKeySet;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::cluster_flows::Failure;

/// A relying party's view of the JWKS: cached, refetched on an unknown `kid`
/// for as long as the contract gives a new key to reach every instance.
pub struct Jwks {
    issuer: String,
    keys: Mutex<Option<(CoreJsonWebKeySet, Vec<String>)>>,
}

impl Jwks {
    pub fn new(issuer: &str) -> Arc<Jwks> {
        Arc::new(Jwks {
            issuer: issuer.to_owned(),
            keys: Mutex::new(None),
        })
    }

    pub async fn for_kid(&self, kid: &str) -> Result<CoreJsonWebKeySet, Failure> {
        let mut cached = self.keys.lock().await;
        for _ in 0..40 {
            if let Some((set, kids)) = cached.as_ref()
                && kids.iter().any(|k| k == kid)
            {
                return Ok(set.clone());
            }
            let resp = reqwest::get(format!("{}/jwks", self.issuer)).await;
            if let Ok(r) = resp
                && r.status() == 200
                && let Ok(raw) = r.json::<Value>().await
            {
                let kids = raw["keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                    .collect();
                *cached = Some((serde_json::from_value(raw).unwrap(), kids));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(Failure::Violation(format!(
            "kid {kid} never appeared in the JWKS within 10 s"
        )))
    }
}

pub fn header_kid(jwt: &str) -> String {
    use base64::Engine;
    let head = jwt.split('.').next().unwrap_or_default();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&raw).unwrap_or_default();
    v["kid"].as_str().unwrap_or_default().to_owned()
}
