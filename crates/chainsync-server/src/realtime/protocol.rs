//! The wire protocol (version 1), as `docs/websocket-protocol.md` describes it: JSON text frames
//! with a `type` field. Client messages are parsed strictly (unknown types and fields, and
//! `null` where a value is optional, are errors); server frames are built here and nowhere else.

use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

pub const PROTOCOL_VERSION: u32 = 1;

/// Close codes (RFC 6455 ones and ours in 4000-4999).
pub mod close {
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down: reconnect (to another instance) and resume.
    pub const GOING_AWAY: u16 = 1001;
    /// Too many bad or rate-limited messages.
    pub const POLICY: u16 = 1008;
    /// A client frame was larger than the limit.
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
    /// The session ended (user deactivated, logged out, password changed): sign in again.
    pub const SESSION_ENDED: u16 = 4001;
    /// Nothing heard from the client within the idle timeout.
    pub const IDLE: u16 = 4002;
    /// The client did not read fast enough and its queue filled: reconnect and resume.
    pub const SLOW_CONSUMER: u16 = 4008;
}

/// An optional field that, when present, must hold a value: `"id": null` is a wrong type, not
/// an absent id (the document calls the id "any string").
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Where a client resumes a channel from.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub epoch: String,
    pub offset: i64,
}

/// A message from the client.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe {
        channel: String,
        #[serde(default, deserialize_with = "present")]
        resume: Option<Resume>,
        /// Echoed in the answer, to match answers to requests.
        #[serde(default, deserialize_with = "present")]
        id: Option<String>,
    },
    Unsubscribe {
        channel: String,
        #[serde(default, deserialize_with = "present")]
        id: Option<String>,
    },
    Ping {
        #[serde(default, deserialize_with = "present")]
        id: Option<String>,
    },
}

/// A client message that could not be parsed: the text of the `error` frame, and the
/// message's `id` when it had a string one, so the error can be matched to its request.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub message: String,
    pub id: Option<String>,
}

/// Parses a client text frame.
pub fn parse(text: &str) -> Result<ClientMessage, Invalid> {
    let value: Value = serde_json::from_str(text).map_err(|e| Invalid {
        message: format!("not valid JSON: {e}"),
        id: None,
    })?;
    if !value.is_object() {
        return Err(Invalid {
            message: "a message is a JSON object with a \"type\"".into(),
            id: None,
        });
    }
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    serde_json::from_value(value).map_err(|e| Invalid {
        message: format!("not a valid message: {e}"),
        id,
    })
}

fn with_id(mut frame: Value, id: Option<&str>) -> String {
    if let Some(id) = id {
        frame["id"] = json!(id);
    }
    frame.to_string()
}

pub fn hello(connection_id: &str, user_id: &str, heartbeat_secs: u64, max_bytes: usize) -> String {
    json!({
        "type": "hello", "protocol": PROTOCOL_VERSION, "connection_id": connection_id,
        "user_id": user_id, "heartbeat_secs": heartbeat_secs, "max_message_bytes": max_bytes,
    })
    .to_string()
}

pub fn subscribed(channel: &str, epoch: &str, offset: i64, head: i64, id: Option<&str>) -> String {
    with_id(
        json!({ "type": "subscribed", "channel": channel, "epoch": epoch, "offset": offset, "head": head }),
        id,
    )
}

pub fn reset(channel: &str, epoch: &str, offset: i64, reason: &str, id: Option<&str>) -> String {
    with_id(
        json!({ "type": "reset", "channel": channel, "epoch": epoch, "offset": offset, "reason": reason }),
        id,
    )
}

pub fn unsubscribed(channel: &str, reason: &str, id: Option<&str>) -> String {
    with_id(
        json!({ "type": "unsubscribed", "channel": channel, "reason": reason }),
        id,
    )
}

pub fn pong(id: Option<&str>) -> String {
    with_id(json!({ "type": "pong" }), id)
}

pub fn error(code: &str, message: &str, channel: Option<&str>, id: Option<&str>) -> String {
    let mut frame = json!({ "type": "error", "code": code, "message": message });
    if let Some(channel) = channel {
        frame["channel"] = json!(channel);
    }
    with_id(frame, id)
}

pub fn reconnect(reason: &str, after_ms: u64) -> String {
    json!({ "type": "reconnect", "reason": reason, "after_ms": after_ms }).to_string()
}

/// An event frame, built from the stored event body without re-parsing it.
pub fn event(channel: &str, epoch: &str, offset: i64, body: &str) -> String {
    let channel = Value::String(channel.to_owned());
    let epoch = Value::String(epoch.to_owned());
    format!(
        r#"{{"type":"event","channel":{channel},"epoch":{epoch},"offset":{offset},"event":{body}}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_with_resume_parses_and_unknown_fields_are_refused() {
        let m =
            parse(r#"{"type":"subscribe","channel":"org:x","resume":{"epoch":"e","offset":4}}"#)
                .unwrap();
        assert_eq!(
            m,
            ClientMessage::Subscribe {
                channel: "org:x".into(),
                resume: Some(Resume {
                    epoch: "e".into(),
                    offset: 4
                }),
                id: None
            }
        );
        assert!(parse(r#"{"type":"subscribe","channel":"x","extra":1}"#).is_err());
        assert!(parse(r#"{"type":"launch"}"#).is_err());
        assert!(parse("[1]").is_err());
        assert!(parse("{").is_err());
        assert!(parse(r#"{"type":"subscribe","channel":7}"#).is_err());
    }

    #[test]
    fn null_is_not_an_absent_field_and_errors_keep_a_string_id() {
        assert!(parse(r#"{"type":"ping","id":null}"#).is_err());
        assert!(parse(r#"{"type":"subscribe","channel":"org:x","resume":null}"#).is_err());
        assert_eq!(
            parse(r#"{"type":"ping"}"#),
            Ok(ClientMessage::Ping { id: None })
        );
        let invalid = parse(r#"{"type":"dance","id":"u1"}"#).unwrap_err();
        assert_eq!(invalid.id.as_deref(), Some("u1"));
        assert!(invalid.message.contains("dance"), "{}", invalid.message);
        assert_eq!(parse(r#"{"type":"dance","id":5}"#).unwrap_err().id, None);
    }

    #[test]
    fn event_frames_are_valid_json_with_the_body_inline() {
        let frame = event("store:\"x", "ep", 3, r#"{"id":"1"}"#);
        let v: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(v["channel"], "store:\"x");
        assert_eq!(v["offset"], 3);
        assert_eq!(v["event"]["id"], "1");
    }
}
