//! The `--replay` and `--save` files: checking them, reading the one, opening the other.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};

use otlp::jsonl;
use otlp::model::Batch;

use crate::{ViewError, ViewOptions};

/// The `--save` file, opened for appending (created if missing).
pub(crate) struct SaveFile {
    pub(crate) path: PathBuf,
    pub(crate) writer: BufWriter<File>,
}

impl SaveFile {
    pub(crate) fn error(&self, error: io::Error) -> ViewError {
        ViewError::Save {
            path: self.path.clone(),
            error,
        }
    }
}

/// Reads the `--replay` file and opens the `--save` file, refusing one file for both.
pub(crate) fn open(options: &ViewOptions) -> Result<(Option<Batch>, Option<SaveFile>), ViewError> {
    if let (Some(save), Some(replay)) = (&options.save, &options.replay) {
        if same_file(save, replay) {
            return Err(ViewError::SaveIsReplay(replay.clone()));
        }
    }
    let replay = options.replay.as_deref().map(load_replay).transpose()?;
    let save = options.save.as_deref().map(open_save).transpose()?;
    Ok((replay, save))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn load_replay(path: &Path) -> Result<Batch, ViewError> {
    let file = File::open(path).map_err(|error| ViewError::ReplayOpen {
        path: path.to_owned(),
        error,
    })?;
    jsonl::read(BufReader::new(file)).map_err(|error| ViewError::Replay {
        path: path.to_owned(),
        error,
    })
}

fn open_save(path: &Path) -> Result<SaveFile, ViewError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| ViewError::SaveOpen {
            path: path.to_owned(),
            error,
        })?;
    Ok(SaveFile {
        path: path.to_owned(),
        writer: BufWriter::new(file),
    })
}
