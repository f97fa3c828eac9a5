//! `miwake serve`: the local web app (crates/miwake-server).

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::inputs::analyzer;

pub fn run(args: &ServeArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let config = miwake_server::Config {
        port: args.port,
        open_browser: !args.no_open,
        ..miwake_server::Config::default()
    };
    miwake_server::run(analyzer, &config)?;
    Ok(0)
}
