fn main() -> std::process::ExitCode {
    lineup::cli::main()
}
