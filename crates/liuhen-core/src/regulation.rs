//! The source regulations (规范性文件) and the articles they contain.
//!
//! Policy packs cite their rules by document file name and article, e.g.
//! `004_78d39a83e0fe43df.txt 五` or `002_628f6a77322dc41d.txt 第十八条`. This
//! module knows the structure of the five documents — which articles,
//! numbered items and sections each has — so that a pack citing an article
//! its document does not contain is refused when it is loaded. It holds the
//! structure only, never the text: the documents themselves are the
//! agencies' publications.
//!
//! A citation is written as the document's file name, a space, and an
//! article path: `第六条（八）` (also `第六条八`, `第六条(八)`), several
//! articles as `第十四、十五条`; the Xiamen notice, which numbers sections
//! instead of articles, as `五`, `六（五）3`, `附件1 二`, `附件2 填表说明4`.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One source document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regulation {
    /// The file name the documents are published under.
    pub file: &'static str,
    /// Short name of the agency, as citations are shown: `汶上`, `叶县`, …
    pub short_zh: &'static str,
    /// The agency that issued it.
    pub agency_zh: &'static str,
    structure: Structure,
}

/// How a document is divided.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Structure {
    /// `第一条` … `第N条`; some articles have numbered items `（一）` ….
    Articles { count: u32, items: &'static [(u32, u32)] },
    /// The Xiamen notice: sections `一` … `六` with items, item 六（五）
    /// with numbered points, and two annexes.
    Sections,
}

/// The five documents in `shared/regulations`.
pub const REGULATIONS: [Regulation; 5] = [
    Regulation {
        file: "000_07fb3968c050b6cb.txt",
        short_zh: "汶上",
        agency_zh: "汶上县城市管理局",
        structure: Structure::Articles { count: 10, items: &[(5, 7), (6, 8), (7, 4), (9, 5)] },
    },
    Regulation {
        file: "001_7a70bf4a2140f7df.txt",
        short_zh: "叶县",
        agency_zh: "叶县交通运输执法局",
        structure: Structure::Articles { count: 25, items: &[(13, 4), (24, 6)] },
    },
    Regulation {
        file: "002_628f6a77322dc41d.txt",
        short_zh: "丰台",
        agency_zh: "丰台街道办事处",
        structure: Structure::Articles { count: 32, items: &[(11, 10), (12, 5), (20, 7), (31, 9)] },
    },
    Regulation {
        file: "003_2ac90c2d08cca6b0.txt",
        short_zh: "大连",
        agency_zh: "大连高新技术产业园区城市管理行政执法局",
        structure: Structure::Articles { count: 30, items: &[(10, 8), (12, 3), (16, 7), (20, 5), (27, 5)] },
    },
    Regulation {
        file: "004_78d39a83e0fe43df.txt",
        short_zh: "厦门",
        agency_zh: "厦门市城市管理行政执法局",
        structure: Structure::Sections,
    },
];

/// Sections of the Xiamen notice and their numbered items.
const XIAMEN_SECTIONS: [(u32, u32); 6] = [(1, 0), (2, 8), (3, 0), (4, 4), (5, 0), (6, 5)];
/// 六（五） lists nine kinds of misconduct (执法过错).
const XIAMEN_6_5_POINTS: u32 = 9;
/// 附件1: four opening statements; 附件2: the checklist with five notes.
const XIAMEN_ANNEX_1_PARTS: u32 = 4;
const XIAMEN_ANNEX_2_NOTES: u32 = 5;

