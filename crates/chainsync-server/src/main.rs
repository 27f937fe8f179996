//! The `chainsync` binary: all behaviour lives in the library.

fn main() -> std::process::ExitCode {
    chainsync_server::cli::main()
}
