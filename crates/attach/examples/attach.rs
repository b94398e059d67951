//! A stand-alone front end for manual testing: `attach --check PATH`, `attach [-v] --exe PATH`,
//! `attach [-v] --pid PID` (the real one is `autotel attach`).
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.first().is_some_and(|a| a == "-v");
    if verbose {
        args.remove(0);
    }
    let with = |target| attach::AttachOptions { verbose, ..attach::AttachOptions::new(target) };
    let (flag, value) = match args.as_slice() {
        [f, v] => (f.as_str(), v.clone()),
        _ => {
            eprintln!("usage: attach --check PATH | [-v] --exe PATH | [-v] --pid PID");
            std::process::exit(2);
        }
    };
    let result = match flag {
        "--check" => attach::check(value.as_ref()).map(|r| print!("{r}")),
        "--exe" => attach::run(with(attach::Target::Exe(value.into()))),
        "--pid" => match value.parse() {
            Ok(pid) => attach::run(with(attach::Target::Pid(pid))),
            Err(_) => {
                eprintln!("--pid takes a number");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: attach --check PATH | [-v] --exe PATH | [-v] --pid PID");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        let mut msg = format!("error: {e}");
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        eprintln!("{msg}");
        std::process::exit(1);
    }
}
