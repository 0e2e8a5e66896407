//! Placeholder entry point; the command line lives in `cli.rs`.

fn main() {
    eprintln!("mountguard: command line not wired yet");
    std::process::exit(2);
}
