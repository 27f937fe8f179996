//! Server-to-client WebSocket frames (RFC 6455 §5.2), encoded once and written as they are.
//!
//! A server's frames are never masked, so an event's frame is the same bytes for every
//! subscriber: the hub encodes it once and shares it (`Bytes` is reference-counted). Only
//! unfragmented text frames and pings are made here; closing goes through tungstenite, which
//! keeps the close handshake's state.

use bytes::{BufMut, Bytes, BytesMut};

const FIN: u8 = 0x80;
const OPCODE_TEXT: u8 = 0x1;
const OPCODE_PING: u8 = 0x9;

/// A whole text frame carrying `text`.
pub fn text(text: &str) -> Bytes {
    encode(OPCODE_TEXT, text.as_bytes())
}

/// An empty ping (the client answers with a pong).
pub fn ping() -> Bytes {
    Bytes::from_static(&[FIN | OPCODE_PING, 0])
}

fn encode(opcode: u8, payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut frame = BytesMut::with_capacity(len + 10);
    frame.put_u8(FIN | opcode);
    // Lengths up to 125 fit the second byte; then 126 + 16 bits; then 127 + 64 bits.
    if len < 126 {
        frame.put_u8(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        frame.put_u8(126);
        frame.put_u16(short);
    } else {
        frame.put_u8(127);
        frame.put_u64(len as u64);
    }
    frame.put_slice(payload);
    frame.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use tokio_tungstenite::tungstenite::protocol::{Role, WebSocket};
    use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

    /// What a real client (tungstenite) reads from these bytes.
    fn client_reads(bytes: Vec<u8>) -> Vec<Message> {
        let mut ws = WebSocket::from_raw_socket(Cursor::new(bytes), Role::Client, None);
        let mut got = Vec::new();
        while let Ok(message) = ws.read() {
            got.push(message);
        }
        got
    }

    #[test]
    fn a_client_reads_every_length_class_and_pings() {
        let sizes = [0usize, 1, 125, 126, 127, 65_535, 65_536, 200_000];
        let texts: Vec<String> = sizes.iter().map(|&n| "é".repeat(n / 2)).collect();
        let mut wire = Vec::new();
        for text in &texts {
            wire.extend_from_slice(&super::text(text));
        }
        wire.extend_from_slice(&ping());
        let got = client_reads(wire);
        assert_eq!(got.len(), texts.len() + 1);
        for (message, text) in got.iter().zip(&texts) {
            assert_eq!(message, &Message::Text(Utf8Bytes::from(text.as_str())));
        }
        assert!(matches!(got.last(), Some(Message::Ping(p)) if p.is_empty()));
    }

    #[test]
    fn headers_use_the_shortest_length_form() {
        assert_eq!(text("").as_ref(), &[0x81, 0]);
        assert_eq!(&text(&"a".repeat(125))[..2], &[0x81, 125]);
        assert_eq!(&text(&"a".repeat(126))[..4], &[0x81, 126, 0, 126]);
        assert_eq!(
            &text(&"a".repeat(65_536))[..10],
            &[0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]
        );
    }
}
