//! The named character references the fast tokenizer decodes itself: every legacy name (the
//! ones that also match without `;`, which must be known to tell a reference from plain text)
//! and the most frequent other names. Values are html5gum's (the WHATWG table).
//!
//! A `&name;` whose name is not here sends the document to html5gum.

/// `(name, value)`, sorted by name's bytes; legacy names appear with and without `;`.
const ENTITIES: &[(&[u8], &str)] = &[
    (b"AElig", "\u{c6}"),
    (b"AElig;", "\u{c6}"),
    (b"AMP", "\u{26}"),
    (b"AMP;", "\u{26}"),
    (b"Aacute", "\u{c1}"),
    (b"Aacute;", "\u{c1}"),
    (b"Acirc", "\u{c2}"),
    (b"Acirc;", "\u{c2}"),
    (b"Agrave", "\u{c0}"),
    (b"Agrave;", "\u{c0}"),
    (b"Aring", "\u{c5}"),
    (b"Aring;", "\u{c5}"),
    (b"Atilde", "\u{c3}"),
    (b"Atilde;", "\u{c3}"),
    (b"Auml", "\u{c4}"),
    (b"Auml;", "\u{c4}"),
    (b"COPY", "\u{a9}"),
    (b"COPY;", "\u{a9}"),
    (b"Ccedil", "\u{c7}"),
    (b"Ccedil;", "\u{c7}"),
    (b"Dagger;", "\u{2021}"),
    (b"ETH", "\u{d0}"),
    (b"ETH;", "\u{d0}"),
    (b"Eacute", "\u{c9}"),
    (b"Eacute;", "\u{c9}"),
    (b"Ecirc", "\u{ca}"),
    (b"Ecirc;", "\u{ca}"),
    (b"Egrave", "\u{c8}"),
    (b"Egrave;", "\u{c8}"),
    (b"Euml", "\u{cb}"),
    (b"Euml;", "\u{cb}"),
    (b"GT", "\u{3e}"),
    (b"GT;", "\u{3e}"),
    (b"Iacute", "\u{cd}"),
    (b"Iacute;", "\u{cd}"),
    (b"Icirc", "\u{ce}"),
    (b"Icirc;", "\u{ce}"),
    (b"Igrave", "\u{cc}"),
    (b"Igrave;", "\u{cc}"),
    (b"Iuml", "\u{cf}"),
    (b"Iuml;", "\u{cf}"),
    (b"LT", "\u{3c}"),
    (b"LT;", "\u{3c}"),
    (b"Ntilde", "\u{d1}"),
    (b"Ntilde;", "\u{d1}"),
    (b"OElig;", "\u{152}"),
    (b"Oacute", "\u{d3}"),
    (b"Oacute;", "\u{d3}"),
    (b"Ocirc", "\u{d4}"),
    (b"Ocirc;", "\u{d4}"),
    (b"Ograve", "\u{d2}"),
    (b"Ograve;", "\u{d2}"),
    (b"Oslash", "\u{d8}"),
    (b"Oslash;", "\u{d8}"),
    (b"Otilde", "\u{d5}"),
    (b"Otilde;", "\u{d5}"),
    (b"Ouml", "\u{d6}"),
    (b"Ouml;", "\u{d6}"),
    (b"Prime;", "\u{2033}"),
    (b"QUOT", "\u{22}"),
    (b"QUOT;", "\u{22}"),
    (b"REG", "\u{ae}"),
    (b"REG;", "\u{ae}"),
    (b"Scaron;", "\u{160}"),
    (b"THORN", "\u{de}"),
    (b"THORN;", "\u{de}"),
    (b"Uacute", "\u{da}"),
    (b"Uacute;", "\u{da}"),
    (b"Ucirc", "\u{db}"),
    (b"Ucirc;", "\u{db}"),
    (b"Ugrave", "\u{d9}"),
    (b"Ugrave;", "\u{d9}"),
    (b"Uuml", "\u{dc}"),
    (b"Uuml;", "\u{dc}"),
    (b"Yacute", "\u{dd}"),
    (b"Yacute;", "\u{dd}"),
    (b"Yuml;", "\u{178}"),
    (b"aacute", "\u{e1}"),
    (b"aacute;", "\u{e1}"),
    (b"acirc", "\u{e2}"),
    (b"acirc;", "\u{e2}"),
    (b"acute", "\u{b4}"),
    (b"acute;", "\u{b4}"),
    (b"aelig", "\u{e6}"),
    (b"aelig;", "\u{e6}"),
    (b"agrave", "\u{e0}"),
    (b"agrave;", "\u{e0}"),
    (b"amp", "\u{26}"),
    (b"amp;", "\u{26}"),
    (b"apos;", "\u{27}"),
    (b"aring", "\u{e5}"),
    (b"aring;", "\u{e5}"),
    (b"atilde", "\u{e3}"),
    (b"atilde;", "\u{e3}"),
    (b"auml", "\u{e4}"),
    (b"auml;", "\u{e4}"),
    (b"bdquo;", "\u{201e}"),
    (b"brvbar", "\u{a6}"),
    (b"brvbar;", "\u{a6}"),
    (b"bull;", "\u{2022}"),
    (b"ccedil", "\u{e7}"),
    (b"ccedil;", "\u{e7}"),
    (b"cedil", "\u{b8}"),
    (b"cedil;", "\u{b8}"),
    (b"cent", "\u{a2}"),
    (b"cent;", "\u{a2}"),
    (b"check;", "\u{2713}"),
    (b"circ;", "\u{2c6}"),
    (b"clubs;", "\u{2663}"),
    (b"copy", "\u{a9}"),
    (b"copy;", "\u{a9}"),
    (b"curren", "\u{a4}"),
    (b"curren;", "\u{a4}"),
    (b"dagger;", "\u{2020}"),
    (b"darr;", "\u{2193}"),
    (b"deg", "\u{b0}"),
    (b"deg;", "\u{b0}"),
    (b"diams;", "\u{2666}"),
    (b"divide", "\u{f7}"),
    (b"divide;", "\u{f7}"),
    (b"eacute", "\u{e9}"),
    (b"eacute;", "\u{e9}"),
    (b"ecirc", "\u{ea}"),
    (b"ecirc;", "\u{ea}"),
    (b"egrave", "\u{e8}"),
    (b"egrave;", "\u{e8}"),
    (b"emsp;", "\u{2003}"),
    (b"ensp;", "\u{2002}"),
    (b"eth", "\u{f0}"),
    (b"eth;", "\u{f0}"),
    (b"euml", "\u{eb}"),
    (b"euml;", "\u{eb}"),
    (b"euro;", "\u{20ac}"),
    (b"fnof;", "\u{192}"),
    (b"frac12", "\u{bd}"),
    (b"frac12;", "\u{bd}"),
    (b"frac14", "\u{bc}"),
    (b"frac14;", "\u{bc}"),
    (b"frac34", "\u{be}"),
    (b"frac34;", "\u{be}"),
    (b"frasl;", "\u{2044}"),
    (b"gt", "\u{3e}"),
    (b"gt;", "\u{3e}"),
    (b"hairsp;", "\u{200a}"),
    (b"harr;", "\u{2194}"),
    (b"hearts;", "\u{2665}"),
    (b"hellip;", "\u{2026}"),
    (b"iacute", "\u{ed}"),
    (b"iacute;", "\u{ed}"),
    (b"icirc", "\u{ee}"),
    (b"icirc;", "\u{ee}"),
    (b"iexcl", "\u{a1}"),
    (b"iexcl;", "\u{a1}"),
    (b"igrave", "\u{ec}"),
    (b"igrave;", "\u{ec}"),
    (b"iquest", "\u{bf}"),
    (b"iquest;", "\u{bf}"),
    (b"iuml", "\u{ef}"),
    (b"iuml;", "\u{ef}"),
    (b"laquo", "\u{ab}"),
    (b"laquo;", "\u{ab}"),
    (b"larr;", "\u{2190}"),
    (b"ldquo;", "\u{201c}"),
    (b"loz;", "\u{25ca}"),
    (b"lrm;", "\u{200e}"),
    (b"lsaquo;", "\u{2039}"),
    (b"lsquo;", "\u{2018}"),
    (b"lt", "\u{3c}"),
    (b"lt;", "\u{3c}"),
    (b"macr", "\u{af}"),
    (b"macr;", "\u{af}"),
    (b"mdash;", "\u{2014}"),
    (b"micro", "\u{b5}"),
    (b"micro;", "\u{b5}"),
    (b"middot", "\u{b7}"),
    (b"middot;", "\u{b7}"),
    (b"nbsp", "\u{a0}"),
    (b"nbsp;", "\u{a0}"),
    (b"ndash;", "\u{2013}"),
    (b"not", "\u{ac}"),
    (b"not;", "\u{ac}"),
    (b"ntilde", "\u{f1}"),
    (b"ntilde;", "\u{f1}"),
    (b"oacute", "\u{f3}"),
    (b"oacute;", "\u{f3}"),
    (b"ocirc", "\u{f4}"),
    (b"ocirc;", "\u{f4}"),
    (b"oelig;", "\u{153}"),
    (b"ograve", "\u{f2}"),
    (b"ograve;", "\u{f2}"),
    (b"oline;", "\u{203e}"),
    (b"ordf", "\u{aa}"),
    (b"ordf;", "\u{aa}"),
    (b"ordm", "\u{ba}"),
    (b"ordm;", "\u{ba}"),
    (b"oslash", "\u{f8}"),
    (b"oslash;", "\u{f8}"),
    (b"otilde", "\u{f5}"),
    (b"otilde;", "\u{f5}"),
    (b"ouml", "\u{f6}"),
    (b"ouml;", "\u{f6}"),
    (b"para", "\u{b6}"),
    (b"para;", "\u{b6}"),
    (b"permil;", "\u{2030}"),
    (b"plusmn", "\u{b1}"),
    (b"plusmn;", "\u{b1}"),
    (b"pound", "\u{a3}"),
    (b"pound;", "\u{a3}"),
    (b"prime;", "\u{2032}"),
    (b"quot", "\u{22}"),
    (b"quot;", "\u{22}"),
    (b"raquo", "\u{bb}"),
    (b"raquo;", "\u{bb}"),
    (b"rarr;", "\u{2192}"),
    (b"rdquo;", "\u{201d}"),
    (b"reg", "\u{ae}"),
    (b"reg;", "\u{ae}"),
    (b"rlm;", "\u{200f}"),
    (b"rsaquo;", "\u{203a}"),
    (b"rsquo;", "\u{2019}"),
    (b"sbquo;", "\u{201a}"),
    (b"scaron;", "\u{161}"),
    (b"sect", "\u{a7}"),
    (b"sect;", "\u{a7}"),
    (b"shy", "\u{ad}"),
    (b"shy;", "\u{ad}"),
    (b"spades;", "\u{2660}"),
    (b"sup1", "\u{b9}"),
    (b"sup1;", "\u{b9}"),
    (b"sup2", "\u{b2}"),
    (b"sup2;", "\u{b2}"),
    (b"sup3", "\u{b3}"),
    (b"sup3;", "\u{b3}"),
    (b"szlig", "\u{df}"),
    (b"szlig;", "\u{df}"),
    (b"thinsp;", "\u{2009}"),
    (b"thorn", "\u{fe}"),
    (b"thorn;", "\u{fe}"),
    (b"tilde;", "\u{2dc}"),
    (b"times", "\u{d7}"),
    (b"times;", "\u{d7}"),
    (b"trade;", "\u{2122}"),
    (b"uacute", "\u{fa}"),
    (b"uacute;", "\u{fa}"),
    (b"uarr;", "\u{2191}"),
    (b"ucirc", "\u{fb}"),
    (b"ucirc;", "\u{fb}"),
    (b"ugrave", "\u{f9}"),
    (b"ugrave;", "\u{f9}"),
    (b"uml", "\u{a8}"),
    (b"uml;", "\u{a8}"),
    (b"uuml", "\u{fc}"),
    (b"uuml;", "\u{fc}"),
    (b"yacute", "\u{fd}"),
    (b"yacute;", "\u{fd}"),
    (b"yen", "\u{a5}"),
    (b"yen;", "\u{a5}"),
    (b"yuml", "\u{ff}"),
    (b"yuml;", "\u{ff}"),
    (b"zwj;", "\u{200d}"),
    (b"zwnj;", "\u{200c}"),
];

