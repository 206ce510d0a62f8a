use std::process::ExitCode;

/// mimalloc: every request allocates and frees many small buffers (headers, JSON,
/// rows); glibc's malloc spent a sixth of the server's CPU on them under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
