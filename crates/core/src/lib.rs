//! `switchboard-core`: the HTTP layer every other Switchboard crate calls through.
