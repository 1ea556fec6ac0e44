//! When the desktop app cannot open its window (no display; no graphics adapter, as over remote
//! desktop, in a VM or with an old driver), `lineup` ends with one sentence that says what is
//! missing and what to do, never a panic or a bare library error.
#![cfg(feature = "gui")]

use std::process::{Command, Output};

fn lineup_app(command: &mut Command) -> Output {
    let home = tempfile::tempdir().unwrap();
    command
        .env("HOME", home.path())
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap()
}

#[test]
fn without_a_display_the_app_says_where_to_run_it() {
    let out = lineup_app(Command::new(env!("CARGO_BIN_EXE_lineup")).env_remove("DISPLAY"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("no display"), "{stderr}");
    assert!(stderr.contains("DISPLAY"), "{stderr}");
    assert!(stderr.contains("lineup --help"), "{stderr}");
}

/// `WGPU_BACKEND=dx12` on Linux leaves wgpu with no backend that can draw, as a machine with no
/// usable driver would.
#[test]
fn without_a_graphics_adapter_the_app_says_what_to_install() {
    let out = lineup_app(
        Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x720x24"])
            .arg(env!("CARGO_BIN_EXE_lineup"))
            .env("WGPU_BACKEND", "dx12"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("graphics"), "{stderr}");
    assert!(stderr.contains("mesa-vulkan-drivers"), "{stderr}");
    assert!(stderr.contains("lineup --help"), "{stderr}");
}
