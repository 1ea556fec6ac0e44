//! What the app remembers between sessions, in `$XDG_CONFIG_HOME/lineup/settings.ron` (else
//! `~/.config/lineup/settings.ron`): for now the reviewer's published key last used to verify a
//! bundle, so the Verify form starts with it. Written atomically; a missing or damaged file
//! means nothing is remembered, never an error at start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::review::{save_failure, write_atomically};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Remembered {
    /// The published (public) key last used to verify a bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published_key: Option<PathBuf>,
}

/// The settings and the file they live in (None: nowhere to keep them, e.g. no home folder).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    file: Option<PathBuf>,
    remembered: Remembered,
}

#[derive(Debug, thiserror::Error)]
#[error("{}: the settings cannot be saved: {reason}", file.display())]
pub struct SettingsError {
    file: PathBuf,
    reason: String,
}

impl Settings {
    /// Where this user's settings live: `$XDG_CONFIG_HOME/lineup/settings.ron`, else
    /// `$HOME/.config/lineup/settings.ron`.
    pub fn default_file() -> Option<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        set("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".config")))
            .map(|config| config.join("lineup").join("settings.ron"))
    }

    /// This user's settings (nothing remembered when the file is missing or unreadable).
    pub fn load() -> Self {
        Self::default_file().map_or_else(Self::default, Self::load_from)
    }

    pub fn load_from(file: PathBuf) -> Self {
        let remembered = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| ron::from_str(&text).ok())
            .unwrap_or_default();
        Self {
            file: Some(file),
            remembered,
        }
    }

    pub fn published_key(&self) -> Option<&Path> {
        self.remembered.published_key.as_deref()
    }

    /// Remembers `key` as the published key to verify with, and saves the settings.
    pub fn remember_published_key(&mut self, key: &Path) -> Result<(), SettingsError> {
        if self.published_key() == Some(key) {
            return Ok(());
        }
        self.remembered.published_key = Some(key.to_path_buf());
        self.save()
    }

    fn save(&self) -> Result<(), SettingsError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let failed = |reason: String| SettingsError {
            file: file.clone(),
            reason,
        };
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder).map_err(|e| failed(e.to_string()))?;
        }
        let text = ron::ser::to_string_pretty(&self.remembered, Default::default())
            .map_err(|e| failed(e.to_string()))?;
        write_atomically(file, text.as_bytes()).map_err(|e| failed(save_failure(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_key_is_remembered_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lineup/settings.ron");
        let mut settings = Settings::load_from(file.clone());
        assert_eq!(settings.published_key(), None);
        settings
            .remember_published_key(Path::new("/keys/reviewer.pub"))
            .unwrap();
        let again = Settings::load_from(file.clone());
        assert_eq!(again.published_key(), Some(Path::new("/keys/reviewer.pub")));
        std::fs::write(&file, "not settings").unwrap();
        assert_eq!(Settings::load_from(file).published_key(), None);
    }
}