/// The longest legacy name (`middot`, `frac12`, ...).
const LONGEST_LEGACY: usize = 6;

/// The names packed big-endian into integers, zero-padded: in the same order as the names,
/// and searched with integer comparisons. Every name has at most eight bytes.
static KEYS: [u64; ENTITIES.len()] = {
    let mut keys = [0; ENTITIES.len()];
    let mut i = 0;
    while i < ENTITIES.len() {
        keys[i] = key(ENTITIES[i].0);
        i += 1;
    }
    keys
};

/// `name` packed big-endian into an integer; 0 for a name over eight bytes, which no entry has.
const fn key(name: &[u8]) -> u64 {
    if name.len() > 8 {
        return 0;
    }
    let mut key = 0;
    let mut i = 0;
    while i < 8 {
        key <<= 8;
        if i < name.len() {
            key |= name[i] as u64;
        }
        i += 1;
    }
    key
}

/// The value of the reference named `name` (with its `;`, if any), if the table holds it.
pub(super) fn lookup(name: &[u8]) -> Option<&'static str> {
    if name.len() > 8 {
        return None;
    }
    let i = KEYS.binary_search(&key(name)).ok()?;
    ENTITIES.get(i).map(|(_, value)| *value)
}

/// The longest legacy name (one that matches without `;`) that `run` starts with, and its value.
pub(super) fn longest_legacy_prefix(run: &[u8]) -> Option<(usize, &'static str)> {
    (2..=run.len().min(LONGEST_LEGACY))
        .rev()
        .find_map(|len| lookup(run.get(..len)?).map(|value| (len, value)))
}

#[cfg(test)]
pub(super) fn keys() -> &'static [u64] {
    &KEYS
}

#[cfg(test)]
pub(super) fn all() -> &'static [(&'static [u8], &'static str)] {
    ENTITIES
}
