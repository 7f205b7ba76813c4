//! Email notifications over SMTP with lettre: implicit TLS (465), STARTTLS (587) or plain
//! for a server on this machine; optional authentication; a text part and an HTML part.

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use switchboard_core::Secret;

use super::{Level, Notification, NotifyError, NotifyTarget};
use crate::text::truncate_chars;

/// Characters of a subject line.
const SUBJECT_CHARS: usize = 200;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (SMTPS, port 465 by default).
    ImplicitTls,
    /// Plain connection upgraded with STARTTLS, which is required: a server that does not
    /// offer it is refused, so credentials never travel in clear (port 587 by default).
    StartTls,
    /// No encryption; only accepted for `localhost` or a loopback address (port 25 by
    /// default).
    Plain,
}

/// Settings of an [`EmailTarget`].
#[derive(Clone)]
pub struct EmailConfig {
    host: String,
    port: Option<u16>,
    security: SmtpSecurity,
    credentials: Option<(String, Secret)>,
    from: String,
    to: Vec<String>,
    root_certificate_pem: Option<Vec<u8>>,
    timeout: Duration,
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .field("to", &self.to)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl EmailConfig {
    /// Sending through `host` with `security`, from `from` to `to` (addresses like
    /// `ops@example.com` or `Ops <ops@example.com>`); 30 s time limit per message.
    pub fn new(
        host: impl Into<String>,
        security: SmtpSecurity,
        from: impl Into<String>,
        to: Vec<String>,
    ) -> Self {
        Self {
            host: host.into(),
            port: None,
            security,
            credentials: None,
            from: from.into(),
            to,
            root_certificate_pem: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// A port other than the default for the security mode.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Authenticates with `username` and `password` (PLAIN or LOGIN, as the server offers).
    #[must_use]
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }

    /// Trusts an extra CA or self-signed certificate (PEM) besides the webpki roots.
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate_pem = Some(pem.into());
        self
    }

    /// The time limit for connecting and sending one message.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// An SMTP target: each notification becomes one `multipart/alternative` message.
pub struct EmailTarget {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    timeout: Duration,
    summary: String,
}

impl fmt::Debug for EmailTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailTarget")
            .field("server", &self.summary)
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> NotifyError {
    NotifyError::InvalidInput {
        field,
        reason: reason.into(),
    }
}

fn is_local(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl EmailTarget {
    /// Builds the SMTP transport (it connects when the first message is sent).
    ///
    /// # Errors
    /// [`NotifyError::InvalidInput`] for an empty host, an unparsable `from`/`to` address, no
    /// recipients, plain SMTP to a host that is not local, or an invalid certificate.
    pub fn new(config: EmailConfig) -> Result<Self, NotifyError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(invalid("host", "is empty"));
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| invalid("from", format!("{:?} is not an address ({e})", config.from)))?;
        if config.to.is_empty() {
            return Err(invalid("to", "no recipients"));
        }
        let to = config
            .to
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.parse::<Mailbox>().map_err(|e| {
                    invalid(
                        "to",
                        format!("recipient #{i} {t:?} is not an address ({e})"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tls_params = || -> Result<TlsParameters, NotifyError> {
            let mut b = TlsParameters::builder(host.to_owned());
            if let Some(pem) = &config.root_certificate_pem {
                let cert = Certificate::from_pem(pem)
                    .map_err(|e| invalid("root_certificate_pem", e.to_string()))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls().map_err(|e| invalid("tls", e.to_string()))
        };
        let (builder, port) = match config.security {
            SmtpSecurity::ImplicitTls => (
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .tls(Tls::Wrapper(tls_params()?)),
                config.port.unwrap_or(465),
            ),
            SmtpSecurity::StartTls => (
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .tls(Tls::Required(tls_params()?)),
                config.port.unwrap_or(587),
            ),
            SmtpSecurity::Plain => {
                if !is_local(host) {
                    return Err(invalid(
                        "security",
                        format!(
                            "plain SMTP is only allowed to localhost, not to {host}; use StartTls or ImplicitTls"
                        ),
                    ));
                }
                (
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).tls(Tls::None),
                    config.port.unwrap_or(25),
                )
            }
        };
        let mut builder = builder.port(port).timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            to,
            timeout: config.timeout,
            summary: format!("{host}:{port} ({:?})", config.security),
        })
    }

    /// The message for `n`: subject `[level] title`, a text part and an escaped HTML part.
    ///
    /// # Errors
    /// [`NotifyError::InvalidInput`] if lettre cannot build the message.
    pub fn message(&self, n: &Notification) -> Result<Message, NotifyError> {
        let subject = {
            let one_line: String = n
                .title
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let prefix = match n.level {
                Level::Info => "",
                Level::Warning => "[warning] ",
                Level::Error => "[error] ",
            };
            truncate_chars(&format!("{prefix}{one_line}"), SUBJECT_CHARS)
        };
        let text = format!(
            "{}\n\nevent {} · {}\n",
            n.to_plain_text(),
            n.event_type,
            n.level.as_str()
        );
        let mut html = format!(
            "<!DOCTYPE html><html><body><h2>{}</h2><p style=\"white-space:pre-wrap\">{}</p>",
            escape_html(&n.title),
            escape_html(&n.body)
        );
        if !n.fields.is_empty() {
            html.push_str("<table>");
            for f in &n.fields {
                html.push_str(&format!(
                    "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                    escape_html(&f.name),
                    escape_html(&f.value)
                ));
            }
            html.push_str("</table>");
        }
        html.push_str(&format!(
            "<p><small>event {} · {}</small></p></body></html>",
            escape_html(&n.event_type),
            n.level.as_str()
        ));
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(None);
        for to in &self.to {
            b = b.to(to.clone());
        }
        b.multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| invalid("message", e.to_string()))
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[async_trait::async_trait]
impl NotifyTarget for EmailTarget {
    fn name(&self) -> &str {
        "email"
    }

    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let message = self.message(n)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(NotifyError::Smtp {
                permanent: e.is_permanent(),
                detail: e.to_string(),
            }),
            Err(_) => Err(NotifyError::Smtp {
                detail: format!("no answer from {} within {:?}", self.summary, self.timeout),
                permanent: false,
            }),
        }
    }
}
