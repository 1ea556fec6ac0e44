//! Footage: the files a reviewer brings. For now stills (single images and folders of them);
//! video decoding arrives with the footage issue. Every input is hashed so a review can prove
//! which bytes it looked at.

pub mod still;

use std::path::{Path, PathBuf};

pub use crate::digest::{FileDigest, sha256_file};
pub use still::{LoadedImage, MAX_PIXELS, load_image};

/// What went wrong with one input file. Every message names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FootageError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot be read: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: the file is empty (0 bytes)", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: not an image lineup can read (recognised formats: JPEG, PNG, TIFF, WebP, BMP, GIF)",
        path.display()
    )]
    NotAnImage { path: PathBuf },
    #[error("{}: the image is damaged and cannot be decoded: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{}: the image is {width}×{height} pixels ({} megapixels); lineup refuses images above {} \
         megapixels to keep memory bounded. Scale it down first.",
        path.display(), (*width as u64 * *height as u64) / 1_000_000, MAX_PIXELS / 1_000_000
    )]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    #[error("{}: the folder holds no images ({})", path.display(), IMAGE_EXTENSIONS.join(", "))]
    EmptyFolder { path: PathBuf },
}

/// File name extensions taken as stills when a folder is expanded.
pub const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp", "jfif",
];

pub fn is_image_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        IMAGE_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(e))
    })
}

/// Expands the paths a reviewer named into the image files to analyse, in order: files as given,
/// folders as their images in natural order ("frame2" before "frame10"). A folder's other files
/// are ignored; a file named directly is always tried, whatever its extension.
pub fn expand_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FootageError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match expand_one(path) {
            Ok(found) => files.extend(found),
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
}

fn expand_one(path: &Path) -> Result<Vec<PathBuf>, FootageError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FootageError::NotFound {
            path: path.to_path_buf(),
        },
        _ => FootageError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let images = images_in_folder(path)?;
    if images.is_empty() {
        return Err(FootageError::EmptyFolder {
            path: path.to_path_buf(),
        });
    }
    Ok(images)
}

/// The images directly inside `folder`, in natural order of their file names.
pub fn images_in_folder(folder: &Path) -> Result<Vec<PathBuf>, FootageError> {
    let unreadable = |e: std::io::Error| FootageError::Unreadable {
        path: folder.to_path_buf(),
        reason: e.to_string(),
    };
    let mut images = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() && is_image_path(&path) {
            images.push(path);
        }
    }
    sort_naturally(&mut images);
    Ok(images)
}

/// Sorts paths so that numbered frames come in numeric order.
pub fn sort_naturally(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| natord::compare(&a.to_string_lossy(), &b.to_string_lossy()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_expand_to_their_images_in_natural_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["frame10.jpg", "frame2.PNG", "frame1.jpg", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.jpg")).unwrap();
        let (files, problems) = expand_inputs(&[dir.path().to_path_buf()]);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["frame1.jpg", "frame2.PNG", "frame10.jpg"]);
        assert!(problems.is_empty());
    }

    #[test]
    fn missing_paths_and_empty_folders_are_reported_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jpg");
        let (files, problems) = expand_inputs(&[missing.clone(), dir.path().to_path_buf()]);
        assert!(files.is_empty());
        assert_eq!(problems[0], FootageError::NotFound { path: missing });
        assert!(problems[1].to_string().contains("holds no images"));
    }
}
