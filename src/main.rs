use std::process::ExitCode;

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portcullis: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(portcullis::cli::run(std::env::args_os())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, as the contract asks.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("portcullis: {msg}");
            ExitCode::FAILURE
        }
    }
}
