//! Finding every return instruction of a function, so exits are probed with plain uprobes on
//! each `RET` (uretprobes break Go: they rewrite the return address on a stack that the Go
//! runtime copies and unwinds itself).
//!
//! amd64 is decoded with iced-x86 (variable-length instructions); arm64 instructions are fixed
//! 4-byte words, and every word that encodes `RET Xn` counts.

use iced_x86::{Decoder, DecoderOptions, Mnemonic};

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
fn is_arm64_ret(word: u32) -> bool {
    word & 0xffff_fc1f == 0xd65f_0000
}

fn arm64_rets(code: &[u8], ip: u64, little_endian: bool) -> Vec<u64> {
    code.chunks_exact(4)
        .enumerate()
        .filter_map(|(i, w)| {
            let b = [w[0], w[1], w[2], w[3]];
            let word = if little_endian {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            is_arm64_ret(word).then(|| ip + 4 * i as u64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
