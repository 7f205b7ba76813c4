//! Draining a child's output pipe to the end while keeping only the first `cap` bytes.
//!
//! Reading continues past the cap (the excess is dropped) so a chatty program never blocks on a full
//! pipe; the buffer is shared so that what was read so far survives if draining has to be abandoned.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes kept from one stream, and whether more arrived than the cap.
#[derive(Debug, Default)]
pub(super) struct Captured {
    pub(super) bytes: Vec<u8>,
    pub(super) truncated: bool,
}

/// A shared capture buffer.
pub(super) type SharedCapture = Arc<Mutex<Captured>>;

/// Reads `reader` to end-of-file into `sink`, keeping at most `cap` bytes.
pub(super) async fn drain<R: AsyncRead + Unpin>(mut reader: R, cap: usize, sink: SharedCapture) {
    let mut buf = vec![0_u8; 16 * 1024];
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut captured = sink.lock().unwrap_or_else(PoisonError::into_inner);
        let room = cap.saturating_sub(captured.bytes.len());
        let keep = n.min(room);
        captured.bytes.extend_from_slice(&buf[..keep]);
        if keep < n {
            captured.truncated = true;
        }
    }
}

/// Takes the captured bytes out as text (invalid UTF-8 replaced) and the truncation flag.
pub(super) fn take(sink: &SharedCapture) -> (String, bool) {
    let mut captured = sink.lock().unwrap_or_else(PoisonError::into_inner);
    let bytes = std::mem::take(&mut captured.bytes);
    (
        String::from_utf8_lossy(&bytes).into_owned(),
        captured.truncated,
    )
}
