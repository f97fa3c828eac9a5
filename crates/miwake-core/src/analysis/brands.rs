//! Which brand a domain belongs to, which brand a message claims, and which domains imitate one.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind};
use foldhash::{HashMap, HashMapExt, HashSet};

use crate::analysis::literals::LiteralHit;
use crate::domain::registrable_domain;
use crate::knowledge::{Brand, DomainLists};
use crate::normalize::normalize_str;

/// Words in a host that, next to a brand label, make a lookalike more likely.
const LURE_WORDS: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "verify",
    "verification",
    "secure",
    "security",
    "account",
    "update",
    "support",
    "service",
    "billing",
    "payment",
    "confirm",
    "auth",
    "prime",
    "member",
    "customer",
    "help",
    "info",
    "center",
    "centre",
    "jp",
    "cojp",
    "co-jp",
    "order",
    "delivery",
    "admin",
    "verif",
    "webservice",
    "user",
];

/// A brand lookalike: which brand and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookalike {
    pub brand: usize,
    pub reason: &'static str,
}

#[derive(Debug)]
pub struct BrandIndex {
    pub brands: Vec<Brand>,
    /// Registrable domain → brand index (own and service domains: links there are genuine).
    owners: HashMap<String, usize>,
    /// Registrable domain → brand index, own domains only: mail from a service domain
    /// (a personal hotmail.com mailbox) is not mail from the brand.
    mail_owners: HashMap<String, usize>,
    /// Brand names in normalised text; pattern index → brand index.
    names: Option<AhoCorasick>,
    name_patterns: Vec<String>,
    name_owner: Vec<usize>,
    /// Lookalike labels (skeletons) → brand index.
    labels: Vec<(String, usize)>,
    /// By a host label's length: the `labels` one letter or less longer or shorter, in
    /// `labels` order (the others can be neither equal nor one edit away).
    labels_near_length: Vec<Vec<usize>>,
    /// Each label's [`byte_mask`], in `labels` order.
    label_masks: Vec<u64>,
    /// Lookalike labels of 5+ letters, searched inside a host's skeleton.
    labels_inside: LabelSearch,
    /// ASCII lookalike labels of 4+ letters, searched in URL paths.
    labels_in_path: LabelSearch,
    lure_words: Option<AhoCorasick>,
    /// Every owned domain, to find one written inside another host (stepped by hand, like
    /// [`LabelSearch`]).
    owned_inside: Option<DFA>,
    owned_inside_brand: Vec<usize>,
    cheap_tlds: HashSet<String>,
    /// Hosting-tenant and dynamic-DNS suffixes: a brand label there is a lookalike.
    throwaway_suffixes: HashSet<String>,
}

/// `host` and every domain above it: `a.b.example.com`, `b.example.com`, `example.com`, `com`.
pub fn host_suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(host.match_indices('.').map(move |(i, _)| &host[i + 1..]))
}

