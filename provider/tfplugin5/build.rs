//! Generates the protocol-5 and go-plugin gRPC code from `proto/`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let wkt_include = protoc_bin_vendored::include_path()?;
    // prost-build reads PROTOC; build scripts run single-threaded, so setting
    // the variable for our own process is fine.
    std::env::set_var("PROTOC", &protoc);

    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("proto");
    let tfplugin5 = proto_dir.join("tfplugin5.proto");
    let plugin = proto_dir.join("plugin.proto");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", tfplugin5.display());
    println!("cargo:rerun-if-changed={}", plugin.display());

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // tonic is built without its `channel` feature: generate clients that
        // wrap any tower service instead of `tonic::transport::Channel`.
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .compile_protos(&[tfplugin5, plugin], &[proto_dir, wkt_include])?;
    Ok(())
}
