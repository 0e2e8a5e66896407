//! The `mountguard` binary; the command line lives in `cli.rs`.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(mountguard::cli::main())
}
