use std::process::ExitCode;

/// jemalloc: every request allocates and frees many small buffers (headers,
/// JSON, rows); glibc's malloc spent a sixth of the server's CPU on them under
/// load. jemalloc cuts the SSO hit's CPU by a fifth, as mimalloc did, but it
/// keeps the idle RSS where glibc's was (mimalloc doubled it).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