impl Regulation {
    /// The document with this file name.
    pub fn by_file(file: &str) -> Option<&'static Regulation> {
        REGULATIONS.iter().find(|regulation| regulation.file == file)
    }

    /// Every article path this document has, in canonical form.
    pub fn paths(&self) -> BTreeSet<String> {
        let mut paths = BTreeSet::new();
        match self.structure {
            Structure::Articles { count, items } => {
                for article in 1..=count {
                    let name = format!("第{}条", chinese_number(article));
                    let item_count = items.iter().find(|(number, _)| *number == article).map_or(0, |(_, items)| *items);
                    for item in 1..=item_count {
                        paths.insert(format!("{name}（{}）", chinese_number(item)));
                    }
                    paths.insert(name);
                }
            }
            Structure::Sections => {
                for (section, items) in XIAMEN_SECTIONS {
                    let name = chinese_number(section);
                    for item in 1..=items {
                        paths.insert(format!("{name}（{}）", chinese_number(item)));
                    }
                    paths.insert(name);
                }
                for point in 1..=XIAMEN_6_5_POINTS {
                    paths.insert(format!("六（五）{point}"));
                }
                paths.insert("附件1".into());
                for part in 1..=XIAMEN_ANNEX_1_PARTS {
                    paths.insert(format!("附件1 {}", chinese_number(part)));
                }
                paths.insert("附件2".into());
                for note in 1..=XIAMEN_ANNEX_2_NOTES {
                    paths.insert(format!("附件2 填表说明{note}"));
                }
            }
        }
        paths
    }

    /// The article headings as they appear at the start of a line in the
    /// document's text (for checking this catalogue against the texts).
    pub fn headings(&self) -> Vec<String> {
        match self.structure {
            Structure::Articles { count, .. } => (1..=count).map(|article| format!("第{}条", chinese_number(article))).collect(),
            Structure::Sections => XIAMEN_SECTIONS.iter().map(|(section, _)| format!("{}、", chinese_number(*section))).collect(),
        }
    }
}

/// Where a rule comes from: a document and an article path in it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Citation {
    pub file: String,
    /// Canonical article path(s), e.g. `第六条（八）` or `第十四条、第十五条`.
    pub article: String,
}

impl Citation {
    /// The citation as people read it: `厦门 五`, `丰台 第十八条`.
    pub fn short_zh(&self) -> String {
        match Regulation::by_file(&self.file) {
            Some(regulation) => format!("{} {}", regulation.short_zh, self.article),
            None => format!("{} {}", self.file, self.article),
        }
    }
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.file, self.article)
    }
}

/// Why a citation is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CitationError {
    #[error("a source is written as `FILE ARTICLE`, e.g. `004_78d39a83e0fe43df.txt 五` or `002_628f6a77322dc41d.txt 第十八条`")]
    Shape,
    #[error("`{0}` is not one of the source documents ({files})", files = REGULATIONS.map(|regulation| regulation.file).join(", "))]
    UnknownDocument(String),
    #[error("{file} ({agency}) has no article `{article}`")]
    NoSuchArticle { file: String, agency: &'static str, article: String },
}

/// Reads and checks a citation against the catalogue.
pub fn parse_citation(text: &str) -> Result<Citation, CitationError> {
    let text = text.trim();
    let (file, article) = text.split_once(char::is_whitespace).ok_or(CitationError::Shape)?;
    let regulation = Regulation::by_file(file).ok_or_else(|| CitationError::UnknownDocument(file.to_owned()))?;
    let article = article.trim();
    if article.is_empty() {
        return Err(CitationError::Shape);
    }
    let paths = regulation.paths();
    let mut canonical = Vec::new();
    for path in expand(article) {
        if !paths.contains(&path) {
            return Err(CitationError::NoSuchArticle { file: file.to_owned(), agency: regulation.agency_zh, article: article.to_owned() });
        }
        canonical.push(path);
    }
    Ok(Citation { file: file.to_owned(), article: canonical.join("、") })
}

