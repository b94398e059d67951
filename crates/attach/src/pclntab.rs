//! Function lookup through `.gopclntab`, the runtime's own function table. It survives
//! `-ldflags=-s -w` stripping (which removes `.symtab` and DWARF), so it is the one source of
//! function addresses attach relies on.
//!
//! Layout read (Go 1.18 and later; magic `0xfffffff0` for 1.18–1.19, `0xfffffff1` for 1.20+):
//! a header of `magic u32, pad u16, minLC u8, ptrSize u8` followed by eight pointer-sized words
//! `nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset,
//! pclnOffset` (offsets relative to the table). At `pclnOffset` is the functab: `nfunc` pairs
//! `(entryOff u32, funcOff u32)` and one closing `entryOff`; entry offsets are relative to
//! the start of Go code (in externally linked cgo binaries it differs from `.text`, which
//! starts with C code; see [`text_start`] for where it is read). Each `_func` record starts with `entryOff u32, nameOff i32`,
//! `nameOff` indexing the NUL-terminated names at `funcnameOffset`.

use crate::binary::Binary;
use crate::buildinfo::find;
use crate::error::AttachError;

const MAGIC_118: u32 = 0xffff_fff0;
const MAGIC_120: u32 = 0xffff_fff1;

/// A Go function: its name and `[entry, end)` virtual address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Func {
    pub name: String,
    pub entry: u64,
    pub end: u64,
}

/// The parsed function table.
#[derive(Debug, Clone)]
pub struct Pclntab {
    pub text_start: u64,
    pub ptr_size: u8,
    pub funcs: Vec<Func>,
}

impl Pclntab {
    /// Parses the function table of a Go binary.
    pub fn read(bin: &Binary) -> Result<Pclntab, AttachError> {
        let data = match bin.section_data(".gopclntab") {
            Some(d) => d,
            None => locate_by_magic(bin).ok_or_else(|| AttachError::NotGo {
                path: bin.path.clone(),
                reason: "no .gopclntab section and no Go 1.18+ function table found".into(),
            })?,
        };
        if data.len() < 8 {
            return Err(bin.malformed(".gopclntab", "shorter than its header"));
        }
        let magic = bin.read_uint(&data[0..4], 4) as u32;
        if magic != MAGIC_118 && magic != MAGIC_120 {
            return Err(AttachError::NotGo {
                path: bin.path.clone(),
                reason: format!(
                    ".gopclntab magic {magic:#x} is not Go 1.18+ (attach supports Go 1.18 and later)"
                ),
            });
        }
        let ptr_size = data[7];
        if ptr_size != 4 && ptr_size != 8 {
            return Err(bin.malformed(".gopclntab", format!("pointer size {ptr_size}")));
        }
        let ps = ptr_size as usize;
        let word = |i: usize| -> Result<u64, AttachError> {
            let off = 8 + i * ps;
            data.get(off..off + ps)
                .map(|b| bin.read_uint(b, ps))
                .ok_or_else(|| bin.malformed(".gopclntab", "truncated header"))
        };
        let nfunc = usize::try_from(word(0)?)
            .map_err(|_| bin.malformed(".gopclntab", "function count"))?;
        let funcname_off = word(3)? as usize;
        let pcln_off = word(7)? as usize;
        let header_addr = pclntab_address(bin, data);
        let text_start = text_start(bin, header_addr, ps, word(2)?, funcname_off as u64)?;
        let functab = data
            .get(pcln_off..)
            .ok_or_else(|| bin.malformed(".gopclntab", "pclnOffset past the end"))?;
        let funcnames = data
            .get(funcname_off..)
            .ok_or_else(|| bin.malformed(".gopclntab", "funcnameOffset past the end"))?;
        if functab.len() < nfunc.saturating_mul(8).saturating_add(4) {
            return Err(bin.malformed(".gopclntab", format!("functab too short for {nfunc} functions")));
        }
        let u32_at = |buf: &[u8], off: usize| -> Option<u32> {
            buf.get(off..off + 4).map(|b| bin.read_uint(b, 4) as u32)
        };
        let mut funcs = Vec::with_capacity(nfunc);
        for i in 0..nfunc {
            let entry_off = u32_at(functab, i * 8).unwrap_or(0);
            let func_off = u32_at(functab, i * 8 + 4).unwrap_or(0) as usize;
            let next_entry = u32_at(functab, (i + 1) * 8).unwrap_or(entry_off);
            let name_off = u32_at(functab, func_off + 4)
                .ok_or_else(|| bin.malformed(".gopclntab", format!("_func record {i} past the end")))?;
            let name = cstring_at(funcnames, name_off as usize)
                .ok_or_else(|| bin.malformed(".gopclntab", format!("name of function {i}")))?;
            funcs.push(Func {
                name,
                entry: text_start + entry_off as u64,
                end: text_start + next_entry as u64,
            });
        }
        Ok(Pclntab {
            text_start,
            ptr_size,
            funcs,
        })
    }

