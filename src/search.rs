//! The search index, split so a query loads only what it needs: a small manifest, term shards
//! (the words that start with a prefix, and where they occur) and one chunk of text per page,
//! loaded only for the results shown. Every file is a script that registers its data on
//! `window`, because a page opened from disk (`file://`) can load scripts but not fetch JSON.
//!
//! - `search.<hash>.js`: `window.riskguideSearch={c,n,p,s,t}`: the change log's page number
//!   (`c`, -1 when there is none), the page count (`n`), pages per table (`p`), prefix → shard
//!   file (`s`) and the page tables' files (`t`).
//! - `search-shard.<hash>.js`: `riskguideSearchShards[prefix]={word: postings}`; the postings
//!   of a word are, for each page it is on, the page's number as a step from the previous one,
//!   how many sections follow, then each section as `index × 16 + parts` (1 title, 2 heading,
//!   4 prose, 8 table).
//! - `search-pages.<hash>.js`: `riskguideSearchTables[k]=[file, …]`: the page files of pages
//!   `k × PAGES_PER_TABLE` onwards, so the manifest does not grow a line per page.
//! - `search-page.<hash>.js`: `riskguideSearchPages[n]={c,d,s,t,u}`: a page's title, address,
//!   description and its sections' words, as the search box ranks and shows them.
//!
//! A small site (under [`INLINE_LIMIT`]) writes the manifest alone: its `s` maps each prefix to
//! the shard's words themselves (none at all up to `RANK_WITH_TEXT` pages) and `x` lists the
//! pages' texts, so a query loads one file.

use crate::assets::{self, AssetManifest, Fingerprinted};
use crate::markdown::SearchSection;
use crate::model::Page;
use foldhash::HashMap;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Page files listed by one page table.
pub const PAGES_PER_TABLE: usize = 256;
/// A shard whose postings are longer than this (in bytes, before gzip) is split by one more
/// character of its prefix, so a query for a common prefix does not load the whole index.
const SHARD_BUDGET: usize = 48 * 1024;
/// Prefixes are never split past this many characters.
const LONGEST_PREFIX: usize = 6;

const IN_TITLE: u32 = 1;
const IN_HEADING: u32 = 2;
const IN_PROSE: u32 = 4;
const IN_TABLE: u32 = 8;

/// One page of the index, made on the thread that rendered the page.
pub struct SearchPage {
    /// The page's text, as JSON.
    json: Vec<u8>,
    /// The change log, ranked after every other page.
    changelog: bool,
    /// Each word on the page → each section it is in.
    words: PageWords,
}

/// A page's words, each once, with each section it is in as `index × 16 + parts`. The words
/// are written one after another in one string, and their sections in one list, rather than
/// one string and one list a word: far fewer allocations on a big site.
#[derive(Debug, Default)]
struct PageWords {
    text: String,
    /// Each word in turn: where it ends in `text` and where its sections end in `sections`.
    ends: Vec<(usize, usize)>,
    sections: Vec<u32>,
}

/// The words of a text as the search box matches them: lowercased, split at every character
/// that is neither a letter nor a digit (a query word matches at the start of such a word).
/// A word already in lower case is borrowed, not copied.
fn words_of(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if !w.is_ascii() {
                Cow::Owned(w.to_lowercase())
            } else if w.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(w.to_ascii_lowercase())
            } else {
                Cow::Borrowed(w)
            }
        })
}

/// A word met while a page's words are gathered.
struct Met {
    /// The word's number on the page, in the order words were first met.
    number: usize,
    /// The last section it was met in, and where that section's entry is.
    section: usize,
    entry: usize,
}

