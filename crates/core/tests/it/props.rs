//! Property tests: redaction never lets a credential through.

use proptest::prelude::*;
use switchboard_core::redact_url;

const SECRET_PARAMS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "appid",
    "token",
    "access_token",
    "sig",
    "signature",
    "secret",
    "password",
    "client_secret",
    "X-Amz-Signature",
    "refresh_token",
    "subscription-key",
];

proptest! {
    #[test]
    fn key_like_query_values_never_survive(
        secret in "[A-Za-z0-9_.~-]{12,32}",
        name in prop::sample::select(SECRET_PARAMS),
        before in prop::collection::vec(("[a-z]{1,6}", "[a-z0-9]{0,6}"), 0..3),
        after in prop::collection::vec(("[a-z]{1,6}", "[a-z0-9]{0,6}"), 0..3),
    ) {
        let mut pairs = before.clone();
        pairs.push((name.to_owned(), secret.clone()));
        pairs.extend(after);
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!("https://api.example.com/v1/x?{}", query.join("&"));
        let out = redact_url(&url);
        prop_assert!(!out.contains(&secret), "{url} -> {out}");
    }

    #[test]
    fn userinfo_and_webhook_paths_never_survive(
        secret in "[A-Za-z0-9]{16,40}",
        user in "[a-z]{1,8}",
    ) {
        let urls = [
            format!("https://{user}:{secret}@h.example/p"),
            format!("https://hooks.slack.com/services/T0/B0/{secret}"),
            format!("https://discord.com/api/webhooks/123/{secret}?wait=true"),
            format!("https://hooks.zapier.com/hooks/catch/1/{secret}/"),
            format!("https://maker.ifttt.com/trigger/ev/with/key/{secret}"),
            format!("https://x.example/cb#access_token={secret}"),
        ];
        for url in urls {
            let out = redact_url(&url);
            prop_assert!(!out.contains(&secret), "{url} -> {out}");
        }
    }
}
