//! A minimal Redis pub/sub client over RESP2: `PUBLISH` on one connection, `SUBSCRIBE` on
//! another, reconnecting with backoff. That is all the bus needs, so it is written here rather
//! than pulling in a full client.
//!
//! URL: `redis://[:password@]host[:port][/db]` (the database number does not matter to pub/sub;
//! a password is sent with `AUTH`).

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// A parsed `redis://` URL.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    addr: String,
    password: Option<String>,
}

fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| "a Redis URL starts with redis://".to_string())?;
    let rest = rest.split('/').next().unwrap_or("");
    let (password, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => {
            let password = auth.rsplit(':').next().unwrap_or(auth);
            ((!password.is_empty()).then(|| password.to_owned()), host)
        }
        None => (None, rest),
    };
    if host.is_empty() {
        return Err("the Redis URL has no host".into());
    }
    let addr = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:6379")
    };
    Ok(Target { addr, password })
}

/// Checks a Redis URL's shape (used when reading the configuration).
pub fn validate_url(url: &str) -> Result<(), String> {
    parse_url(url).map(|_| ())
}

fn command(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", parts.len()).into_bytes();
    for part in parts {
        out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A RESP2 value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Value>),
}

/// Largest bulk string accepted from Redis (a batch of events).
const MAX_BULK: usize = 64 * 1024 * 1024;

async fn read_value<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Value> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed RESP");
    let (tag, rest) = line.split_at_checked(1).ok_or_else(bad)?;
    match tag {
        "+" => Ok(Value::Simple(rest.to_owned())),
        "-" => Ok(Value::Error(rest.to_owned())),
        ":" => Ok(Value::Int(rest.parse().map_err(|_| bad())?)),
        "$" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            if len < 0 {
                return Ok(Value::Bulk(None));
            }
            let len = usize::try_from(len).map_err(|_| bad())?;
            if len > MAX_BULK {
                return Err(bad());
            }
            let mut buf = vec![0; len + 2];
            reader.read_exact(&mut buf).await?;
            buf.truncate(len);
            Ok(Value::Bulk(Some(buf)))
        }
        "*" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            let mut items = Vec::new();
            for _ in 0..len.max(0) {
                items.push(Box::pin(read_value(reader)).await?);
            }
            Ok(Value::Array(items))
        }
        _ => Err(bad()),
    }
}

async fn connect(target: &Target) -> std::io::Result<BufReader<TcpStream>> {
    let stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(&target.addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connecting to Redis"))??;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    if let Some(password) = &target.password {
        stream
            .get_mut()
            .write_all(&command(&[b"AUTH", password.as_bytes()]))
            .await?;
        if let Value::Error(e) = read_value(&mut stream).await? {
            return Err(std::io::Error::other(format!("Redis AUTH: {e}")));
        }
    }
    Ok(stream)
}

/// Publishes on one lazily (re)connected connection.
#[derive(Debug)]
pub struct Publisher {
    url: String,
    conn: Mutex<Option<BufReader<TcpStream>>>,
}

impl Publisher {
    pub fn new(url: String) -> Publisher {
        Publisher {
            url,
            conn: Mutex::new(None),
        }
    }

    /// `PUBLISH channel payload`, reconnecting once if the connection broke.
    pub async fn publish(&self, channel: &str, payload: &[u8]) -> std::io::Result<()> {
        let target = parse_url(&self.url).map_err(std::io::Error::other)?;
        let message = command(&[b"PUBLISH", channel.as_bytes(), payload]);
        let mut guard = self.conn.lock().await;
        for attempt in 0..2 {
            if guard.is_none() {
                *guard = Some(connect(&target).await?);
            }
            let Some(conn) = guard.as_mut() else {
                continue;
            };
            let sent = async {
                conn.get_mut().write_all(&message).await?;
                read_value(conn).await
            }
            .await;
            match sent {
                Ok(Value::Error(e)) => return Err(std::io::Error::other(e)),
                Ok(_) => return Ok(()),
                Err(e) if attempt == 0 => {
                    tracing::debug!(error = %e, "Redis publisher reconnecting");
                    *guard = None;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// What the subscriber hands its callback.
#[derive(Debug)]
pub enum Incoming {
    Message(Vec<u8>),
    /// The subscription was (re)established after a break: messages may have been lost.
    Reconnected,
}

/// Subscribes to `channel` forever, reconnecting with backoff (100 ms doubling to 5 s).
pub fn spawn_subscriber(
    url: String,
    channel: String,
    on_message: impl Fn(Incoming) + Send + Sync + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        let mut first = true;
        loop {
            match subscribe_once(&url, &channel, &on_message, &mut first, &mut backoff).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "Redis subscriber disconnected"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    })
}

async fn subscribe_once(
    url: &str,
    channel: &str,
    on_message: &(impl Fn(Incoming) + Send + Sync),
    first: &mut bool,
    backoff: &mut Duration,
) -> std::io::Result<()> {
    let target = parse_url(url).map_err(std::io::Error::other)?;
    let mut conn = connect(&target).await?;
    conn.get_mut()
        .write_all(&command(&[b"SUBSCRIBE", channel.as_bytes()]))
        .await?;
    loop {
        let value = read_value(&mut conn).await?;
        let Value::Array(items) = value else {
            continue;
        };
        match items.first() {
            Some(Value::Bulk(Some(kind))) if kind == b"subscribe" => {
                *backoff = Duration::from_millis(100);
                if !*first {
                    on_message(Incoming::Reconnected);
                }
                *first = false;
            }
            Some(Value::Bulk(Some(kind))) if kind == b"message" => {
                if let Some(Value::Bulk(Some(payload))) = items.into_iter().nth(2) {
                    on_message(Incoming::Message(payload));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_and_without_port_and_password() {
        assert_eq!(
            parse_url("redis://127.0.0.1").unwrap(),
            Target {
                addr: "127.0.0.1:6379".into(),
                password: None
            }
        );
        assert_eq!(
            parse_url("redis://:s3cret@cache:6380/2").unwrap(),
            Target {
                addr: "cache:6380".into(),
                password: Some("s3cret".into())
            }
        );
        assert!(parse_url("http://x").is_err());
        assert!(parse_url("redis://").is_err());
    }

    #[tokio::test]
    async fn resp_values_parse() {
        let mut input: &[u8] = b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5\r\nhello\r\n";
        let mut reader = tokio::io::BufReader::new(&mut input);
        let value = read_value(&mut reader).await.unwrap();
        assert_eq!(
            value,
            Value::Array(vec![
                Value::Bulk(Some(b"message".to_vec())),
                Value::Bulk(Some(b"c".to_vec())),
                Value::Bulk(Some(b"hello".to_vec())),
            ])
        );
        let mut bad: &[u8] = b"?what\r\n";
        let mut reader = tokio::io::BufReader::new(&mut bad);
        assert!(read_value(&mut reader).await.is_err());
    }
}