impl PageWords {
    /// The words of a page with this title and these sections. Each section holds the words of
    /// the title as well as its own.
    fn new(title: &str, search: &[SearchSection]) -> Self {
        let title: Vec<Cow<str>> = words_of(title).collect();
        // Each word → where it was last met; each section's entries in the order met, as
        // (word number, index × 16 + parts).
        let mut met: HashMap<Cow<str>, Met> = HashMap::default();
        let mut entries: Vec<(usize, u32)> = Vec::new();
        for (index, section) in search.iter().enumerate() {
            let at = u32::try_from(index).unwrap_or(u32::MAX >> 4) << 4;
            for (word, part) in title
                .iter()
                .map(|w| (Cow::Borrowed(w.as_ref()), IN_TITLE))
                .chain(words_of(&section.heading).map(|w| (w, IN_HEADING)))
                .chain(words_of(&section.text).map(|w| (w, IN_PROSE)))
                .chain(words_of(&section.table_text).map(|w| (w, IN_TABLE)))
            {
                let next = met.len();
                let seen = met.entry(word).or_insert(Met {
                    number: next,
                    section: usize::MAX,
                    entry: 0,
                });
                if seen.section == index {
                    entries[seen.entry].1 |= part;
                } else {
                    seen.section = index;
                    seen.entry = entries.len();
                    entries.push((seen.number, at | part));
                }
            }
        }
        // The words in the order first met, each with its sections in order.
        let mut by_number: Vec<&str> = vec![""; met.len()];
        for (word, seen) in &met {
            by_number[seen.number] = word;
        }
        let mut counts = vec![0usize; met.len()];
        for (number, _) in &entries {
            counts[*number] += 1;
        }
        let mut text = String::with_capacity(by_number.iter().map(|w| w.len()).sum());
        let mut ends = Vec::with_capacity(met.len());
        let mut starts = Vec::with_capacity(met.len());
        let mut end = 0;
        for (word, count) in by_number.iter().zip(&counts) {
            text.push_str(word);
            starts.push(end);
            end += count;
            ends.push((text.len(), end));
        }
        let mut sections = vec![0; entries.len()];
        for (number, section) in entries {
            sections[starts[number]] = section;
            starts[number] += 1;
        }
        PageWords { text, ends, sections }
    }

    /// Each word with each section it is in.
    fn iter(&self) -> impl Iterator<Item = (&str, &[u32])> {
        let mut text_start = 0;
        let mut sections_start = 0;
        self.ends.iter().map(move |&(text_end, sections_end)| {
            let word = &self.text[text_start..text_end];
            let sections = &self.sections[sections_start..sections_end];
            (text_start, sections_start) = (text_end, sections_end);
            (word, sections)
        })
    }
}

impl SearchPage {
    pub fn new(page: &Page, search: &[SearchSection]) -> Self {
        /// One page's text; the keys are short and in a fixed (sorted) order.
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            /// Present (1) on the change log, which the search box ranks after every other
            /// page: it names every topic once, briefly.
            #[serde(skip_serializing_if = "Option::is_none")]
            c: Option<u8>,
            d: &'a str,
            /// (anchor, heading, prose, table words) of each block under a heading.
            s: Vec<(&'a str, &'a str, &'a str, &'a str)>,
            t: &'a str,
            u: &'a str,
        }
        let changelog = page.route.as_str() == "/changelog/";
        let entry = Entry {
            c: changelog.then_some(1),
            d: &page.description,
            s: search
                .iter()
                .map(|s| {
                    (
                        s.anchor.as_str(),
                        s.heading.as_str(),
                        s.text.as_str(),
                        s.table_text.as_str(),
                    )
                })
                .collect(),
            t: &page.title,
            u: page.route.as_str().trim_start_matches('/'),
        };
        SearchPage {
            // Writing strings and arrays into a Vec cannot fail.
            json: serde_json::to_vec(&entry).unwrap_or_default(),
            changelog,
            words: PageWords::new(&page.title, search),
        }
    }
}

/// A script that sets `window.<global>[key]` to `json`, making the object first if needed.
fn register(global: &str, key: &str, json: &[u8]) -> Vec<u8> {
    let mut out = format!("(window.{global}=window.{global}||{{}})[{key}]=").into_bytes();
    out.extend_from_slice(json);
    out.extend_from_slice(b";\n");
    out
}

