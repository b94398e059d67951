//! Proof that a uprobe address is safe before it goes in (design invariant 8): the function is
//! decoded from its entry to its end, and every probe address must be the start of one of its
//! instructions, and that instruction must be the one the plan put the probe on. A probe in the
//! middle of an instruction corrupts the target's code, so anything doubtful is refused.
//!
//! On amd64 (iced-x86) the whole function must decode: no invalid bytes, the last instruction
//! ending exactly at the function's end, and every direct branch into the function landing on
//! an instruction start. Go functions hold no data between their instructions (jump tables are
//! in `.rodata`), so a failure means the function's address range is wrong (a mistaken text
//! start shifts every function into its neighbours' code) and nothing in it is probed. On arm64
//! every instruction is one aligned 4-byte word; the word itself is checked.
//!
//! Owns the checking only; `disasm` finds the addresses and `plan` refuses what fails here.

use std::collections::HashMap;

use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register};

use crate::binary::{Arch, Binary};
use crate::pclntab::Func;

/// What the plan expects at a probe address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The entry probe: the entry itself, or within the prologue's stack check the `PUSHQ BP`
    /// or the conditional jump to `morestack` (see `disasm::entry_probe_address`).
    Entry,
    /// A return instruction.
    Ret,
    /// A direct call of the function whose entry is this address.
    CallTo(u64),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Entry => f.write_str("the entry or its prologue's PUSHQ BP / stack-check jump"),
            Expect::Ret => f.write_str("a RET"),
            Expect::CallTo(t) => write!(f, "a CALL of {t:#x}"),
        }
    }
}

/// How many instructions from the entry the entry probe may be moved past (the stack check
/// is at most `LEAQ`, `CMPQ`, `Jcc`, then `PUSHQ BP`).
const PROLOGUE_INSNS: usize = 4;

/// A function decoded from its entry: its instructions by address.
#[derive(Debug)]
pub struct DecodedFunction {
    func: Func,
    arch: Arch,
    amd64: Vec<Instruction>,
    /// Index in `amd64` of the instruction starting at each address.
    amd64_at: HashMap<u64, usize>,
    arm64: HashMap<u64, u32>,
}

impl DecodedFunction {
    /// Decodes `func`; an error says why its bytes are not one well-formed Go function.
    pub fn decode(bin: &Binary, func: &Func) -> Result<DecodedFunction, String> {
        let len = func.end.checked_sub(func.entry).filter(|l| *l > 0).ok_or_else(|| format!("{} has an empty address range", func.name))?;
        let code = bin
            .bytes_at(func.entry, len)
            .ok_or_else(|| format!("{} ({:#x}..{:#x}) is not in the file's segments", func.name, func.entry, func.end))?;
        let mut decoded = DecodedFunction {
            func: func.clone(),
            arch: bin.arch,
            amd64: Vec::new(),
            amd64_at: HashMap::new(),
            arm64: HashMap::new(),
        };
        match bin.arch {
            Arch::X86_64 => decoded.decode_amd64(code)?,
            Arch::Aarch64 => {
                if len % 4 != 0 || func.entry % 4 != 0 {
                    return Err(format!("{} is not a whole number of aligned 4-byte instructions", func.name));
                }
                decoded.arm64 = code
                    .chunks_exact(4)
                    .enumerate()
                    .map(|(i, w)| {
                        let b = [w[0], w[1], w[2], w[3]];
                        let word = if bin.little_endian { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) };
                        (func.entry + 4 * i as u64, word)
                    })
                    .collect();
            }
        }
        Ok(decoded)
    }

    fn decode_amd64(&mut self, code: &[u8]) -> Result<(), String> {
        let name = &self.func.name;
        let mut decoder = Decoder::with_ip(64, code, self.func.entry, DecoderOptions::NONE);
        let mut branches = Vec::new();
        while decoder.can_decode() {
            let insn = decoder.decode();
            if insn.is_invalid() {
                return Err(format!(
                    "{name}: bytes at {:#x} do not decode as an instruction (its address range is not one function)",
                    insn.ip()
                ));
            }
            if matches!(insn.op0_kind(), OpKind::NearBranch64 | OpKind::NearBranch32 | OpKind::NearBranch16) {
                branches.push((insn.ip(), insn.near_branch_target()));
            }
            self.amd64_at.insert(insn.ip(), self.amd64.len());
            self.amd64.push(insn);
        }
        for (from, to) in branches {
            if (self.func.entry..self.func.end).contains(&to) && !self.amd64_at.contains_key(&to) {
                return Err(format!(
                    "{name}: the branch at {from:#x} lands at {to:#x}, inside an instruction (its address range is not one function)"
                ));
            }
        }
        Ok(())
    }

    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Whether a probe at `addr` sits on the instruction the plan expects.
    pub fn check(&self, addr: u64, expect: Expect) -> Result<(), String> {
        let name = &self.func.name;
        if !(self.func.entry..self.func.end).contains(&addr) {
            return Err(format!("{addr:#x} is outside {name} ({:#x}..{:#x})", self.func.entry, self.func.end));
        }
        let found = match self.arch {
            Arch::X86_64 => {
                let index = *self
                    .amd64_at
                    .get(&addr)
                    .ok_or_else(|| format!("{addr:#x} is not an instruction boundary of {name}"))?;
                let insn = &self.amd64[index];
                let ok = match expect {
                    Expect::Entry => self.in_prologue(index),
                    Expect::Ret => insn.mnemonic() == Mnemonic::Ret,
                    Expect::CallTo(target) => insn.mnemonic() == Mnemonic::Call && insn.near_branch_target() == target,
                };
                if ok {
                    return Ok(());
                }
                format!("a {}", format!("{:?}", insn.mnemonic()).to_uppercase())
            }
            Arch::Aarch64 => {
                let word = *self.arm64.get(&addr).ok_or_else(|| format!("{addr:#x} is not an instruction boundary of {name}"))?;
                let ok = match expect {
                    Expect::Entry => addr == self.func.entry,
                    Expect::Ret => crate::disasm::is_arm64_ret(word),
                    Expect::CallTo(target) => crate::disasm::arm64_bl_target(addr, word) == Some(target),
                };
                if ok {
                    return Ok(());
                }
                format!("the word {word:#010x}")
            }
        };
        Err(format!("{addr:#x} in {name} holds {found}, not {expect}"))
    }
}

