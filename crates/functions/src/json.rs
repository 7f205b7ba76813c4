//! A JSON reader that reports duplicate object keys (serde_json silently keeps the last one).

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `text` into a [`Value`], collecting the JSON pointer of every duplicated key.
///
/// The value keeps the first occurrence of a duplicated key; callers decide whether a duplicate
/// is an error (it is for tool arguments: the model's intent is ambiguous).
pub(crate) fn parse_checked(text: &str) -> Result<(Value, Vec<String>), serde_json::Error> {
    let dups = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Seed {
        parent: None,
        dups: &dups,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((value, dups.into_inner()))
}

/// Escapes one reference token for a JSON pointer (RFC 6901).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// One step of the path from the root, kept on the stack; materialised only for a duplicate.
struct Node<'p> {
    parent: Option<&'p Node<'p>>,
    token: Token<'p>,
}

enum Token<'p> {
    Key(&'p str),
    Index(usize),
}

fn pointer_of(node: &Node<'_>) -> String {
    let mut tokens = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        tokens.push(match n.token {
            Token::Key(k) => escape_token(k),
            Token::Index(i) => i.to_string(),
        });
        cur = n.parent;
    }
    tokens.iter().rev().fold(String::new(), |mut acc, t| {
        acc.push('/');
        acc.push_str(t);
        acc
    })
}

struct Seed<'a, 'p> {
    parent: Option<&'p Node<'p>>,
    dups: &'a RefCell<Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let node = Node {
                parent: self.parent,
                token: Token::Index(out.len()),
            };
            match seq.next_element_seed(Seed {
                parent: Some(&node),
                dups: self.dups,
            })? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let node = Node {
                parent: self.parent,
                token: Token::Key(&key),
            };
            let value = map.next_value_seed(Seed {
                parent: Some(&node),
                dups: self.dups,
            })?;
            if out.contains_key(&key) {
                self.dups.borrow_mut().push(pointer_of(&node));
            } else {
                out.insert(key, value);
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_nested_duplicates_and_keeps_first() {
        let (v, d) = parse_checked(r#"{"a":1,"a":2,"b":[{"c/d":1,"c/d":2}]}"#).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(d, vec!["/a".to_owned(), "/b/0/c~1d".to_owned()]);
    }

    #[test]
    fn rejects_trailing_garbage() {
        assert!(parse_checked(r#"{"a":1} x"#).is_err());
    }
}
