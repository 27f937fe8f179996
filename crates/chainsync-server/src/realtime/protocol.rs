//! The wire protocol (version 1), as `docs/websocket-protocol.md` describes it: JSON text frames
//! with a `type` field. Client messages are parsed strictly (unknown types and fields are
//! errors); server frames are built here and nowhere else.

use serde::Deserialize;
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
        #[serde(default)]
        resume: Option<Resume>,
        /// Echoed in the answer, to match answers to requests.
        #[serde(default)]
        id: Option<String>,
    },
    Unsubscribe {
        channel: String,
        #[serde(default)]
        id: Option<String>,
    },
    Ping {
        #[serde(default)]
        id: Option<String>,
    },
}

/// Parses a client text frame; the error is a message for an `error` frame.
pub fn parse(text: &str) -> Result<ClientMessage, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("a message is a JSON object with a \"type\"".into());
    }
    serde_json::from_value(value).map_err(|e| format!("not a valid message: {e}"))
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
    fn event_frames_are_valid_json_with_the_body_inline() {
        let frame = event("store:\"x", "ep", 3, r#"{"id":"1"}"#);
        let v: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(v["channel"], "store:\"x");
        assert_eq!(v["offset"], 3);
        assert_eq!(v["event"]["id"], "1");
    }
}
