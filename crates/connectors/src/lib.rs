//! `switchboard-connectors`: see the crate README; the API arrives with its issue.