/// When the shards and page texts together are at most this many bytes of JSON, they go into
/// the manifest itself and a query loads one index file. From disk each extra script costs a
/// first query about 5–15 ms and the split index loads at least four (manifest, shards, page
/// table, page texts), while parsing 256 KB of JSON takes a few ms; gzipped it is about 80 KB,
/// still one small download from a static host. The shipped guide's index is about 200 KB.
pub const INLINE_LIMIT: usize = 256 * 1024;
/// The search box's `RANK_WITH_TEXT`: up to this many candidate pages, it ranks them by their
/// text alone. A one-file index of no more pages than this leaves the shards out, since the
/// search box ranks every page by its text then; the file is about 40% smaller.
const RANK_WITH_TEXT: usize = 60;

/// Writes the index's files into `manifest` and returns the manifest script's name.
pub fn write_index(manifest: &mut AssetManifest, pages: Vec<SearchPage>) -> Fingerprinted {
    let mut index = IndexBuilder::default();
    for page in pages {
        index.add(page);
    }
    let mut files = Vec::new();
    let name = index.write(manifest, &mut |path, bytes| files.push((path, bytes)));
    manifest.outputs.extend(files);
    name
}

/// A word's postings as they are collected, with the last page they name.
struct Postings {
    last_page: usize,
    list: Packed,
}

/// A list of numbers, each written in as few bytes as it needs (LEB128: seven bits a byte, the
/// high bit set on all but a number's last byte). The postings' numbers are mostly small
/// steps, counts and section marks, so a big site's index takes about a quarter of the memory
/// it would as `u32`s while it grows.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Packed(Vec<u8>);

impl Packed {
    fn push(&mut self, mut n: u32) {
        while n >= 0x80 {
            self.0.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut bytes = self.0.iter();
        std::iter::from_fn(move || {
            let mut n = 0u32;
            let mut shift = 0;
            loop {
                let b = *bytes.next()?;
                n |= u32::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
                if b & 0x80 == 0 {
                    return Some(n);
                }
                shift += 7;
            }
        })
    }
}

impl FromIterator<u32> for Packed {
    fn from_iter<I: IntoIterator<Item = u32>>(numbers: I) -> Self {
        let mut packed = Packed::default();
        for n in numbers {
            packed.push(n);
        }
        packed
    }
}

/// Written as the JSON array of its numbers.
impl serde::Serialize for Packed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// The index as it grows, page by page in the site's order: each page's words are folded into
/// the postings as soon as the page is rendered, so a big site's per-page word lists are never
/// all held at once.
#[derive(Default)]
pub struct IndexBuilder {
    changelog: Option<usize>,
    count: usize,
    /// Every word → its postings, page by page.
    postings: HashMap<String, Postings>,
    /// The pages' texts, held while the whole index may still fit in one file.
    texts: Vec<Vec<u8>>,
    /// Bytes of `texts`; past [`INLINE_LIMIT`] the index is split for certain.
    texts_len: usize,
    /// Once the index is split for certain: every page text file's path, in page order.
    text_files: Option<Vec<String>>,
    /// Page text files made and not yet taken by [`IndexBuilder::take_files`].
    ready: Vec<(String, Vec<u8>)>,
}

impl IndexBuilder {
    /// Adds the next page of the site.
    pub fn add(&mut self, page: SearchPage) {
        let n = self.count;
        self.count += 1;
        if page.changelog && self.changelog.is_none() {
            self.changelog = Some(n);
        }
        for (word, sections) in page.words.iter() {
            let postings = match self.postings.get_mut(word) {
                Some(found) => found,
                None => self.postings.entry(word.to_string()).or_insert(Postings {
                    last_page: n,
                    list: Packed::default(),
                }),
            };
            // The first page of a word is its number; each later one a step from the last.
            let step = if postings.list.is_empty() {
                n
            } else {
                n - postings.last_page
            };
            postings.last_page = n;
            postings.list.push(u32::try_from(step).unwrap_or(u32::MAX));
            postings.list.push(u32::try_from(sections.len()).unwrap_or(u32::MAX));
            for &section in sections {
                postings.list.push(section);
            }
        }
        self.keep_text(page.json);
    }