impl BrandIndex {
    pub fn new(brands: &[Brand], lists: &DomainLists) -> Self {
        let mut owners = HashMap::new();
        let mut mail_owners = HashMap::new();
        let mut name_patterns = Vec::new();
        let mut name_owner = Vec::new();
        let mut labels = Vec::new();
        for (i, b) in brands.iter().enumerate() {
            for d in b.domains.iter().chain(b.service_domains.iter()) {
                owners.insert(d.to_ascii_lowercase(), i);
            }
            for d in &b.domains {
                mail_owners.insert(d.to_ascii_lowercase(), i);
            }
            for n in &b.names {
                let n = normalize_str(n);
                if !n.trim().is_empty() {
                    name_patterns.push(n);
                    name_owner.push(i);
                }
            }
            for l in &b.lookalike_labels {
                labels.push((skeleton(l), i));
            }
        }
        // Sorted: the map's order is random, the automaton's pattern order must not be.
        let mut owned: Vec<(String, usize)> = owners.iter().map(|(d, b)| (d.clone(), *b)).collect();
        owned.sort_unstable();
        let (owned_patterns, owned_inside_brand): (Vec<String>, Vec<usize>) =
            owned.into_iter().unzip();
        // Every link host is searched for owned domains, and paths for labels: DFAs.
        let owned_inside = DFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&owned_patterns)
            .ok();
        // Brand names are searched in every message's whole text, twice: a DFA takes one step
        // per byte (a few hundred names make a small one).
        let names = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&name_patterns)
            .ok();
        let labels_inside = LabelSearch::new(&labels, |label| label.len() >= 5);
        let labels_in_path =
            LabelSearch::new(&labels, |label| label.len() >= 4 && label.is_ascii());
        let labels_near_length = near_length_table(&labels);
        let label_masks = labels.iter().map(|(l, _)| byte_mask(l)).collect();
        BrandIndex {
            brands: brands.to_vec(),
            owners,
            mail_owners,
            names,
            name_patterns,
            name_owner,
            labels,
            labels_near_length,
            label_masks,
            labels_inside,
            labels_in_path,
            lure_words: AhoCorasick::new(LURE_WORDS).ok(),
            owned_inside,
            owned_inside_brand,
            cheap_tlds: lists.cheap_tlds.iter().cloned().collect(),
            throwaway_suffixes: lists
                .hosting_links
                .iter()
                .chain(&lists.dynamic_dns)
                .chain(&lists.hosting_senders)
                .cloned()
                .collect(),
        }
    }

    /// The brand owning a host (by registrable domain), if any.
    pub fn owner_of_host(&self, host: &str) -> Option<usize> {
        let reg = registrable_domain(host)?;
        self.owners.get(&reg).copied()
    }

    pub fn owner_of_domain(&self, registrable: &str) -> Option<usize> {
        self.owners.get(registrable).copied()
    }

    /// The brand whose own domain sends mail from this registrable domain.
    pub fn sender_owner(&self, registrable: &str) -> Option<usize> {
        self.mail_owners.get(registrable).copied()
    }

    pub fn id(&self, brand: usize) -> &str {
        self.brands.get(brand).map(|b| b.id.as_str()).unwrap_or("")
    }

    /// Brand mentions in normalised text: (brand index, byte range).
    pub fn mentions<'a>(
        &'a self,
        normalized: &'a str,
    ) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + 'a {
        self.names
            .iter()
            .flat_map(move |ac| ac.find_iter(normalized))
            .filter(move |m| is_word_boundary(normalized, m.start(), m.end()))
            .filter_map(|m| {
                let owner = *self.name_owner.get(m.pattern().as_usize())?;
                Some((owner, m.range()))
            })
    }

    /// The brand names, for a search shared with other searchers (see
    /// [`Self::mentions_among`]).
    pub fn name_literals(&self) -> &[String] {
        &self.name_patterns
    }

    /// [`Self::mentions`] from every occurrence of [`Self::name_literals`] in `normalized`,
    /// overlapping ones included: the search for names alone takes, from left to right,
    /// the longest name that starts first and goes on after its end; so does this.
    pub fn mentions_among<'a>(
        &'a self,
        normalized: &'a str,
        hits: &[LiteralHit],
    ) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + 'a {
        leftmost_longest(hits)
            .into_iter()
            .filter(move |h| is_word_boundary(normalized, h.start, h.end))
            .filter_map(|h| Some((*self.name_owner.get(h.literal)?, h.start..h.end)))
    }

    /// The brand a short text (display name, subject) names, if any.
    pub fn named_in(&self, text: &str) -> Option<usize> {
        let n = normalize_str(text);
        let first = self.mentions(&n).map(|(b, _)| b).next();
        first
    }

    /// A brand's own domain written inside `host` between label or hyphen boundaries.
    /// The first occurrence that qualifies, in the order of an overlapping search (by end,
    /// then as the automaton lists the domains ending there).
    fn owned_domain_inside(&self, host: &str) -> Option<usize> {
        let dfa = self.owned_inside.as_ref()?;
        let bytes = host.as_bytes();
        let boundary = |b: Option<&u8>| matches!(b, None | Some(b'.') | Some(b'-'));
        let mut state = dfa.start_state(Anchored::No).ok()?;
        for (at, &byte) in bytes.iter().enumerate() {
            state = dfa.next_state(Anchored::No, state, byte);
            if !dfa.is_special(state) || !dfa.is_match(state) {
                continue;
            }
            let end = at + 1;
            for i in 0..dfa.match_len(state) {
                let domain = dfa.match_pattern(state, i);
                let start = end.saturating_sub(dfa.pattern_len(domain));
                let before = start.checked_sub(1).and_then(|j| bytes.get(j));
                if boundary(before) && boundary(bytes.get(end)) {
                    return self.owned_inside_brand.get(domain.as_usize()).copied();
                }
            }
        }
        None
    }

    /// Whether a host imitates a brand it does not belong to.
    pub fn lookalike(&self, host: &str) -> Option<Lookalike> {
        let reg = registrable_domain(host);
        if reg.as_ref().is_some_and(|r| self.owners.contains_key(r)) {
            return None;
        }
        self.lookalike_foreign(host, reg.as_deref().unwrap_or(host))
    }

    /// `tld` is on the knowledge's list of cheap, abused top-level domains.
    pub fn is_cheap_tld(&self, tld: &str) -> bool {
        self.cheap_tlds.contains(tld)
    }

    /// [`Self::lookalike`] of a host whose registrable domain (`reg`, or the host itself
    /// when it has none) no brand owns.
    pub fn lookalike_foreign(&self, host: &str, reg: &str) -> Option<Lookalike> {
        let tld = reg.rsplit('.').next().unwrap_or("");
        let cheap = self.is_cheap_tld(tld);
        let skel = skeleton(host);
        // A brand's own domain written inside another host: amazon.co.jp.evil.top.
        if let Some(brand) = self.owned_domain_inside(host) {
            return Some(Lookalike {
                brand,
                reason: "brand_domain_inside",
            });
        }
        // A near miss (`amazom`) alone is weak (`finance` is one edit from `binance`);
        // next to a lure word or on a cheap TLD it is not.
        let throwaway = host_suffixes(host).any(|s| self.throwaway_suffixes.contains(s));
        let suspicious_setting = cheap || throwaway || self.has_lure_word(&skel);
        for label in skel.split(is_label_separator) {
            let label_mask = byte_mask(label);
            let near_length = self.labels_near_length.get(label.len());
            let candidates = near_length.into_iter().flatten().filter(|&&i| {
                // One edit leaves out of the label at most one of the brand label's letters.
                let mask = self.label_masks.get(i).copied().unwrap_or(u64::MAX);
                (mask & !label_mask).count_ones() <= 1
            });
            for (brand_label, brand) in candidates.filter_map(|&i| self.labels.get(i)) {
                if label == brand_label {
                    return Some(Lookalike {
                        brand: *brand,
                        reason: "brand_label",
                    });
                }
                let near = brand_label.len() >= 6 || (brand_label.len() >= 5 && suspicious_setting);
                if near && edit_distance_at_most_one(label, brand_label) {
                    return Some(Lookalike {
                        brand: *brand,
                        reason: "edit_distance",
                    });
                }
            }
        }
        // Tested only in a suspicious setting: a substring search per brand label is the
        // costliest step here, and most hosts in honest mail never reach it.
        if suspicious_setting {
            let inside = self.labels_inside.first_in(skel.bytes());
            if let Some(&(_, brand)) = inside.and_then(|i| self.labels.get(i)) {
                return Some(Lookalike {
                    brand,
                    reason: "brand_inside_label",
                });
            }
        }
        // A near miss inside a longer label (`amarzonahktadmin`, `anazonjp`): only where the
        // setting is suspicious, since ordinary words sit one edit from brands too (`amazing`).
        if suspicious_setting {
            for label in skel.split(is_label_separator) {
                let label_mask = byte_mask(label);
                for ((brand_label, brand), mask) in self.labels.iter().zip(&self.label_masks) {
                    // One edit leaves all but one of the brand label's letters in the label.
                    if brand_label.len() >= 6
                        && label.len() > brand_label.len()
                        && (mask & !label_mask).count_ones() <= 1
                        && near_inside(label, brand_label)
                    {
                        return Some(Lookalike {
                            brand: *brand,
                            reason: "near_brand_inside_label",
                        });
                    }
                }
            }
        }
        None
    }

    /// A brand label written in a URL's path or query (`/ap/login/amazon.co.jp/`,
    /// `?v3rify_amazon`), folded like hosts; only labels of 4+ letters.
    pub fn named_in_path(&self, rest: &str) -> Option<usize> {
        let decoded = if rest.contains('%') {
            std::borrow::Cow::Owned(crate::domain::percent_decode(rest))
        } else {
            std::borrow::Cow::Borrowed(rest)
        };
        let first = self.labels_in_path.first_in_skeleton_of(&decoded)?;
        self.labels.get(first).map(|&(_, brand)| brand)
    }

    fn has_lure_word(&self, skel: &str) -> bool {
        self.lure_words.as_ref().is_some_and(|ac| ac.is_match(skel))
    }
}

