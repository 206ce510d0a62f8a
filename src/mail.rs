//! User mail (`mail.*`): SMTP through lettre when `mail.smtp_url` is
//! set, otherwise `.eml` files in `mail.outbox_dir`, so a fresh install can onboard
//! users without a mail server and an operator can read what would have been sent.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailSettings;

mod letters;
pub use letters::*;

/// How long a factor notice may hold up the request that triggered it: the
/// change is stored already, so a slow mail server must not stall a sign-in.
const NOTICE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail.from: {0}")]
    From(String),
    #[error("mail.smtp_url: {0}")]
    Url(String),
    #[error("invalid recipient {0:?}")]
    Recipient(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot deliver the message: {0}")]
    Send(String),
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Sends user mail; cheap to clone (the SMTP pool is shared).
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Arc<Mailbox>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.transport {
            Transport::Smtp(_) => "Mailer(smtp)",
            Transport::Outbox(_) => "Mailer(outbox)",
        })
    }
}

/// One message to one person.
pub struct Mail {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    pub fn from_settings(s: &MailSettings) -> Result<Self, MailError> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        let transport = match &s.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    // lettre's error text can quote the URL with its password.
                    .map_err(|_| MailError::Url("not a usable SMTP URL".into()))?
                    .build(),
            ),
            None => Transport::Outbox(s.outbox_dir.clone()),
        };
        Ok(Self {
            transport,
            from: Arc::new(from),
        })
    }

    /// Where mail goes, for the start-up log line (never the SMTP credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP (mail.smtp_url)".into(),
            Transport::Outbox(dir) => format!("outbox folder {}", dir.display()),
        }
    }

    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let to_addr: lettre::Address = mail
            .to_email
            .parse()
            .map_err(|_| MailError::Recipient(mail.to_email.clone()))?;
        let name = mail.to_name.trim();
        let to = Mailbox::new((!name.is_empty()).then(|| name.to_owned()), to_addr);
        let msg = Message::builder()
            .from((*self.from).clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(msg)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
            }
            Transport::Outbox(dir) => {
                outbox_dir(dir)
                    .await
                    .map_err(|e| MailError::Send(format!("{}: {e}", dir.display())))?;
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
                    &crate::secrets::digest(&crate::secrets::random_token(8))[..8]
                );
                let path = dir.join(name);
                write_private(&path, &msg.formatted())
                    .await
                    .map_err(|e| MailError::Send(format!("{}: {e}", path.display())))?;
                tracing::info!(file = %path.display(), "mail written to the outbox");
            }
        }
        Ok(())
    }
}

/// Creates the outbox folder, when missing, readable by this user only.
async fn outbox_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = tokio::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir).await
}

/// Writes a new file created with mode 0600: an outbox mail holds a set-password
/// link, which is as good as the account until it is used. The mode is given at
/// creation, so the file is never readable by others, not even for a moment.
async fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut o = tokio::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    let mut f = o.open(path).await?;
    f.write_all(bytes).await?;
    f.flush().await
}

impl Mailer {
    /// [`Mailer::send`], given up after [`NOTICE_TIMEOUT`].
    pub async fn send_notice(&self, mail: Mail) -> Result<(), MailError> {
        tokio::time::timeout(NOTICE_TIMEOUT, self.send(mail))
            .await
            .unwrap_or_else(|_| Err(MailError::Send("timed out".into())))
    }
}
