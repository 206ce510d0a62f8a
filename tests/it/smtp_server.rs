//! A small SMTP responder on a free port: it speaks enough ESMTP for lettre and
//! hands every message's DATA to the test.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub struct SmtpServer {
    pub url: String,
    rx: mpsc::UnboundedReceiver<String>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(session(sock, tx.clone()));
            }
        });
        SmtpServer {
            url: format!("smtp://127.0.0.1:{port}"),
            rx,
        }
    }

    /// The next delivered message (headers and body, dot-stuffing undone).
    pub async fn next_message(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("no mail within 10 s")
            .unwrap()
    }
}

async fn session(sock: tokio::net::TcpStream, tx: mpsc::UnboundedSender<String>) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    if w.write_all(b"220 test.local ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-test.local\r\n250 8BITMIME\r\n",
            "DATA" => {
                w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.ok();
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                tx.send(data).ok();
                b"250 queued\r\n"
            }
            "QUIT" => {
                w.write_all(b"221 bye\r\n").await.ok();
                return;
            }
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
            _ => b"502 not implemented\r\n",
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The message body with quoted-printable soft breaks and `=3D` undone.
pub fn decoded(msg: &str) -> String {
    if msg.contains("quoted-printable") {
        msg.replace("=\r\n", "").replace("=3D", "=")
    } else {
        msg.to_owned()
    }
}

/// The token of the set-password link in a mail.
pub fn link_token(msg: &str) -> Option<String> {
    let body = decoded(msg);
    let at = body.find("/set-password/")? + "/set-password/".len();
    let token: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}