    /// Holds a page's text while the index may fit in one file; once the texts alone are over
    /// [`INLINE_LIMIT`], each becomes its file right away, so a big site's texts are written
    /// as the pages render instead of all being held until the end.
    fn keep_text(&mut self, json: Vec<u8>) {
        if self.text_files.is_some() {
            self.hand_out(&json);
            return;
        }
        self.texts_len += json.len();
        self.texts.push(json);
        if self.texts_len > INLINE_LIMIT {
            self.spill();
        }
    }

    /// The index is split from now on: every held text becomes its file.
    fn spill(&mut self) {
        self.text_files.get_or_insert_with(Vec::new);
        for json in std::mem::take(&mut self.texts) {
            self.hand_out(&json);
        }
    }

    /// The next page's text as its file, named in `text_files` and ready to be taken.
    fn hand_out(&mut self, json: &[u8]) {
        let files = self.text_files.get_or_insert_with(Vec::new);
        let (path, bytes) = page_text_file(files.len(), json);
        files.push(path.clone());
        self.ready.push((path, bytes));
    }

    /// The page text files made since the last call, to be written out: (path, bytes).
    pub fn take_files(&mut self) -> Vec<(String, Vec<u8>)> {
        std::mem::take(&mut self.ready)
    }

    /// A split index: the page texts not yet handed out become their files, then the page
    /// tables and `shards` go to `put`; returns the manifest naming them.
    fn write_split(
        &mut self,
        put: &mut dyn FnMut(String, Vec<u8>),
        changelog: i64,
        count: usize,
        shards: impl Iterator<Item = (String, Vec<u8>)>,
    ) -> Vec<u8> {
        self.spill();
        for (path, bytes) in self.take_files() {
            put(path, bytes);
        }
        let files = self.text_files.take().unwrap_or_default();
        split_manifest(put, changelog, count, shards, files)
    }

