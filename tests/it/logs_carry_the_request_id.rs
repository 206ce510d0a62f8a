//! With `log.format = "json"` every stderr line is one JSON object, and the lines
//! of a request carry the id that its `X-Request-Id` response header shows: an
//! incident report's id leads to its log lines. An incoming id is kept only when
//! short and printable, so a client cannot forge log lines through it.

use serde_json::Value;

use crate::served_binary::Served;

fn request_id(response: &str) -> String {
    response
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-request-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no X-Request-Id in {response}"))
}

#[tokio::test]
async fn json_lines_carry_the_request_id_of_the_response() {
    let mut served = Served::start("[log]\nformat = \"json\"\n[metrics]\nbind = \"\"\n");
    let discovery = "GET /.well-known/openid-configuration HTTP/1.1\r\n";
    let kept = served.request(&format!("{discovery}X-Request-Id: lb-7f3a-0042\r\n\r\n"));
    assert!(kept.starts_with("HTTP/1.1 200"), "{kept}");
    assert_eq!(request_id(&kept), "lb-7f3a-0042", "a proxy's id is kept");
    let generated = request_id(&served.request(&format!("{discovery}\r\n")));
    let refused = request_id(&served.request(&format!(
        "{discovery}X-Request-Id: a\"}} {{\"forged\": 1\r\n\r\n"
    )));
    assert!(
        !refused.contains('"'),
        "an unprintable id is replaced: {refused}"
    );
    assert_ne!(generated, refused);

    served.signal("TERM");
    assert!(served.wait().success());
    let stderr = served.stderr();
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty());
    for id in ["lb-7f3a-0042", generated.as_str(), refused.as_str()] {
        let line = lines
            .iter()
            .find(|l| l["span"]["request_id"] == id)
            .unwrap_or_else(|| panic!("no log line with request id {id}:\n{stderr}"));
        assert_eq!(line["fields"]["route"], "/.well-known/openid-configuration");
    }
    assert!(!stderr.contains("forged"), "{stderr}");
}
