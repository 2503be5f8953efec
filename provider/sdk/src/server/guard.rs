//! Turning a panic inside an RPC handler into an error diagnostic.
//!
//! A panic that unwound through tonic would reset the stream and Terraform would report a
//! broken plugin with no hint of the cause. Catching it at the handler boundary keeps the
//! connection alive and tells the user which operation failed and why.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::framework::diagnostics::Diagnostic;

/// Runs `handler`; a panic becomes `Err` with an error diagnostic naming `rpc`.
pub async fn catch_panic<T>(rpc: &'static str, handler: impl Future<Output = T>) -> Result<T, Diagnostic> {
    AssertUnwindSafe(handler).catch_unwind().await.map_err(|payload| {
        let message = panic_message(payload.as_ref());
        tracing::error!(rpc, panic = %message, "provider handler panicked");
        Diagnostic::error(
            "Provider internal error",
            format!(
                "The provider failed unexpectedly while handling {rpc}: {message}\n\nThis is a bug in the provider; please report it with the Terraform log (TF_LOG=DEBUG)."
            ),
        )
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn panics_become_diagnostics() {
        let result = catch_panic("ReadResource", async { panic!("boom {}", 7) }).await;
        let diag: Diagnostic = result.expect_err("must catch");
        assert!(diag.detail.contains("ReadResource: boom 7"), "{}", diag.detail);
        assert_eq!(catch_panic("X", async { 5 }).await, Ok(5));
    }
}