impl DecodedFunction {
    /// Whether instruction `index` is where an entry probe may go: the function starts with
    /// Go's prologue (the stack check `[LEAQ -n(SP), R12;] CMPQ SP|R12, 16(R14); Jcc`, then
    /// `PUSHQ BP`, or `PUSHQ BP` alone), and the instruction is its first one, its jump (to
    /// a `morestack` call inside the function) or its push. A range that does not start with
    /// a prologue is not the function the table names.
    fn in_prologue(&self, index: usize) -> bool {
        let stack_check = |insn: &Instruction| match insn.mnemonic() {
            Mnemonic::Cmp => insn.memory_base() == Register::R14,
            Mnemonic::Lea => insn.op0_register() == Register::R12 && insn.memory_base() == Register::RSP,
            _ => false,
        };
        let push_bp = |insn: &Instruction| insn.mnemonic() == Mnemonic::Push && insn.op0_register() == Register::RBP;
        let jump_inside = |insn: &Instruction| {
            crate::disasm::is_jcc(insn.mnemonic()) && (self.func.entry..self.func.end).contains(&insn.near_branch_target())
        };
        let Some(insn) = self.amd64.get(index) else { return false };
        if index >= PROLOGUE_INSNS {
            return false;
        }
        let before = &self.amd64[..index];
        let checks_before = before.iter().all(|i| stack_check(i) || jump_inside(i));
        let starts_with_prologue = self.amd64.first().is_some_and(|i| stack_check(i) || push_bp(i));
        starts_with_prologue && checks_before && (index == 0 || push_bp(insn) || jump_inside(insn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amd64(code: &[u8]) -> Result<DecodedFunction, String> {
        let func = Func {
            name: "f".into(),
            entry: 0x1000,
            end: 0x1000 + code.len() as u64,
        };
        let mut d = DecodedFunction {
            func,
            arch: Arch::X86_64,
            amd64: Vec::new(),
            amd64_at: HashMap::new(),
            arm64: HashMap::new(),
        };
        d.decode_amd64(code).map(|_| d)
    }

    // cmp rsp, [r14+0x10]; jbe +6 (→ 0x100c); push rbp; mov rbp, rsp; pop rbp; ret;
    // call 0x2000 (e8 rel32); jmp 0x1000
    const FUNC: [u8; 19] = [
        0x49, 0x3b, 0x66, 0x10, 0x76, 0x06, 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3, 0xe8, 0xef, 0x0f, 0x00, 0x00, 0xeb, 0xed,
    ];

    #[test]
    fn expected_instructions_pass() {
        let d = amd64(&FUNC).expect("decodes");
        d.check(0x1000, Expect::Entry).expect("entry");
        d.check(0x1004, Expect::Entry).expect("stack-check jump");
        d.check(0x1006, Expect::Entry).expect("push rbp");
        d.check(0x100b, Expect::Ret).expect("ret");
        d.check(0x100c, Expect::CallTo(0x2000)).expect("call");
    }

    #[test]
    fn wrong_or_misaligned_addresses_are_refused() {
        let d = amd64(&FUNC).expect("decodes");
        let mid = d.check(0x1008, Expect::Entry).expect_err("inside mov");
        assert!(mid.contains("not an instruction boundary"), "{mid}");
        let not_ret = d.check(0x100a, Expect::Ret).expect_err("pop is no ret");
        assert!(not_ret.contains("holds a POP, not a RET"), "{not_ret}");
        assert!(d.check(0x100c, Expect::CallTo(0x3000)).is_err(), "call of another function");
        assert!(d.check(0x1007, Expect::Entry).is_err(), "mov rbp, rsp is not a prologue probe site");
        assert!(d.check(0x2000, Expect::Ret).is_err(), "outside the function");
        // mov rax, rbx; push rbp; ret: no Go prologue at the start, so no entry probe anywhere.
        let odd = amd64(&[0x48, 0x89, 0xd8, 0x55, 0xc3]).expect("decodes");
        assert!(odd.check(0x1000, Expect::Entry).is_err() && odd.check(0x1003, Expect::Entry).is_err());
    }

    #[test]
    fn a_function_that_does_not_decode_is_refused() {
        // The last instruction runs past the function's end.
        let cut = amd64(&FUNC[..14]).expect_err("truncated call");
        assert!(cut.contains("do not decode"), "{cut}");
        // A branch into the middle of an instruction: jmp -8 from 0x1007 → 0x0fff is outside;
        // here: mov eax, imm32; jmp back to 0x1001 (inside the mov).
        let into = amd64(&[0xb8, 0x01, 0x02, 0x03, 0x04, 0xeb, 0xfa]).expect_err("branch into mov");
        assert!(into.contains("inside an instruction"), "{into}");
    }
}
