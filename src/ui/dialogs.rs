//! File dialogs that never freeze the window, and a typed path beside each of them.
//!
//! rfd's dialogs block the thread that calls them (on Linux its xdg-desktop-portal back end
//! waits on D-Bus, its zenity fallback on the zenity process), so each runs on a thread of its
//! own, as rfd's own `AsyncFileDialog` does on this back end, and the window polls for the
//! answer. Where neither a portal nor zenity is installed, rfd returns nothing at all; lineup
//! looks for them first, and says so in words instead of a button that silently does nothing.
//! Every field can always be typed (or pasted) into.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

use eframe::egui;

/// What the person sees when a "…" button has no dialog to open.
pub const NO_FILE_DIALOG: &str = "No file dialog is available on this computer (install \
     xdg-desktop-portal or zenity); type the path instead.";

/// Whether this computer can show file dialogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileDialogs {
    Available,
    Missing,
}

impl FileDialogs {
    /// Looks for what rfd needs on this computer: an xdg-desktop-portal on the session bus, or
    /// zenity on the `PATH`. (On other systems the dialogs are the system's own.)
    pub fn probe() -> Self {
        if !cfg!(target_os = "linux") {
            return FileDialogs::Available;
        }
        Self::probe_in(
            std::env::var_os("PATH").as_deref(),
            std::env::var_os("XDG_DATA_DIRS").as_deref(),
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").as_deref(),
        )
    }

    /// [`probe`](Self::probe) with the environment given: zenity on `path`, or a session bus
    /// and a portal's D-Bus service file in one of `data_dirs` (default `/usr/local/share:/usr/share`).
    pub fn probe_in(path: Option<&OsStr>, data_dirs: Option<&OsStr>, bus: Option<&OsStr>) -> Self {
        let zenity = path
            .into_iter()
            .flat_map(std::env::split_paths)
            .any(|dir| dir.join("zenity").is_file());
        let default_dirs = OsStr::new("/usr/local/share:/usr/share");
        let data_dirs = data_dirs.filter(|d| !d.is_empty()).unwrap_or(default_dirs);
        let portal = bus.is_some_and(|b| !b.is_empty())
            && std::env::split_paths(data_dirs).any(|dir| {
                dir.join("dbus-1/services/org.freedesktop.portal.Desktop.service")
                    .is_file()
            });
        if zenity || portal {
            FileDialogs::Available
        } else {
            FileDialogs::Missing
        }
    }
}

/// Which dialog a "…" button opens.
#[derive(Debug, Clone)]
pub(crate) enum Pick {
    /// One file, of these extensions (none: any).
    File {
        kind: &'static str,
        extensions: &'static [&'static str],
    },
    /// Several files.
    Files,
    Folder,
    /// Where to write something new, suggesting this name.
    Save {
        kind: &'static str,
        extensions: &'static [&'static str],
        name: &'static str,
    },
}

impl Pick {
    /// Shows the dialog (blocking the calling thread) and returns what was chosen.
    fn show(self) -> Vec<PathBuf> {
        let dialog = rfd::FileDialog::new();
        match self {
            Pick::File { kind, extensions } if !extensions.is_empty() => dialog
                .add_filter(kind, extensions)
                .pick_file()
                .into_iter()
                .collect(),
            Pick::File { .. } => dialog.pick_file().into_iter().collect(),
            Pick::Files => dialog.pick_files().unwrap_or_default(),
            Pick::Folder => dialog.pick_folder().into_iter().collect(),
            Pick::Save {
                kind,
                extensions,
                name,
            } => {
                let dialog = dialog.set_file_name(name);
                let dialog = if extensions.is_empty() {
                    dialog
                } else {
                    dialog.add_filter(kind, extensions)
                };
                dialog.save_file().into_iter().collect()
            }
        }
    }
}

/// A path the person types, or fills in with a dialog opened by a "…" button beside it.
#[derive(Debug, Default)]
pub(crate) struct PathField {
    /// What the field holds: typed, pasted or chosen.
    pub(crate) text: String,
    /// A dialog open on its own thread, and where its answer comes.
    pending: Option<Receiver<Vec<PathBuf>>>,
}

impl PathField {
    pub(crate) fn holding(path: Option<&Path>) -> Self {
        Self {
            text: path.map(|p| p.display().to_string()).unwrap_or_default(),
            pending: None,
        }
    }

    /// The path typed or chosen, if any.
    pub(crate) fn path(&self) -> Option<PathBuf> {
        let text = self.text.trim();
        (!text.is_empty()).then(|| PathBuf::from(text))
    }

    /// The text box, labelled `label` for screen readers and tests.
    pub(crate) fn edit(&mut self, ui: &mut egui::Ui, label: &str, width: f32) -> egui::Response {
        let name = ui.label(label);
        ui.add(
            egui::TextEdit::singleline(&mut self.text)
                .hint_text("type or paste a path")
                .desired_width(width),
        )
        .labelled_by(name.id)
    }

    /// A "…" button that opens `pick` without blocking the window; with no dialog on this
    /// computer, it puts [`NO_FILE_DIALOG`] in `notice` instead. Returns true when clicked.
    pub(crate) fn browse(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        pick: Pick,
        dialogs: FileDialogs,
        notice: &mut Option<String>,
    ) -> bool {
        let busy = self.pending.is_some();
        let clicked = ui.add_enabled(!busy, egui::Button::new(label)).clicked();
        if clicked {
            match dialogs {
                FileDialogs::Missing => *notice = Some(NO_FILE_DIALOG.into()),
                FileDialogs::Available => self.open(pick, ui.ctx()),
            }
        }
        if busy {
            ui.spinner();
        }
        clicked
    }

    fn open(&mut self, pick: Pick, ctx: &egui::Context) {
        let (sender, answer) = mpsc::channel();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let _ = sender.send(pick.show());
            repaint.request_repaint();
        });
        self.pending = Some(answer);
    }

    /// What a dialog chose, once it has closed (nothing when it was cancelled); the field then
    /// holds the first path chosen.
    pub(crate) fn chosen(&mut self) -> Option<Vec<PathBuf>> {
        let answer = match self.pending.as_ref()?.try_recv() {
            Ok(paths) => paths,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => Vec::new(),
        };
        self.pending = None;
        let first = answer.first()?;
        self.text = first.display().to_string();
        Some(answer)
    }
}
