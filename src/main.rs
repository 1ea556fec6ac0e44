fn main() -> std::process::ExitCode {
    // Before anything else, while this is the only thread (see the function's doc).
    lineup::vision::runtime::disable_onnx_runtime_telemetry();
    lineup::cli::main()
}
