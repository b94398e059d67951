//! The ELF file of a Go program: its bytes, architecture, sections and loadable segments, and
//! the translation from a virtual address to the file offset a uprobe is attached at.
//!
//! Position-independent executables keep their absolute pointers as zero words plus a
//! relative dynamic relocation (`R_X86_64_RELATIVE`, `R_AARCH64_RELATIVE`) whose addend is the
//! link-time value; [`Binary::pointer_at`] resolves them, and [`Binary::words_pointing_to`]
//! finds a pointer by its value whether it is stored or relocated.
//!
//! Owns no Go knowledge; `buildinfo`, `pclntab`, `disasm` and `dwarf` build on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use object::{Object, ObjectSection, ObjectSegment};

use crate::error::AttachError;

/// Instruction set of the target binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Arch::X86_64 => "amd64",
            Arch::Aarch64 => "arm64",
        })
    }
}

/// One section header, kept by name (stripped binaries keep their section headers).
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub addr: u64,
    pub size: u64,
    /// File range, `None` for sections without file data (`.bss`).
    pub file_range: Option<(u64, u64)>,
}

/// A `PT_LOAD` segment.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub vaddr: u64,
    pub file_offset: u64,
    pub file_size: u64,
}

/// An ELF executable read into memory.
pub struct Binary {
    pub path: PathBuf,
    pub data: Vec<u8>,
    pub arch: Arch,
    pub little_endian: bool,
    pub sections: Vec<Section>,
    pub segments: Vec<Segment>,
    pub has_dwarf: bool,
    /// Relative dynamic relocations: link-time address of the pointer → its link-time value.
    pub relative_relocs: HashMap<u64, u64>,
}

/// `R_X86_64_RELATIVE` and `R_AARCH64_RELATIVE`.
const R_X86_64_RELATIVE: u32 = 8;
const R_AARCH64_RELATIVE: u32 = 1027;

impl Binary {
    /// Reads and indexes `path`.
    pub fn open(path: &Path) -> Result<Binary, AttachError> {
        let data = std::fs::read(path).map_err(|source| AttachError::Read {
            path: path.to_owned(),
            source,
        })?;
        Binary::from_bytes(path, data)
    }

    /// Indexes an ELF image already in memory (`path` is only used in messages).
    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<Binary, AttachError> {
        let file = object::File::parse(&*data).map_err(|source| AttachError::NotElf {
            path: path.to_owned(),
            source,
        })?;
        if file.format() != object::BinaryFormat::Elf {
            return Err(AttachError::NotGo {
                path: path.to_owned(),
                reason: format!("{:?} file, not ELF", file.format()),
            });
        }
        let arch = match file.architecture() {
            object::Architecture::X86_64 => Arch::X86_64,
            object::Architecture::Aarch64 => Arch::Aarch64,
            other => {
                return Err(AttachError::UnsupportedArch {
                    path: path.to_owned(),
                    arch: format!("{other:?}"),
                })
            }
        };
        let sections = file
            .sections()
            .map(|s| Section {
                name: s.name().unwrap_or("").to_owned(),
                addr: s.address(),
                size: s.size(),
                file_range: s.file_range(),
            })
            .collect::<Vec<_>>();
        let segments = file
            .segments()
            .map(|s| {
                let (file_offset, file_size) = s.file_range();
                Segment {
                    vaddr: s.address(),
                    file_offset,
                    file_size,
                }
            })
            .collect();
        let has_dwarf = sections
            .iter()
            .any(|s| s.name == ".debug_info" || s.name == ".zdebug_info");
        let little_endian = file.is_little_endian();
        let is_64 = file.is_64();
        drop(file);
        let mut bin = Binary {
            path: path.to_owned(),
            data,
            arch,
            little_endian,
            sections,
            segments,
            has_dwarf,
            relative_relocs: HashMap::new(),
        };
        bin.relative_relocs = bin.read_relative_relocs(is_64);
        Ok(bin)
    }