/// For each length up to the longest label's plus one, the indices of the labels whose
/// length differs from it by at most one.
fn near_length_table(labels: &[(String, usize)]) -> Vec<Vec<usize>> {
    let longest = labels.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    (0..=longest + 1)
        .map(|len| {
            let near = |(_, (l, _)): &(usize, &(String, usize))| l.len().abs_diff(len) <= 1;
            labels
                .iter()
                .enumerate()
                .filter(near)
                .map(|(i, _)| i)
                .collect()
        })
        .collect()
}

/// The bytes a text holds, as bits (byte mod 64: a coarse set, never missing one).
fn byte_mask(text: &str) -> u64 {
    text.bytes().fold(0, |mask, b| mask | 1 << (b & 63))
}

/// Some of the lookalike labels, searched for together: a DFA stepped by hand, which takes
/// half the instructions of the crate's overlapping iterator and can be fed a skeleton
/// byte by byte, as it is folded.
#[derive(Debug)]
struct LabelSearch {
    dfa: Option<DFA>,
    /// Each pattern's index in `labels`.
    index: Vec<usize>,
}

impl LabelSearch {
    /// A search for the labels that pass `keep`.
    fn new(labels: &[(String, usize)], keep: impl Fn(&str) -> bool) -> Self {
        let (patterns, index): (Vec<&str>, Vec<usize>) = labels
            .iter()
            .enumerate()
            .filter(|(_, (label, _))| keep(label))
            .map(|(i, (label, _))| (label.as_str(), i))
            .unzip();
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&patterns);
        LabelSearch {
            dfa: dfa.ok(),
            index,
        }
    }

    /// The earliest label in `labels` order (not in text order) found anywhere in `text`, as
    /// the one-label-at-a-time search this replaces would have found it.
    fn first_in(&self, text: impl IntoIterator<Item = u8>) -> Option<usize> {
        let mut search = FirstLabel::new(self)?;
        text.into_iter().for_each(|byte| search.step(byte));
        search.first
    }

    /// [`Self::first_in`] the [`skeleton`] of `text`, folded on the way where it is ASCII.
    fn first_in_skeleton_of(&self, text: &str) -> Option<usize> {
        let mut search = FirstLabel::new(self)?;
        if feed_ascii_skeleton(text, |byte| search.step(byte)) {
            return search.first;
        }
        self.first_in(skeleton(text).bytes())
    }
}

