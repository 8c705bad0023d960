//! The `evacbench` command: parses the command line and runs the chosen tool.
//!
//! Errors are printed on stderr as `error: ...` and end the process with a non-zero status
//! (2 for invalid arguments, 1 for failures while running); stdout carries only results.

mod cli;

use std::io;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

// `evacbench tune` measures through the suite's runner, whose allocation pass needs every
// allocation of the process to go through the counter (as in the bench binary).
#[global_allocator]
static ALLOCATOR: evacbench::probes::alloc::Counting = evacbench::probes::alloc::Counting;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tune(args) => evacbench::tune::run(
            &args.into_config(),
            &mut io::stdout().lock(),
            &mut io::stderr(),
        )
        .map(drop)
        .map_err(|e| (e.to_string(), e.exit_code())),
        Command::Report(args) => evacbench::report::render(&args.into_options())
            .map(|(paths, tune)| {
                if let Some(t) = tune {
                    eprintln!("evacbench: including the tune run {}", t.display());
                }
                eprintln!("evacbench: wrote {}", paths.json.display());
                println!("{}", paths.html.display());
            })
            .map_err(|e| (e, 1)),
        Command::Compare(args) => {
            let opts = evacbench::noise_check::CompareOptions {
                baseline: args.baseline,
                current: args.current,
                noise: args.noise,
                slowdown: args.slowdown,
                budget_pct: args.budget,
            };
            match evacbench::noise_check::compare(&opts) {
                Ok((text, ok)) => {
                    print!("{text}");
                    if ok {
                        Ok(())
                    } else {
                        Err((
                            "over budget: more flagged than --budget allows, an exact value \
                             differs, or the slowdown was not caught (see above)"
                                .to_owned(),
                            1,
                        ))
                    }
                }
                Err(e) => Err((e, 1)),
            }
        }
        Command::Calibrate(args) => evacbench::noise_check::calibrate(&args.runs, &args.out)
            .map(|text| print!("{text}"))
            .map_err(|e| (e, 1)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((message, code)) => {
            eprintln!("error: {message}");
            ExitCode::from(code as u8)
        }
    }
}
