//! What the app remembers between sessions, in `$XDG_CONFIG_HOME/lineup/settings.ron` (else
//! `~/.config/lineup/settings.ron`): for now the reviewer's published key last used to verify a
//! bundle, so the Verify form starts with it. Written atomically; a missing file means nothing
//! is remembered. A damaged one is no error at start either, but it is not overwritten
//! unseen: it is kept as `settings.ron.damaged`, and the app says so once.

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
    /// What was wrong with the file when it was read, for the app to say once.
    damage: Option<String>,
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
        let mut damage = None;
        let remembered = match std::fs::read_to_string(&file) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Remembered::default(),
            Err(error) => {
                damage = Some(format!(
                    "{}: the settings cannot be read ({error}); nothing is remembered from last \
                     time.",
                    file.display()
                ));
                Remembered::default()
            }
            Ok(text) => ron::from_str(&text).unwrap_or_else(|error| {
                damage = Some(keep_damaged(&file, &error.to_string()));
                Remembered::default()
            }),
        };
        Self {
            file: Some(file),
            remembered,
            damage,
        }
    }

    /// What was wrong with the settings file, the first time it is asked (then None).
    pub fn take_damage(&mut self) -> Option<String> {
        self.damage.take()
    }

    pub fn published_key(&self) -> Option<&Path> {
        self.remembered.published_key.as_deref()
    }

    /// Remembers `key` as the published key to verify with (as an absolute path, so that it
    /// is the same file whatever folder the app starts in next), and saves the settings.
    pub fn remember_published_key(&mut self, key: &Path) -> Result<(), SettingsError> {
        let key = std::path::absolute(key).unwrap_or_else(|_| key.to_path_buf());
        if self.published_key() == Some(key.as_path()) {
            return Ok(());
        }
        self.remembered.published_key = Some(key);
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

/// Keeps a copy of the damaged settings `file` beside it, and says so.
fn keep_damaged(file: &Path, reason: &str) -> String {
    let mut copy = file.as_os_str().to_owned();
    copy.push(".damaged");
    let copy = PathBuf::from(copy);
    let kept = match std::fs::copy(file, &copy) {
        Ok(_) => format!("a copy is kept as {}", copy.display()),
        Err(error) => format!("it could not be copied to {} ({error})", copy.display()),
    };
    let name = file
        .file_name()
        .unwrap_or(file.as_os_str())
        .to_string_lossy();
    format!(
        "{name} is damaged ({reason}): nothing is remembered from last time, and {kept}. The \
         settings are written afresh the next time something is remembered ({}).",
        file.display()
    )
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
        let mut damaged = Settings::load_from(file.clone());
        assert_eq!(damaged.published_key(), None);
        assert!(
            damaged
                .take_damage()
                .is_some_and(|d| d.contains("is damaged"))
        );
        assert_eq!(damaged.take_damage(), None, "said once");
        assert_eq!(
            std::fs::read_to_string(file.with_extension("ron.damaged")).unwrap(),
            "not settings"
        );
    }
}