/// One run of a [`LabelSearch`]: the DFA's state, and the earliest label found so far.
struct FirstLabel<'a> {
    dfa: &'a DFA,
    index: &'a [usize],
    state: aho_corasick::automaton::StateID,
    first: Option<usize>,
}

impl<'a> FirstLabel<'a> {
    fn new(search: &'a LabelSearch) -> Option<Self> {
        let dfa = search.dfa.as_ref()?;
        Some(FirstLabel {
            dfa,
            index: &search.index,
            state: dfa.start_state(Anchored::No).ok()?,
            first: None,
        })
    }

    #[inline(always)]
    fn step(&mut self, byte: u8) {
        self.state = self.dfa.next_state(Anchored::No, self.state, byte);
        if self.dfa.is_special(self.state) {
            self.note_matches();
        }
    }

    /// The rare step: out of the hot loop, so that it keeps its state in registers.
    #[inline(never)]
    fn note_matches(&mut self) {
        let dfa = self.dfa;
        if !dfa.is_match(self.state) {
            return;
        }
        for i in 0..dfa.match_len(self.state) {
            if let Some(&label) = self.index.get(dfa.match_pattern(self.state, i).as_usize()) {
                self.first = Some(self.first.map_or(label, |first| first.min(label)));
            }
        }
    }
}

/// Which brand any form of whose name a text holds: a brand label of 4+ letters as written
/// after folding (`amaz0n`, `arnazon`, `Аmazon`), or one edit away from a label of 6+ letters
/// (`amazom`, `amazno`). Used to measure, not to judge: it knows nothing of context.
pub fn brand_form_in(index: &BrandIndex, text: &str) -> Option<usize> {
    let skel = skeleton(text);
    let words: Vec<&str> = skel
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    index.labels.iter().find_map(|(label, brand)| {
        let plain = label.len() >= 4 && label.is_ascii() && skel.contains(label.as_str());
        let near = label.len() >= 6
            && !label.contains('-')
            && words
                .iter()
                .any(|w| w.len() + 1 >= label.len() && near_inside_or_equal(w, label));
        (plain || near).then_some(*brand)
    })
}

fn near_inside_or_equal(word: &str, label: &str) -> bool {
    edit_distance_at_most_one(word, label) || (word.len() > label.len() && near_inside(word, label))
}

