//! `miwake serve`: the local web app (crates/miwake-server).

use anyhow::Result;

use crate::cli::ServeArgs;
use crate::inputs::analyzer;

pub fn run(args: &ServeArgs) -> Result<u8> {
    let analyzer = analyzer(&args.knowledge)?;
    // Without a place for the evidence log the app still works; History says it is off.
    let database = if args.no_history {
        None
    } else {
        match miwake_server::database_path(args.db.as_deref()) {
            Ok(path) => Some(path),
            Err(e) => {
                eprintln!("miwake: {e}; running without history");
                None
            }
        }
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
