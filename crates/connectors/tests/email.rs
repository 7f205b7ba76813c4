//! Email notifications against a real SMTP server process (Python's aiosmtpd): plain and
//! STARTTLS with a self-signed certificate, AUTH, both MIME parts; and one event fanned out to
//! Slack, Discord and email with one target failing.
#![cfg(feature = "email")]
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod recorder;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use recorder::{Recorder, Reply, client};
use serde_json::{Value, json};
use switchboard_connectors::WebhookUrl;
use switchboard_connectors::notify::{
    DiscordWebhook, EmailConfig, EmailTarget, Notification, Notifier, NotifyError, NotifyTarget,
    SlackWebhook, SmtpSecurity,
};

/// A running aiosmtpd process; killed on drop.
struct Smtp {
    child: Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtp {
    /// Starts the server, or returns `None` (after printing why) when aiosmtpd is missing and
    /// `SWITCHBOARD_REQUIRE_SMTP=1` is not set.
    fn start(extra: &[&str], dir: tempfile::TempDir) -> Option<Self> {
        let has_module = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_module {
            if std::env::var("SWITCHBOARD_REQUIRE_SMTP").as_deref() == Ok("1") {
                panic!("SWITCHBOARD_REQUIRE_SMTP=1 but `python3 -c 'import aiosmtpd'` fails");
            }
            eprintln!(
                "skipping SMTP test: python3 module aiosmtpd is not installed (pip install aiosmtpd)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = dir.path().join("received.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&out)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Some(Self {
            child,
            port,
            out,
            _dir: dir,
        })
    }

    fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn event() -> Notification {
    Notification::from_event(
        "chat_completed",
        &json!({"chat_id": "c-42", "title": "Trip <plans>", "user_name": "Ada"}),
    )
}

fn check_message(m: &Value) {
    assert_eq!(m["mail_from"], "alerts@example.com");
    assert_eq!(m["rcpt_tos"], json!(["ops@example.com", "dev@example.com"]));
    let h = &m["headers"];
    assert_eq!(h["Subject"], "Chat completed");
    assert_eq!(h["From"], "Switchboard <alerts@example.com>");
    assert_eq!(h["To"], "ops@example.com, dev@example.com");
    assert!(
        h["Content-Type"]
            .as_str()
            .unwrap()
            .starts_with("multipart/alternative"),
        "{h}"
    );
    assert_eq!(h["MIME-Version"], "1.0");
    assert!(h["Date"].is_string() && h["Message-ID"].is_string(), "{h}");
    let parts = m["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0]["content_type"], "text/plain");
    assert_eq!(parts[0]["charset"], "utf-8");
    let text = parts[0]["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(
        text.starts_with(
            "Chat completed\n\nThe chat \u{201c}Trip <plans>\u{201d} has a new response."
        ),
        "{text}"
    );
    assert!(
        text.contains("chat: c-42") && text.contains("event chat_completed · info"),
        "{text}"
    );
    assert_eq!(parts[1]["content_type"], "text/html");
    let html = parts[1]["text"].as_str().unwrap();
    assert!(html.contains("<h2>Chat completed</h2>"), "{html}");
    assert!(
        html.contains("Trip &lt;plans&gt;"),
        "event text is escaped: {html}"
    );
    assert!(
        html.contains("<th align=\"left\">chat</th><td>c-42</td>"),
        "{html}"
    );
}

fn config(host: &str, security: SmtpSecurity, port: u16) -> EmailConfig {
    EmailConfig::new(
        host,
        security,
        "Switchboard <alerts@example.com>",
        vec!["ops@example.com".into(), "dev@example.com".into()],
    )
    .port(port)
    .timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn plain_smtp_to_localhost_delivers_text_and_html() {
    let Some(smtp) = Smtp::start(&[], tempfile::tempdir().unwrap()) else {
        return;
    };
    let target = EmailTarget::new(config("127.0.0.1", SmtpSecurity::Plain, smtp.port)).unwrap();
    target.send(&event()).await.unwrap();
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    check_message(&got[0]);
    assert_eq!(got[0]["tls"], false);
}

#[tokio::test]
async fn starttls_with_a_self_signed_certificate_and_auth() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, signing_key.serialize_pem()).unwrap();
    let (cert_arg, key_arg) = (
        cert_path.to_str().unwrap().to_owned(),
        key_path.to_str().unwrap().to_owned(),
    );
    let args = [
        "--tls",
        &cert_arg,
        &key_arg,
        "--auth",
        "mailer",
        "s3cret-pass",
    ];
    let Some(smtp) = Smtp::start(&args, dir) else {
        return;
    };

    let cfg = config("localhost", SmtpSecurity::StartTls, smtp.port)
        .root_certificate_pem(cert.pem().into_bytes())
        .credentials("mailer", "s3cret-pass");
    assert!(!format!("{cfg:?}").contains("s3cret-pass"));
    let target = EmailTarget::new(cfg).unwrap();
    target.send(&event()).await.unwrap();
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    check_message(&got[0]);
    assert_eq!(got[0]["tls"], true);
    assert_eq!(got[0]["authenticated"], true);

    // Without trusting the certificate, STARTTLS fails rather than downgrading.
    let cfg =
        config("localhost", SmtpSecurity::StartTls, smtp.port).credentials("mailer", "s3cret-pass");
    let err = EmailTarget::new(cfg)
        .unwrap()
        .send(&event())
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Smtp { .. }), "{err:?}");
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn configuration_is_checked() {
    let err = EmailTarget::new(config("smtp.example.com", SmtpSecurity::Plain, 25)).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::InvalidInput {
                field: "security",
                ..
            }
        ),
        "{err:?}"
    );
    let err = EmailTarget::new(EmailConfig::new(
        "localhost",
        SmtpSecurity::Plain,
        "not an address",
        vec!["a@b.c".into()],
    ))
    .unwrap_err();
    assert!(
        matches!(err, NotifyError::InvalidInput { field: "from", .. }),
        "{err:?}"
    );
    let err = EmailTarget::new(EmailConfig::new(
        "localhost",
        SmtpSecurity::Plain,
        "a@b.c",
        vec![],
    ))
    .unwrap_err();
    assert!(
        matches!(err, NotifyError::InvalidInput { field: "to", .. }),
        "{err:?}"
    );
    let err = EmailTarget::new(EmailConfig::new(
        "localhost",
        SmtpSecurity::Plain,
        "a@b.c",
        vec!["ok@b.c".into(), "bad".into()],
    ))
    .unwrap_err();
    assert!(err.to_string().contains("recipient #1"), "{err}");
    assert!(EmailTarget::new(config("smtp.example.com", SmtpSecurity::StartTls, 587)).is_ok());
}

