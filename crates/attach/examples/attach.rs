//! A stand-alone front end for manual testing: `attach --check PATH`, `attach --exe PATH`,
//! `attach --pid PID` (the real one is `autotel attach`).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (flag, value) = match args.as_slice() {
        [f, v] => (f.as_str(), v.clone()),
        _ => {
            eprintln!("usage: attach --check PATH | --exe PATH | --pid PID");
            std::process::exit(2);
        }
    };
    let result = match flag {
        "--check" => attach::check(value.as_ref()).map(|r| print!("{r}")),
        "--exe" => attach::run(attach::AttachOptions::new(attach::Target::Exe(value.into()))),
        "--pid" => match value.parse() {
            Ok(pid) => attach::run(attach::AttachOptions::new(attach::Target::Pid(pid))),
            Err(_) => {
                eprintln!("--pid takes a number");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: attach --check PATH | --exe PATH | --pid PID");
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
