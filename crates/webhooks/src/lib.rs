//! `switchboard-webhooks`: see the crate README; the API arrives with its issue.
