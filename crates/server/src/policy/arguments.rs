//! The arguments of a call as the policy reads them: raw, before validation, and only the
//! top-level string values that some rule constrains.
//!
//! JSON text is scanned, not parsed into a tree: keys no rule names are skipped, and a
//! constrained key given twice makes the arguments unreadable (the registry refuses duplicate
//! keys too, so the policy never decides on a value the tool would not see).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use switchboard::functions::Arguments;

/// The arguments of one call, or none for a listing.
#[derive(Debug, Clone, Copy)]
pub enum CallArguments<'a> {
    /// Not a call: a listing asks whether a tool may be called at all.
    Listing,
    /// JSON text as received (the body of `POST /tools/{name}`).
    Text(&'a str),
    /// An already parsed value (MCP `tools/call`).
    Value(&'a Value),
    /// Arguments nobody could read (a call the provider parser already found malformed).
    Unreadable,
}

impl<'a> From<&'a Arguments> for CallArguments<'a> {
    fn from(arguments: &'a Arguments) -> Self {
        match arguments {
            Arguments::Text(text) => CallArguments::Text(text),
            Arguments::Value(value) => CallArguments::Value(value),
            _ => CallArguments::Unreadable,
        }
    }
}

impl CallArguments<'_> {
    /// The string value of each of `keys` (`None` for a key that is absent or not a string), or
    /// `None` when the arguments are not a JSON object or give one of `keys` twice.
    pub(super) fn strings(&self, keys: &[Box<str>]) -> Option<Vec<Option<String>>> {
        match self {
            CallArguments::Listing => Some(vec![None; keys.len()]),
            CallArguments::Unreadable => None,
            CallArguments::Value(Value::Null) => Some(vec![None; keys.len()]),
            CallArguments::Value(Value::Object(map)) => Some(
                keys.iter()
                    .map(|k| map.get(&**k).and_then(Value::as_str).map(str::to_owned))
                    .collect(),
            ),
            CallArguments::Value(_) => None,
            CallArguments::Text(text) => {
                // The registry reads blank and `null` arguments as `{}`.
                let text = text.trim();
                if text.is_empty() || text == "null" {
                    return Some(vec![None; keys.len()]);
                }
                let mut de = serde_json::Deserializer::from_str(text);
                let values = Picker { keys }.deserialize(&mut de).ok()?;
                de.end().ok()?;
                Some(values)
            }
        }
    }
}

/// Picks the values of `keys` out of a JSON object.
struct Picker<'k> {
    keys: &'k [Box<str>],
}

impl<'de> DeserializeSeed<'de> for Picker<'_> {
    type Value = Vec<Option<String>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Picker<'_> {
    type Value = Vec<Option<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of arguments")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = vec![false; self.keys.len()];
        let mut values = vec![None; self.keys.len()];
        while let Some(slot) = map.next_key_seed(KeySlot { keys: self.keys })? {
            let Some(i) = slot else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::custom("a constrained argument is given twice"));
            }
            if let Value::String(s) = map.next_value::<Value>()? {
                values[i] = Some(s);
            }
        }
        Ok(values)
    }
}

/// A key's position in `keys`, if it is one of them (compared without copying the key).
struct KeySlot<'k> {
    keys: &'k [Box<str>],
}

impl<'de> DeserializeSeed<'de> for KeySlot<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySlot<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an argument name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.keys.iter().position(|k| &**k == key))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys() -> Vec<Box<str>> {
        vec!["database".into()]
    }

    #[test]
    fn text_arguments_yield_the_constrained_string() {
        let args = CallArguments::Text(r#"{"query": "select 1", "database": "analytics"}"#);
        assert_eq!(args.strings(&keys()), Some(vec![Some("analytics".into())]));
    }

    #[test]
    fn escaped_keys_and_values_are_read_as_the_registry_reads_them() {
        let args = CallArguments::Text(r#"{"datab\u0061se": "an\u0061lytics"}"#);
        assert_eq!(args.strings(&keys()), Some(vec![Some("analytics".into())]));
    }

    #[test]
    fn a_constrained_key_given_twice_is_unreadable() {
        let args = CallArguments::Text(r#"{"database": "public", "database": "analytics"}"#);
        assert_eq!(args.strings(&keys()), None);
    }

    #[test]
    fn other_keys_given_twice_do_not_matter_here() {
        let args = CallArguments::Text(r#"{"q": 1, "q": 2, "database": "a"}"#);
        assert_eq!(args.strings(&keys()), Some(vec![Some("a".into())]));
    }

    #[test]
    fn absent_and_non_string_values_are_none() {
        for text in [
            "{}",
            r#"{"database": 7}"#,
            r#"{"database": ["analytics"]}"#,
            " null ",
            "",
        ] {
            let args = CallArguments::Text(text);
            assert_eq!(args.strings(&keys()), Some(vec![None]), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_one_json_object_is_unreadable() {
        for text in ["[1]", "{", r#"{"database": "a"} {}"#, "\"analytics\""] {
            assert_eq!(CallArguments::Text(text).strings(&keys()), None, "{text}");
        }
    }

    #[test]
    fn parsed_values_are_read_without_text() {
        let value = json!({"database": "analytics"});
        let args = CallArguments::Value(&value);
        assert_eq!(args.strings(&keys()), Some(vec![Some("analytics".into())]));
        assert_eq!(CallArguments::Value(&json!([1])).strings(&keys()), None);
        assert_eq!(CallArguments::Unreadable.strings(&keys()), None);
    }
}
