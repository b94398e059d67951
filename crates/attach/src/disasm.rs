//! Where in a function to put uprobes: every return instruction, so exits are probed with plain
//! uprobes on each `RET` (uretprobes break Go: they rewrite the return address on a stack that
//! the Go runtime copies and unwinds itself); the cheapest instruction of its prologue for the
//! entry; and its calls to a given function.
//!
//! A uprobe costs a breakpoint trap, and a second trap when the kernel single-steps the probed
//! instruction out of line; branches, calls and pushes are emulated instead, which makes a hit
//! on them many times cheaper (bench/REPORT.md measures both).
//!
//! amd64 is decoded with iced-x86 (variable-length instructions); arm64 instructions are fixed
//! 4-byte words, and every word that encodes `RET Xn` counts.

use iced_x86::{Decoder, DecoderOptions, Mnemonic, OpKind, Register};

use crate::binary::{Arch, Binary};
use crate::pclntab::Func;

/// Virtual addresses of every return instruction in `func`. `None` when the function's bytes
/// are not in the file.
pub fn ret_addresses(bin: &Binary, func: &Func) -> Option<Vec<u64>> {
    let len = func.end.checked_sub(func.entry)?;
    let code = bin.bytes_at(func.entry, len)?;
    Some(match bin.arch {
        Arch::X86_64 => amd64_rets(code, func.entry),
        Arch::Aarch64 => arm64_rets(code, func.entry, bin.little_endian),
    })
}

/// Where to probe `func`'s entry: an instruction the kernel emulates, before which the argument
/// registers, the stack pointer and the return address are as they were at the entry. On amd64
/// Go's prologue is the stack check (`CMPQ SP, 16(R14)`, or `LEAQ -n(SP), R12; CMPQ R12,
/// 16(R14)` for large frames), its conditional jump to `morestack`, then `PUSHQ BP`: the push
/// is preferred (it runs once per call, after any stack growth restarted the function), else
/// the jump; without either, the entry itself.
pub fn entry_probe_address(bin: &Binary, func: &Func) -> u64 {
    let code = bin.bytes_at(func.entry, func.end.saturating_sub(func.entry).min(32));
    match (bin.arch, code) {
        (Arch::X86_64, Some(code)) => amd64_entry_probe(code, func.entry),
        _ => func.entry,
    }
}

fn amd64_entry_probe(code: &[u8], entry: u64) -> u64 {
    let mut decoder = Decoder::with_ip(64, code, entry, DecoderOptions::NONE);
    let mut jump = None;
    for _ in 0..4 {
        if !decoder.can_decode() {
            break;
        }
        let insn = decoder.decode();
        if insn.mnemonic() == Mnemonic::Push {
            return insn.ip();
        }
        if is_jcc(insn.mnemonic()) {
            jump.get_or_insert(insn.ip());
            continue;
        }
        let harmless = insn.mnemonic() == Mnemonic::Cmp
            || (insn.mnemonic() == Mnemonic::Lea && insn.op0_kind() == OpKind::Register && insn.op0_register() == Register::R12);
        if !harmless {
            break;
        }
    }
    jump.unwrap_or(entry)
}

pub(crate) fn is_jcc(m: Mnemonic) -> bool {
    use Mnemonic::*;
    matches!(m, Jo | Jno | Jb | Jae | Je | Jne | Jbe | Ja | Js | Jns | Jp | Jnp | Jl | Jge | Jle | Jg)
}

/// Virtual addresses of `func`'s direct calls to the function at `target`.
pub fn call_sites(bin: &Binary, func: &Func, target: u64) -> Vec<u64> {
    let Some(code) = bin.bytes_at(func.entry, func.end.saturating_sub(func.entry)) else {
        return Vec::new();
    };
    match bin.arch {
        Arch::X86_64 => {
            let mut decoder = Decoder::with_ip(64, code, func.entry, DecoderOptions::NONE);
            let mut out = Vec::new();
            while decoder.can_decode() {
                let insn = decoder.decode();
                if insn.mnemonic() == Mnemonic::Call && insn.near_branch_target() == target {
                    out.push(insn.ip());
                }
            }
            out
        }
        Arch::Aarch64 => arm64_words(code, func.entry, bin.little_endian)
            .filter(|(ip, word)| arm64_bl_target(*ip, *word) == Some(target))
            .map(|(ip, _)| ip)
            .collect(),
    }
}