    /// Every `Elf64_Rela` entry of the `.rela*` sections whose type is the architecture's
    /// relative relocation (32-bit ELF has none attach supports).
    fn read_relative_relocs(&self, is_64: bool) -> HashMap<u64, u64> {
        let relative = match self.arch {
            Arch::X86_64 => R_X86_64_RELATIVE,
            Arch::Aarch64 => R_AARCH64_RELATIVE,
        };
        let mut out = HashMap::new();
        if !is_64 {
            return out;
        }
        for s in self.sections.iter().filter(|s| s.name.starts_with(".rela")) {
            let Some(data) = self.section_data(&s.name) else { continue };
            for rela in data.chunks_exact(24) {
                let info = self.read_uint(&rela[8..16], 8);
                if info as u32 == relative {
                    out.insert(self.read_uint(&rela[0..8], 8), self.read_uint(&rela[16..24], 8));
                }
            }
        }
        out
    }

    /// The pointer-sized word at a virtual address, with its relative relocation applied: the
    /// link-time value a position-independent binary's loader would write there.
    pub fn pointer_at(&self, vaddr: u64, ptr_size: usize) -> Option<u64> {
        if let Some(v) = self.relative_relocs.get(&vaddr) {
            return Some(*v);
        }
        self.bytes_at(vaddr, ptr_size as u64).map(|b| self.read_uint(b, ptr_size))
    }

    /// Addresses of the pointers whose value is `value`, stored in the file (pointer-aligned
    /// words of the loaded sections other than `.text` and `.gopclntab`) or through a relative
    /// relocation.
    pub fn words_pointing_to(&self, value: u64, ptr_size: usize) -> Vec<u64> {
        let mut out: Vec<u64> = self
            .relative_relocs
            .iter()
            .filter(|(_, v)| **v == value)
            .map(|(at, _)| *at)
            .collect();
        let scanned = |s: &&Section| s.addr != 0 && s.name != ".text" && s.name != ".gopclntab";
        for s in self.sections.iter().filter(scanned) {
            let Some(data) = self.section_data(&s.name) else { continue };
            for (i, w) in data.chunks_exact(ptr_size).enumerate() {
                if self.read_uint(w, ptr_size) == value {
                    out.push(s.addr + (i * ptr_size) as u64);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The file bytes of a section, if it has any.
    pub fn section_data(&self, name: &str) -> Option<&[u8]> {
        let (off, size) = self.section(name)?.file_range?;
        self.data.get(off as usize..(off + size) as usize)
    }

    /// File offset of a virtual address, through the `PT_LOAD` segments. This is the offset a
    /// uprobe is attached at.
    pub fn vaddr_to_offset(&self, vaddr: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|s| s.vaddr <= vaddr && vaddr < s.vaddr + s.file_size)
            .map(|s| s.file_offset + (vaddr - s.vaddr))
    }

    /// Virtual address of a file offset, through the `PT_LOAD` segments.
    pub fn offset_to_vaddr(&self, offset: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|s| s.file_offset <= offset && offset < s.file_offset + s.file_size)
            .map(|s| s.vaddr + (offset - s.file_offset))
    }

    /// `len` bytes of the image at a virtual address.
    pub fn bytes_at(&self, vaddr: u64, len: u64) -> Option<&[u8]> {
        let off = self.vaddr_to_offset(vaddr)?;
        // The range must stay inside the one segment that holds `vaddr`.
        let seg = self
            .segments
            .iter()
            .find(|s| s.vaddr <= vaddr && vaddr < s.vaddr + s.file_size)?;
        if vaddr + len > seg.vaddr + seg.file_size {
            return None;
        }
        self.data.get(off as usize..(off + len) as usize)
    }

    pub fn read_uint(&self, bytes: &[u8], size: usize) -> u64 {
        let mut v = 0u64;
        for i in 0..size.min(8) {
            let b = bytes.get(i).copied().unwrap_or(0) as u64;
            if self.little_endian {
                v |= b << (8 * i);
            } else {
                v = (v << 8) | b;
            }
        }
        v
    }

    pub(crate) fn malformed(&self, what: &'static str, detail: impl Into<String>) -> AttachError {
        AttachError::Malformed {
            path: self.path.clone(),
            what,
            detail: detail.into(),
        }
    }
}