/// Canonical paths for an article reference: half-width brackets become
/// full-width, `第六条八` becomes `第六条（八）`, `第十四、十五条` becomes
/// two articles, and spaces are normalised.
fn expand(article: &str) -> Vec<String> {
    let normalised: String = article.replace(['(', '（'], "（").replace([')', '）'], "）");
    let normalised = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
    // `第十四、十五条`, `第十四条、第十五条`, `第十一条（七）、（八）`.
    if normalised.starts_with('第') && normalised.contains('、') {
        let mut paths: Vec<String> = Vec::new();
        for part in normalised.split('、').map(str::trim) {
            if part.starts_with('（') {
                let article = paths.last().map(|last| last.split('（').next().unwrap_or(last).to_owned()).unwrap_or_default();
                paths.push(format!("{article}{part}"));
            } else if part.starts_with('第') {
                paths.extend(expand_article(part));
            } else {
                paths.extend(expand_article(&format!("第{part}")));
            }
        }
        return paths;
    }
    if normalised.starts_with('第') {
        return expand_article(&normalised);
    }
    // Xiamen: `六（五）3`, `二（一）`, `五`, `附件1 一`, `附件2 填表说明4`.
    if let Some(rest) = normalised.strip_prefix("附件") {
        let rest = rest.replace("填表说明 ", "填表说明");
        return vec![format!("附件{rest}")];
    }
    vec![normalised.replace(' ', "")]
}

/// One article, with or without an item: `第六条八`, `第六条（八）`, `第十四`.
fn expand_article(text: &str) -> Vec<String> {
    let rest = text.trim_start_matches('第');
    let (number, item) = rest.split_once('条').unwrap_or((rest, ""));
    let item = item.trim().trim_start_matches('（').trim_end_matches('）');
    if item.is_empty() {
        vec![format!("第{number}条")]
    } else {
        vec![format!("第{number}条（{item}）")]
    }
}

/// 1 → 一, 10 → 十, 14 → 十四, 20 → 二十, 32 → 三十二 (up to 99).
pub fn chinese_number(number: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (tens, units) = (number / 10, number % 10);
    let mut text = String::new();
    match tens {
        0 => {}
        1 => text.push('十'),
        _ => {
            text.push_str(DIGITS[tens as usize % 10]);
            text.push('十');
        }
    }
    if units != 0 || tens == 0 {
        text.push_str(DIGITS[units as usize]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers_as_articles_write_them() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(14), "十四");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(32), "三十二");
    }

    #[test]
    fn citations_are_read_in_their_usual_spellings() {
        let wenshang = parse_citation("000_07fb3968c050b6cb.txt 第六条八").unwrap();
        assert_eq!(wenshang.article, "第六条（八）");
        assert_eq!(wenshang.short_zh(), "汶上 第六条（八）");
        assert_eq!(parse_citation("000_07fb3968c050b6cb.txt 第六条(八)").unwrap(), wenshang);
        assert_eq!(parse_citation("003_2ac90c2d08cca6b0.txt 第十四、十五条").unwrap().article, "第十四条、第十五条");
        assert_eq!(parse_citation("002_628f6a77322dc41d.txt 第十一条（七）、（八）").unwrap().article, "第十一条（七）、第十一条（八）");
        assert_eq!(
            parse_citation("002_628f6a77322dc41d.txt 第十一条（七）、第十一条（八）").unwrap().article,
            "第十一条（七）、第十一条（八）"
        );
        assert_eq!(parse_citation("004_78d39a83e0fe43df.txt 五").unwrap().short_zh(), "厦门 五");
        assert_eq!(parse_citation("004_78d39a83e0fe43df.txt 六(五)3").unwrap().article, "六（五）3");
        assert_eq!(parse_citation("004_78d39a83e0fe43df.txt 附件1 三").unwrap().article, "附件1 三");
        assert_eq!(parse_citation("004_78d39a83e0fe43df.txt 附件2 填表说明 4").unwrap().article, "附件2 填表说明4");
    }

    #[test]
    fn a_citation_of_a_missing_article_is_refused() {
        for text in [
            "002_628f6a77322dc41d.txt 第三十三条",
            "000_07fb3968c050b6cb.txt 第六条（九）",
            "004_78d39a83e0fe43df.txt 七",
            "004_78d39a83e0fe43df.txt 六（五）10",
            "001_7a70bf4a2140f7df.txt 第十二条（一）",
        ] {
            assert!(matches!(parse_citation(text), Err(CitationError::NoSuchArticle { .. })), "{text}");
        }
        assert!(matches!(parse_citation("999.txt 第一条"), Err(CitationError::UnknownDocument(_))));
        assert_eq!(parse_citation("第一条"), Err(CitationError::Shape));
    }
}