/// The target of a `BL imm26` word (the instruction's address plus the signed word offset);
/// `None` for any other instruction.
pub(crate) fn arm64_bl_target(ip: u64, word: u32) -> Option<u64> {
    if word & 0xfc00_0000 != 0x9400_0000 {
        return None;
    }
    let offset = (((word & 0x03ff_ffff) << 6) as i32 >> 6) as i64 * 4;
    Some(ip.wrapping_add_signed(offset))
}

fn arm64_words(code: &[u8], ip: u64, little_endian: bool) -> impl Iterator<Item = (u64, u32)> + '_ {
    code.chunks_exact(4).enumerate().map(move |(i, w)| {
        let b = [w[0], w[1], w[2], w[3]];
        (ip + 4 * i as u64, if little_endian { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    })
}

fn amd64_rets(code: &[u8], ip: u64) -> Vec<u64> {
    let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
    let mut out = Vec::new();
    while decoder.can_decode() {
        let insn = decoder.decode();
        if insn.mnemonic() == Mnemonic::Ret {
            out.push(insn.ip());
        }
    }
    out
}

/// `RET {Xn}`: `1101011 0 0 10 11111 000000 nnnnn 00000`.
pub(crate) fn is_arm64_ret(word: u32) -> bool {
    word & 0xffff_fc1f == 0xd65f_0000
}

fn arm64_rets(code: &[u8], ip: u64, little_endian: bool) -> Vec<u64> {
    arm64_words(code, ip, little_endian).filter(|(_, word)| is_arm64_ret(*word)).map(|(ip, _)| ip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amd64_entry_probe_skips_the_stack_check_compare() {
        // cmp rsp, [r14+0x10]; jbe +0x20; push rbp: the push
        let small = [0x49, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55];
        assert_eq!(amd64_entry_probe(&small, 0x1000), 0x1006);
        // ...without the push: the jump
        assert_eq!(amd64_entry_probe(&small[..6], 0x1000), 0x1004);
        // lea r12, [rsp-0x100]; cmp r12, [r14+0x10]; jbe +0x20; push rbp
        let large = [0x4c, 0x8d, 0xa4, 0x24, 0x00, 0xff, 0xff, 0xff, 0x4d, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55];
        assert_eq!(amd64_entry_probe(&large, 0x1000), 0x100e);
        // push rbp (no stack check): the entry itself
        assert_eq!(amd64_entry_probe(&[0x55, 0x48, 0x89, 0xe5], 0x1000), 0x1000);
        // mov rax, rbx first: it changes an argument register, so the entry
        assert_eq!(amd64_entry_probe(&[0x48, 0x89, 0xd8, 0x76, 0x20], 0x1000), 0x1000);
    }

    #[test]
    fn arm64_bl_targets() {
        // bl +8 at 0x1000 → 0x1008; bl -4 at 0x1004 → 0x1000
        assert_eq!(arm64_bl_target(0x1000, 0x9400_0002), Some(0x1008));
        assert_eq!(arm64_bl_target(0x1004, 0x97ff_ffff), Some(0x1000));
        assert_eq!(arm64_bl_target(0x1004, 0x1400_0002), None, "B is not BL");
    }

    #[test]
    fn amd64_ret_forms() {
        // mov rax, rbx; ret; int3; ret 8; nop
        let code = [0x48, 0x89, 0xd8, 0xc3, 0xcc, 0xc2, 0x08, 0x00, 0x90];
        assert_eq!(amd64_rets(&code, 0x1000), vec![0x1003, 0x1005]);
    }

    #[test]
    fn amd64_c3_inside_an_instruction_is_not_a_ret() {
        // mov eax, 0xc3c3c3c3; ret
        let code = [0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0xc3];
        assert_eq!(amd64_rets(&code, 0), vec![5]);
    }

    #[test]
    fn arm64_ret_words() {
        let mut code = Vec::new();
        for w in [0xd503201fu32 /* nop */, 0xd65f03c0 /* ret */, 0xd65f0020 /* ret x1 */, 0xd61f0000 /* br x0 */] {
            code.extend_from_slice(&w.to_le_bytes());
        }
        assert_eq!(arm64_rets(&code, 0x400, true), vec![0x404, 0x408]);
    }
}
