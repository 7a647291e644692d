//! Async work from synchronous code that may or may not already run inside
//! a runtime (startup runs in both): on a thread and runtime of its own.

/// Runs `work` to completion on its own thread; why not, if it could not.
pub fn on_own_thread<T: Send>(
    work: impl std::future::Future<Output = T> + Send,
) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(work))
                .map_err(|e| format!("no runtime: {e}"))
        })
        .join()
        .unwrap_or_else(|_| Err("stopped unexpectedly".into()))
    })
}
