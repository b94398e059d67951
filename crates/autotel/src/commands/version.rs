//! `autotel version`: the version of autotel and of what it embeds.

/// Print autotel's version and the hash of its embedded Go hook runtime.
#[derive(clap::Args)]
pub struct Args {}

pub fn exec(_: Args) -> Result<u8, Box<dyn std::error::Error>> {
    println!("autotel {} (hook runtime {})", env!("CARGO_PKG_VERSION"), build::runtime::hash());
    Ok(0)
}
