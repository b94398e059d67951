//! `autotel inspect`: what a Go executable was instrumented with, or what attach would trace.

use std::path::PathBuf;

/// Show what a program was instrumented with by `autotel go build` (autotel and Go versions,
/// the instrumented packages and their versions, read from the executable, stripped or not);
/// for a program built without autotel, what `autotel attach` would trace in it.
#[derive(clap::Args)]
pub struct Args {
    /// The Go executable.
    #[arg(value_name = "BINARY")]
    path: PathBuf,
    /// Print JSON: {"path", "manifest": {...} or null, "attach": {...} or null}.
    #[arg(long)]
    json: bool,
}

pub fn exec(args: Args) -> Result<u8, Box<dyn std::error::Error>> {
    let path = &args.path;
    let manifest = manifest::Manifest::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let print_json = |manifest: Option<&manifest::Manifest>, attach: Option<attach::summary::Summary>| {
        let json = serde_json::json!({ "path": path, "manifest": manifest, "attach": attach });
        println!("{}", serde_json::to_string_pretty(&json).expect("JSON values serialize"));
    };
    if let Some(manifest) = manifest {
        match args.json {
            true => print_json(Some(&manifest), None),
            false => print!("{}: {manifest}", path.display()),
        }
        return Ok(0);
    }
    let report = attach::check(path)?;
    match args.json {
        true => print_json(None, Some(report.summary())),
        false => print!(
            "{}: not built by `autotel go build` (it holds no autotel manifest); `autotel attach` would trace it as follows.\n\n{report}",
            path.display()
        ),
    }
    Ok(0)
}