/// A host's letters with look-alike digits and letter pairs folded: `arnaz0n` → `amazon`.
pub fn skeleton(host: &str) -> String {
    let folded = fold_ascii(host).unwrap_or_else(|| {
        normalize_str(host)
            .chars()
            .map(fold_lookalike_digit)
            .collect()
    });
    merge_letter_pairs(folded)
}

/// Feeds `emit` the bytes of [`skeleton`]`(text)` without building it, where `text` is what
/// [`fold_ascii`] folds; otherwise stops early, having fed some, and returns `false`.
fn feed_ascii_skeleton(text: &str, emit: impl FnMut(u8)) -> bool {
    let mut foldable = true;
    let folded = text
        .bytes()
        .map(|b| ASCII_FOLD[usize::from(b)])
        .take_while(|&folded| {
            foldable = folded != NOT_FOLDED;
            foldable
        });
    emit_merged_pairs(folded, emit);
    foldable
}

/// What `normalize_str` does to ASCII text without spaces (lower case, nothing else), with
/// look-alike digits folded; `None` for any other text.
fn fold_ascii(host: &str) -> Option<String> {
    let bytes: Vec<u8> = host.bytes().map(|b| ASCII_FOLD[usize::from(b)]).collect();
    if memchr::memchr(NOT_FOLDED, &bytes).is_some() {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// `rn` → `m` and `vv` → `w`, left to right. Neither replacement can make or break a pair
/// of the other, so one pass does what `.replace("rn", "m").replace("vv", "w")` does.
fn merge_letter_pairs(folded: String) -> String {
    let bytes = folded.as_bytes();
    let is_pair = |i: usize| matches!(bytes.get(i..i + 2), Some(b"rn" | b"vv"));
    let Some(first) = memchr::memchr2_iter(b'r', b'v', bytes).find(|&i| is_pair(i)) else {
        return folded;
    };
    let mut merged = Vec::with_capacity(bytes.len());
    merged.extend_from_slice(&bytes[..first]);
    emit_merged_pairs(bytes[first..].iter().copied(), |b| merged.push(b));
    String::from_utf8(merged).unwrap_or_else(|_| folded.replace("rn", "m").replace("vv", "w"))
}

/// Feeds `emit` the bytes with `rn` → `m` and `vv` → `w` merged, left to right.
fn emit_merged_pairs(bytes: impl IntoIterator<Item = u8>, mut emit: impl FnMut(u8)) {
    // An `r` or `v` waits for the next byte (0: none waits): with `n` or `v` it makes `m`
    // or `w`.
    let mut waiting = 0u8;
    for b in bytes {
        if waiting != 0 {
            let merged = match (waiting, b) {
                (b'r', b'n') => b'm',
                (b'v', b'v') => b'w',
                _ => 0,
            };
            let before = std::mem::take(&mut waiting);
            if merged != 0 {
                emit(merged);
                continue;
            }
            emit(before);
        }
        if b == b'r' || b == b'v' {
            waiting = b;
        } else {
            emit(b);
        }
    }
    if waiting != 0 {
        emit(waiting);
    }
}

/// [`ASCII_FOLD`]'s mark for a byte `fold_ascii` cannot fold (non-ASCII, or a space that
/// `normalize_str` would collapse); never a byte of UTF-8 text.
const NOT_FOLDED: u8 = 0xFF;

/// Each byte lower-cased and folded by [`fold_lookalike_byte`], or [`NOT_FOLDED`].
const ASCII_FOLD: [u8; 256] = {
    let mut table = [NOT_FOLDED; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if !(byte.is_ascii_whitespace() || byte == 0x0b) {
            table[b] = fold_lookalike_byte(byte.to_ascii_lowercase());
        }
        b += 1;
    }
    table
};

fn is_label_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '_')
}

fn fold_lookalike_digit(c: char) -> char {
    u8::try_from(c).map_or(c, |b| char::from(fold_lookalike_byte(b)))
}

const fn fold_lookalike_byte(b: u8) -> u8 {
    match b {
        b'0' => b'o',
        b'1' | b'!' | b'|' => b'l',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' => b't',
        _ => b,
    }
}

fn is_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let ascii_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    // Japanese names (アマゾン) have no word boundaries; Latin names need them.
    let first = text[start..].chars().next();
    if first.is_some_and(|c| c.is_ascii()) {
        !ascii_word(before) && !ascii_word(after)
    } else {
        true
    }
}