    /// The function with this exact name (`net/http.serverHandler.ServeHTTP`,
    /// `net/http.(*Transport).roundTrip`).
    pub fn find(&self, name: &str) -> Option<&Func> {
        self.funcs.iter().find(|f| f.name == name)
    }
}

fn cstring_at(buf: &[u8], off: usize) -> Option<String> {
    let tail = buf.get(off..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// Link-time address of the table's header: its section's, or the one of the file offset the
/// magic was found at.
fn pclntab_address(bin: &Binary, data: &[u8]) -> Option<u64> {
    let file_offset = (data.as_ptr() as usize).checked_sub(bin.data.as_ptr() as usize)? as u64;
    bin.offset_to_vaddr(file_offset)
}

/// Word index of `text` in the runtime's `moduledata` (Go 1.18 to 1.27): after `pcHeader`,
/// six slices (`funcnametab`, `cutab`, `filetab`, `pctab`, `pclntable`, `ftab`),
/// `findfunctab`, `minpc` and `maxpc`.
const MODULEDATA_TEXT_WORD: u64 = 1 + 6 * 3 + 3;

/// Where Go code starts, the base every function entry is relative to, as the runtime itself
/// knows it: the header's `textStart` (Go 1.18 to 1.25; relocated in position-independent
/// binaries), else the `text` field of the `moduledata` that points at this table (Go 1.26
/// dropped the header field), else the `runtime.text` symbol. Never the `.text` section's
/// address: in externally linked cgo binaries C code comes first, and every probe would sit
/// that many bytes too low.
fn text_start(bin: &Binary, header_addr: Option<u64>, ps: usize, header_field: u64, funcname_off: u64) -> Result<u64, AttachError> {
    if header_field != 0 {
        return Ok(header_field);
    }
    if let Some(header) = header_addr {
        if let Some(relocated) = bin.pointer_at(header + 8 + 2 * ps as u64, ps).filter(|v| *v != 0) {
            return Ok(relocated);
        }
        let text = bin.section(".text");
        let moduledata_text = bin
            .words_pointing_to(header, ps)
            .into_iter()
            .filter(|md| bin.pointer_at(md + ps as u64, ps) == Some(header + funcname_off))
            .filter_map(|md| bin.pointer_at(md + MODULEDATA_TEXT_WORD * ps as u64, ps))
            .find(|t| text.map_or(*t != 0, |s| s.addr <= *t && *t < s.addr + s.size));
        if let Some(t) = moduledata_text {
            return Ok(t);
        }
    }
    runtime_text_symbol(bin).ok_or_else(|| {
        bin.malformed(
            ".gopclntab",
            "cannot tell where Go code starts: no textStart in the table, no runtime moduledata pointing at it, no runtime.text symbol",
        )
    })
}

fn runtime_text_symbol(bin: &Binary) -> Option<u64> {
    use object::{Object, ObjectSymbol};
    let file = object::File::parse(&*bin.data).ok()?;
    let addr = file
        .symbols()
        .find(|s| s.name() == Ok("runtime.text"))
        .map(|s| s.address());
    addr
}

/// Finds the table without its section header: the magic followed by a plausible header.
fn locate_by_magic(bin: &Binary) -> Option<&[u8]> {
    for magic in [MAGIC_120, MAGIC_118] {
        let pat = if bin.little_endian {
            magic.to_le_bytes()
        } else {
            magic.to_be_bytes()
        };
        let mut from = 0;
        while let Some(pos) = find(&bin.data[from..], &pat) {
            let at = from + pos;
            let d = &bin.data[at..];
            if d.len() > 8 && d[4] == 0 && d[5] == 0 && matches!(d[6], 1 | 2 | 4) && matches!(d[7], 4 | 8) {
                return Some(d);
            }
            from = at + 1;
        }
    }
    None
}