#[tokio::test]
async fn one_event_fans_out_to_slack_discord_and_email_with_one_failing() {
    let Some(smtp) = Smtp::start(&[], tempfile::tempdir().unwrap()) else {
        return;
    };
    let slack_server = Recorder::start(vec![Reply::new(200, "ok")]).await;
    let discord_server = Recorder::start(vec![Reply::json(
        403,
        json!({"message": "Missing Access", "code": 50001}),
    )])
    .await;
    let slack = SlackWebhook::new(
        client(),
        WebhookUrl::parse(&slack_server.url("/services/T/B/S")).unwrap(),
    );
    let discord = DiscordWebhook::new(
        client(),
        WebhookUrl::parse(&discord_server.url("/api/webhooks/1/tok")).unwrap(),
    );
    let email = EmailTarget::new(config("127.0.0.1", SmtpSecurity::Plain, smtp.port)).unwrap();
    let notifier = Notifier::new()
        .with(Arc::new(slack) as Arc<dyn NotifyTarget>)
        .with(Arc::new(discord))
        .with(Arc::new(email));
    let outcomes = notifier
        .send_event(
            "chat_completed",
            &json!({"chat_id": "c-42", "title": "Trip <plans>", "user_name": "Ada"}),
        )
        .await;
    let names: Vec<&str> = outcomes.iter().map(|o| o.target.as_str()).collect();
    assert_eq!(names, ["slack", "discord", "email"]);
    assert!(outcomes[0].result.is_ok());
    assert!(
        matches!(
            &outcomes[1].result,
            Err(NotifyError::Rejected { status: 403, .. })
        ),
        "{:?}",
        outcomes[1]
    );
    assert!(outcomes[2].result.is_ok(), "{:?}", outcomes[2]);
    assert_eq!(slack_server.seen().len(), 1);
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    check_message(&got[0]);
}
