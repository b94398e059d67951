//! Struct field offsets from the target's own DWARF (present unless built with `-w`/`-s`).
//! Go writes one `DW_TAG_structure_type` per type, named by import path and type name
//! (`net/http.Request`, `runtime.g`), with `DW_TAG_member` children that carry a constant
//! `DW_AT_data_member_location`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use object::{Object, ObjectSection};

use crate::binary::Binary;
use crate::error::AttachError;

/// `(struct type name, field name)`, e.g. `("runtime.g", "goid")`.
pub type FieldKey = (String, String);

/// Reads the offsets of the wanted fields. Fields not found are absent from the map; a
/// binary without DWARF gives an empty map.
pub fn field_offsets(
    bin: &Binary,
    wanted: &[(&str, &str)],
) -> Result<HashMap<FieldKey, u64>, AttachError> {
    let mut out = HashMap::new();
    if !bin.has_dwarf {
        return Ok(out);
    }
    let file = object::File::parse(&*bin.data).map_err(|source| AttachError::NotElf {
        path: bin.path.clone(),
        source,
    })?;
    let endian = if bin.little_endian {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    // Type entries need these three sections only; the others (line tables, location lists:
    // most of a large program's DWARF) are not decompressed.
    let load = |id: gimli::SectionId| -> Result<Cow<'_, [u8]>, gimli::Error> {
        let needed = matches!(id, gimli::SectionId::DebugInfo | gimli::SectionId::DebugAbbrev | gimli::SectionId::DebugStr);
        Ok(match file.section_by_name(id.name()).filter(|_| needed) {
            Some(s) => s.uncompressed_data().unwrap_or(Cow::Borrowed(&[])),
            None => Cow::Borrowed(&[]),
        })
    };
    let sections = gimli::DwarfSections::load(load).map_err(|source| AttachError::Dwarf {
        path: bin.path.clone(),
        source,
    })?;
    let dwarf = sections.borrow(|s| gimli::EndianSlice::new(s, endian));
    let structs: HashSet<&str> = wanted.iter().map(|(s, _)| *s).collect();
    let fields: HashSet<(&str, &str)> = wanted.iter().copied().collect();
    let err = |source| AttachError::Dwarf {
        path: bin.path.clone(),
        source,
    };

    let mut units = dwarf.units();
    while let Some(header) = units.next().map_err(err)? {
        // The header's own tree, not `dwarf.unit`, which would also read the line table.
        let abbrevs = dwarf.abbreviations(&header).map_err(err)?;
        let mut tree = header.entries_tree(&abbrevs, None).map_err(err)?;
        let root = tree.root().map_err(err)?;
        let mut children = root.children();
        while let Some(node) = children.next().map_err(err)? {
            let entry = node.entry();
            if entry.tag() != gimli::DW_TAG_structure_type {
                continue;
            }
            let Some(name) = attr_string(&dwarf, entry, gimli::DW_AT_name) else {
                continue;
            };
            if !structs.contains(name.as_str()) {
                continue;
            }
            let mut members = node.children();
            while let Some(m) = members.next().map_err(err)? {
                let me = m.entry();
                if me.tag() != gimli::DW_TAG_member {
                    continue;
                }
                let Some(field) = attr_string(&dwarf, me, gimli::DW_AT_name) else {
                    continue;
                };
                if !fields.contains(&(name.as_str(), field.as_str())) {
                    continue;
                }
                let loc = me
                    .attr_value(gimli::DW_AT_data_member_location)
                    .map_err(err)?
                    .and_then(|v| v.udata_value());
                if let Some(off) = loc {
                    out.insert((name.clone(), field), off);
                }
            }
        }
    }
    Ok(out)
}

/// A name attribute: inline (Go's linker writes names so) or in `.debug_str`.
fn attr_string<R: gimli::Reader>(
    dwarf: &gimli::Dwarf<R>,
    entry: &gimli::DebuggingInformationEntry<'_, '_, R>,
    at: gimli::DwAt,
) -> Option<String> {
    let s = match entry.attr_value(at).ok()?? {
        gimli::AttributeValue::String(s) => s,
        gimli::AttributeValue::DebugStrRef(offset) => dwarf.debug_str.get_str(offset).ok()?,
        _ => return None,
    };
    let s = s.to_string_lossy().ok()?;
    Some(s.into_owned())
}
