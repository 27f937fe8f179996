//! The `chainsync` binary: all behaviour lives in the library.

/// mimalloc instead of glibc's allocator, for Rust and (with the `override` feature) for
/// SQLite's C allocations too: glibc's malloc and free were about 14 % of the server's time in
/// a checkout profile; with mimalloc checkout is about 14 % faster and an idle WebSocket costs
/// about half the memory (docs/performance.md, Checkout, "mimalloc").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chainsync_server::cli::main()
}
