//! Channels: labels a message may carry and an endpoint may filter on, the one rule for both.
//!
//! A message carries up to [`MAX_CHANNELS`] channels; an endpoint may list up to as many. An
//! endpoint that lists channels receives only messages that carry at least one of them (and
//! match its event-type filter); an endpoint that lists none receives messages whatever their
//! channels. A channel is 1 to [`MAX_CHANNEL_LEN`] characters from `A-Z a-z 0-9 _ - . :`.
//!
//! The memory store and SQLite decide through [`channels_match`]; Postgres decides in its
//! enqueue statement with [`PG_ENDPOINT_TAKES`], the same rule over the stored JSON arrays (an
//! endpoint without channels stores `NULL`). The conformance suite holds all three to it.

/// Most channels on one message or one endpoint.
pub const MAX_CHANNELS: usize = 10;
/// Longest channel, in bytes (every allowed character is one byte).
pub const MAX_CHANNEL_LEN: usize = 128;

/// Checks a list of channels: at most [`MAX_CHANNELS`], each well formed, none repeated.
///
/// # Errors
/// What is wrong, naming the offending channel (the caller names the field).
pub fn validate_channels(channels: &[String]) -> Result<(), String> {
    if channels.len() > MAX_CHANNELS {
        return Err(format!(
            "at most {MAX_CHANNELS} channels, not {}",
            channels.len()
        ));
    }
    for (i, c) in channels.iter().enumerate() {
        validate_channel(c)?;
        if channels[..i].contains(c) {
            return Err(format!("channel {c:?} is listed twice"));
        }
    }
    Ok(())
}

/// Checks one channel name: 1 to [`MAX_CHANNEL_LEN`] of `A-Z a-z 0-9 _ - . :`.
fn validate_channel(channel: &str) -> Result<(), String> {
    if channel.is_empty() || channel.len() > MAX_CHANNEL_LEN {
        return Err(format!(
            "channel {channel:?} must be 1 to {MAX_CHANNEL_LEN} characters"
        ));
    }
    if !channel
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        return Err(format!(
            "channel {channel:?} may hold only letters, digits, `_`, `-`, `.` and `:`"
        ));
    }
    Ok(())
}

/// Whether an endpoint listing `endpoint` channels receives a message carrying `message`
/// channels: it lists none, or it shares at least one with the message.
pub fn channels_match(endpoint: &[String], message: &[String]) -> bool {
    endpoint.is_empty() || endpoint.iter().any(|c| message.contains(c))
}

/// [`channels_match`] as a Postgres condition on the endpoint row `e`, with `{}` standing for
/// a `text[]` expression of the message's channels (an empty array for none).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const PG_ENDPOINT_TAKES: &str = "(e.channels IS NULL OR e.channels::jsonb ?| {})";

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_endpoint_without_channels_takes_every_message() {
        assert!(channels_match(&[], &[]));
        assert!(channels_match(&[], &v(&["a"])));
    }

    #[test]
    fn an_endpoint_with_channels_takes_only_messages_sharing_one() {
        assert!(channels_match(&v(&["a", "b"]), &v(&["c", "b"])));
        assert!(!channels_match(&v(&["a"]), &v(&["b"])));
        assert!(!channels_match(&v(&["a"]), &[]));
    }

    #[test]
    fn channel_names_are_checked() {
        assert!(validate_channels(&v(&["project_1", "eu-west.a:b"])).is_ok());
        for bad in ["", "has space", "é", "a/b", &"x".repeat(129)] {
            assert!(validate_channel(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(validate_channels(&v(&["a", "a"])).is_err());
        let many: Vec<String> = (0..11).map(|i| format!("c{i}")).collect();
        assert!(validate_channels(&many).is_err());
    }
}
