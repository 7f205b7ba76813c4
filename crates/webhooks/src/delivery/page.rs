//! Cursor pagination of the journal (and of any list keyed by time and id, such as the
//! gateway's tool-call audit): keyset positions that stay valid while rows are added.
//!
//! Lists are newest first. A [`Cursor`] is a position between two rows, given by the sort key
//! of the row beside it ([`RowKey`]: time in milliseconds, id, and for attempts the attempt
//! number) and a direction: [`Direction::Older`] walks toward the past (the next page),
//! [`Direction::Newer`] toward the present (the previous page, or polling for new rows). A
//! row inserted after a page was read never shifts a later page, which an offset would.
//!
//! Stores only filter by the key and order the rows walking away from the cursor
//! ([`JournalStore`](super::store::JournalStore) documents the contract);
//! [`Page::from_rows`] turns what they return into a page with its two cursors, once, for
//! every store.

use std::fmt::{self, Write as _};

use super::model::{Attempt, Delivery, Message, to_millis};

/// Which way a page walks from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Toward older rows: rows sorting before the key.
    Older,
    /// Toward newer rows: rows sorting after the key.
    Newer,
}

/// The sort key of a listed row: newest first means the greatest key first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    /// The row's time as an integer in its list's unit: for the delivery journal, milliseconds
    /// since the Unix epoch (a message's or delivery's `created_at`, an attempt's `at`); other
    /// lists that page with these cursors (the gateway's tool-call audit) use their own unit.
    pub at: i64,
    /// The row's id (for an attempt, its delivery's id), compared byte by byte: a list with
    /// numeric ids writes them zero-padded to one width so that bytes order them.
    pub id: String,
    /// An attempt's number; 0 for messages and deliveries.
    pub number: u32,
}

/// A position in a list: an opaque text for API callers (`iterator`, `prev_iterator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    direction: Direction,
    key: RowKey,
}

