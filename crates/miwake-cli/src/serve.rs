//! `miwake serve`: the local web app (crates/miwake-server).

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::inputs::analyzer;

pub fn run(args: &ServeArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    let database = if args.no_history {
        None
    } else {
        Some(miwake_server::database_path(args.db.as_deref())?)
    };
    let config = miwake_server::Config {
        port: args.port,
        open_browser: !args.no_open,
        database,
        ..miwake_server::Config::default()
    };
    miwake_server::run(analyzer, &config)?;
    Ok(0)
}
