//! `send-floor`: what the kernel alone charges for a WebSocket delivery on this machine.
//!
//! The hub's fan-out ends in one `write` of a small frame per subscriber on a loopback TCP
//! socket. This measures that cost with nothing of ChainSync around it, as a floor to compare
//! the server's CPU per delivery against (docs/performance.md, "The kernel's floor"): a
//! `receive` process accepts N connections and reads and discards everything (as the load
//! generator would), and a `send` process opens them, then writes one frame of `--frame-bytes`
//! to each of a channel's `connections / channels` sockets, `--rate` times a second, channels
//! in turn, with blocking writes from one thread (TCP_NODELAY, as the server sets). The sender
//! prints its own CPU time per write; the receiver prints what arrived, so a short count shows.
//!
//! Run them on different cores, the sender where the server would run:
//! `taskset -c 1 chainsync-bench send-floor receive` then
//! `taskset -c 0 chainsync-bench send-floor send --rate 1000`.

use anyhow::Context;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    side: Side,
}

#[derive(Debug, clap::Subcommand)]
enum Side {
    /// Accept connections and read everything they send until each closes.
    Receive {
        #[arg(long, default_value = "127.0.0.1:18999")]
        listen: String,
    },
    /// Open the connections and write frames at a fixed rate; print CPU per write.
    Send {
        #[arg(long, default_value = "127.0.0.1:18999")]
        to: String,
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// Groups the connections are spread over; each burst writes to one group.
        #[arg(long, default_value_t = 200)]
        channels: usize,
        /// Bursts per second (each burst: `connections / channels` writes).
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        /// Seconds of sending. With `--rate 0`, as fast as possible for this long.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Bytes per write (an event's WebSocket frame is about 300).
        #[arg(long, default_value_t = 300)]
        frame_bytes: usize,
    },
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    match &args.side {
        Side::Receive { listen } => receive(listen),
        Side::Send {
            to,
            connections,
            channels,
            rate,
            duration,
            frame_bytes,
        } => send(
            to,
            *connections,
            (*channels).max(1),
            *rate,
            *duration,
            *frame_bytes,
        ),
    }
}

/// One thread, one `epoll` (tokio's current-thread runtime): every connection is read into
/// a 4 KiB buffer, as the `ws` load generator reads its sockets.
fn receive(listen: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).with_context(|| format!("binding {listen}"))?;
    listener.set_nonblocking(true)?;
    eprintln!("receiving on {listen}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let served: anyhow::Result<()> = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let (done, mut finished) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let mut open = 0usize;
        let mut total = 0u64;
        let mut seen = 0usize;
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (mut stream, _) = accepted?;
                    open += 1;
                    seen += 1;
                    let done = done.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 4096];
                        let mut bytes = 0u64;
                        while let Ok(n @ 1..) = stream.read(&mut buf).await {
                            bytes += n as u64;
                        }
                        let _ = done.send(bytes);
                    });
                }
                Some(bytes) = finished.recv() => {
                    total += bytes;
                    open -= 1;
                    if open == 0 {
                        println!("received {total} bytes over {seen} connections");
                        total = 0;
                        seen = 0;
                    }
                }
            }
        }
    });
    served
}

fn send(
    to: &str,
    connections: usize,
    channels: usize,
    rate: u64,
    duration: u64,
    frame_bytes: usize,
) -> anyhow::Result<()> {
    let mut sockets = Vec::with_capacity(connections);
    for i in 0..connections {
        let stream = TcpStream::connect(to).with_context(|| format!("connection {i} to {to}"))?;
        stream.set_nodelay(true)?;
        sockets.push(stream);
    }
    // Connection i belongs to channel i % channels, as the `ws` bench subscribes them.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); channels];
    for i in 0..connections {
        groups[i % channels].push(i);
    }
    let frame = vec![b'x'; frame_bytes];
    let pid = std::process::id();
    std::thread::sleep(Duration::from_millis(500));
    let cpu_before = crate::ws::cpu_secs(pid).context("reading /proc/self/stat")?;
    let start = Instant::now();
    let end = start + Duration::from_secs(duration);
    let mut writes = 0u64;
    let mut burst = 0u64;
    loop {
        if rate > 0 {
            let due = start + Duration::from_secs_f64(burst as f64 / rate as f64);
            if due >= end {
                break;
            }
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        } else if Instant::now() >= end {
            break;
        }
        for &i in &groups[burst as usize % channels] {
            sockets[i].write_all(&frame)?;
            writes += 1;
        }
        burst += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = crate::ws::cpu_secs(pid).context("reading /proc/self/stat")? - cpu_before;
    println!(
        "{writes} writes of {frame_bytes} bytes in {elapsed:.2} s ({:.0}/s, {burst} bursts) over {connections} connections",
        writes as f64 / elapsed
    );
    println!(
        "sender CPU {cpu:.2} s ({:.0} % of a core): {:.2} µs per write",
        100.0 * cpu / elapsed,
        cpu * 1e6 / writes.max(1) as f64
    );
    println!(
        "expect the receiver to print {} bytes",
        writes * frame_bytes as u64
    );
    for mut socket in sockets {
        let _ = socket.flush();
        let _ = socket.shutdown(std::net::Shutdown::Write);
        // Wait for the receiver's close so nothing is still in flight when we exit.
        let _ = socket.read(&mut [0u8; 1]);
    }
    Ok(())
}