/// A cursor text this server did not give out, or one altered on the way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid list iterator: {0}")]
pub struct CursorError(&'static str);

/// The longest id a cursor may carry (ids are far shorter).
const MAX_ID_LEN: usize = 128;

impl Cursor {
    /// A cursor at `key`, walking `direction`.
    pub fn new(direction: Direction, key: RowKey) -> Self {
        Self { direction, key }
    }

    /// Which way the page walks.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The key rows are compared with (exclusive).
    pub fn key(&self) -> &RowKey {
        &self.key
    }

    /// The text form: hex of `o|n`, the time, the id and the number.
    pub fn encode(&self) -> String {
        let d = match self.direction {
            Direction::Older => 'o',
            Direction::Newer => 'n',
        };
        let plain = format!("{d}.{}.{}.{}", self.key.at, self.key.id, self.key.number);
        let mut hex = String::with_capacity(2 * plain.len());
        for b in plain.bytes() {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }

    /// Reads [`encode`](Self::encode)'s text.
    ///
    /// # Errors
    /// Not hex, not the layout, or an id with characters no id has.
    pub fn decode(text: &str) -> Result<Self, CursorError> {
        if !text.len().is_multiple_of(2) || text.len() > 2 * (MAX_ID_LEN + 40) {
            return Err(CursorError("wrong length"));
        }
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| CursorError("not hex"))?;
        let plain = String::from_utf8(bytes).map_err(|_| CursorError("not text"))?;
        let mut parts = plain.split('.');
        let (Some(d), Some(at), Some(id), Some(number), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CursorError("wrong layout"));
        };
        let direction = match d {
            "o" => Direction::Older,
            "n" => Direction::Newer,
            _ => return Err(CursorError("unknown direction")),
        };
        let at = at.parse().map_err(|_| CursorError("bad time"))?;
        let number = number.parse().map_err(|_| CursorError("bad number"))?;
        if id.is_empty()
            || id.len() > MAX_ID_LEN
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(CursorError("bad id"));
        }
        Ok(Self::new(
            direction,
            RowKey {
                at,
                id: id.to_owned(),
                number,
            },
        ))
    }

    /// Whether a row with `key` lies beyond this cursor, in its direction.
    pub fn admits(&self, key: &RowKey) -> bool {
        match self.direction {
            Direction::Older => key < &self.key,
            Direction::Newer => key > &self.key,
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A row that lists have a [`RowKey`] for.
pub trait Listed {
    /// Its sort key.
    fn row_key(&self) -> RowKey;
}

impl Listed for Message {
    fn row_key(&self) -> RowKey {
        RowKey {
            at: to_millis(self.created_at),
            id: self.id.as_str().to_owned(),
            number: 0,
        }
    }
}

impl Listed for Delivery {
    fn row_key(&self) -> RowKey {
        RowKey {
            at: to_millis(self.created_at),
            id: self.id.as_str().to_owned(),
            number: 0,
        }
    }
}

impl Listed for Attempt {
    fn row_key(&self) -> RowKey {
        RowKey {
            at: to_millis(self.at),
            id: self.delivery_id.as_str().to_owned(),
            number: self.number,
        }
    }
}

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The rows.
    pub data: Vec<T>,
    /// The next (older) page; `None` when this page reaches the oldest row.
    pub next: Option<Cursor>,
    /// The previous (newer) page, or where to poll for rows added since; `None` only for an
    /// empty list read from the top.
    pub prev: Option<Cursor>,
    /// Whether no more rows lie in the direction this page was read.
    pub done: bool,
}

impl<T: Listed> Page<T> {
    /// A page from what a store returned for `limit + 1` rows beyond `cursor` (ordered walking
    /// away from it): the extra row only tells whether more follow.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, cursor: Option<&Cursor>) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let newer = cursor.is_some_and(|c| c.direction == Direction::Newer);
        if newer {
            rows.reverse();
        }
        let at = |row: Option<&T>, d: Direction| row.map(|r| Cursor::new(d, r.row_key()));
        let turned = |d: Direction| cursor.map(|c| Cursor::new(d, c.key.clone()));
        let older_exists = if newer { true } else { more };
        let next = if older_exists {
            at(rows.last(), Direction::Older).or_else(|| turned(Direction::Older))
        } else {
            None
        };
        let prev = at(rows.first(), Direction::Newer).or_else(|| turned(Direction::Newer));
        Self {
            data: rows,
            next,
            prev,
            done: !more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Row(i64);

    impl Listed for Row {
        fn row_key(&self) -> RowKey {
            RowKey {
                at: self.0,
                id: format!("r{}", self.0),
                number: 0,
            }
        }
    }

    fn key(n: i64) -> RowKey {
        Row(n).row_key()
    }

    #[test]
    fn a_cursor_survives_its_text_form() {
        let c = Cursor::new(
            Direction::Newer,
            RowKey {
                at: -5,
                id: "dlv_ab_cd".into(),
                number: 7,
            },
        );
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
    }

    #[test]
    fn an_altered_cursor_is_refused() {
        let text = Cursor::new(Direction::Older, key(1)).encode();
        for bad in [
            "",
            "zz",
            &text[1..],
            &hex("o.1.r1"),
            &hex("x.1.r1.0"),
            &hex("o.1.r-1.0"),
            &hex("o.t.r1.0"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad:?} was accepted");
        }
    }

    fn hex(s: &str) -> String {
        s.bytes().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_full_first_page_points_to_older_rows() {
        let page = Page::from_rows(vec![Row(9), Row(8), Row(7)], 2, None);
        assert_eq!(page.data, vec![Row(9), Row(8)]);
        assert_eq!(page.next, Some(Cursor::new(Direction::Older, key(8))));
        assert_eq!(page.prev, Some(Cursor::new(Direction::Newer, key(9))));
        assert!(!page.done);
    }

    #[test]
    fn the_last_older_page_is_done_and_has_no_next() {
        let c = Cursor::new(Direction::Older, key(8));
        let page = Page::from_rows(vec![Row(7)], 2, Some(&c));
        assert_eq!(page.data, vec![Row(7)]);
        assert_eq!(page.next, None);
        assert!(page.done);
    }

    #[test]
    fn a_newer_page_is_turned_newest_first() {
        let c = Cursor::new(Direction::Newer, key(7));
        let page = Page::from_rows(vec![Row(8), Row(9), Row(10)], 2, Some(&c));
        assert_eq!(page.data, vec![Row(9), Row(8)]);
        assert_eq!(page.next, Some(Cursor::new(Direction::Older, key(8))));
        assert_eq!(page.prev, Some(Cursor::new(Direction::Newer, key(9))));
        assert!(!page.done);
    }

    #[test]
    fn an_empty_newer_page_keeps_the_place_to_poll() {
        let c = Cursor::new(Direction::Newer, key(9));
        let page: Page<Row> = Page::from_rows(Vec::new(), 2, Some(&c));
        assert!(page.data.is_empty());
        assert_eq!(page.prev, Some(c));
        assert_eq!(page.next, Some(Cursor::new(Direction::Older, key(9))));
        assert!(page.done);
    }

    #[test]
    fn an_empty_list_has_no_cursors() {
        let page: Page<Row> = Page::from_rows(Vec::new(), 2, None);
        assert_eq!((page.next, page.prev, page.done), (None, None, true));
    }
}
