//! Verifiers for signatures that third-party services put on the webhooks they send.

mod discord;
mod github;
mod shopify;
mod slack;
mod stripe;

pub use discord::DiscordVerifier;
pub use github::GitHubVerifier;
pub use shopify::ShopifyVerifier;
pub use slack::SlackVerifier;
pub use stripe::{StripeSignatureHeader, StripeVerifier};