    /// Writes the index: its manifest script into `manifest`, whose name it returns, and a
    /// split index's other files to `put` (path, bytes) one by one as they are made, so a big
    /// site's shards are never all held at once.
    pub fn write(mut self, manifest: &mut AssetManifest, put: &mut dyn FnMut(String, Vec<u8>)) -> Fingerprinted {
        let changelog = self.changelog.map_or(-1, |i| i as i64);
        let count = self.count;
        let postings = std::mem::take(&mut self.postings);
        let mut words: Vec<(String, Packed)> = postings.into_iter().map(|(w, p)| (w, p.list)).collect();
        words.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut shards = BTreeMap::new();
        split(&words, "", &mut shards);
        let shard_json = |(prefix, words): (String, BTreeMap<&str, &Packed>)| {
            let json = serde_json::to_vec(&words).unwrap_or_default();
            (prefix, json)
        };
        let json = if self.text_files.is_none() {
            // The page texts are few enough to be held: the index may fit in one file.
            let shard_json: BTreeMap<String, Vec<u8>> = shards.into_iter().map(shard_json).collect();
            let size: usize = shard_json.values().chain(&self.texts).map(Vec::len).sum();
            if size <= INLINE_LIMIT {
                let shards = if count <= RANK_WITH_TEXT {
                    BTreeMap::new()
                } else {
                    shard_json
                };
                inline_manifest(changelog, count, &shards, &self.texts)
            } else {
                self.write_split(put, changelog, count, shard_json.into_iter())
            }
        } else {
            // Split for certain: each shard is made and handed out in turn.
            self.write_split(put, changelog, count, shards.into_iter().map(shard_json))
        };
        drop(words);
        let mut script = b"window.riskguideSearch=".to_vec();
        script.extend_from_slice(&json);
        script.extend_from_slice(b";\n");
        manifest.add_generated("search.js", script)
    }
}

/// The manifest of a small site, holding the index itself: `s` maps each prefix to its shard's
/// words (not a file name) and `x` lists every page's text, so there are no other files. With
/// no shards (`s` empty), the search box ranks every page by its text.
fn inline_manifest(changelog: i64, count: usize, shards: &BTreeMap<String, Vec<u8>>, texts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("{{\"c\":{changelog},\"n\":{count},\"p\":{PAGES_PER_TABLE},\"s\":{{").into_bytes();
    for (i, (prefix, json)) in shards.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(serde_json::to_string(prefix).unwrap_or_default().as_bytes());
        out.push(b':');
        out.extend_from_slice(json);
    }
    out.extend_from_slice(b"},\"t\":[],\"x\":[");
    for (i, json) in texts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(json);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Page `n`'s text as a file of its own: (path, bytes).
fn page_text_file(n: usize, json: &[u8]) -> (String, Vec<u8>) {
    let bytes = register("riskguideSearchPages", &n.to_string(), json);
    (assets::fingerprint("search-page.js", &bytes).path, bytes)
}

/// Writes the shards and page tables as files of their own and returns the manifest naming
/// them with the page text `files`.
fn split_manifest(
    put: &mut dyn FnMut(String, Vec<u8>),
    changelog: i64,
    count: usize,
    shards: impl Iterator<Item = (String, Vec<u8>)>,
    files: Vec<String>,
) -> Vec<u8> {
    let mut generated = |name: &str, bytes: Vec<u8>| {
        let path = assets::fingerprint(name, &bytes).path;
        put(path.clone(), bytes);
        path
    };
    let table_files: Vec<String> = files
        .chunks(PAGES_PER_TABLE)
        .enumerate()
        .map(|(k, files)| {
            let json = serde_json::to_vec(files).unwrap_or_default();
            generated(
                "search-pages.js",
                register("riskguideSearchTables", &k.to_string(), &json),
            )
        })
        .collect();
    drop(files);
    let shard_files: BTreeMap<String, String> = shards
        .map(|(prefix, json)| {
            let key = serde_json::to_string(&prefix).unwrap_or_default();
            let path = generated("search-shard.js", register("riskguideSearchShards", &key, &json));
            (prefix, path)
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Manifest {
        c: i64,
        n: usize,
        p: usize,
        s: BTreeMap<String, String>,
        t: Vec<String>,
    }
    serde_json::to_vec(&Manifest {
        c: changelog,
        n: count,
        p: PAGES_PER_TABLE,
        s: shard_files,
        t: table_files,
    })
    .unwrap_or_default()
}

/// Rough size of a word's entry in a shard, in bytes of JSON.
fn entry_len(word: &str, postings: &Packed) -> usize {
    // Each number's digits and a comma, counted without writing the number out.
    let digits = |p: u32| p.checked_ilog10().map_or(1, |d| d as usize + 1);
    word.len() + 6 + postings.iter().map(|p| digits(p) + 1).sum::<usize>()
}

/// Groups sorted `words` (all starting with `prefix`) into shards: by the next character of
/// the prefix while a group is over [`SHARD_BUDGET`]. A shard keyed `p` holds the words that
/// start with `p` and are in no longer shard, so the shards a query word needs are those whose
/// prefix starts with the word or that the word starts with.
fn split<'a>(
    words: &'a [(String, Packed)],
    prefix: &str,
    shards: &mut BTreeMap<String, BTreeMap<&'a str, &'a Packed>>,
) {
    // Each word's entry is measured once: `sizes[i]` is the size of the words before the `i`th,
    // so any run of words has its size in one subtraction at every depth.
    let mut sizes: Vec<usize> = Vec::with_capacity(words.len() + 1);
    sizes.push(0);
    sizes.par_extend(words.par_iter().map(|(w, p)| entry_len(w, p)));
    for i in 1..sizes.len() {
        sizes[i] += sizes[i - 1];
    }
    split_sized(words, &sizes, prefix, shards);
}

/// [`split`] with `sizes`, one longer than `words`: `sizes[i]` is the size of the words
/// before the `i`th, plus a constant.
fn split_sized<'a>(
    words: &'a [(String, Packed)],
    sizes: &[usize],
    prefix: &str,
    shards: &mut BTreeMap<String, BTreeMap<&'a str, &'a Packed>>,
) {
    let size = sizes[words.len()] - sizes[0];
    let depth = prefix.chars().count();
    if depth >= 2 && (size <= SHARD_BUDGET || depth >= LONGEST_PREFIX) {
        shards.insert(prefix.to_string(), words.iter().map(|(w, p)| (w.as_str(), p)).collect());
        return;
    }
    let mut here: BTreeMap<&str, &Packed> = BTreeMap::new();
    let mut start = 0;
    while start < words.len() {
        let Some(next) = words[start].0.chars().nth(depth) else {
            // The word is the prefix itself.
            here.insert(&words[start].0, &words[start].1);
            start += 1;
            continue;
        };
        let key = format!("{prefix}{next}");
        let end = start + words[start..].iter().take_while(|(w, _)| w.starts_with(&key)).count();
        split_sized(&words[start..end], &sizes[start..=end], &key, shards);
        start = end;
    }
    if !here.is_empty() {
        shards.entry(prefix.to_string()).or_default().extend(here);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_split_at_every_other_character() {
        let words: Vec<Cow<str>> = words_of("Rotate the API-key (e.g. weekly); Ünïcode 2FA ΟΔΟΣ").collect();
        assert_eq!(
            words,
            [
                "rotate",
                "the",
                "api",
                "key",
                "e",
                "g",
                "weekly",
                "ünïcode",
                "2fa",
                "οδος"
            ]
        );
    }

    /// Each word of a page → each section it is in, as `index × 16 + parts`, gathered the
    /// plain way: a sorted map of words per section.
    fn words_by_section(title: &str, search: &[SearchSection]) -> BTreeMap<String, Vec<u32>> {
        let title: Vec<String> = words_of(title).map(Cow::into_owned).collect();
        let mut words: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (index, section) in search.iter().enumerate() {
            let mut parts: BTreeMap<String, u32> = title.iter().map(|w| (w.clone(), IN_TITLE)).collect();
            for (text, part) in [
                (&section.heading, IN_HEADING),
                (&section.text, IN_PROSE),
                (&section.table_text, IN_TABLE),
            ] {
                for w in words_of(text) {
                    *parts.entry(w.into_owned()).or_default() |= part;
                }
            }
            for (w, p) in parts {
                words.entry(w).or_default().push((index as u32) << 4 | p);
            }
        }
        words
    }

    #[test]
    fn a_pages_words_name_each_section_they_are_in_with_the_parts_they_are_in() {
        let section = |heading: &str, text: &str, table_text: &str| SearchSection {
            anchor: String::new(),
            heading: heading.to_string(),
            text: text.to_string(),
            table_text: table_text.to_string(),
        };
        let search = [
            section("", "Rotate the key; rotate it weekly.", ""),
            section("Rotate keys", "Keys leak: the KEY of Ünïcode", "key rotation ünïcode"),
            section("Empty", "", ""),
            section("Ünïcode", "Straße STRASSE straße", "rotate"),
        ];
        for (title, search) in [
            ("Key rotation", &search[..]),
            ("", &search[..]),
            ("Only a title", &[][..]),
            ("Rotate", &search[2..3]),
        ] {
            let words = PageWords::new(title, search);
            let got: BTreeMap<String, Vec<u32>> = words.iter().map(|(w, s)| (w.to_string(), s.to_vec())).collect();
            assert_eq!(got.len(), words.ends.len(), "each word is listed once");
            assert_eq!(got, words_by_section(title, search), "{title}");
        }
        let words = PageWords::new("Key rotation", &search);
        let key: Vec<u32> = words.iter().find(|(w, _)| *w == "key").unwrap().1.to_vec();
        assert_eq!(
            key,
            [
                IN_TITLE | IN_PROSE,
                1 << 4 | IN_TITLE | IN_PROSE | IN_TABLE,
                2 << 4 | IN_TITLE,
                3 << 4 | IN_TITLE
            ]
        );
    }

    #[test]
    fn every_word_is_in_one_shard_found_by_its_prefixes() {
        // Enough words under "cr" to pass the budget, a few elsewhere, and one-letter words.
        let mut words: Vec<(String, Packed)> = (0..3000)
            .map(|i| {
                (
                    format!("cr{}{i}", ["a", "e", "o"][i % 3]),
                    [1, 1, 4].into_iter().collect(),
                )
            })
            .chain(
                ["a", "ab", "abc", "zz"]
                    .iter()
                    .map(|w| (w.to_string(), [0, 1, 2].into_iter().collect())),
            )
            .collect();
        words.sort_by(|a, b| a.0.cmp(&b.0));
        let mut shards = BTreeMap::new();
        split(&words, "", &mut shards);
        assert!(!shards.contains_key("cr"), "the large prefix was not split");
        assert!(shards.contains_key("cre") && shards.contains_key("a") && shards.contains_key("ab"));
        for (word, _) in &words {
            let holding: Vec<&String> = shards
                .iter()
                .filter(|(_, ws)| ws.contains_key(word.as_str()))
                .map(|(p, _)| p)
                .collect();
            assert_eq!(holding.len(), 1, "{word}: {holding:?}");
            assert!(word.starts_with(holding[0].as_str()));
            // The search box loads the shards whose prefix starts with the word typed or that
            // the word starts with: that includes the one holding it.
            let typed = &word[..2.min(word.len())];
            assert!(typed.starts_with(holding[0].as_str()) || holding[0].starts_with(typed));
        }
        for (prefix, ws) in &shards {
            let size: usize = ws.iter().map(|(w, p)| entry_len(w, p)).sum();
            assert!(
                size <= SHARD_BUDGET || prefix.chars().count() >= LONGEST_PREFIX,
                "{prefix}: {size}"
            );
        }
    }

    /// `count` pages, each with `text_len` bytes of text and the word "zephyr" in its first section.
    fn pages(count: usize, text_len: usize) -> Vec<SearchPage> {
        (0..count)
            .map(|n| SearchPage {
                json: serde_json::to_vec(&serde_json::json!({"t": format!("Note {n}"), "x": "a".repeat(text_len)}))
                    .unwrap(),
                changelog: false,
                words: PageWords {
                    text: "zephyr".to_string(),
                    ends: vec![(6, 1)],
                    sections: vec![IN_PROSE],
                },
            })
            .collect()
    }

    #[test]
    fn a_small_index_is_one_file_and_a_large_one_is_split() {
        let mut small = AssetManifest::default();
        let name = write_index(&mut small, pages(20, 1000));
        assert_eq!(small.outputs.keys().collect::<Vec<_>>(), [&name.path]);
        let script = String::from_utf8(small.outputs[&name.path].clone()).unwrap();
        let json: serde_json::Value = serde_json::from_str(
            script
                .strip_prefix("window.riskguideSearch=")
                .unwrap()
                .trim_end()
                .trim_end_matches(';'),
        )
        .unwrap();
        assert_eq!(json["x"].as_array().map(Vec::len), Some(20));
        assert_eq!(json["x"][3]["t"], "Note 3");
        assert_eq!(
            json["s"],
            serde_json::json!({}),
            "few pages are ranked by their text alone"
        );

        let mut more = AssetManifest::default();
        let name = write_index(&mut more, pages(RANK_WITH_TEXT + 1, 100));
        assert_eq!(more.outputs.len(), 1);
        let script = String::from_utf8(more.outputs[&name.path].clone()).unwrap();
        assert!(
            script.contains("\"s\":{\"ze\":{\"zephyr\":[0,1,4,"),
            "the shard's words are inline"
        );

        let mut large = AssetManifest::default();
        let name = write_index(&mut large, pages(20, INLINE_LIMIT / 20 + 1));
        let mut kinds: Vec<&str> = large.outputs.keys().map(|p| p.split('.').next().unwrap()).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(
            kinds,
            [
                "assets/search",
                "assets/search-page",
                "assets/search-pages",
                "assets/search-shard"
            ]
        );
        assert_eq!(large.outputs.len(), 1 + 20 + 1 + 1);
        let script = String::from_utf8(large.outputs[&name.path].clone()).unwrap();
        assert!(!script.contains("\"x\""), "{script}");
    }

    #[test]
    fn a_large_index_hands_out_page_texts_as_they_come_and_writes_the_same_files() {
        let all = pages(40, INLINE_LIMIT / 20 + 1);
        let mut at_once = AssetManifest::default();
        let name_at_once = write_index(&mut at_once, pages(40, INLINE_LIMIT / 20 + 1));

        let mut index = IndexBuilder::default();
        let mut taken = BTreeMap::new();
        let mut held_after = Vec::new();
        for page in all {
            index.add(page);
            let files = index.take_files();
            held_after.push(index.texts.len());
            taken.extend(files);
        }
        // Each text is over a twentieth of the limit: 19 are held, the 20th passes the limit
        // and from then on every text is handed out.
        assert_eq!(held_after[..19], (1..20).collect::<Vec<_>>());
        assert!(held_after[19..].iter().all(|&n| n == 0), "{held_after:?}");
        assert_eq!(taken.len(), 40);
        let mut streamed = AssetManifest::default();
        let mut handed_out = Vec::new();
        let name = index.write(&mut streamed, &mut |path, bytes| handed_out.push((path, bytes)));
        streamed.outputs.extend(handed_out);
        assert_eq!(name.path, name_at_once.path);
        streamed.outputs.extend(taken);
        assert_eq!(streamed.outputs, at_once.outputs);
    }

    #[test]
    fn an_entrys_length_counts_the_digits_of_each_number() {
        let postings = [0, 9, 10, 99, 100, 65_535, u32::MAX];
        let written: usize = postings.iter().map(|p| p.to_string().len() + 1).sum();
        assert_eq!(entry_len("word", &postings.into_iter().collect()), 4 + 6 + written);
    }

    #[test]
    fn packed_numbers_read_back_and_write_as_a_json_array() {
        let numbers = [
            0,
            1,
            127,
            128,
            255,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            u32::MAX - 1,
            u32::MAX,
        ];
        let packed: Packed = numbers.into_iter().collect();
        assert_eq!(packed.iter().collect::<Vec<u32>>(), numbers);
        assert_eq!(packed.0.len(), 1 + 1 + 1 + 2 + 2 + 2 + 3 + 3 + 4 + 5 + 5);
        assert_eq!(
            serde_json::to_string(&packed).unwrap(),
            serde_json::to_string(&numbers).unwrap()
        );
        assert_eq!(serde_json::to_string(&Packed::default()).unwrap(), "[]");
    }

    #[test]
    fn index_files_register_json_and_nothing_else() {
        let script = register("riskguideSearchShards", "\"cr\"", b"{\"credential\":[0,1,20]}");
        assert_eq!(
            String::from_utf8(script).unwrap(),
            "(window.riskguideSearchShards=window.riskguideSearchShards||{})[\"cr\"]={\"credential\":[0,1,20]};\n"
        );
    }
}