/// Some window of `label` (one shorter, as long, or one longer than `brand`) is at most one
/// edit from `brand`.
fn near_inside(label: &str, brand: &str) -> bool {
    let bytes = label.as_bytes();
    let n = brand.len();
    if !shares_a_third(label, brand) {
        return false;
    }
    // Windows that cut a character are skipped; an ASCII label has none to check.
    let ascii = label.is_ascii();
    (n - 1..=n + 1).any(|w| {
        w <= bytes.len()
            && bytes.windows(w).any(|win| {
                (ascii || std::str::from_utf8(win).is_ok())
                    && bytes_at_most_one_edit(win, brand.as_bytes())
            })
    })
}

/// One edit (a substitution, insertion, deletion or swap of neighbours) spoils at most two of
/// a word's three parts, so a window one edit from `brand` holds one of them intact. This cheap
/// test spares `near_inside` its window-by-window comparisons for most labels.
fn shares_a_third(label: &str, brand: &str) -> bool {
    let b = brand.as_bytes();
    if b.len() < 3 {
        return true;
    }
    let (one, two) = (b.len() / 3, 2 * b.len() / 3);
    let l = label.as_bytes();
    [&b[..one], &b[one..two], &b[two..]]
        .iter()
        .any(|part| memchr::memmem::find(l, part).is_some())
}

/// Levenshtein distance ≤ 1, without allocating.
#[inline]
fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
    bytes_at_most_one_edit(a.as_bytes(), b.as_bytes())
}

