//! Notifications by email. A block, an unblock or a lost verification writes its
//! notification and, in the same transaction, an outbox row (`db::outbox`); the
//! [`worker`] sends what is due and marks it. Sent over SMTP (`--smtp-url`, with lettre),
//! or, with no SMTP configured, written as `.eml` files to `--email-dir`.
//!
//! Each row's Message-ID is fixed when it is written: a crash between the send and the
//! mark sends the email once more, with the same Message-ID, so mail clients show it once.

pub mod worker;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::outbox::Claimed;
use crate::Config;

/// Where emails go.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `<message key>.eml` per email; a resend overwrites its own file.
    Folder(PathBuf),
}

/// Why an email was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later (connection refused, a 4xx answer).
    Transient(String),
    /// Never going through (a 5xx answer, an address that does not parse).
    Permanent(String),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The right part of every Message-ID.
    domain: String,
    /// Links in the emails point here.
    public_url: String,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config.email_from.parse().map_err(|e| {
            format!(
                "--email-from {:?} is not an email address: {e}",
                config.email_from
            )
        })?;
        let domain = from.email.domain().to_string();
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
            None => Transport::Folder(config.email_dir.clone()),
        };
        Ok(Mailer {
            transport,
            from,
            domain,
            public_url: config.public_url.trim_end_matches('/').to_string(),
        })
    }

    /// The Message-ID of an outbox row.
    pub fn message_id(&self, key: &str) -> String {
        format!("<{key}@{}>", self.domain)
    }

    fn compose(&self, email: &Claimed) -> Result<Message, SendError> {
        let to: Mailbox = email.to.parse().map_err(|e| {
            SendError::Permanent(format!("the address {:?} does not parse: {e}", email.to))
        })?;
        let body = format!(
            "{}\n\nSee it on the platform: {}/notifications\n\n--\nYou receive this because email notifications are on for your account. Turn them off under Notifications, \u{201c}Email me these notifications\u{201d}.\n",
            email.body, self.public_url
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(self.message_id(&email.message_key)))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))
    }

    pub async fn send(&self, email: &Claimed) -> Result<(), SendError> {
        let message = self.compose(email)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Transport::Folder(dir) => {
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let file = dir.join(format!("{}.eml", email.message_key));
                    let part = dir.join(format!(".{}.eml.part", email.message_key));
                    tokio::fs::write(&part, message.formatted()).await?;
                    // Whole or not at all: a reader never sees half a file.
                    tokio::fs::rename(&part, &file).await
                };
                write
                    .await
                    .map_err(|e| SendError::Transient(format!("writing to {}: {e}", dir.display())))
            }
        }
    }
}
