//! Request bodies are taken as sent: a body with a `Content-Encoding` (gzip,
//! deflate …) is refused with 415 (RFC 9110 §15.5.16) before anything reads
//! it. Nothing we serve needs a compressed request, and decompressing one
//! would let 64 KiB of zeros become hundreds of MiB before a size limit could
//! see them.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

/// Whether a `Content-Encoding` value names no coding at all.
fn is_identity(value: &[u8]) -> bool {
    value
        .split(|b| *b == b',')
        .map(<[u8]>::trim_ascii)
        .all(|c| c.is_empty() || c.eq_ignore_ascii_case(b"identity"))
}

pub async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let encoded = req
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .any(|v| !is_identity(v.as_bytes()));
    if encoded {
        let answer = HttpResponse::UnsupportedMediaType()
            .insert_header((header::ACCEPT_ENCODING, "identity"))
            .content_type("text/plain; charset=utf-8")
            .body("request bodies are accepted without a Content-Encoding");
        return Ok(req.into_response(answer));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::is_identity;

    #[test]
    fn only_identity_is_no_coding() {
        for v in [
            "identity",
            "IDENTITY",
            " identity ",
            "",
            "identity, identity",
        ] {
            assert!(is_identity(v.as_bytes()), "{v:?}");
        }
        for v in ["gzip", "deflate", "br", "identity, gzip", "x-gzip", "zstd"] {
            assert!(!is_identity(v.as_bytes()), "{v:?}");
        }
    }
}