/// [`edit_distance_at_most_one`] on the texts' bytes.
#[inline]
fn bytes_at_most_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false; // identical is not "close", it is equal
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    // From three letters on, one edit leaves the first or the last letter in place.
    if long.len() >= 3 && short.first() != long.first() && short.last() != long.last() {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1..] == long[prefix + 1..]
            || (prefix + 1 < short.len()
                && short[prefix] == long[prefix + 1]
                && short[prefix + 1] == long[prefix]
                && short[prefix + 2..] == long[prefix + 2..])
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// The non-overlapping occurrences a leftmost-longest search would report, in text order:
/// of those starting first, the longest (the first name in the list on a tie), then the
/// same from its end on.
fn leftmost_longest(hits: &[LiteralHit]) -> Vec<LiteralHit> {
    let mut sorted = hits.to_vec();
    sorted.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.literal));
    let mut next = 0;
    sorted.retain(|h| {
        let kept = h.start >= next;
        if kept {
            next = h.end;
        }
        kept
    });
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::literals::LiteralScanner;
    use proptest::prelude::*;

    proptest! {
        /// `mentions_among` replaces `mentions` (a leftmost-longest search of its own) in
        /// the message text.
        #[test]
        fn mentions_among_all_name_hits_equal_a_leftmost_longest_search(
            text in "(amazon|amazon.co.jp|amazon pay|アマゾン|prime video|paypay|pay|co|[a .jp]){0,12}",
        ) {
            let idx = amazon_index();
            let hits = LiteralScanner::new(&[idx.name_literals()]).scan(&text).remove(0);
            let shared: Vec<_> = idx.mentions_among(&text, &hits).collect();
            let alone: Vec<_> = idx.mentions(&text).collect();
            prop_assert_eq!(shared, alone);
        }
    }

    #[test]
    fn leftmost_longest_prefers_the_earliest_start_then_the_longest_name() {
        let hit = |literal, start, end| LiteralHit {
            literal,
            start,
            end,
        };
        // "amazon pay" at 0..10, "amazon" at 0..6, "pay" at 7..10 and 7..10 again (a second
        // brand with the same name), "on" at 4..6.
        let hits = [
            hit(2, 4, 6),
            hit(1, 0, 6),
            hit(0, 0, 10),
            hit(4, 7, 10),
            hit(3, 7, 10),
        ];
        assert_eq!(leftmost_longest(&hits), vec![hit(0, 0, 10)]);
        assert_eq!(
            leftmost_longest(&hits[..2]),
            vec![hit(1, 0, 6)],
            "a later, overlapping name is skipped"
        );
        assert_eq!(
            leftmost_longest(&[hit(1, 0, 6), hit(4, 7, 10), hit(3, 7, 10)]),
            vec![hit(1, 0, 6), hit(3, 7, 10)]
        );
    }

    fn amazon_index() -> BrandIndex {
        let k = crate::Knowledge::embedded().expect("embedded");
        BrandIndex::new(&k.brands, &k.lists)
    }

    #[test]
    fn brand_name_automaton_stays_small() {
        let idx = amazon_index();
        let bytes = idx.names.as_ref().map_or(0, |ac| ac.memory_usage());
        assert!(bytes < 4 << 20, "{bytes} bytes");
    }

    #[test]
    fn suffixes_of_a_host() {
        let all: Vec<&str> = host_suffixes("a.b.example.com").collect();
        assert_eq!(
            all,
            ["a.b.example.com", "b.example.com", "example.com", "com"]
        );
    }

    #[test]
    fn owners_follow_registrable_domains() {
        let idx = amazon_index();
        assert_eq!(
            idx.owner_of_host("www.amazon.co.jp").map(|b| idx.id(b)),
            Some("amazon")
        );
        assert_eq!(idx.owner_of_host("amazon.co.jp.evil.top"), None);
        assert_eq!(idx.owner_of_host("amazon-co-jp.shop"), None);
    }

    #[test]
    fn lookalikes_are_caught() {
        let idx = amazon_index();
        for host in [
            "amazon.co.jp.evil.top",
            "amazon-co-jp.shop",
            "amaz0n-co-jp.xyz",
            "www.arnazon.com",
            "amazom.com",
            "secure-amazon-login.example",
            "www.amarzonahktadmin.jp",
            "amazon.banana-q2d5.workers.dev",
            "anazonjp-login.example",
        ] {
            assert!(
                idx.lookalike(host).is_some(),
                "{host} should be a lookalike"
            );
        }
        for host in [
            "www.amazon.co.jp",
            "example.com",
            "smile.amazon.com",
            "lists.debian.org",
            "amazingdeals.com",
            "www.amazonas.gov.br",
        ] {
            assert!(
                idx.lookalike(host).is_none(),
                "{host} should not be a lookalike"
            );
        }
    }

    #[test]
    fn thirds_filter_keeps_every_single_edit() {
        let brand = "amazon";
        let letters = b"amzonx";
        let mut variants = Vec::new();
        for i in 0..brand.len() {
            let mut deleted = brand.as_bytes().to_vec();
            deleted.remove(i);
            variants.push(deleted);
            for &c in letters {
                let mut sub = brand.as_bytes().to_vec();
                sub[i] = c;
                variants.push(sub);
                let mut ins = brand.as_bytes().to_vec();
                ins.insert(i, c);
                variants.push(ins);
            }
            if i + 1 < brand.len() {
                let mut swapped = brand.as_bytes().to_vec();
                swapped.swap(i, i + 1);
                variants.push(swapped);
            }
        }
        for v in variants {
            let word = String::from_utf8(v).expect("ascii");
            let label = format!("secure{word}login");
            assert!(shares_a_third(&label, brand), "{label}");
            if word != brand {
                assert!(near_inside(&label, brand), "{label}");
            }
        }
        assert!(!shares_a_third("lists-debian-org", brand));
    }

    #[test]
    fn edit_distance_one() {
        assert!(edit_distance_at_most_one("amazom", "amazon"));
        assert!(edit_distance_at_most_one("amazn", "amazon"));
        assert!(edit_distance_at_most_one("amazoon", "amazon"));
        assert!(edit_distance_at_most_one("amzaon", "amazon"));
        assert!(!edit_distance_at_most_one("amazon", "amazon"));
        assert!(!edit_distance_at_most_one("amerika", "amazon"));
    }

    /// `skeleton` before the one-pass ASCII fold and pair merge.
    fn reference_skeleton(host: &str) -> String {
        let spaced = |b: u8| b.is_ascii_whitespace() || b == 0x0b;
        let folded: String = if host.is_ascii() && !host.bytes().any(spaced) {
            host.bytes()
                .map(|b| char::from(fold_lookalike_byte(b.to_ascii_lowercase())))
                .collect()
        } else {
            normalize_str(host)
                .chars()
                .map(fold_lookalike_digit)
                .collect()
        };
        folded.replace("rn", "m").replace("vv", "w")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn skeleton_same_as_reference(
            host in "([rnvwm]|[a-zA-Z0-9.\\-_!|@$ \t\u{0b}]|[аеорсνΑ]|[ＡＲＮＶ０]|\\PC)*",
        ) {
            prop_assert_eq!(skeleton(&host), reference_skeleton(&host));
        }

        /// The letter-mask filter in `lookalike_foreign` never drops a label one (byte) edit
        /// away: such a label lacks at most one of the brand label's bytes.
        #[test]
        fn one_edit_leaves_out_at_most_one_letter(
            brand in "[a-z0-9\\-]{1,9}|[аmаzоn]{1,8}",
            at in 0usize..20,
            edit in 0u8..4,
            byte in prop::sample::select(b"az09-\xD0\xB0".to_vec()),
        ) {
            let mut label = brand.as_bytes().to_vec();
            let at = at % label.len();
            match edit {
                0 => label[at] = byte,
                1 => label.insert(at, byte),
                2 => {
                    label.remove(at);
                }
                _ => {
                    let next = (at + 1).min(label.len() - 1);
                    label.swap(at, next);
                }
            }
            let Ok(label) = String::from_utf8(label) else {
                return Ok(());
            };
            prop_assert!((byte_mask(&brand) & !byte_mask(&label)).count_ones() <= 1);
        }
    }

    /// `named_in_path` before the label search was stepped by hand on a skeleton folded on
    /// the way: the skeleton built whole, searched with the crate's overlapping iterator.
    fn reference_named_in_path(index: &BrandIndex, rest: &str) -> Option<usize> {
        let decoded = match rest.contains('%') {
            true => crate::domain::percent_decode(rest),
            false => rest.to_string(),
        };
        let skel = skeleton(&decoded);
        let (patterns, places): (Vec<&str>, Vec<usize>) = index
            .labels
            .iter()
            .enumerate()
            .filter(|(_, (label, _))| label.len() >= 4 && label.is_ascii())
            .map(|(i, (label, _))| (label.as_str(), i))
            .unzip();
        let searcher = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .ok()?;
        let first = searcher
            .find_overlapping_iter(&skel)
            .filter_map(|m| places.get(m.pattern().as_usize()).copied())
            .min()?;
        index.labels.get(first).map(|&(_, brand)| brand)
    }

    /// `owned_domain_inside` before the search was stepped by hand.
    fn reference_owned_domain_inside(index: &BrandIndex, host: &str) -> Option<usize> {
        let mut owned: Vec<(&String, &usize)> = index.owners.iter().collect();
        owned.sort_unstable();
        let (patterns, brands): (Vec<&String>, Vec<&usize>) = owned.into_iter().unzip();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .ok()?;
        let bytes = host.as_bytes();
        let boundary = |b: Option<&u8>| matches!(b, None | Some(b'.') | Some(b'-'));
        ac.find_overlapping_iter(host)
            .find(|m| {
                let before = m.start().checked_sub(1).and_then(|j| bytes.get(j));
                boundary(before) && boundary(bytes.get(m.end()))
            })
            .and_then(|m| brands.get(m.pattern().as_usize()).map(|&&b| b))
    }

    proptest! {
        #[test]
        fn owned_domain_inside_same_as_reference(
            host in "(amazon|amazon.co.jp|co.jp|amazon.com|paypal.com|rakuten.co.jp|[.-]|evil|x|com){0,8}",
        ) {
            let index = amazon_index();
            prop_assert_eq!(
                index.owned_domain_inside(&host),
                reference_owned_domain_inside(&index, &host)
            );
        }

        #[test]
        fn feeding_the_skeleton_gives_its_bytes(
            text in "([rnvwm]|[a-zA-Z0-9.\\-_!|@$/?=%&]|[ \t]|[аеор]|\\PC)*",
        ) {
            let mut fed = Vec::new();
            if feed_ascii_skeleton(&text, |b| fed.push(b)) {
                prop_assert_eq!(fed, skeleton(&text).into_bytes());
            } else {
                prop_assert!(fold_ascii(&text).is_none());
            }
        }

        #[test]
        fn named_in_path_same_as_reference(
            rest in "(/|\\?|=|&|%2f|%41|amazon|arnaz0n|paypal|pay|rakuten|rn|vv|[a-z0-9._-]|[аеор]|\\PC){0,16}",
        ) {
            let index = amazon_index();
            prop_assert_eq!(index.named_in_path(&rest), reference_named_in_path(&index, &rest));
        }
    }

    #[test]
    fn skeleton_folds_digits_and_pairs() {
        assert_eq!(skeleton("rnrn.vvv.rvv.vrnv"), "mm.wv.rw.vmv");
        assert_eq!(skeleton("arnaz0n"), "amazon");
        assert_eq!(skeleton("Аmazon"), "amazon");
        assert_eq!(skeleton("WWW.AMAZ0N.com"), "www.amazon.com");
        assert_eq!(skeleton("a\u{0b}\tb"), "a b");
        assert_eq!(skeleton("ＡＭＡＺ０Ｎ"), "amazon");
    }
}
