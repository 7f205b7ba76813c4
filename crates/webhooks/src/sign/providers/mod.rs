//! Verifiers for signatures that third-party services put on the webhooks they send.

pub mod discord;
pub mod github;
pub mod shopify;
pub mod slack;
pub mod stripe;

pub use discord::DiscordVerifier;
pub use github::GitHubVerifier;
pub use shopify::ShopifyVerifier;
pub use slack::SlackVerifier;
pub use stripe::StripeVerifier;
